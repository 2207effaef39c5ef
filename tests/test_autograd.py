"""The autograd engine: accumulation, no_grad, GradientTape, graph freeing, Variable."""

import gc
import weakref

import numpy as np
import pytest

from kerasette import backend, ops
from kerasette.autograd import (GradientTape, Tensor, Variable, as_array, enable_grad,
                                gradients, is_grad_enabled, no_grad, record, unbroadcast)

F32 = np.float32


def host(x):
    return backend.to_numpy(x.data if isinstance(x, Tensor) else x)


def leaf(values, requires_grad=True):
    return Tensor(backend.to_device(np.asarray(values, F32)), requires_grad=requires_grad)


X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], F32)


# ------------------------------------------------------------- accumulation

def test_a_shared_subexpression_accumulates():
    x = leaf(X)
    u = x + 1.0  # used twice below
    y = ops.sum(u * u + x * x + x)
    y.backward()
    np.testing.assert_allclose(host(x.grad), 2 * (X + 1) + 2 * X + 1, rtol=1e-6)


def test_backward_accumulates_into_grad_across_calls():
    x = leaf(X)
    for _ in range(2):
        ops.sum(x * x).backward()
    np.testing.assert_allclose(host(x.grad), 2 * (2 * X), rtol=1e-6)
    assert x.grad.dtype == F32


def test_backward_with_retain_graph_can_run_twice_on_one_graph():
    x = leaf(X)
    y = ops.sum(ops.exp(x))
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(host(x.grad), 2 * np.exp(X), rtol=1e-6)


def test_backward_with_an_explicit_seed():
    x = leaf(X)
    seed = np.arange(6, dtype=F32).reshape(2, 3)
    (x * 3.0).backward(backend.to_device(seed))
    np.testing.assert_allclose(host(x.grad), 3 * seed)


def test_constants_get_no_gradient():
    x, c = leaf(X), leaf(X, requires_grad=False)
    ops.sum(x * c).backward()
    assert c.grad is None
    np.testing.assert_allclose(host(x.grad), X)


def test_gradients_returns_none_for_unconnected_sources():
    x, unused = leaf(X), leaf(X)
    grads = gradients(ops.sum(x * 2.0), [x, unused])
    np.testing.assert_allclose(host(grads[0]), np.full_like(X, 2.0))
    assert grads[1] is None


def test_gradients_of_an_intermediate_source():
    x = leaf(X)
    u = x * 2.0
    (gu,) = gradients(ops.sum(u * u), [u])
    np.testing.assert_allclose(host(gu), 2 * (2 * X), rtol=1e-6)


def test_target_without_a_graph_raises():
    with pytest.raises(ValueError, match="no_grad"):
        gradients(ops.sum(leaf(X, requires_grad=False)), None)


# ------------------------------------------------------------------ no_grad

def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf(X)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = ops.tanh(x * x)
        with enable_grad():
            z = x * 2.0
    assert is_grad_enabled()
    assert not y.requires_grad and y._parents == () and y._backward is None
    assert z.requires_grad and z._parents


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert is_grad_enabled()


def test_record_makes_a_node_only_when_a_parent_needs_a_gradient():
    x, c = leaf(X), leaf(X, requires_grad=False)
    assert not record(c.data, (c,), lambda g: (g,)).requires_grad
    node = record(x.data, (x, c), lambda g: (g, None))
    assert node.requires_grad and node._parents == (x, c)


# ------------------------------------------------------------- GradientTape

def test_gradient_tape_single_list_and_tuple_structures():
    w, b = Variable(X), Variable(np.ones(3, F32))
    with GradientTape(persistent=True) as tape:
        loss = ops.sum(w * w + b)
    single = tape.gradient(loss, w)
    assert isinstance(single, Tensor)
    np.testing.assert_allclose(host(single), 2 * X, rtol=1e-6)
    as_list = tape.gradient(loss, [w, b])
    as_tuple = tape.gradient(loss, (w, b))
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple)
    np.testing.assert_allclose(host(as_list[1]), np.full(3, 2.0))
    np.testing.assert_allclose(host(as_tuple[0]), 2 * X, rtol=1e-6)


def test_non_persistent_tape_can_be_used_once():
    w = Variable(X)
    with GradientTape() as tape:
        loss = ops.sum(w * w)
    tape.gradient(loss, [w])
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(loss, [w])


def test_tape_watch_makes_a_constant_differentiable():
    x = leaf(X, requires_grad=False)
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(x * x * x)
    np.testing.assert_allclose(host(tape.gradient(y, x)), 3 * X * X, rtol=1e-6)


def test_tape_gives_none_for_unconnected_sources_and_constant_targets():
    w, other = Variable(X), Variable(X)
    with GradientTape(persistent=True) as tape:
        loss = ops.sum(w * 2.0)
        constant = ops.sum(leaf(X, requires_grad=False))
    grads = tape.gradient(loss, [w, other])
    assert grads[1] is None and grads[0] is not None
    assert tape.gradient(constant, [w]) == [None]
    assert tape.gradient(constant, w) is None


def test_tape_sums_a_non_scalar_target():
    w = Variable(X)
    with GradientTape() as tape:
        y = w * 3.0
    np.testing.assert_allclose(host(tape.gradient(y, w)), np.full_like(X, 3.0))


