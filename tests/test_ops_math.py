"""kerasette.ops, elementwise math, matmul and reductions, checked against plain NumPy.

Each differentiable op runs three ways: forward in float32 against a NumPy
reference (float32 in, float32 out, gradients float32 too), and the float64
central-difference gradient check from ``helpers``.
"""

import math

import numpy as np
import pytest
from helpers import check_gradients, dodge_kinks, host, run_float32

from kerasette import backend, ops
from kerasette.autograd import Tensor, gradients

F32 = np.float32


def sample(kind, shape, seed=0):
    """Inputs inside an op's domain and away from its kinks."""
    rng = np.random.default_rng(seed)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)
    if kind == "grid":  # multiples of 0.5: never within 0.25 of an "offgrid" value
        return rng.integers(-4, 4, shape) * 0.5
    if kind == "offgrid":
        return rng.integers(-4, 4, shape) * 0.5 + 0.25
    return rng.uniform(-2.0, 2.0, shape)


UNARY = {
    "negative": (ops.negative, np.negative, "any"),
    "exp": (ops.exp, np.exp, "any"),
    "expm1": (ops.expm1, np.expm1, "any"),
    "log": (ops.log, np.log, "positive"),
    "log1p": (ops.log1p, np.log1p, "positive"),
    "sqrt": (ops.sqrt, np.sqrt, "positive"),
    "square": (ops.square, np.square, "any"),
    "abs": (ops.abs, np.abs, "nonzero"),
    "sin": (ops.sin, np.sin, "any"),
    "cos": (ops.cos, np.cos, "any"),
    "tanh": (ops.tanh, np.tanh, "any"),
    "reciprocal": (ops.reciprocal, np.reciprocal, "nonzero"),
    "erf": (ops.erf, np.vectorize(math.erf), "any"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_and_gradient(name):
    op, reference, kind = UNARY[name]
    x = sample(kind, (2, 3))
    got = run_float32(op, x)
    np.testing.assert_allclose(got, reference(x.astype(F32).astype(np.float64)),
                               rtol=1e-5, atol=1e-6)
    check_gradients(op, x)


BINARY = {
    "add": (ops.add, np.add, "any", "any"),
    "subtract": (ops.subtract, np.subtract, "any", "any"),
    "multiply": (ops.multiply, np.multiply, "any", "any"),
    "divide": (ops.divide, np.divide, "any", "nonzero"),
    "power": (ops.power, np.power, "positive", "any"),
    "maximum": (ops.maximum, np.maximum, "grid", "offgrid"),
    "minimum": (ops.minimum, np.minimum, "grid", "offgrid"),
}
BROADCASTS = [((3, 1), (1, 4)), ((4,), (2, 3, 4)), ((), (2, 3)), ((2, 3), ()),
              ((2, 3), (2, 3))]


@pytest.mark.parametrize("shapes", BROADCASTS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward_and_gradient_with_broadcasting(name, shapes):
    op, reference, kind_a, kind_b = BINARY[name]
    a, b = sample(kind_a, shapes[0], seed=1), sample(kind_b, shapes[1], seed=2)
    got = run_float32(op, a, b)
    expected = reference(a.astype(F32).astype(np.float64), b.astype(F32).astype(np.float64))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    check_gradients(op, a, b)


@pytest.mark.parametrize("scalar", [2.0, 2, 0.5])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_python_scalars_keeps_float32(name, scalar):
    op, reference = BINARY[name][:2]
    x = sample("positive", (2, 3))
    for fn, expected in [(lambda t: op(t, scalar), reference(x.astype(F32), scalar)),
                         (lambda t: op(scalar, t), reference(scalar, x.astype(F32)))]:
        got = run_float32(fn, x)
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_binary_of_two_python_values():
    assert ops.add(1.5, 2.5).dtype == backend.floatx()
    assert ops.maximum(2.0, 3).dtype == backend.floatx()
    assert float(ops.multiply(3, 4).data) == 12


OPERATORS = {
    "+": (lambda a, b: a + b, np.add),
    "-": (lambda a, b: a - b, np.subtract),
    "*": (lambda a, b: a * b, np.multiply),
    "/": (lambda a, b: a / b, np.divide),
    "**": (lambda a, b: a ** b, np.power),
    "@": (lambda a, b: a @ b, np.matmul),
}


@pytest.mark.parametrize("symbol", sorted(OPERATORS))
def test_tensor_operators_and_reflected_forms(symbol):
    fn, reference = OPERATORS[symbol]
    a, b = sample("positive", (3, 3), 1), sample("positive", (3, 3), 2)
    got = run_float32(fn, a, b)
    np.testing.assert_allclose(got, reference(a.astype(F32), b.astype(F32)), rtol=1e-5)
    tensor_b = Tensor(backend.to_device(b.astype(F32)))
    reflected = fn(backend.to_device(a.astype(F32)), tensor_b)
    assert isinstance(reflected, Tensor)
    np.testing.assert_allclose(host(reflected), got, rtol=1e-6)
    if symbol != "@":
        np.testing.assert_allclose(host(fn(2.0, tensor_b)), reference(2.0, b.astype(F32)),
                                   rtol=1e-5)
    check_gradients(fn, a, b)


def test_unary_operators_and_methods():
    x = sample("nonzero", (2, 3))
    t = Tensor(backend.to_device(x.astype(F32)))
    np.testing.assert_allclose(host(-t), -x.astype(F32))
    np.testing.assert_allclose(host(abs(t)), np.abs(x.astype(F32)))
    np.testing.assert_allclose(host(t.T), x.astype(F32).T)
    assert t.reshape(3, 2).shape == (3, 2) and t.reshape((6,)).shape == (6,)
    assert t.transpose().shape == (3, 2)
    np.testing.assert_allclose(host(t.sum()), x.astype(F32).sum(), rtol=1e-6)
    np.testing.assert_allclose(host(t.mean(axis=0)), x.astype(F32).mean(axis=0), rtol=1e-6)
    assert t.astype("float64").dtype == np.float64
    mask = t > 0
    assert mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal(host(mask), x > 0)
    assert {t: 1}[t] == 1  # hashable by identity although == is elementwise


MATMULS = [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
           ((3, 4), (2, 4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
           ((4,), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))]


@pytest.mark.parametrize("shapes", MATMULS, ids=str)
def test_matmul(shapes):
    a, b = sample("any", shapes[0], 1), sample("any", shapes[1], 2)
    got = run_float32(ops.matmul, a, b)
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-5, atol=1e-5)
    check_gradients(ops.matmul, a, b)


def test_where_broadcasts_and_routes_gradients():
    cond = np.array([[True], [False], [True]])
    a, b = sample("any", (3, 4), 1), sample("any", (1, 4), 2)
    got = run_float32(lambda x, y: ops.where(backend.to_device(cond), x, y), a, b)
    np.testing.assert_allclose(got, np.where(cond, a, b).astype(F32))
    check_gradients(lambda x, y: ops.where(backend.to_device(cond), x, y), a, b)
    t = Tensor(backend.to_device(a.astype(F32)))
    with_scalar = ops.where(t > 0, t, 0.0)
    assert with_scalar.dtype == F32
    np.testing.assert_allclose(host(with_scalar), np.where(a > 0, a, 0).astype(F32))
    mask_tensor = Tensor(backend.to_device(cond))
    np.testing.assert_allclose(host(ops.where(mask_tensor, 1.0, 0.0)), cond * np.ones((3, 1)))


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (0.0, 1.0)], ids=str)
def test_clip(bounds):
    lo, hi = bounds
    x = dodge_kinks(sample("any", (3, 4)), points=bounds)
    got = run_float32(lambda t: ops.clip(t, lo, hi), x)
    np.testing.assert_allclose(got, np.clip(x, lo, hi).astype(F32))
    check_gradients(lambda t: ops.clip(t, lo, hi), x)
    tensor_bounds = ops.clip(Tensor(backend.to_device(x)), ops.convert_to_tensor(lo),
                             ops.convert_to_tensor(hi))
    np.testing.assert_allclose(host(tensor_bounds), np.clip(x, lo, hi))


def test_cast_between_floats_passes_gradients_back_in_the_source_dtype():
    x = Tensor(backend.to_device(sample("any", (2, 3)).astype(F32)), requires_grad=True)
    y = ops.cast(x, "float64")
    assert y.dtype == np.float64
    (grad,) = gradients(ops.sum(y * y), [x])
    assert grad.dtype == F32
    np.testing.assert_allclose(host(grad), 2 * host(x), rtol=1e-6)
    # Linear in x, so a wide step is exact and survives float32 rounding.
    check_gradients(lambda t: ops.cast(t, "float32") * 3.0, sample("any", (2, 2)),
                    eps=1e-2, atol=1e-4, rtol=1e-4)


def test_cast_to_or_from_integers_carries_no_gradient():
    x = Tensor(backend.to_device(np.array([1.7, -2.2], F32)), requires_grad=True)
    as_int = ops.cast(x, "int32")
    assert as_int.dtype == np.int32 and not as_int.requires_grad
    np.testing.assert_array_equal(host(as_int), [1, -2])
    back = ops.cast(as_int, "float32")
    assert back.dtype == F32 and not back.requires_grad


CONSTANTS = {
    "equal": (ops.equal, np.equal, 2), "not_equal": (ops.not_equal, np.not_equal, 2),
    "greater": (ops.greater, np.greater, 2),
    "greater_equal": (ops.greater_equal, np.greater_equal, 2),
    "less": (ops.less, np.less, 2), "less_equal": (ops.less_equal, np.less_equal, 2),
    "floor": (ops.floor, np.floor, 1), "round": (ops.round, np.round, 1),
    "sign": (ops.sign, np.sign, 1),
}


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_non_differentiable_ops(name):
    op, reference, arity = CONSTANTS[name]
    a = np.array([[-1.5, 0.0, 0.5], [2.0, 0.5, -0.25]], F32)
    b = np.array([0.5, 0.0, 0.5], F32)
    ta = Tensor(backend.to_device(a), requires_grad=True)
    args = (ta, Tensor(backend.to_device(b))) if arity == 2 else (ta,)
    out = op(*args)
    assert not out.requires_grad and out._parents == ()
    expected = reference(a, b) if arity == 2 else reference(a)
    np.testing.assert_array_equal(host(out), expected)
    if arity == 2:
        np.testing.assert_array_equal(host(op(ta, 0.5)), reference(a, F32(0.5)))


def test_logical_ops():
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    tp, tq = Tensor(backend.to_device(p)), Tensor(backend.to_device(q))
    np.testing.assert_array_equal(host(ops.logical_and(tp, tq)), p & q)
    np.testing.assert_array_equal(host(ops.logical_or(tp, tq)), p | q)
    np.testing.assert_array_equal(host(ops.logical_not(tp)), ~p)


def test_stop_gradient_blocks_the_gradient():
    x = sample("any", (3,))
    t = Tensor(backend.to_device(x), requires_grad=True)
    (grad,) = gradients(ops.sum(t * ops.stop_gradient(t)), [t])
    np.testing.assert_allclose(host(grad), x)  # d/dx (x * const) = const = x, not 2x


def test_elementwise_builds_a_differentiable_op():
    def cube(t):
        return ops.elementwise(t, lambda v: v ** 3, lambda v, out: 3 * v * v)

    x = sample("any", (2, 3))
    np.testing.assert_allclose(run_float32(cube, x), x.astype(F32) ** 3, rtol=1e-5)
    check_gradients(cube, x)


@pytest.mark.parametrize("value, dtype", [
    (0.5, "float32"), ([0.5, 1.5], "float32"), ([[1.0, 2.0]], "float32"), (3, "int"),
    ([1, 2], "int"), (np.float32(2.0), "float32"), (np.zeros(2, np.float64), "float64"),
    (True, "bool")])
def test_convert_to_tensor_dtypes(value, dtype):
    t = ops.convert_to_tensor(value)
    assert isinstance(t, Tensor)
    if dtype == "int":
        assert t.dtype.kind == "i"
    else:
        assert t.dtype == dtype
    np.testing.assert_array_equal(host(t), np.asarray(value))


def test_convert_to_tensor_passes_tensors_through_and_casts_on_request():
    t = Tensor(backend.to_device(np.ones(3, F32)))
    assert ops.convert_to_tensor(t) is t
    assert ops.convert_to_tensor(t, "float32") is t
    assert ops.convert_to_tensor(t, "float64").dtype == np.float64
    assert ops.convert_to_tensor([1, 2], dtype="float32").dtype == F32


# ---------------------------------------------------------------- reductions

def _logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


REDUCTIONS = {
    "sum": (ops.sum, np.sum, "any"), "mean": (ops.mean, np.mean, "any"),
    "max": (ops.max, np.max, "any"), "min": (ops.min, np.min, "any"),
    "prod": (ops.prod, np.prod, "nonzero"), "var": (ops.var, np.var, "any"),
    "std": (ops.std, np.std, "any"), "logsumexp": (ops.logsumexp, _logsumexp, "any"),
}
AXES = [None, 0, -1, 1, (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction(name, axis, keepdims):
    op, reference, kind = REDUCTIONS[name]
    x = sample(kind, (2, 3, 2), seed=3)

    def fn(t):
        return op(t, axis=axis, keepdims=keepdims)

    got = run_float32(fn, x)
    expected = reference(x.astype(F32).astype(np.float64), axis=axis, keepdims=keepdims)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    check_gradients(fn, x)


@pytest.mark.parametrize("op", [ops.max, ops.min])
def test_max_min_share_the_gradient_among_ties(op):
    sign = 1.0 if op is ops.max else -1.0
    x = sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], F32)
    t = Tensor(backend.to_device(x), requires_grad=True)
    (grad,) = gradients(ops.sum(op(t, axis=1)), [t])
    np.testing.assert_allclose(host(grad), [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    t = Tensor(backend.to_device(np.full((2, 2), 4.0, F32)), requires_grad=True)
    (grad,) = gradients(op(t), [t])
    np.testing.assert_allclose(host(grad), np.full((2, 2), 0.25))


@pytest.mark.parametrize("op, reference", [(ops.argmax, np.argmax), (ops.argmin, np.argmin)])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_argmax_argmin(op, reference, axis):
    x = sample("any", (3, 4))
    out = op(Tensor(backend.to_device(x)), axis=axis)
    assert not out.requires_grad
    np.testing.assert_array_equal(host(out), reference(x, axis=axis))
    kept = op(Tensor(backend.to_device(x)), axis=axis, keepdims=True)
    assert kept.shape == np.expand_dims(reference(x, axis=axis), axis).shape


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_any_all(axis):
    x = np.array([[True, False, False], [True, True, True]])
    t = Tensor(backend.to_device(x))
    np.testing.assert_array_equal(host(ops.any(t, axis=axis)), np.any(x, axis=axis))
    np.testing.assert_array_equal(host(ops.all(t, axis=axis)), np.all(x, axis=axis))
