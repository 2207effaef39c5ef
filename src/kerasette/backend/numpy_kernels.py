"""Kernels whose best form differs between CPU and GPU: the NumPy (CPU) side.

Each function is written against the array module of its arguments, so the CuPy side
(``cupy_kernels``) reuses it and overrides only what it does faster on the GPU.
"""

from __future__ import annotations

import sys

import numpy as np

from .cpu_threads import even_slices, parallel_threads, run_parts  # noqa: F401  (the surface)


def array_module(x):
    """``numpy`` for a NumPy array, ``cupy`` for a CuPy array."""
    if isinstance(x, np.ndarray):
        return np
    return sys.modules["cupy"]


def softmax(x, axis=-1):
    """Numerically stable softmax along ``axis``."""
    xp = array_module(x)
    e = x - x.max(axis=axis, keepdims=True)
    xp.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(x, axis=-1):
    """Numerically stable ``log(softmax(x))`` along ``axis``."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def dropout_mask(generator, shape, rate, dtype):
    """A mask of ``0`` (dropped, with probability ``rate``) and ``1 / (1 - rate)``."""
    keep = generator.random(shape, dtype=np.float32) >= rate
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))


def may_be_partial(keep) -> bool:
    """Whether a boolean mask may hold a ``False`` (masked code paths are then needed).
    NumPy looks; CuPy answers True rather than read the device back."""
    return not keep.all()


def relu_backward(grad, output):
    """Gradient of ``relu`` from its output: ``grad * (output > 0)``."""
    return grad * (output > 0)


_scratch_buffers: dict = {}


def scratch(shape, dtype):
    """A reusable work buffer of ``shape``; reusing it avoids fresh (page-faulting)
    allocations of large temporaries on every optimizer step."""
    key = (tuple(shape), str(dtype))
    buffer = _scratch_buffers.get(key)
    if buffer is None:
        buffer = _scratch_buffers[key] = np.empty(shape, dtype=dtype)
    return buffer


_PARALLEL_MIN = 1 << 20  # elements; below this one thread is as fast
_CHUNK = 1 << 17  # elements per piece: the piece's arrays stay in cache across the passes


def adam_update(variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat=None):
    """One in-place Adam step (``lr_t`` already holds the bias corrections).

    ``m += (1 - beta_1) * (g - m)``; ``v += (1 - beta_2) * (g^2 - v)``;
    ``variable -= lr_t * m / (sqrt(v) + epsilon)`` (``v_hat = max(v_hat, v)`` with amsgrad).
    Every step writes into one scratch buffer: no temporaries. Big variables (an
    embedding table) are updated in cache-sized pieces on two threads.
    """
    xp = array_module(variable)
    constants = (lr_t, beta_1, beta_2, epsilon)
    if xp is not np:
        return _adam_pass(xp, variable, gradient, m, v, v_hat, xp.empty_like(variable),
                          *constants)
    work = scratch(variable.shape, variable.dtype)
    arrays = (variable, m, v) if v_hat is None else (variable, m, v, v_hat)
    if variable.size < _PARALLEL_MIN or not all(a.flags.c_contiguous for a in arrays):
        return _adam_pass(np, variable, gradient, m, v, v_hat, work, *constants)
    flat = [a.reshape(-1) for a in (variable, np.ascontiguousarray(gradient), m, v, work)]
    flat_hat = None if v_hat is None else v_hat.reshape(-1)

    def pieces(first: int) -> None:
        for start in range(first * _CHUNK, variable.size, 2 * _CHUNK):
            piece = slice(start, start + _CHUNK)
            _adam_pass(np, *(a[piece] for a in flat[:4]),
                       None if flat_hat is None else flat_hat[piece], flat[4][piece],
                       *constants)

    run_parts(pieces, (0, 1), blas=False)


def _adam_pass(xp, variable, gradient, m, v, v_hat, work, lr_t, beta_1, beta_2, epsilon):
    dtype = variable.dtype.type
    xp.subtract(gradient, m, out=work)
    work *= dtype(1 - beta_1)
    m += work
    xp.multiply(gradient, gradient, out=work)
    work -= v
    work *= dtype(1 - beta_2)
    v += work
    if v_hat is not None:
        xp.maximum(v_hat, v, out=v_hat)
        v = v_hat
    xp.sqrt(v, out=work)
    work += dtype(epsilon)
    xp.divide(m, work, out=work)
    work *= dtype(lr_t)
    variable -= work


def erf(x):
    """The error function (NumPy has none), accurate to float64 round-off.

    A Maclaurin series for ``|x| < 2`` and a continued fraction for ``erfc`` beyond.
    """
    xp = array_module(x)
    x64 = x.astype(np.float64)
    a = xp.abs(x64)
    # Taylor series for |x| < 2 (converges fast enough in float64 with 40 terms).
    small = a < 2.0
    xs = xp.where(small, x64, 0.0)
    term = xs.copy()
    total = xs.copy()
    x2 = xs * xs
    for n in range(1, 40):
        term = term * (-x2) / n
        total = total + term / (2 * n + 1)
    series = total * (2.0 / np.sqrt(np.pi))
    # Continued fraction for erfc when |x| >= 2.
    al = xp.where(small, 2.0, a)
    frac = xp.zeros_like(al)
    for k in range(60, 0, -1):
        frac = (k / 2.0) / (al + frac)
    tail = 1.0 - xp.exp(-al * al) / np.sqrt(np.pi) / (al + frac)
    result = xp.where(small, series, xp.sign(x64) * tail)
    return result.astype(x.dtype)


def window_view_geometry(x, kernel_size, strides, dilation):
    """The ``(shape, byte strides)`` of ``sliding_windows``'s view of ``x``."""
    rank = len(kernel_size)
    spatial = x.shape[1:1 + rank]
    out = tuple((n - (k - 1) * d - 1) // s + 1
                for n, k, s, d in zip(spatial, kernel_size, strides, dilation))
    steps = x.strides[1:1 + rank]
    shape = (x.shape[0],) + out + tuple(kernel_size) + (x.shape[-1],)
    strides_bytes = ((x.strides[0],) + tuple(st * s for st, s in zip(steps, strides))
                     + tuple(st * d for st, d in zip(steps, dilation)) + (x.strides[-1],))
    return shape, strides_bytes


