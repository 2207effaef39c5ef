"""NumPy's OpenBLAS through ctypes (backend/openblas.py): the bound transpose and
``out += a @ b`` give NumPy's numbers on contiguous and row-strided blocks, fall back to
NumPy for what OpenBLAS cannot take, and the recurrent loops on gates looked up by token
give the same numbers either way."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

from kerasette.backend import openblas, recurrent_kernels

needs_openblas = pytest.mark.skipif(not openblas.FAST_TRANSPOSE,
                                    reason="NumPy's OpenBLAS was not found")


def test_numpys_own_openblas_is_found_when_numpy_ships_one():
    """A renamed symbol would silently put every caller on the slow path."""
    here = os.path.dirname(np.__file__)
    shipped = glob.glob(os.path.join(here + ".libs", "*openblas*")) + glob.glob(
        os.path.join(here, ".dylibs", "*openblas*"))
    if not shipped:
        pytest.skip("this NumPy does not ship OpenBLAS")
    assert openblas.FAST_TRANSPOSE and openblas.THREADS is not None
    assert openblas.THREADS.get() >= 1


@needs_openblas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bound_transpose_on_contiguous_and_row_strided_blocks(dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 7)).astype(dtype)
    out = np.zeros((7, 5), dtype=dtype)
    transpose = openblas.bind_transpose(a, out)
    transpose()
    np.testing.assert_array_equal(out, a.T)
    a *= 3  # the bound function reads the arrays' current contents
    transpose()
    np.testing.assert_array_equal(out, a.T)
    big_in, big_out = rng.standard_normal((9, 12)).astype(dtype), np.zeros((10, 9), dtype)
    openblas.bind_transpose(big_in[2:6, 3:11], big_out[1:9, 4:8])()
    np.testing.assert_array_equal(big_out[1:9, 4:8], big_in[2:6, 3:11].T)
    big_out[1:9, 4:8] = 0
    assert not big_out.any()  # nothing outside the block was written


@needs_openblas
@pytest.mark.parametrize("dtype,tolerance", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_bound_matmul_add_accumulates_into_a_block(dtype, tolerance):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((6, 4)).astype(dtype), rng.standard_normal((4, 3)).astype(dtype)
    big = rng.standard_normal((8, 9)).astype(dtype)
    before = big.copy()
    add = openblas.bind_matmul_add(a, b, big[1:7, 2:5])
    add()
    add()
    expected = before.copy()
    expected[1:7, 2:5] += 2 * (a @ b)
    np.testing.assert_allclose(big, expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_array_equal(big[:, 5:], before[:, 5:])


@pytest.mark.parametrize("case", ["integers", "strided columns", "overlap", "no library"])
def test_what_openblas_cannot_take_goes_to_numpy(case, monkeypatch):
    rng = np.random.default_rng(2)
    dtype = np.int64 if case == "integers" else np.float32
    a = (rng.standard_normal((12, 8)) * 4).astype(dtype)
    b = (rng.standard_normal((4, 3)) * 4).astype(dtype)
    if case == "no library":
        monkeypatch.setattr(openblas, "_ROUTINES", {})
    left = a[:, ::2] if case == "strided columns" else a[:, :4]  # (12, 4)
    transposed = np.zeros((4, 12), dtype=dtype)
    openblas.bind_transpose(left, transposed)()
    np.testing.assert_array_equal(transposed, left.T)
    # the overlap: the sum goes into columns of ``a`` itself
    total = a[:, 4:7] if case == "overlap" else np.ones((12, 3), dtype=dtype)
    expected = total + left @ b
    openblas.bind_matmul_add(left, b, total)()
    np.testing.assert_allclose(total, expected, rtol=1e-5)


def test_mismatched_shapes_are_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"bind_transpose: out must have shape \(3, 2\)"):
        openblas.bind_transpose(np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"bind_matmul_add: \(2, 3\) @ \(4, 5\)"):
        openblas.bind_matmul_add(np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32),
                                 np.zeros((2, 5), np.float32))


@pytest.mark.parametrize("with_library", [True, False])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_looked_up_by_token_match_the_projected_sequence(cell, with_library,
                                                               monkeypatch):
    """The inference loops on ``LookedUpGates`` (rows of ``E @ K + b`` gathered and
    transposed step by step) against the same loops on the projected sequence, with the
    batch in two parts too."""
    if not with_library:
        monkeypatch.setattr(openblas, "_ROUTINES", {})
    rng = np.random.default_rng(3)
    vocabulary, features, units, steps, batch = 30, 6, 5, 7, 9
    columns = (4 if cell == "lstm" else 3) * units
    embedding = rng.standard_normal((vocabulary, features)).astype(np.float32)
    shapes = (features, columns), (units, columns), (columns,)
    kernel, recurrent, bias = (rng.standard_normal(s).astype(np.float32) * 0.5 for s in shapes)
    if cell == "lstm":
        kernel, recurrent, bias = recurrent_kernels.lstm_inference_weights(kernel, recurrent,
                                                                           bias)
    recurrent_t = np.ascontiguousarray(recurrent.T)
    ids = rng.integers(0, vocabulary, (steps, batch))
    looked_up = recurrent_kernels.LookedUpGates(embedding @ kernel + bias, ids)
    projected = np.matmul(kernel.T, embedding[ids].transpose(0, 2, 1)) + bias[:, None]
    assert looked_up.shape == projected.shape
    h0, c0 = (rng.standard_normal((units, batch)).astype(np.float32) for _ in range(2))
    results = []
    for gates in (looked_up, projected, looked_up[:, :, slice(2, 7)]):
        hs = np.empty((steps, units, gates.shape[2]), np.float32)
        part = slice(None) if gates.shape[2] == batch else slice(2, 7)
        if cell == "lstm":
            last = recurrent_kernels.lstm_inference_steps(
                gates, recurrent_t, h0[:, part].copy(), c0[:, part].copy(), hs)
        else:
            last = (recurrent_kernels.gru_steps(gates, recurrent_t, None, h0[:, part].copy(),
                                                hs, "tanh", "sigmoid", True),)
        results.append((hs,) + tuple(last))
    for got, want in zip(results[0], results[1]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(results[2], results[1]):
        np.testing.assert_allclose(got, want[..., 2:7], rtol=1e-5, atol=1e-6)
