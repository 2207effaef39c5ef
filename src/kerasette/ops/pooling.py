"""Pooling: ``max_pool`` and ``average_pool`` over 1, 2 or 3 spatial axes.

Both read the windows as a strided view (``backend.kernels.sliding_windows``, no copy)
and reduce them with one vectorized operation per offset inside the window, never one
per pixel. Their backwards build the gradient of every window, kernel-major, and
``backend.kernels.col2im`` scatter-adds it onto the input grid, so overlapping windows
(strides smaller than the pool) accumulate.

Ties in ``max_pool``: the whole gradient goes to the first maximal position of the window
in row-major order (as TensorFlow routes it to one argmax), never shared.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Tensor, record
from .math import convert_to_tensor
from .spatial import (crop_spatial, from_channels_last, normalize_data_format,
                      normalize_padding, normalize_tuple, pad_spatial, padding_amounts,
                      to_channels_last)

__all__ = ["max_pool", "average_pool"]


def _prepare(inputs, pool_size, strides, padding, data_format, owner):
    """The channels-last input and the window geometry shared by both pools."""
    x = convert_to_tensor(inputs)
    rank = x.ndim - 2
    if rank < 1:
        raise ValueError(f"{owner}: expected an input of rank 3 to 5 (batch, spatial axes, "
                         f"channels); received shape {x.shape}.")
    pool = normalize_tuple(pool_size, rank, "pool_size", owner)
    strides = pool if strides is None else normalize_tuple(strides, rank, "strides", owner)
    padding = normalize_padding(padding, owner)
    fmt = normalize_data_format(data_format, owner)
    data = to_channels_last(x.data, fmt)
    pads, _ = padding_amounts(data.shape[1:-1], pool, strides, (1,) * rank,
                                      padding, owner, "pool_size")
    return x, data, pool, strides, pads, fmt


def _kernel_major(cols, pool):
    """``(prod(pool), N, *out, C)`` -> a ``(N, *out, *pool, C)`` view for ``col2im``."""
    rank = len(pool)
    cols = cols.reshape(tuple(pool) + cols.shape[1:])
    order = (rank,) + tuple(range(rank + 1, 2 * rank + 1)) + tuple(range(rank)) + (2 * rank + 1,)
    return cols.transpose(order)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None) -> Tensor:
    """The maximum of each window.

    Args:
        inputs: ``(batch, *spatial, channels)`` (or channels first).
        pool_size: an int or one per spatial axis.
        strides: an int or one per spatial axis; default ``None`` means ``pool_size``.
        padding: ``"valid"`` or ``"same"`` (padded positions never win).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """
    x, data, pool, strides, pads, fmt = _prepare(
        inputs, pool_size, strides, padding, data_format, "max_pool")
    xp = backend.xp
    lowest = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    padded = pad_spatial(data, pads, lowest)
    windows = backend.kernels.sliding_windows(padded, pool, strides, (1,) * len(pool))
    lead = (slice(None),) * (1 + len(pool))
    offsets = list(np.ndindex(*pool))
    best = xp.empty(windows.shape[:1 + len(pool)] + windows.shape[-1:], dtype=data.dtype)
    step = max(1, backend.kernels.CACHE_CHUNK_BYTES // max(1, padded[0].nbytes))
    parts = [slice(start, start + step) for start in range(0, best.shape[0], step)]

    def forward_part(part):  # a few samples at a time: cache-sized
        best[part] = windows[lead + offsets[0]][part]
        for offset in offsets[1:]:
            xp.maximum(best[part], windows[lead + offset][part], out=best[part])

    backend.kernels.run_parts(forward_part, parts)

    disjoint = all(s >= p for s, p in zip(strides, pool))

    def backward(g):
        g = to_channels_last(g, fmt)
        if disjoint:  # each input position is in one window: write, no sums needed
            grid = xp.zeros(padded.shape, dtype=g.dtype)
            targets = backend.kernels.sliding_windows(grid, pool, strides, (1,) * len(pool),
                                                      writeable=True)
        else:
            grid = xp.empty((len(offsets),) + g.shape, dtype=g.dtype)
        # The first maximum of each window takes the window's whole gradient: ``left``
        # holds what no earlier position took, and the last position needs no compare.
        # A few samples at a time, so that the passes over the offsets stay in cache.
        def backward_part(part):
            left = g[part].copy()
            for index, offset in enumerate(offsets):
                target = (targets[lead + offset] if disjoint else grid[index])[part]
                if index == len(offsets) - 1:
                    target[...] = left
                    break
                hit = windows[lead + offset][part] == best[part]
                xp.multiply(hit, left, out=target)
                left -= target  # zero where taken

        backend.kernels.run_parts(backward_part, parts)
        if not disjoint:
            grid = backend.kernels.col2im(_kernel_major(grid, pool), padded.shape[1:-1], pool,
                                          strides, (1,) * len(pool))
        return (from_channels_last(crop_spatial(grid, pads), fmt),)

    return record(from_channels_last(best, fmt), (x,), backward)


def average_pool(inputs, pool_size, strides=None, padding="valid",
                 data_format=None) -> Tensor:
    """The mean of each window; with ``padding="same"`` the padded positions are left
    out of the mean (each window divides by its count of real positions).

    Args: as ``max_pool``.
    """
    x, data, pool, strides, pads, fmt = _prepare(
        inputs, pool_size, strides, padding, data_format, "average_pool")
    xp = backend.xp
    padded = pad_spatial(data, pads)
    ones = (1,) * len(pool)
    windows = backend.kernels.sliding_windows(padded, pool, strides, ones)
    lead = (slice(None),) * (1 + len(pool))
    total = None
    for offset in np.ndindex(*pool):
        part = windows[lead + offset]
        total = part.astype(data.dtype, copy=True) if total is None else total + part
    count = _window_counts(data.shape[1:-1], pool, strides, pads, data.dtype)
    total /= count

    def backward(g):
        g = to_channels_last(g, fmt) / count
        cols = xp.broadcast_to(g[None], (math.prod(pool),) + g.shape)
        grid = backend.kernels.col2im(_kernel_major(cols, pool), padded.shape[1:-1], pool,
                                      strides, ones)
        return (from_channels_last(crop_spatial(grid, pads), fmt),)

    return record(from_channels_last(total, fmt), (x,), backward)


def _window_counts(spatial, pool, strides, pads, dtype):
    """How many real (unpadded) positions each window holds, shaped to broadcast."""
    if not any(before or after for before, after in pads):
        return dtype.type(math.prod(pool))
    xp = backend.xp
    ones = pad_spatial(xp.ones((1,) + tuple(spatial) + (1,), dtype=dtype), pads)
    windows = backend.kernels.sliding_windows(ones, pool, strides, (1,) * len(pool))
    axes = tuple(range(1 + len(pool), 1 + 2 * len(pool)))
    return windows.sum(axis=axes)
