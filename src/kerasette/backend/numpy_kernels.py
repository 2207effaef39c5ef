"""Kernels whose best form differs between CPU and GPU: the NumPy (CPU) side.

Each function is written against the array module of its arguments, so the CuPy side
(``cupy_kernels``) reuses it and overrides only what it does faster on the GPU.
"""

from __future__ import annotations

import sys

import numpy as np


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


def adam_update(variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat=None):
    """One in-place Adam step (``lr_t`` already holds the bias corrections).

    ``m += (1 - beta_1) * (g - m)``; ``v += (1 - beta_2) * (g^2 - v)``;
    ``variable -= lr_t * m / (sqrt(v) + epsilon)`` (``v_hat = max(v_hat, v)`` with amsgrad).
    Every step writes into one scratch buffer: no temporaries.
    """
    xp = array_module(variable)
    work = scratch(variable.shape, variable.dtype) if xp is np else xp.empty_like(variable)
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
