"""kerasette.ops neural-network ops: activation gradients, dense, dropout, cross-entropies.

Activation forward values are checked against Keras's formulas in
``test_activations.py``; here every activation passes the float64 gradient check
(kinks dodged) and keeps float32 in float32 out, gradients included.
"""

import numpy as np
import pytest
from helpers import check_gradients, dodge_kinks, host, run_float32

from kerasette import backend, ops
from kerasette.autograd import Tensor, gradients

F32 = np.float32
EPS = 1e-7


def dev(a):
    return backend.to_device(np.asarray(a))


# name: (function of one tensor, points where it has a kink)
ACTIVATIONS = {
    "linear": (ops.linear, ()),
    "relu": (ops.relu, (0.0,)),
    "relu_negative_slope": (lambda t: ops.relu(t, negative_slope=0.1), (0.0,)),
    "relu_max_value": (lambda t: ops.relu(t, max_value=1.5), (0.0, 1.5)),
    "relu_threshold": (lambda t: ops.relu(t, threshold=0.5), (0.5,)),
    "relu_all_three": (lambda t: ops.relu(t, negative_slope=0.3, max_value=2.0,
                                          threshold=-0.5), (-0.5, 2.0)),
    "relu_keras2_alpha": (lambda t: ops.relu(t, alpha=0.25), (0.0,)),
    "relu6": (ops.relu6, (0.0, 6.0)),
    "leaky_relu": (ops.leaky_relu, (0.0,)),
    "sigmoid": (ops.sigmoid, ()),
    "hard_sigmoid": (ops.hard_sigmoid, (-3.0, 3.0)),
    "hard_silu": (ops.hard_silu, (-3.0, 3.0)),
    "tanh": (ops.tanh, ()),
    "softplus": (ops.softplus, ()),
    "softsign": (ops.softsign, (0.0,)),
    "elu": (ops.elu, (0.0,)),
    "elu_alpha": (lambda t: ops.elu(t, alpha=0.5), (0.0,)),
    "selu": (ops.selu, (0.0,)),
    "gelu": (ops.gelu, ()),
    "gelu_exact": (lambda t: ops.gelu(t, approximate=False), ()),
    "silu": (ops.silu, ()),
    "exponential": (ops.exponential, ()),
    "mish": (ops.mish, ()),
    "log_sigmoid": (ops.log_sigmoid, ()),
    "softmax": (ops.softmax, ()),
    "softmax_axis0": (lambda t: ops.softmax(t, axis=0), ()),
    "softmax_axis1": (lambda t: ops.softmax(t, axis=1), ()),
    "log_softmax": (ops.log_softmax, ()),
    "log_softmax_axis0": (lambda t: ops.log_softmax(t, axis=0), ()),
    "log_softmax_axis1": (lambda t: ops.log_softmax(t, axis=1), ()),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradient_and_dtype(name):
    fn, kinks = ACTIVATIONS[name]
    x = np.random.default_rng(1).uniform(-4.0, 7.0, (2, 3, 4))
    x = dodge_kinks(x, points=kinks, margin=0.02)
    out = run_float32(fn, x)
    assert out.shape == x.shape
    check_gradients(fn, x)


def test_relu_default_path_gradient_is_zero_below_zero():
    x = Tensor(dev(np.array([-2.0, -0.5, 0.5, 3.0], F32)), requires_grad=True)
    (grad,) = gradients(ops.sum(ops.relu(x)), [x])
    np.testing.assert_array_equal(host(grad), [0, 0, 1, 1])


# -------------------------------------------------------------------- dense

@pytest.mark.parametrize("x_shape", [(4, 3), (2, 4, 3)], ids=str)
@pytest.mark.parametrize("with_bias", [True, False])
def test_dense(x_shape, with_bias):
    rng = np.random.default_rng(2)
    x, kernel, bias = rng.normal(size=x_shape), rng.normal(size=(3, 5)), rng.normal(size=5)
    arrays = (x, kernel, bias) if with_bias else (x, kernel)
    got = run_float32(ops.dense, *arrays)
    f = [a.astype(F32).astype(np.float64) for a in arrays]
    expected = f[0] @ f[1] + (f[2] if with_bias else 0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    check_gradients(ops.dense, *arrays)


def test_dense_matches_its_composed_twin():
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=s).astype(F32) for s in [(2, 4, 3), (3, 5), (5,)]]
    fused = [Tensor(dev(a), requires_grad=True) for a in arrays]
    plain = [Tensor(dev(a), requires_grad=True) for a in arrays]
    direction = dev(rng.normal(size=(2, 4, 5)).astype(F32))
    g_fused = gradients(ops.sum(ops.dense(*fused) * direction), fused)
    g_plain = gradients(ops.sum((plain[0] @ plain[1] + plain[2]) * direction), plain)
    for a, b in zip(g_fused, g_plain):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ dropout

