"""Regularizers and constraints against Keras's formulas, written again in plain NumPy."""

import numpy as np
import pytest

from kerasette import backend, constraints, ops, regularizers
from kerasette.autograd import Variable
from helpers import check_gradients, dodge_kinks

EPSILON = 1e-7  # Keras's default fuzz factor


@pytest.fixture
def weights(rng):
    return rng.standard_normal((5, 4)).astype(np.float32)


def value(tensor):
    return backend.to_numpy(tensor.data)


# ---------------------------------------------------------------- regularizer values

@pytest.mark.parametrize("regularizer, expected", [
    (regularizers.L1(0.3), lambda x: 0.3 * np.abs(x).sum()),
    (regularizers.L2(0.2), lambda x: 0.2 * np.square(x).sum()),
    (regularizers.L1L2(l1=0.1, l2=0.4), lambda x: 0.1 * np.abs(x).sum() + 0.4 * (x ** 2).sum()),
    (regularizers.l1_l2(), lambda x: 0.01 * np.abs(x).sum() + 0.01 * (x ** 2).sum()),
    (regularizers.l1(), lambda x: 0.01 * np.abs(x).sum()),
    (regularizers.l2(), lambda x: 0.01 * (x ** 2).sum()),
    (regularizers.L1L2(), lambda x: 0.0),
])
def test_penalty_values(regularizer, expected, weights):
    penalty = regularizer(ops.convert_to_tensor(weights))
    assert penalty.shape == () and penalty.dtype == np.float32
    np.testing.assert_allclose(value(penalty), expected(weights.astype(np.float64)), rtol=1e-5)


def orthogonal_penalty(x, factor, mode):
    """Mean |cosine| between distinct rows (or columns), times factor."""
    vectors = x if mode == "rows" else x.T
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), EPSILON)
    unit = vectors / norms
    cosines = unit @ unit.T
    n = len(vectors)
    upper = np.abs(cosines[np.triu_indices(n, k=1)])
    return factor * upper.sum() / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_value(mode, weights):
    penalty = regularizers.OrthogonalRegularizer(factor=0.5, mode=mode)(weights)
    np.testing.assert_allclose(value(penalty), orthogonal_penalty(weights, 0.5, mode),
                               rtol=1e-5)


def test_orthogonal_regularizer_is_zero_on_orthogonal_rows():
    q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((6, 6)))
    penalty = regularizers.OrthogonalRegularizer(factor=1.0)(q.astype(np.float32))
    assert abs(float(value(penalty))) < 1e-6


def test_orthogonal_regularizer_needs_rank_2():
    with pytest.raises(ValueError, match="2-D"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), np.float32))


# ---------------------------------------------------------------- regularizer gradients

@pytest.mark.parametrize("regularizer", [
    regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(l1=0.1, l2=0.4),
    regularizers.OrthogonalRegularizer(0.5, "rows"),
    regularizers.OrthogonalRegularizer(0.5, "columns"),
], ids=repr)
def test_penalty_gradients(regularizer, rng):
    x = dodge_kinks(rng.standard_normal((4, 3)))
    check_gradients(regularizer, x)


def test_penalty_gradient_is_the_formula(weights):
    w = Variable(weights)
    regularizers.L1L2(l1=0.1, l2=0.4)(w).backward()
    expected = 0.1 * np.sign(weights) + 0.4 * 2 * weights
    np.testing.assert_allclose(backend.to_numpy(w.grad), expected, rtol=1e-5)


# ---------------------------------------------------------------- regularizer configs

@pytest.mark.parametrize("regularizer", [
    regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4),
    regularizers.OrthogonalRegularizer(0.5, "columns"),
], ids=repr)
def test_regularizer_config_round_trip(regularizer, weights):
    config = regularizer.get_config()
    rebuilt = type(regularizer).from_config(config)
    assert rebuilt.get_config() == config
    again = regularizers.deserialize(regularizers.serialize(regularizer))
    assert type(again) is type(regularizer)
    np.testing.assert_allclose(value(again(weights)), value(regularizer(weights)))


@pytest.mark.parametrize("name, cls, config", [
    ("l1", regularizers.L1, {"l1": 0.01}), ("L1", regularizers.L1, {"l1": 0.01}),
    ("l2", regularizers.L2, {"l2": 0.01}), ("L2", regularizers.L2, {"l2": 0.01}),
    ("l1l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("L1L2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("l1_l2", regularizers.L1L2, {"l1": 0.01, "l2": 0.01}),
    ("orthogonal_regularizer", regularizers.OrthogonalRegularizer,
     {"factor": 0.01, "mode": "rows"}),
])
def test_regularizer_get_by_name(name, cls, config):
    found = regularizers.get(name)
    assert type(found) is cls and found.get_config() == config


def test_regularizer_get_other_identifiers():
    l2 = regularizers.L2(0.5)
    assert regularizers.get(l2) is l2
    assert regularizers.get(None) is None
    assert type(regularizers.get(regularizers.L1)) is regularizers.L1
    keras2 = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0010000000474974513}}
    assert regularizers.get(keras2).l2 == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="l3"):
        regularizers.get("l3")


def test_keras2_l_spelling():
    assert regularizers.l2(l=0.5).l2 == 0.5
    assert regularizers.L1(l=0.25).l1 == 0.25
    with pytest.raises(TypeError, match="lam"):
        regularizers.L2(lam=0.5)


