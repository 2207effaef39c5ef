"""Normalization: ``moments``, ``batch_normalization``, ``normalize`` and the fused
``standardize``.

``standardize`` standardizes over some axes with the statistics of the data itself and then
scales and shifts, as one graph node with the closed-form backward (what training-mode
BatchNormalization and LayerNormalization compute). ``batch_normalization`` applies given
statistics (Keras's ``keras.ops.batch_normalization``, inference-mode BatchNormalization).
"""

from __future__ import annotations

from .. import backend
from ..autograd import Tensor, record, unbroadcast
from . import math as _math
from .math import convert_to_tensor
from .reduce import _axes, mean, sum as _sum, var

__all__ = ["moments", "batch_normalization", "normalize"]  # ``standardize`` is internal


def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    """``(mean, variance)`` of ``x`` over ``axes`` (the biased variance, as Keras)."""
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def _broadcast_shape(x: Tensor, axes: tuple) -> tuple:
    """The shape of a parameter spanning ``axes`` that broadcasts against ``x``."""
    return tuple(n if i in axes else 1 for i, n in enumerate(x.shape))


def _as_param(value, shape: tuple, dtype):
    """A parameter tensor (or None) and its array reshaped to broadcast."""
    if value is None:
        return None, None
    value = convert_to_tensor(value, dtype)
    return value, value.data.reshape(shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None,
                        epsilon: float = 1e-3) -> Tensor:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, as one node.

    ``mean``, ``variance``, ``offset`` and ``scale`` hold one value per entry of the
    axis (or axes) ``axis`` of ``x``; all five inputs receive gradients.
    """
    x = convert_to_tensor(x)
    axes = _axes(axis, x.ndim)
    shape = _broadcast_shape(x, axes)
    mean, m = _as_param(mean, shape, x.dtype)
    variance, v = _as_param(variance, shape, x.dtype)
    offset, o = _as_param(offset, shape, x.dtype)
    scale, s = _as_param(scale, shape, x.dtype)
    xp = backend.xp
    inv = 1 / xp.sqrt(v + x.dtype.type(epsilon))
    factor = inv if s is None else inv * s
    centered = x.data - m
    out = centered * factor
    if o is not None:
        out += o
    parents = tuple(t for t in (x, mean, variance, offset, scale) if t is not None)

    def backward(g):
        grads = {"x": g * factor if x.requires_grad else None}
        if mean.requires_grad:
            grads["mean"] = -unbroadcast(g * factor, shape).reshape(mean.shape)
        if variance.requires_grad:
            gv = unbroadcast(g * centered, shape) * (-0.5 * factor * inv * inv)
            grads["variance"] = gv.reshape(variance.shape)
        if offset is not None and offset.requires_grad:
            grads["offset"] = unbroadcast(g, shape).reshape(offset.shape)
        if scale is not None and scale.requires_grad:
            grads["scale"] = (unbroadcast(g * centered, shape) * inv).reshape(scale.shape)
        names = ("x", "mean", "variance", "offset", "scale")
        return tuple(grads.get(n) for n, t in zip(names, (x, mean, variance, offset, scale))
                     if t is not None)

    return record(out, parents, backward)


def standardize(x, axes, scale=None, offset=None, epsilon: float = 1e-3, param_axes=None):
    """Standardizes ``x`` over ``axes`` with its own mean and variance, then
    ``* scale + offset`` (parameters spanning ``param_axes``), as one node.

    Training-mode BatchNormalization reduces over every axis but the channels and puts
    its parameters on the channels; LayerNormalization reduces over and parametrizes the
    same axes.

    Returns:
        ``(output, mean, variance)``: the Tensor, and the statistics as plain arrays
        (keepdims shape) for the caller's moving averages.
    """
    x = convert_to_tensor(x)
    axes = _axes(axes, x.ndim)
    shape = _broadcast_shape(x, _axes(param_axes if param_axes is not None else axes, x.ndim))
    scale, s = _as_param(scale, shape, x.dtype)
    offset, o = _as_param(offset, shape, x.dtype)
    if (axes == tuple(range(x.ndim - 1)) and shape == (1,) * (x.ndim - 1) + x.shape[-1:]
            and x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.data.flags.c_contiguous):
        return _standardize_rows(x, scale, s, offset, o, epsilon)
    xp = backend.xp
    mu = x.data.mean(axis=axes, keepdims=True)
    centered = x.data - mu
    variance = xp.mean(centered * centered, axis=axes, keepdims=True)
    inv = 1 / xp.sqrt(variance + x.dtype.type(epsilon))
    normalized = centered * inv
    out = normalized if s is None else normalized * s
    if o is not None:
        out = out + o
    parents = tuple(t for t in (x, scale, offset) if t is not None)

    def backward(g):
        gx = gs = go = None
        if x.requires_grad:
            gn = g if s is None else g * s
            gx = gn - gn.mean(axis=axes, keepdims=True)
            gx -= normalized * (gn * normalized).mean(axis=axes, keepdims=True)
            gx *= inv
        if scale is not None and scale.requires_grad:
            gs = unbroadcast(g * normalized, shape).reshape(scale.shape)
        if offset is not None and offset.requires_grad:
            go = unbroadcast(g, shape).reshape(offset.shape)
        return tuple(grad for grad, t in ((gx, x), (gs, scale), (go, offset))
                     if t is not None)

    return record(out, parents, backward), mu, variance


def _row_blocks(part: slice, row_bytes: int) -> list[slice]:
    """``part``'s rows in blocks of about ``kernels.CACHE_CHUNK_BYTES`` (one block on a
    GPU), so that the passes over a block stay in the core's cache."""
    step = max(1, backend.kernels.CACHE_CHUNK_BYTES // max(1, row_bytes))
    return [slice(a, min(a + step, part.stop)) for a in range(part.start, part.stop, step)]


PARALLEL_BYTES = 1 << 20
"""From this size (1 MiB) a standardization spreads its rows over the cores."""


def _over_rows(rows: int, row_bytes: int, work) -> list:
    """``work(blocks)`` for each part of ``range(rows)`` on the cores
    (``kernels.run_parts``; one part below ``PARALLEL_BYTES``), a part being a list of
    cache-sized row blocks."""
    kernels = backend.kernels
    threads = kernels.parallel_threads() if rows * row_bytes >= PARALLEL_BYTES else 1
    parts = kernels.even_slices(rows, threads)
    return kernels.run_parts(lambda part: work(_row_blocks(part, row_bytes)), parts)


def _column_sums(rows: int, row_bytes: int, terms):
    """The column sums of every array ``terms(block)`` returns for the row blocks, each
    summed block by block, then part by part in order."""
    def work(blocks):
        totals = None
        for block in blocks:
            values = [t.sum(axis=0) for t in terms(block)]
            totals = values if totals is None else [a + b for a, b in zip(totals, values)]
        return totals

    results = _over_rows(rows, row_bytes, work)
    return [sum(column[1:], column[0]) for column in zip(*results)]


def _standardize_rows(x, scale, s, offset, o, epsilon):
    """``standardize`` over every axis but the last (training-mode BatchNormalization on
    channels-last data, the common case), on the (rows, channels) view of ``x``: each pass
    works block by block in cache, and the blocks are spread over the cores."""
    xp, dtype = backend.xp, x.dtype
    channels = x.shape[-1]
    x2 = x.data.reshape(-1, channels)
    rows, row_bytes = x2.shape[0], channels * dtype.itemsize
    s2 = None if s is None else s.reshape(channels)
    o2 = None if o is None else o.reshape(channels)
    (total,) = _column_sums(rows, row_bytes, lambda b: [x2[b]])
    mu = total / rows
    (squares,) = _column_sums(rows, row_bytes, lambda b: [xp.square(x2[b] - mu)])
    variance = squares / rows
    inv = 1 / xp.sqrt(variance + dtype.type(epsilon))
    normalized, out = xp.empty_like(x2), xp.empty_like(x2)

    def forward(blocks):
        for b in blocks:
            xp.subtract(x2[b], mu, out=normalized[b])
            normalized[b] *= inv
            if s2 is None:
                out[b] = normalized[b]
            else:
                xp.multiply(normalized[b], s2, out=out[b])
            if o2 is not None:
                out[b] += o2

    _over_rows(rows, row_bytes, forward)
    parents = tuple(t for t in (x, scale, offset) if t is not None)

    def backward(g):
        g2 = xp.ascontiguousarray(g).reshape(-1, channels)
        g_sum, gn_sum = _column_sums(rows, row_bytes,
                                     lambda b: [g2[b], g2[b] * normalized[b]])
        gx = None
        if x.requires_grad:
            gain = inv if s2 is None else inv * s2  # d out / d centered, per channel
            mean_g, mean_gn = g_sum / rows, gn_sum / rows
            gx = xp.empty_like(g2)

            def input_grad(blocks):  # (g - mean(g) - normalized * mean(g * n)) * gain
                for b in blocks:
                    xp.multiply(normalized[b], mean_gn, out=gx[b])
                    xp.subtract(g2[b], gx[b], out=gx[b])
                    gx[b] -= mean_g
                    gx[b] *= gain

            _over_rows(rows, row_bytes, input_grad)
            gx = gx.reshape(x.shape)
        gs = gn_sum.reshape(scale.shape) if scale is not None and scale.requires_grad else None
        go = g_sum.reshape(offset.shape) if offset is not None and offset.requires_grad else None
        return tuple(grad for grad, t in ((gx, x), (gs, scale), (go, offset))
                     if t is not None)

    keep = (1,) * (x.ndim - 1) + (channels,)
    return (record(out.reshape(x.shape), parents, backward), mu.reshape(keep),
            variance.reshape(keep))


def normalize(x, axis: int = -1, order: int = 2, epsilon=None) -> Tensor:
    """``x`` divided by its ``order``-norm along ``axis`` (``keras.ops.normalize``);
    the squared L2 norm is floored at ``epsilon`` (default ``1e-12`` for order 2)."""
    x = convert_to_tensor(x)
    if order != 2:
        powered = _math.power(_math.abs(x), order)
        norm = _math.power(_sum(powered, axis=axis, keepdims=True), 1.0 / order)
        return _math.divide(x, _math.maximum(norm, epsilon or backend.epsilon()))
    squared = _sum(_math.multiply(x, x), axis=axis, keepdims=True)
    floor = 1e-12 if epsilon is None else epsilon
    return _math.multiply(x, _math.power(_math.maximum(squared, floor), -0.5))
