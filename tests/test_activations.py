"""kerasette.activations: values against Keras's documented formulas, and name lookup."""

import math

import numpy as np
import pytest

from kerasette import activations, backend
from kerasette.autograd import Tensor

F32 = np.float32
X = np.array([-20.0, -6.5, -3.5, -3.0, -1.0, -0.3, 0.0, 0.3, 1.0, 3.0, 3.5, 6.0, 6.5, 20.0])
SELU_ALPHA, SELU_SCALE = 1.67326324, 1.05070098  # Keras's documented constants


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    return y if max_value is None else np.where(x >= max_value, max_value, y)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name: (activation call, formula in plain NumPy)
FORMULAS = {
    "linear": (activations.linear, lambda x: x),
    "relu": (activations.relu, lambda x: np.maximum(x, 0)),
    "relu_negative_slope": (lambda t: activations.relu(t, negative_slope=0.1),
                            lambda x: _relu(x, 0.1)),
    "relu_max_value": (lambda t: activations.relu(t, max_value=2.5),
                       lambda x: np.minimum(np.maximum(x, 0), 2.5)),
    "relu_threshold": (lambda t: activations.relu(t, threshold=1.0),
                       lambda x: np.where(x >= 1.0, x, 0.0)),
    "relu_all": (lambda t: activations.relu(t, negative_slope=0.5, max_value=4.0,
                                            threshold=-1.0),
                 lambda x: _relu(x, 0.5, 4.0, -1.0)),
    "relu_keras2_alpha": (lambda t: activations.relu(t, alpha=0.3), lambda x: _relu(x, 0.3)),
    "relu6": (activations.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    "leaky_relu": (activations.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x)),
    "leaky_relu_slope": (lambda t: activations.leaky_relu(t, negative_slope=0.01),
                         lambda x: np.where(x >= 0, x, 0.01 * x)),
    "sigmoid": (activations.sigmoid, _sigmoid),
    "hard_sigmoid": (activations.hard_sigmoid,
                     lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6),
    "hard_silu": (activations.hard_silu, lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6),
    "hard_swish": (activations.hard_swish,
                   lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6),
    "tanh": (activations.tanh, np.tanh),
    "softplus": (activations.softplus, _softplus),
    "softsign": (activations.softsign, lambda x: x / (np.abs(x) + 1)),
    "elu": (activations.elu, _elu),
    "elu_alpha": (lambda t: activations.elu(t, alpha=0.5), lambda x: _elu(x, 0.5)),
    "selu": (activations.selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA)),
    "gelu": (activations.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    "gelu_approximate": (
        lambda t: activations.gelu(t, approximate=True),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (activations.silu, lambda x: x * _sigmoid(x)),
    "swish": (activations.swish, lambda x: x * _sigmoid(x)),
    "exponential": (activations.exponential, np.exp),
    "mish": (activations.mish, lambda x: x * np.tanh(_softplus(x))),
    "log_sigmoid": (activations.log_sigmoid, lambda x: -_softplus(-x)),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_activation_matches_the_keras_formula(name):
    fn, formula = FORMULAS[name]
    out = fn(Tensor(backend.to_device(X.astype(F32))))
    assert out.dtype == F32
    got = backend.to_numpy(out.data)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, formula(X), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_along_each_axis(name, axis):
    x = np.random.default_rng(0).normal(scale=3.0, size=(2, 3, 4))
    fn = getattr(activations, name)
    got = backend.to_numpy(fn(Tensor(backend.to_device(x.astype(F32))), axis=axis).data)
    expected = _softmax(x, axis)
    if name == "log_softmax":
        expected = np.log(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert got.dtype == F32


def test_softmax_does_not_overflow():
    x = np.array([[1000.0, 0.0, -1000.0]], F32)
    got = backend.to_numpy(activations.softmax(Tensor(backend.to_device(x))).data)
    np.testing.assert_allclose(got, [[1.0, 0.0, 0.0]])


def test_gelu_defaults_and_keras_documented_values():
    from kerasette import ops
    x = Tensor(backend.to_device(np.array([-3.0, -1.0, 0.0, 1.0, 3.0], F32)))
    exact = [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507]
    approximate = [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627]
    for got, want in [(activations.gelu(x), exact), (ops.gelu(x, approximate=False), exact),
                      (ops.gelu(x), approximate),  # keras.ops.gelu defaults to the tanh form
                      (activations.gelu(x, approximate=True), approximate)]:
        # atol: TensorFlow's float32 erf printed -0.00404951; the true value is -0.0040497
        np.testing.assert_allclose(backend.to_numpy(got.data), want, rtol=1e-5, atol=1e-6)


def test_selu_constants_are_keras_constants():
    from kerasette.ops import nn
    assert nn.SELU_ALPHA == pytest.approx(SELU_ALPHA, rel=1e-8)
    assert nn.SELU_SCALE == pytest.approx(SELU_SCALE, rel=1e-8)


# -------------------------------------------------------------- get / serialize

BUILT_IN = ["linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "hard_silu",
            "tanh", "softmax", "log_softmax", "softplus", "softsign", "elu", "selu", "gelu",
            "silu", "exponential", "mish", "log_sigmoid"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_get_by_name_and_serialize_round_trip(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    assert activations.serialize(fn) == name
    assert activations.get(activations.serialize(fn)) is fn
    assert activations.deserialize(name) is fn


@pytest.mark.parametrize("alias, name", [("swish", "silu"), ("hard_swish", "hard_silu")])
def test_aliases(alias, name):
    assert activations.get(alias) is activations.get(name)
    assert activations.serialize(activations.get(alias)) == name


def test_get_none_means_linear_and_callables_pass_through():
    assert activations.get(None) is activations.linear

    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    assert activations.serialize(custom) == "custom"
    assert activations.deserialize("custom", custom_objects={"custom": custom}) is custom


def test_get_a_keras3_serialized_dict():
    config = {"module": "keras.activations", "class_name": "function", "config": "tanh",
              "registered_name": "tanh"}
    assert activations.get(config) is activations.tanh


def test_get_unknown_name_raises_a_clear_error():
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get("not_an_activation")
    with pytest.raises(ValueError, match="not_an_activation"):
        activations.get("not_an_activation")