def test_dropout_mask_statistics_and_scaling():
    rate = 0.3
    x = Tensor(dev(np.ones((200, 500), F32)), requires_grad=True)
    backend.set_seed(7)
    out = ops.dropout(x, rate)
    assert out.dtype == F32
    values = host(out)
    kept = values != 0
    assert abs(1 - kept.mean() - rate) < 0.01
    np.testing.assert_allclose(values[kept], F32(1 / (1 - rate)), rtol=1e-6)
    assert abs(values.mean() - 1.0) < 0.02  # the scaling keeps the expectation
    (grad,) = gradients(out, [x])
    assert grad.dtype == F32
    np.testing.assert_array_equal(host(grad), values)  # x is ones: gradient == mask


def test_dropout_is_reproducible_under_a_seed():
    x = Tensor(dev(np.ones((8, 16), F32)))
    backend.set_seed(11)
    first = host(ops.dropout(x, 0.5))
    second = host(ops.dropout(x, 0.5))
    backend.set_seed(11)
    np.testing.assert_array_equal(host(ops.dropout(x, 0.5)), first)
    assert not np.array_equal(first, second)
    generator = np.random.default_rng(0) if backend.backend() == "numpy" \
        else backend.xp.random.default_rng(0)
    assert ops.dropout(x, 0.5, generator=generator).shape == (8, 16)


def test_dropout_noise_shape_shares_decisions_and_rate_zero_is_identity():
    x = Tensor(dev(np.ones((6, 5, 4), F32)))
    values = host(ops.dropout(x, 0.5, noise_shape=(None, 1, 4)))
    np.testing.assert_array_equal(values, np.broadcast_to(values[:, :1, :], values.shape))
    np.testing.assert_array_equal(host(ops.dropout(x, 0.0)), host(x))


# ------------------------------------------------------------ cross-entropies

def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _cce_probs(t, p, axis=-1):  # Keras's formula on probabilities
    p = np.clip(p / p.sum(axis=axis, keepdims=True), EPS, 1 - EPS)
    return -np.sum(t * np.log(p), axis=axis)


def _bce_probs(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


RNG = np.random.default_rng(4)
LOGITS = RNG.normal(size=(5, 4))
ONE_HOT = np.eye(4)[RNG.integers(0, 4, 5)]
SOFT_TARGET = _softmax(RNG.normal(size=(5, 4)))
LABELS = RNG.integers(0, 4, 5)


@pytest.mark.parametrize("target", [ONE_HOT, SOFT_TARGET], ids=["one_hot", "soft"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_categorical_crossentropy(target, smoothing):
    smoothed = target * (1 - smoothing) + smoothing / 4
    expected = -np.sum(smoothed * np.log(_softmax(LOGITS)), axis=-1)
    t = dev(target.astype(F32))

    def from_logits(z):
        return ops.categorical_crossentropy(t, z, from_logits=True, label_smoothing=smoothing)

    def fused(z):
        return ops.categorical_crossentropy(t, ops.softmax(z), label_smoothing=smoothing)

    for fn in (from_logits, fused):
        np.testing.assert_allclose(run_float32(fn, LOGITS), expected, rtol=1e-5, atol=1e-6)
        check_gradients(fn, LOGITS)
    z = Tensor(dev(LOGITS.astype(F32)), requires_grad=True)
    (grad,) = gradients(fused(z), [z])  # d/dz = softmax(z) * sum(t) - t
    np.testing.assert_allclose(host(grad), _softmax(LOGITS) * smoothed.sum(-1, keepdims=True)
                               - smoothed, rtol=1e-4, atol=1e-6)


def test_categorical_crossentropy_on_plain_probabilities_clips():
    probs = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1], [0.3, 0.3, 0.9]])
    target = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], F32)
    got = run_float32(lambda p: ops.categorical_crossentropy(dev(target), p), probs)
    np.testing.assert_allclose(got, _cce_probs(target, probs), rtol=1e-5)
    np.testing.assert_allclose(got[:2].mean(), 1.1769392, rtol=1e-5)  # Keras's doc example
    away = probs[1:2] + 0.05
    check_gradients(lambda p: ops.categorical_crossentropy(dev(target[:1]), p), away)