@pytest.mark.parametrize("make, argument", [
    (lambda: regularizers.L2(-0.1), "l2"),
    (lambda: regularizers.L1(float("nan")), "l1"),
    (lambda: regularizers.L1L2(l1=-1.0), "l1"),
    (lambda: regularizers.L1L2(l2="big"), "l2"),
    (lambda: regularizers.OrthogonalRegularizer(factor=-1.0), "factor"),
    (lambda: regularizers.OrthogonalRegularizer(mode="diagonal"), "mode"),
])
def test_regularizer_bad_arguments(make, argument):
    with pytest.raises(ValueError, match=f"`{argument}`.*received {argument}="):
        make()


# ---------------------------------------------------------------- constraints on numbers

def norms(w, axis):
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


def max_norm(w, max_value, axis):
    n = norms(w, axis)
    return w * np.clip(n, 0, max_value) / (EPSILON + n)


def min_max_norm(w, low, high, rate, axis):
    n = norms(w, axis)
    desired = rate * np.clip(n, low, high) + (1 - rate) * n
    return w * desired / (EPSILON + n)


@pytest.fixture
def kernel(rng):
    """A Dense kernel whose column norms straddle 1 and 2; a tiny one shows epsilon."""
    w = rng.standard_normal((6, 5))
    w *= np.array([1e-6, 0.5, 1.5, 3.0, 6.0]) / norms(w, 0)
    return w.astype(np.float32)


@pytest.mark.parametrize("constraint, expected", [
    (constraints.MaxNorm(), lambda w: max_norm(w, 2.0, 0)),
    (constraints.MaxNorm(1.0, axis=1), lambda w: max_norm(w, 1.0, 1)),
    (constraints.NonNeg(), lambda w: np.where(w >= 0, w, 0.0)),
    (constraints.UnitNorm(), lambda w: w / (EPSILON + norms(w, 0))),
    (constraints.UnitNorm(axis=1), lambda w: w / (EPSILON + norms(w, 1))),
    (constraints.MinMaxNorm(), lambda w: min_max_norm(w, 0.0, 1.0, 1.0, 0)),
    (constraints.MinMaxNorm(0.5, 2.0, rate=0.3), lambda w: min_max_norm(w, 0.5, 2.0, 0.3, 0)),
], ids=repr)
def test_constraint_values(constraint, expected, kernel):
    out = constraint(ops.convert_to_tensor(kernel))
    assert out.dtype == np.float32
    np.testing.assert_allclose(value(out), expected(kernel.astype(np.float64)), rtol=1e-5,
                               atol=1e-7)


def test_max_norm_over_conv_kernel_axes(rng):
    w = (3 * rng.standard_normal((3, 3, 4, 8))).astype(np.float32)
    out = value(constraints.MaxNorm(1.0, axis=[0, 1, 2])(w))
    np.testing.assert_allclose(out, max_norm(w.astype(np.float64), 1.0, (0, 1, 2)), rtol=1e-5)
    assert np.all(norms(out, (0, 1, 2)) <= 1.0 + 1e-5)


def test_constraint_applied_like_an_optimizer(kernel):
    v = Variable(kernel, name="kernel")
    v.constraint = constraints.UnitNorm()
    v.assign(v.constraint(v))
    expected = kernel.astype(np.float64) / (EPSILON + norms(kernel.astype(np.float64), 0))
    np.testing.assert_allclose(v.numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(norms(v.numpy(), 0)[:, 1:], 1.0, rtol=1e-5)


def test_unit_norm_gradient(rng):
    check_gradients(constraints.UnitNorm(axis=1), rng.standard_normal((3, 4)))


# ---------------------------------------------------------------- constraint configs

@pytest.mark.parametrize("constraint", [
    constraints.MaxNorm(3.0, axis=[0, 1, 2]), constraints.NonNeg(), constraints.UnitNorm(1),
    constraints.MinMaxNorm(0.5, 2.0, 0.3, axis=1),
], ids=repr)
def test_constraint_config_round_trip(constraint):
    config = constraint.get_config()
    rebuilt = type(constraint).from_config(config)
    assert rebuilt.get_config() == config
    again = constraints.deserialize(constraints.serialize(constraint))
    assert type(again) is type(constraint) and again.get_config() == config


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
    ("maxnorm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("NonNeg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm),
    ("UnitNorm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
    ("MinMaxNorm", constraints.MinMaxNorm),
])
def test_constraint_get_by_name(name, cls):
    assert type(constraints.get(name)) is cls


def test_constraint_get_other_identifiers():
    unit = constraints.UnitNorm()
    assert constraints.get(unit) is unit
    assert constraints.get(None) is None
    assert type(constraints.get(constraints.NonNeg)) is constraints.NonNeg
    keras2 = {"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}}
    assert constraints.get(keras2).max_value == 3.0
    with pytest.raises(ValueError, match="max_normal"):
        constraints.get("max_normal")


@pytest.mark.parametrize("make, argument", [
    (lambda: constraints.MaxNorm(-1.0), "max_value"),
    (lambda: constraints.MaxNorm(axis="rows"), "axis"),
    (lambda: constraints.UnitNorm(axis=1.5), "axis"),
    (lambda: constraints.MinMaxNorm(min_value=-1.0), "min_value"),
    (lambda: constraints.MinMaxNorm(min_value=2.0, max_value=1.0), "max_value"),
    (lambda: constraints.MinMaxNorm(rate=1.5), "rate"),
])
def test_constraint_bad_arguments(make, argument):
    with pytest.raises(ValueError, match=f"`{argument}`.*received {argument}="):
        make()