def sliding_windows(x, kernel_size, strides, dilation, writeable=False):
    """A strided view of the windows of a channels-last array; no copy.

    ``x`` has shape ``(batch, *spatial, channels)``; the view has shape
    ``(batch, *out, *kernel_size, channels)``, where window ``out`` position ``o`` and
    kernel offset ``k`` along an axis read input position ``o * stride + k * dilation``.
    The view is read-only unless ``writeable`` (only safe for disjoint windows).
    """
    shape, strides_bytes = window_view_geometry(x, kernel_size, strides, dilation)
    xp = array_module(x)
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides_bytes, writeable=writeable)
    return xp.lib.stride_tricks.as_strided(x, shape, strides_bytes)  # no read-only flag


def im2col(x, kernel_size, strides, dilation):
    """The windows of a channels-last ``x`` copied into one contiguous array.

    Returns shape ``(batch, *out, *kernel_size, channels)``: reshaped to
    ``(batch * prod(out), prod(kernel_size) * channels)`` it is the left operand of the
    convolution's GEMM against a Keras kernel reshaped to ``(-1, filters)``.
    """
    xp = array_module(x)
    return xp.ascontiguousarray(sliding_windows(x, kernel_size, strides, dilation))


def col2im(cols, spatial_shape, kernel_size, strides, dilation, out=None):
    """The adjoint of ``im2col``: scatter-adds windows back onto the input grid.

    ``cols`` has shape ``(batch, *out, *kernel_size, channels)`` (any strides: a
    kernel-major layout makes each added block contiguous); returns the
    ``(batch, *spatial_shape, channels)`` sum of every window's values at the input
    positions it read (added into ``out`` when given). One vectorized add per kernel
    offset, none per pixel.
    """
    xp = array_module(cols)
    rank = len(kernel_size)
    positions = cols.shape[1:1 + rank]
    if out is None:
        out = xp.zeros((cols.shape[0],) + tuple(spatial_shape) + (cols.shape[-1],),
                       dtype=cols.dtype)
    lead = (slice(None),) * (1 + rank)
    for offset in np.ndindex(*kernel_size):
        window = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                       for k, d, o, s in zip(offset, dilation, positions, strides))
        out[(slice(None),) + window] += cols[lead + offset]
    return out


def embedding_backward(indices, grad, input_dim: int):
    """The gradient of an embedding table after a row gather: row ``k`` is the sum of the
    rows of ``grad`` whose index is ``k``. Ids read once are copied into place; the
    repeated ones (padding, common words) are summed by one bincount. No one-hot matrix.
    ``indices`` has shape ``(...)``, ``grad`` shape ``(..., width)``."""
    xp = array_module(grad)
    width = grad.shape[-1]
    ids, rows = indices.reshape(-1), grad.reshape(-1, width)
    _, inverse, counts = xp.unique(ids, return_inverse=True, return_counts=True)
    once = counts[inverse.reshape(-1)] == 1
    table = xp.zeros((input_dim, width), dtype=grad.dtype)
    table[ids[once]] = rows[once]
    if not once.all():
        repeated, where = xp.unique(ids[~once], return_inverse=True)
        flat = (where.reshape(-1, 1) * width + xp.arange(width)).reshape(-1)
        sums = xp.bincount(flat, weights=rows[~once].reshape(-1),
                           minlength=len(repeated) * width)
        table[repeated] = sums.reshape(len(repeated), width)
    return table


# ---- recurrent cells: activations in place, and the pointwise half of an LSTM step ----


CACHE_CHUNK_BYTES = 1 << 19
"""How much input a chain of elementwise passes works on at a time (512 KiB): the
chunk stays in the core's L2 cache between the passes."""

CONV_CHUNK_BYTES = 1 << 22
"""How much window matrix a convolution builds at a time on the CPU (4 MiB; at most
``ops.conv.CHUNK_BYTES``): each core's chunk, its GEMM's output and the next chunk's
input stay in the shared L3 cache (MNIST convnet predict: 3,286 against 2,414 samples/s
with 8 MiB chunks, training within the noise)."""


# The recurrent kernels (activations, LSTM cell, inference loops) live in their own module;
# imported last, as they use ``array_module`` above.
from .recurrent_kernels import *  # noqa: E402,F401,F403