def test_categorical_crossentropy_fused_equals_the_clipped_formula_on_probabilities():
    probs = _softmax(LOGITS).astype(F32)
    got = host(ops.categorical_crossentropy(dev(ONE_HOT), ops.softmax(dev(LOGITS.astype(F32)))))
    np.testing.assert_allclose(got, _cce_probs(ONE_HOT, probs), rtol=1e-5)


@pytest.mark.parametrize("axis", [0, 1])
def test_categorical_crossentropy_along_another_axis(axis):
    probs = _softmax(LOGITS, axis=axis)
    target = ONE_HOT if axis == 1 else np.eye(5)[:, RNG.integers(0, 4, 4)]

    def fn(p):
        return ops.categorical_crossentropy(dev(target), p, axis=axis)

    np.testing.assert_allclose(run_float32(fn, probs), _cce_probs(target, probs, axis),
                               rtol=1e-5)
    check_gradients(fn, probs)


@pytest.mark.parametrize("label_shape", [(5,), (5, 1)], ids=str)
@pytest.mark.parametrize("label_dtype", ["int64", "int32", "float32"])
def test_sparse_categorical_crossentropy(label_shape, label_dtype):
    labels = dev(LABELS.reshape(label_shape).astype(label_dtype))
    expected = -np.log(_softmax(LOGITS))[np.arange(5), LABELS]

    def from_logits(z):
        return ops.sparse_categorical_crossentropy(labels, z, from_logits=True)

    def fused(z):
        return ops.sparse_categorical_crossentropy(labels, ops.softmax(z))

    def plain(p):
        return ops.sparse_categorical_crossentropy(labels, p)

    for fn, x in [(from_logits, LOGITS), (fused, LOGITS), (plain, _softmax(LOGITS))]:
        got = run_float32(fn, x)
        assert got.shape == (5,)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        check_gradients(fn, x)


def test_sparse_categorical_crossentropy_on_sequences():
    logits = RNG.normal(size=(2, 3, 4))
    labels = RNG.integers(0, 4, (2, 3))
    log_p = np.log(_softmax(logits))
    expected = -np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]

    def fn(z):
        return ops.sparse_categorical_crossentropy(dev(labels), z, from_logits=True)

    np.testing.assert_allclose(run_float32(fn, logits), expected, rtol=1e-5, atol=1e-6)
    check_gradients(fn, logits)


@pytest.mark.parametrize("bad", [4, -1, 9])
def test_sparse_categorical_crossentropy_rejects_out_of_range_labels(bad):
    labels = LABELS.copy()
    labels[2] = bad
    with pytest.raises(ValueError, match="range"):  # on CuPy, at the read-back
        ops.sparse_categorical_crossentropy(dev(labels), dev(LOGITS), from_logits=True).numpy()


def test_sparse_categorical_crossentropy_rejects_mismatched_label_shape():
    with pytest.raises(ValueError, match="shape"):
        ops.sparse_categorical_crossentropy(dev(np.zeros(4, int)), dev(LOGITS))


BINARY_TARGETS = RNG.integers(0, 2, (4, 3)).astype(F32)
BINARY_LOGITS = RNG.normal(scale=2.0, size=(4, 3))


@pytest.mark.parametrize("target", [BINARY_TARGETS, _sigmoid(RNG.normal(size=(4, 3)))],
                         ids=["hard", "soft"])
