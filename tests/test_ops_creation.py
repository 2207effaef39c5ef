"""Keras 3's array-making ops and products against NumPy; the products' gradients
against central differences."""

import numpy as np
import pytest

import kerasette as keras
from helpers import check_gradients

ops = keras.ops
rng = np.random.default_rng(0)


def host(tensor):
    return keras.backend.to_numpy(tensor.data)


def test_makers_equal_numpy_and_default_to_floatx():
    assert host(ops.ones((2, 3))).dtype == np.float32
    np.testing.assert_array_equal(host(ops.zeros((2,))), np.zeros(2))
    np.testing.assert_array_equal(host(ops.full((2, 2), 7)), np.full((2, 2), 7.0))
    like = ops.convert_to_tensor(np.arange(6, dtype="int32").reshape(2, 3))
    assert host(ops.ones_like(like)).dtype == np.int32
    np.testing.assert_array_equal(host(ops.full_like(like, 4)), np.full((2, 3), 4))
    np.testing.assert_array_equal(host(ops.zeros_like(like)), np.zeros((2, 3)))
    np.testing.assert_array_equal(host(ops.arange(5)), np.arange(5))
    np.testing.assert_allclose(host(ops.arange(0.0, 1.0, 0.25)), [0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(host(ops.eye(3, 4, 1)), np.eye(3, 4, 1))
    np.testing.assert_array_equal(host(ops.identity(2)), np.eye(2))
    np.testing.assert_allclose(host(ops.linspace(0, 1, 5)), np.linspace(0, 1, 5), rtol=1e-6)
    np.testing.assert_array_equal(host(ops.tri(3)), np.tri(3))
    np.testing.assert_array_equal(host(ops.array([[1, 2]])), [[1, 2]])


def test_one_hot_puts_ones_at_the_ids_and_zeros_for_ids_out_of_range():
    out = host(ops.one_hot(np.array([0, 2, 5]), 3))
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert host(ops.one_hot(np.array([[1, 0]]), 4, axis=0)).shape == (4, 1, 2)


def test_tensordot_outer_tril_triu_equal_numpy():
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 5))
    np.testing.assert_allclose(host(ops.tensordot(a, b)), np.tensordot(a, b), rtol=1e-10)
    np.testing.assert_allclose(host(ops.tensordot(a, b, axes=([1], [0]))),
                               np.tensordot(a, b, axes=([1], [0])), rtol=1e-10)
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    np.testing.assert_allclose(host(ops.outer(u, v)), np.outer(u, v))
    m = rng.standard_normal((4, 4))
    np.testing.assert_allclose(host(ops.tril(m, -1)), np.tril(m, -1))
    np.testing.assert_allclose(host(ops.triu(m, 1)), np.triu(m, 1))


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij->j", [(3, 4)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("bqd,bkd->bqk", [(1, 2, 3), (1, 4, 3)]),
])
def test_einsum_equals_numpy_and_its_gradient_checks(spec, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    np.testing.assert_allclose(host(ops.einsum(spec, *arrays)), np.einsum(spec, *arrays),
                               rtol=1e-10)
    check_gradients(lambda *t: ops.einsum(spec, *t), *arrays)


def test_einsum_refuses_what_it_does_not_support():
    with pytest.raises(ValueError, match="repeated"):
        ops.einsum("ii->i", np.eye(2))
    with pytest.raises(ValueError, match="operand"):
        ops.einsum("ij,jk->ik", np.eye(2))


def test_gradients_of_tensordot_outer_tril():
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    check_gradients(lambda x, y: ops.tensordot(x, y, axes=1), a, b)
    check_gradients(lambda x, y: ops.outer(x, y), rng.standard_normal(3),
                    rng.standard_normal(2))
    check_gradients(lambda x: ops.tril(x), rng.standard_normal((3, 3)))
    check_gradients(lambda x: ops.triu(x, 1), rng.standard_normal((3, 3)))
