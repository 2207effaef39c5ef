"""The extra NumPy-like ops against NumPy; the differentiable ones' gradients against
central differences."""

import numpy as np
import pytest

import kerasette as keras
from helpers import check_gradients

ops = keras.ops
rng = np.random.default_rng(0)


def host(tensor):
    return keras.backend.to_numpy(tensor.data)


def close(got, want, **kw):
    np.testing.assert_allclose(host(got), want, rtol=1e-5, atol=1e-6, **kw)


X = rng.standard_normal((3, 4)).astype("float32")
M = rng.standard_normal((4, 4)).astype("float32")


@pytest.mark.parametrize("name, fn, ref", [
    ("cumsum", lambda t: ops.cumsum(t, axis=1), lambda a: np.cumsum(a, axis=1)),
    ("cumsum_flat", lambda t: ops.cumsum(t), lambda a: np.cumsum(a)),
    ("cumprod", lambda t: ops.cumprod(t, axis=0), lambda a: np.cumprod(a, axis=0)),
    ("sort", lambda t: ops.sort(t, axis=1), lambda a: np.sort(a, axis=1)),
    ("sort0", lambda t: ops.sort(t, axis=0), lambda a: np.sort(a, axis=0)),
    ("flip", lambda t: ops.flip(t, 1), lambda a: np.flip(a, 1)),
    ("flip_all", lambda t: ops.flip(t), lambda a: np.flip(a)),
    ("roll", lambda t: ops.roll(t, 1, axis=1), lambda a: np.roll(a, 1, axis=1)),
    ("roll_flat", lambda t: ops.roll(t, -5), lambda a: np.roll(a, -5)),
    ("diagonal", lambda t: ops.diagonal(t, 1), lambda a: np.diagonal(a, 1)),
    ("diagonal_neg", lambda t: ops.diagonal(t, -1), lambda a: np.diagonal(a, -1)),
    ("trace", lambda t: ops.trace(t), lambda a: np.trace(a)),
    ("diag_matrix", lambda t: ops.diag(t), lambda a: np.diag(a)),
    ("diag_vector", lambda t: ops.diag(ops.ravel(t)[:3], 1),
     lambda a: np.diag(a.ravel()[:3], 1)),
    ("hypot", lambda t: ops.hypot(t, 2.0), lambda a: np.hypot(a, 2.0)),
    ("median", lambda t: ops.median(t, axis=1), lambda a: np.median(a, axis=1)),
    ("median_flat", lambda t: ops.median(t), lambda a: np.median(a)),
    ("quantile", lambda t: ops.quantile(t, [0.1, 0.7], axis=0),
     lambda a: np.quantile(a, [0.1, 0.7], axis=0)),
    ("quantile_keep", lambda t: ops.quantile(t, 0.3, axis=1, keepdims=True),
     lambda a: np.quantile(a, 0.3, axis=1, keepdims=True)),
    ("diff", lambda t: ops.diff(t, 2), lambda a: np.diff(a, 2)),
    ("append", lambda t: ops.append(t, t), lambda a: np.append(a, a)),
    ("vstack", lambda t: ops.vstack([t, t[0]]), lambda a: np.vstack([a, a[0]])),
    ("hstack", lambda t: ops.hstack([t, t]), lambda a: np.hstack([a, a])),
    ("tan", lambda t: ops.tan(t * 0.5), lambda a: np.tan(a * 0.5)),
    ("sinh", ops.sinh, np.sinh), ("cosh", ops.cosh, np.cosh),
    ("arctan", ops.arctan, np.arctan), ("arcsinh", ops.arcsinh, np.arcsinh),
    ("arcsin", lambda t: ops.arcsin(t * 0.2), lambda a: np.arcsin(a * 0.2)),
    ("arccos", lambda t: ops.arccos(t * 0.2), lambda a: np.arccos(a * 0.2)),
    ("arctanh", lambda t: ops.arctanh(t * 0.2), lambda a: np.arctanh(a * 0.2)),
    ("arccosh", lambda t: ops.arccosh(t * t + 1.5), lambda a: np.arccosh(a * a + 1.5)),
    ("log2", lambda t: ops.log2(t * t + 0.5), lambda a: np.log2(a * a + 0.5)),
    ("log10", lambda t: ops.log10(t * t + 0.5), lambda a: np.log10(a * a + 0.5)),
])
def test_differentiable_ops_match_numpy_and_gradients(name, fn, ref):
    data = M if name.startswith(("diag", "trace")) else X
    close(fn(ops.convert_to_tensor(data)), ref(data))
    check_gradients(fn, data.astype("float64"))


def test_take_along_axis_and_argsort():
    idx = np.argsort(X, axis=1)
    np.testing.assert_array_equal(host(ops.argsort(X, axis=1)), idx)
    close(ops.take_along_axis(X, idx, axis=1), np.take_along_axis(X, idx, axis=1))
    close(ops.take_along_axis(X, idx[:, :2], axis=1), np.take_along_axis(X, idx[:, :2], 1))
    check_gradients(lambda t: ops.take_along_axis(t, idx[:, :1], axis=1), X)


def test_meshgrid_both_indexings():
    a, b, c = np.arange(3.0), np.arange(4.0), np.arange(2.0)
    for indexing in ("xy", "ij"):
        got = ops.meshgrid(a, b, c, indexing=indexing)
        for g, w in zip(got, np.meshgrid(a, b, c, indexing=indexing)):
            np.testing.assert_array_equal(host(g), w)
    check_gradients(lambda s, t: ops.meshgrid(s, t)[0] * ops.meshgrid(s, t)[1], a, b)


def test_nan_tests_and_nan_to_num():
    a = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], dtype="float32")
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(host(getattr(ops, name)(a)), getattr(np, name)(a))
    np.testing.assert_array_equal(host(ops.nan_to_num(a)), np.nan_to_num(a))
    np.testing.assert_array_equal(host(ops.nan_to_num(a, 1.0, 5.0, -5.0)),
                                  np.nan_to_num(a, nan=1.0, posinf=5.0, neginf=-5.0))
    x = ops.convert_to_tensor(a.astype("float64"))
    x.requires_grad = True
    grad, = keras.autograd.gradients(ops.sum(ops.nan_to_num(x)), [x])
    np.testing.assert_array_equal(host(keras.ops.convert_to_tensor(grad)), [1, 0, 0, 0, 1])


def test_logic_rounding_counting_selecting():
    a, b = X > 0, X > 0.5
    np.testing.assert_array_equal(host(ops.logical_xor(a, b)), np.logical_xor(a, b))
    np.testing.assert_array_equal(host(ops.ceil(X)), np.ceil(X))
    np.testing.assert_array_equal(host(ops.trunc(X)), np.trunc(X))
    assert int(host(ops.count_nonzero(a))) == np.count_nonzero(a)
    np.testing.assert_array_equal(host(ops.count_nonzero(a, axis=0)), np.count_nonzero(a, 0))
    conds, choices = [X < -0.5, X > 0.5], [X * 2, X * 3]
    close(ops.select(conds, choices, -1.0), np.select(conds, choices, -1.0))
    check_gradients(lambda t: ops.select([X < -0.5, X > 0.5], [t * 2, t * 3], t), X)
    assert ops.ndim(X) == 2 and ops.size(X) == 12
    close(ops.absolute(X), np.abs(X))
    close(ops.true_divide(X, 2.0), X / 2)
