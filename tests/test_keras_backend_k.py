"""Keras 2's ``keras.backend`` functions (``K``) against NumPy, in training and in graphs."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend as K
from kerasette import backend_compat
from helpers import check_gradients

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((3, 4)).astype(np.float32)
P = RNG.uniform(0.1, 0.9, (3, 4)).astype(np.float32)


def dev(a):
    return keras.ops.convert_to_tensor(K.to_device(a))


def val(t):
    return K.to_numpy(t.data) if isinstance(t, keras.Tensor) else np.asarray(t)


UNARY = [
    ("sum", {"axis": 1}, lambda a: a.sum(1)), ("mean", {}, np.mean),
    ("mean", {"axis": -1, "keepdims": True}, lambda a: a.mean(-1, keepdims=True)),
    ("std", {"axis": 0}, lambda a: a.std(0)), ("var", {}, np.var),
    ("max", {"axis": 1}, lambda a: a.max(1)), ("min", {}, np.min),
    ("prod", {"axis": 0}, lambda a: a.prod(0)), ("square", {}, np.square),
    ("sqrt", {}, lambda a: np.sqrt(np.maximum(a, 0))), ("abs", {}, np.abs),
    ("round", {}, np.round), ("exp", {}, np.exp), ("sign", {}, np.sign),
    ("cumsum", {"axis": 1}, lambda a: np.cumsum(a, 1)), ("transpose", {}, np.transpose),
    ("flatten", {}, np.ravel), ("batch_flatten", {}, lambda a: a.reshape(3, -1)),
    ("expand_dims", {}, lambda a: a[..., None]), ("argmax", {}, lambda a: a.argmax(-1)),
    ("argmin", {"axis": 0}, lambda a: a.argmin(0)), ("relu", {}, lambda a: np.maximum(a, 0)),
    ("relu", {"alpha": 0.1, "max_value": 0.5},
     lambda a: np.minimum(np.where(a > 0, a, 0.1 * a), 0.5)),
    ("sigmoid", {}, lambda a: 1 / (1 + np.exp(-a))), ("tanh", {}, np.tanh),
    ("softmax", {}, lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
    ("l2_normalize", {"axis": -1},
     lambda a: a / np.sqrt(np.maximum((a * a).sum(-1, keepdims=True), 1e-12))),
    ("reshape", {"shape": (4, 3)}, lambda a: a.reshape(4, 3)),
    ("zeros_like", {}, np.zeros_like), ("ones_like", {}, np.ones_like),
    ("cast", {"dtype": "float64"}, lambda a: a.astype(np.float64)),
    ("clip", {"min_value": -0.5, "max_value": 0.5}, lambda a: np.clip(a, -0.5, 0.5)),
]


@pytest.mark.parametrize("name, kwargs, expected", UNARY, ids=[u[0] for u in UNARY])
def test_unary_against_numpy(name, kwargs, expected):
    got = getattr(K, name)(dev(A), **kwargs)
    np.testing.assert_allclose(val(got), expected(A), rtol=1e-5, atol=1e-6)


def test_log_any_all_pow_squeeze():
    np.testing.assert_allclose(val(K.log(dev(P))), np.log(P), rtol=1e-6)
    np.testing.assert_allclose(val(K.pow(dev(P), 3.0)), P ** 3, rtol=1e-5)
    assert bool(val(K.any(dev(A) > 1.0))) == bool((A > 1).any())
    np.testing.assert_array_equal(val(K.all(dev(A) > -5.0, axis=1)), (A > -5).all(1))
    assert K.int_shape(K.squeeze(dev(A[:, :1]), 1)) == (3,)
    np.testing.assert_allclose(val(K.clip(dev(A), 0.2, None)), np.maximum(A, 0.2))


BINARY = [
    ("maximum", np.maximum), ("minimum", np.minimum), ("equal", np.equal),
    ("not_equal", np.not_equal), ("greater", np.greater), ("less_equal", np.less_equal),
]


@pytest.mark.parametrize("name, expected", BINARY, ids=[b[0] for b in BINARY])
def test_binary_against_numpy(name, expected):
    b = B.copy()
    b[0] = A[0]  # some equal entries
    np.testing.assert_array_equal(val(getattr(K, name)(dev(A), dev(b))), expected(A, b))


def test_joining_and_shapes():
    np.testing.assert_array_equal(val(K.concatenate([dev(A), dev(B)])),
                                  np.concatenate([A, B], -1))
    np.testing.assert_array_equal(val(K.stack([dev(A), dev(B)], axis=1)), np.stack([A, B], 1))
    assert K.int_shape(dev(A)) == (3, 4) and K.ndim(dev(A)) == 2
    np.testing.assert_array_equal(val(K.shape(dev(A))), [3, 4])
    inp = keras.Input((5, 2))
    assert K.int_shape(inp) == (None, 5, 2) and K.ndim(inp) == 3
    assert K.dtype(dev(A)) == "float32"


def test_dot_matches_numpy_dot():
    y3 = RNG.standard_normal((2, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(val(K.dot(dev(A), dev(B.T))), A @ B.T, rtol=1e-5)
    np.testing.assert_allclose(val(K.dot(dev(A), dev(y3))), np.dot(A, y3), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("xs, ys, axes, spec", [
    ((32, 20), (32, 30, 20), (1, 2), "bi,bji->bj"),  # Keras's docstring example
    ((4, 2, 3), (4, 3, 5), None, "bij,bjk->bik"),
    ((4, 3), (4, 3), 1, "bi,bi->b"),
    ((4, 2, 3), (4, 5, 3), (2, 2), "bij,bkj->bik"),
    ((4, 3, 2, 6), (4, 6, 5), (3, 1), "bijk,bkl->bijl"),
])
def test_batch_dot_against_einsum(xs, ys, axes, spec):
    x, y = RNG.standard_normal(xs).astype(np.float32), RNG.standard_normal(ys).astype(np.float32)
    want = np.einsum(spec, x, y)
    want = want[:, None] if want.ndim == 1 else want
    got = val(K.batch_dot(dev(x), dev(y), axes=axes))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_batch_dot_keras_integer_example_and_error():
    x = dev(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    y = dev(np.array([[5.0, 6.0], [7.0, 8.0]], np.float32))
    np.testing.assert_array_equal(val(K.batch_dot(x, y, axes=1)), [[17.0], [53.0]])
    with pytest.raises(ValueError, match="batch_dot"):
        K.batch_dot(x, y, axes=0)


def test_gradients_of_composed_k_functions():
    check_gradients(lambda a, b: K.batch_dot(a, b, axes=(2, 1)),
                    RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 2)))
    check_gradients(lambda a: K.cumsum(K.square(a), axis=1), RNG.standard_normal((3, 4)))
    check_gradients(lambda a, b: K.dot(a, b), RNG.standard_normal((2, 3)),
                    RNG.standard_normal((2, 3, 2)))


def k_mse(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def test_custom_k_loss_gradient_and_training():
    check_gradients(k_mse, RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3)))
    x = RNG.standard_normal((64, 4)).astype(np.float32)
    y = x @ RNG.standard_normal((4, 2)).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=k_mse)
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_function_on_two_layer_model_equals_predict():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    f = K.function([model.input], [model.output, hidden])
    out, mid = f([x])
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-6)
    assert mid.shape == (5, 8)


def test_variables_constants_and_values():
    v = K.variable(np.ones((2, 2)), name="v")
    assert isinstance(v, keras.Variable) and v.dtype == np.float32 and v.trainable
    K.set_value(v, np.full((2, 2), 3.0, np.float32))
    np.testing.assert_array_equal(K.get_value(v), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(K.eval(K.constant(2.0, shape=(2, 3))), np.full((2, 3), 2.0))
    assert K.variable(np.ones(2), dtype="float64").dtype == np.float64
    assert isinstance(K.zeros((2, 3)), keras.Variable)
    np.testing.assert_array_equal(K.eval(K.ones((2,), dtype="float64")), [1.0, 1.0])
    assert K.floatx() == "float32" and K.learning_phase() == 0
    assert K.epsilon() == keras.config.epsilon()
    assert K.image_data_format() == "channels_last"


def test_crossentropies_against_numpy():
    target = np.eye(4, dtype=np.float32)[[0, 2, 1]]
    probs = P / P.sum(-1, keepdims=True)
    np.testing.assert_allclose(val(K.categorical_crossentropy(dev(target), dev(probs))),
                               -(target * np.log(probs)).sum(-1), rtol=1e-5)
    bt = (RNG.random((3, 4)) > 0.5).astype(np.float32)
    np.testing.assert_allclose(val(K.binary_crossentropy(dev(bt), dev(P))),
                               -(bt * np.log(P) + (1 - bt) * np.log(1 - P)), rtol=1e-4)


def test_k_names_match_the_lazy_reexport():
    assert set(backend_compat.__all__) == K._KERAS2_NAMES
    with pytest.raises(AttributeError):
        K.no_such_function  # noqa: B018