def test_binary_crossentropy(target):
    t = dev(target.astype(F32))
    p = _sigmoid(BINARY_LOGITS)
    expected = -(target * np.log(p) + (1 - target) * np.log(1 - p))

    def from_logits(z):
        return ops.binary_crossentropy(t, z, from_logits=True)

    def fused(z):
        return ops.binary_crossentropy(t, ops.sigmoid(z))

    def plain(q):
        return ops.binary_crossentropy(t, q)

    for fn, x in [(from_logits, BINARY_LOGITS), (fused, BINARY_LOGITS), (plain, p)]:
        got = run_float32(fn, x)
        assert got.shape == (4, 3)  # per element, not averaged
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
        check_gradients(fn, x)
    np.testing.assert_allclose(host(fused(dev(BINARY_LOGITS.astype(F32)))),
                               _bce_probs(target, p.astype(F32)), rtol=1e-4, atol=1e-6)
    z = Tensor(dev(BINARY_LOGITS.astype(F32)), requires_grad=True)
    (grad,) = gradients(fused(z), [z])
    np.testing.assert_allclose(host(grad), p - target, rtol=1e-4, atol=1e-6)


def test_binary_crossentropy_with_logits_is_stable_for_large_logits():
    z = dev(np.array([[-200.0, 200.0, 0.0]], F32))
    t = dev(np.array([[1.0, 0.0, 1.0]], F32))
    got = host(ops.binary_crossentropy(t, z, from_logits=True))
    np.testing.assert_allclose(got, [[200.0, 200.0, np.log(2.0)]], rtol=1e-6)


def test_binary_crossentropy_on_saturated_probabilities_clips():
    p = np.array([[0.0, 1.0, 0.5]], F32)
    t = np.array([[1.0, 0.0, 1.0]], F32)
    got = host(ops.binary_crossentropy(dev(t), dev(p)))
    np.testing.assert_allclose(got, _bce_probs(t, p), rtol=1e-4)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("op", [ops.categorical_crossentropy, ops.binary_crossentropy])
def test_crossentropies_reject_mismatched_shapes(op):
    with pytest.raises(ValueError, match="same shape"):
        op(dev(np.zeros((5, 3), F32)), dev(LOGITS.astype(F32)))


def test_crossentropies_do_not_take_logits_from_the_other_activation():
    z = dev(LOGITS.astype(F32))
    soft, sig = _softmax(LOGITS), _sigmoid(LOGITS)
    bce_on_softmax = host(ops.binary_crossentropy(dev(ONE_HOT.astype(F32)), ops.softmax(z)))
    np.testing.assert_allclose(bce_on_softmax, _bce_probs(ONE_HOT, soft), rtol=1e-4, atol=1e-6)
    cce_on_sigmoid = host(ops.categorical_crossentropy(dev(ONE_HOT), ops.sigmoid(z)))
    np.testing.assert_allclose(cce_on_sigmoid, _cce_probs(ONE_HOT, sig), rtol=1e-5)
    sparse_on_sigmoid = host(ops.sparse_categorical_crossentropy(dev(LABELS), ops.sigmoid(z)))
    normalized = sig / sig.sum(axis=-1, keepdims=True)  # Keras normalizes probabilities
    np.testing.assert_allclose(sparse_on_sigmoid, -np.log(normalized[np.arange(5), LABELS]),
                               rtol=1e-5)


def test_fused_dense_relu_equals_composed_twin():
    from helpers import check_gradients
    rng = np.random.default_rng(11)
    x = dodge_kinks(rng.standard_normal((4, 3)))
    w = rng.standard_normal((3, 5))
    b = rng.standard_normal(5)
    fused = ops.dense(x, w, b, relu=True).numpy()
    composed = ops.relu(ops.dense(x, w, b)).numpy()
    np.testing.assert_allclose(fused, composed, rtol=1e-12)
    pre = x @ w + b
    assert np.min(np.abs(pre)) > 1e-3  # away from the kink for the numerical check
    check_gradients(lambda p, q, r: ops.dense(p, q, r, relu=True), x, w, b)
