"""kerasette.ops shape ops, slicing and gathering, checked against plain NumPy.

Every case runs forward in float32 against NumPy (float32 out, float32 gradients)
and through the float64 central-difference gradient check.
"""

import numpy as np
import pytest
from helpers import check_gradients, host, run_float32

from kerasette import backend, ops
from kerasette.autograd import Tensor, gradients

F32 = np.float32


def dev(a):
    return backend.to_device(a)


X = np.random.default_rng(0).uniform(-2, 2, (2, 3, 4))

# name: (kerasette function of one tensor, the same in NumPy)
ONE_INPUT = {
    "reshape": (lambda t: ops.reshape(t, (4, 6)), lambda a: a.reshape(4, 6)),
    "reshape_-1": (lambda t: ops.reshape(t, (-1, 4)), lambda a: a.reshape(-1, 4)),
    "flatten": (ops.flatten, lambda a: a.reshape(2, -1)),
    "transpose": (ops.transpose, lambda a: a.transpose()),
    "transpose_axes": (lambda t: ops.transpose(t, (1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    "transpose_negative": (lambda t: ops.transpose(t, (0, -1, 1)),
                           lambda a: a.transpose(0, 2, 1)),
    "expand_dims_0": (lambda t: ops.expand_dims(t, 0), lambda a: a[None]),
    "expand_dims_-1": (lambda t: ops.expand_dims(t, -1), lambda a: a[..., None]),
    "squeeze": (lambda t: ops.squeeze(ops.expand_dims(t, 1)), lambda a: a),
    "squeeze_axis": (lambda t: ops.squeeze(ops.reshape(t, (2, 1, 12)), axis=1),
                     lambda a: a.reshape(2, 12)),
    "swapaxes": (lambda t: ops.swapaxes(t, 0, 2), lambda a: np.swapaxes(a, 0, 2)),
    "swapaxes_negative": (lambda t: ops.swapaxes(t, -1, 1), lambda a: np.swapaxes(a, -1, 1)),
    "moveaxis": (lambda t: ops.moveaxis(t, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    "moveaxis_back": (lambda t: ops.moveaxis(t, -1, 1), lambda a: np.moveaxis(a, -1, 1)),
    "broadcast_to": (lambda t: ops.broadcast_to(t[:, :1], (3, 2, 3, 4)),
                     lambda a: np.broadcast_to(a[:, :1], (3, 2, 3, 4))),
    "tile_int": (lambda t: ops.tile(t, 2), lambda a: np.tile(a, 2)),
    "tile_tuple": (lambda t: ops.tile(t, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3))),
    "tile_more_axes": (lambda t: ops.tile(t, (2, 1, 1, 2)), lambda a: np.tile(a, (2, 1, 1, 2))),
    "repeat_axis1": (lambda t: ops.repeat(t, 3, axis=1), lambda a: np.repeat(a, 3, axis=1)),
    "repeat_axis-1": (lambda t: ops.repeat(t, 2, axis=-1), lambda a: np.repeat(a, 2, axis=-1)),
    "repeat_flat": (lambda t: ops.repeat(t, 2), lambda a: np.repeat(a, 2)),
    "pad": (lambda t: ops.pad(t, ((0, 1), (2, 0), (1, 1))),
            lambda a: np.pad(a, ((0, 1), (2, 0), (1, 1)))),
    "pad_value": (lambda t: ops.pad(t, ((1, 1), (0, 0), (0, 2)), constant_values=-3.0),
                  lambda a: np.pad(a, ((1, 1), (0, 0), (0, 2)), constant_values=-3.0)),
    "pad_int": (lambda t: ops.pad(t, 1), lambda a: np.pad(a, 1)),
    "pad_one_pair": (lambda t: ops.pad(t, ((2, 1),), "constant"),
                     lambda a: np.pad(a, ((2, 1),))),
}


@pytest.mark.parametrize("name", sorted(ONE_INPUT))
def test_shape_op(name):
    op, reference = ONE_INPUT[name]
    got = run_float32(op, X)
    expected = reference(X.astype(F32))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    check_gradients(op, X)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis):
    a, b = X, X[:, :, :2] if axis == -1 else (X[:1] if axis == 0 else X[:, :2])

    def fn(p, q):
        return ops.concatenate([p, q], axis=axis)

    got = run_float32(fn, a, b)
    np.testing.assert_array_equal(got, np.concatenate([a, b], axis=axis).astype(F32))
    check_gradients(fn, a, b)


def test_concatenate_with_a_constant_input():
    x = Tensor(dev(X), requires_grad=True)
    out = ops.concatenate([x, Tensor(dev(np.zeros((2, 3, 1))))], axis=-1)
    (grad,) = gradients(ops.sum(out), [x])
    np.testing.assert_array_equal(host(grad), np.ones_like(X))


@pytest.mark.parametrize("axis", [0, 1, -1, 3])
def test_stack(axis):
    def fn(p, q, r):
        return ops.stack([p, q, r], axis=axis)

    arrays = [X, X + 1, X * 2]
    got = run_float32(fn, *arrays)
    np.testing.assert_array_equal(got, np.stack(arrays, axis=axis).astype(F32))
    check_gradients(fn, *arrays)


@pytest.mark.parametrize("sections, axis", [(2, 0), (3, 1), (2, -1), ([1, 3], -1),
                                            ([1], 1)])
def test_split(sections, axis):
    pieces = ops.split(Tensor(dev(X.astype(F32))), sections, axis=axis)
    expected = np.split(X.astype(F32), sections, axis=axis)
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        np.testing.assert_array_equal(host(piece), want)

    def weighted(t):  # each piece weighted differently, so a mix-up shows
        parts = ops.split(t, sections, axis=axis)
        return ops.concatenate([p * float(i + 1) for i, p in enumerate(parts)], axis=axis)

    run_float32(weighted, X)
    check_gradients(weighted, X)


def test_pad_supports_only_the_constant_mode():
    with pytest.raises(ValueError, match="reflect"):
        ops.pad(Tensor(dev(X)), 1, mode="reflect")


def test_split_into_unequal_sections_raises():
    with pytest.raises(ValueError, match="does not divide"):
        ops.split(Tensor(dev(X)), 5, axis=2)


# ------------------------------------------------------------------ getitem

KEYS = {
    "int": 1,
    "negative_int": -1,
    "slice": slice(0, 2),
    "tuple_slices": (slice(None), slice(1, 3), 2),
    "negative_step": (slice(None), slice(None, None, -1), slice(3, 0, -2)),
    "ellipsis_newaxis": (Ellipsis, None, slice(1, None)),
    "int_array_repeated": np.array([1, 0, 1, 1]),
    "int_array_axis2": (slice(None), slice(None), np.array([3, 3, 0])),
    "two_int_arrays": (np.array([0, 1, 1]), np.array([2, 2, 0])),
    "int_list": [1, 1, 0],
    "bool_mask": X > 0.5,
    "bool_mask_rows": np.array([True, False]),
    "bool_mask_axis1": (slice(None), np.array([True, False, True])),
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_getitem(name):
    key = KEYS[name]
    device_key = tuple(dev(k) if isinstance(k, np.ndarray) else k for k in key) \
        if isinstance(key, tuple) else (dev(key) if isinstance(key, np.ndarray) else key)

    def fn(t):
        return t[device_key]

    got = run_float32(fn, X)
    np.testing.assert_array_equal(got, X.astype(F32)[key])
    check_gradients(fn, X)


def test_getitem_with_repeated_indices_accumulates_the_gradient():
    x = Tensor(dev(np.arange(4, dtype=F32)), requires_grad=True)
    (grad,) = gradients(ops.sum(x[dev(np.array([2, 0, 2, 2]))]), [x])
    np.testing.assert_array_equal(host(grad), [1, 0, 3, 0])


def test_getitem_with_a_tensor_index():
    x = Tensor(dev(X.astype(F32)), requires_grad=True)
    index = Tensor(dev(np.array([1, 1])))
    out = ops.getitem(x, index)
    np.testing.assert_array_equal(host(out), X.astype(F32)[[1, 1]])
    (grad,) = gradients(ops.sum(out), [x])
    np.testing.assert_array_equal(host(grad)[1], np.full((3, 4), 2.0))


@pytest.mark.parametrize("axis, indices", [(None, [5, 0, 5, 23]), (0, [1, 0, 1]),
                                           (1, [2, 0, 2, 1]), (-1, [3, 3, 0, -1])], ids=str)
def test_take(axis, indices):
    indices = np.array(indices)

    def fn(t):
        return ops.take(t, dev(indices), axis=axis)

    got = run_float32(fn, X)
    np.testing.assert_array_equal(got, np.take(X.astype(F32), indices, axis=axis))
    check_gradients(fn, X)


def test_take_with_a_2d_index_array():
    indices = np.array([[0, 1], [1, 1]])

    def fn(t):
        return ops.take(t, dev(indices), axis=1)

    np.testing.assert_array_equal(run_float32(fn, X), np.take(X.astype(F32), indices, axis=1))
    check_gradients(fn, X)


def test_reshape_backward_is_a_view_of_the_gradient_shape():
    x = Tensor(dev(X.astype(F32)), requires_grad=True)
    (grad,) = gradients(ops.sum(ops.reshape(x, (24,)) * dev(np.arange(24, dtype=F32))), [x])
    np.testing.assert_array_equal(host(grad), np.arange(24, dtype=F32).reshape(2, 3, 4))


def test_ops_shape_is_a_function_of_tensors_arrays_and_symbolic_tensors():
    import kerasette as keras

    assert keras.ops.shape(keras.Input((3, 4))) == (None, 3, 4)
    assert keras.ops.shape(keras.ops.convert_to_tensor(np.ones((2, 5)))) == (2, 5)
    assert keras.ops.shape([[1.0, 2.0, 3.0]]) == (1, 3)


def test_a_one_element_tensor_formats_as_its_number():
    import kerasette as keras

    metric = keras.metrics.Mean()
    metric.update_state([1.0, 2.0, 4.0])
    assert f"{metric.result():.2f}" == "2.33"
    assert f"{keras.ops.convert_to_tensor([7.0]):.1f}" == "7.0"
    pair = keras.ops.convert_to_tensor([1.0, 2.0])
    assert f"{pair}" == str(pair)
    with pytest.raises(TypeError):
        f"{pair:.2f}"