def test_tape_records_inside_no_grad():
    w = Variable(X)
    with no_grad():
        with GradientTape() as tape:
            y = ops.sum(w * w)
        assert not is_grad_enabled()
    np.testing.assert_allclose(host(tape.gradient(y, w)), 2 * X, rtol=1e-6)


# ------------------------------------------------------- freeing the graph

def test_the_graph_is_freed_after_backward():
    x = leaf(X)
    hidden = ops.tanh(x * 2.0)
    probe = weakref.ref(hidden)
    y = ops.sum(hidden * hidden)
    del hidden
    y.backward()
    assert y._parents == () and y._backward is None
    gc.collect()
    assert probe() is None, "an intermediate tensor outlived backward()"


def test_a_persistent_tape_keeps_the_graph_until_dropped():
    w = Variable(X)
    with GradientTape(persistent=True) as tape:
        y = ops.sum(ops.exp(w))
    tape.gradient(y, [w])
    assert y._parents
    np.testing.assert_allclose(host(tape.gradient(y, [w])[0]), np.exp(X), rtol=1e-6)


def _count_tensors() -> int:
    return sum(isinstance(o, Tensor) for o in gc.get_objects())


def test_a_thousand_training_steps_do_not_grow_memory():
    rng = np.random.default_rng(0)
    x = leaf(rng.normal(size=(8, 5)), requires_grad=False)
    w, b = Variable(rng.normal(size=(5, 3)) * 0.1), Variable(np.zeros(3, F32))
    counts = []
    for step in range(1000):
        loss = ops.mean(ops.square(ops.tanh(ops.dense(x, w, b)) - 0.5))
        loss.backward()
        w.assign_sub(w.grad * 0.1)
        b.assign_sub(b.grad * 0.1)
        w.grad = b.grad = None
        if step in (10, 999):
            gc.collect()
            counts.append(_count_tensors())
    assert counts[1] <= counts[0], f"live Tensors grew from {counts[0]} to {counts[1]}"


# ----------------------------------------------------------------- Variable

def test_variable_from_value_and_initializer():
    v = Variable([[1.0, 2.0]], name="kernel")
    assert v.dtype == backend.floatx() and v.shape == (1, 2) and v.name == "kernel"
    assert v.trainable and v.requires_grad
    made = Variable(lambda shape, dtype: np.full(shape, 0.5, dtype), shape=(2, 3))
    np.testing.assert_array_equal(host(made), np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="shape"):
        Variable(lambda shape, dtype: np.zeros(shape), name="bias")


def test_variable_copies_its_initial_value():
    source = np.ones(3, F32)
    v = Variable(source)
    v.assign_add(np.ones(3, F32))
    np.testing.assert_array_equal(source, np.ones(3))


def test_variable_trainable_switch():
    v = Variable(X, trainable=False)
    assert not v.requires_grad
    v.trainable = True
    assert v.trainable and v.requires_grad
    assert not v.value.requires_grad
    np.testing.assert_array_equal(host(v.value), X)


def test_variable_assign_and_shape_errors():
    v = Variable(X, name="w")
    assert v.assign(X * 2) is v
    np.testing.assert_array_equal(host(v), X * 2)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        v.assign(np.ones(3, F32))
    v.assign_add(np.ones(3, F32))  # broadcasts to the variable's shape: allowed
    v.assign_sub(1.0)
    np.testing.assert_allclose(host(v), X * 2)
    for method in (v.assign_add, v.assign_sub):
        for bad in (np.ones((4, 2, 3), F32), np.ones(2, F32)):
            with pytest.raises(ValueError, match=r"variable 'w' of shape \(2, 3\)"):
                method(bad)


# --------------------------------------------------------- helpers and checks

@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (4,), (1, 4), (3, 1), (2, 1, 4),
                                   (1, 3, 1), (1, 1, 1), ()], ids=str)
def test_unbroadcast_sums_back_to_the_shape(shape):
    grad = np.random.default_rng(0).normal(size=(2, 3, 4))
    got = backend.to_numpy(unbroadcast(backend.to_device(grad), shape))
    assert got.shape == shape
    extra = grad.ndim - len(shape)
    expected = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1)
    expected = expected.sum(axis=stretched, keepdims=True)
    np.testing.assert_allclose(got, expected)


def test_the_sweep_asserts_each_gradient_shape():
    x = leaf(X)
    bad = record(x.data * 2, (x,), lambda g: (g[:1],))
    with pytest.raises(AssertionError, match=r"gradient shape \(1, 3\) != tensor shape"):
        gradients(ops.sum(bad), [x])


def test_as_array_keeps_python_floats_in_floatx():
    assert as_array(0.5).dtype == backend.floatx()
    assert as_array(3).dtype.kind == "i"
    t = leaf(X)
    assert as_array(t) is t.data


def test_tensor_basics():
    t = leaf(X)
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.dtype == F32
    np.testing.assert_array_equal(t.numpy(), X)
    np.testing.assert_array_equal(np.asarray(t), X)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    scalar = leaf(2.5)
    assert float(scalar) == 2.5 and int(scalar) == 2 and scalar.item() == 2.5
    assert "Tensor shape=(2, 3)" in repr(t)
    assert "Variable path=kernel" in repr(Variable(X, name="kernel"))
