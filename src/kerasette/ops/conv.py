"""Convolutions: ``conv``, ``conv_transpose``, ``depthwise_conv`` and ``separable_conv``.

Every convolution is im2col feeding one GEMM. ``backend.kernels.im2col`` copies the
windows of the (padded, channels-last) input side by side, and that matrix is multiplied
by the Keras kernel ``(*kernel_size, in_channels, filters)`` reshaped to
``(prod(kernel_size) * in_channels, filters)``. The backward multiplies the windows by
the output gradient for the kernel gradient; for the input gradient it multiplies the
output gradient by the kernel once per kernel offset (kernel-major, so every block is
contiguous) and ``backend.kernels.col2im`` scatter-adds the windows back onto the input grid.

The batch is processed in chunks of about ``CHUNK_BYTES`` of window matrix (less on the
CPU: ``kernels.CONV_CHUNK_BYTES``), so each chunk stays in cache; a training forward keeps
the chunks' windows for the kernel gradient up to ``KEEP_BYTES`` in all, and beyond that
the backward rebuilds them, so memory stays bounded. On the CPU the chunks of a large
batch are spread over the cores (``kernels.run_parts``: each chunk's im2col, GEMM, bias
and ReLU, or its backward, on one thread). Groups are one batched GEMM (no Python loop
over groups). Channels-first inputs are viewed as channels-last; nothing is copied until
im2col. The geometry the convolutions share with the pools (argument checks, padding) is
in ``ops.spatial``.
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor, is_grad_enabled, record
from .math import convert_to_tensor
from .shape import reshape
from .spatial import (crop_spatial, from_channels_last, normalize_data_format,
                      normalize_padding, normalize_tuple, pad_spatial, padding_amounts,
                      to_channels_last, transpose_output_length)

__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv"]

def _check_rank(x: Tensor, rank: int, owner: str) -> None:
    if x.ndim != rank + 2:
        raise ValueError(f"{owner}: expected an input of rank {rank + 2} (batch, "
                         f"{rank} spatial axes, channels) for a rank-{rank} kernel; received "
                         f"an input of shape {x.shape}.")


def _group_windows(cols, groups: int):
    """``(N, *out, *k, C)`` windows -> ``(groups, N * prod(out), prod(k) * C / groups)``."""
    rank = (cols.ndim - 2) // 2
    rows = math.prod(cols.shape[:1 + rank])
    offsets = math.prod(cols.shape[1 + rank:-1])
    per_group = cols.shape[-1] // groups
    grouped = cols.reshape(rows, offsets, groups, per_group).transpose(2, 0, 1, 3)
    return grouped.reshape(groups, rows, offsets * per_group)


def _group_kernel(kernel, groups: int):
    """``(*k, C / groups, F)`` -> ``(groups, prod(k) * C / groups, F / groups)``."""
    offsets = math.prod(kernel.shape[:-2])
    per_group, filters = kernel.shape[-2], kernel.shape[-1]
    split = kernel.reshape(offsets, per_group, groups, filters // groups)
    return split.transpose(2, 0, 1, 3).reshape(groups, offsets * per_group, filters // groups)


def _windows_gradient(grad, kernel, groups: int, out_shape, kernel_size):
    """The gradient of the windows: ``(N, *out, *k, C)``, laid out kernel-major.

    ``grad`` is ``(groups, rows, F / groups)``; one GEMM per kernel offset and group.
    """
    xp = backend.xp
    offsets = math.prod(kernel_size)
    per_group, filters = kernel.shape[-2], kernel.shape[-1]
    flipped = kernel.reshape(offsets, per_group, groups, filters // groups)
    cols = xp.matmul(grad[None], flipped.transpose(0, 2, 3, 1))  # (k, G, rows, C/G)
    rows = cols.shape[2]
    cols = cols.transpose(0, 2, 1, 3).reshape(offsets, rows, groups * per_group)
    rank = len(kernel_size)
    cols = cols.reshape(tuple(kernel_size) + (rows // math.prod(out_shape),) + tuple(out_shape)
                        + (groups * per_group,))
    order = (rank,) + tuple(range(rank + 1, 2 * rank + 1)) + tuple(range(rank)) + (2 * rank + 1,)
    return cols.transpose(order)


CHUNK_BYTES = 1 << 23
"""The most window matrix im2col builds at a time (8 MiB); the CPU's chunks are smaller
(``kernels.CONV_CHUNK_BYTES``)."""

KEEP_BYTES = 1 << 27
"""Up to this size (128 MiB) a training forward keeps its window matrices for the kernel
gradient; larger ones (big images) are rebuilt in the backward, chunk by chunk."""


PARALLEL_BYTES = 1 << 20
"""From this much window matrix (1 MiB) a convolution splits its batch into at least one
chunk per core, for ``kernels.run_parts``."""


def batch_chunks(batch: int, bytes_per_sample: int) -> list[slice]:
    """Slices of the batch whose window matrices hold about ``CHUNK_BYTES`` each (or the
    backend's smaller ``kernels.CONV_CHUNK_BYTES``): each stays in cache for its GEMM,
    reuses freed memory instead of fresh pages, and memory stays bounded whatever the
    image size (the backward rebuilds the windows). A large batch gets a multiple of the
    cores' count of chunks (``kernels.parallel_threads``), of sizes within one sample of
    each other."""
    limit = min(CHUNK_BYTES, backend.kernels.CONV_CHUNK_BYTES)
    step = max(1, limit // max(1, bytes_per_sample))
    count = -(-batch // step)
    threads = backend.kernels.parallel_threads()
    if threads > 1 and batch * bytes_per_sample >= PARALLEL_BYTES:
        count = min(batch, -(-count // threads) * threads)  # the threads end together
    bounds = [batch * k // count for k in range(count + 1)]  # sizes within one
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]


def _matmul_into(windows, kernel, out) -> None:
    """``out (rows, F) = windows (G, rows, K) @ kernel (G, K, F / G)``, group-major."""
    if windows.shape[0] == 1:
        backend.xp.matmul(windows[0], kernel[0], out=out)
    else:
        out[...] = backend.xp.matmul(windows, kernel).transpose(1, 0, 2).reshape(out.shape)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *,
         bias=None, relu: bool = False) -> Tensor:
    """N-D convolution (cross-correlation, as Keras): ``sum(window * kernel) (+ bias)``.

    Args:
        inputs: ``(batch, *spatial, channels)`` (or channels first).
        kernel: ``(*kernel_size, channels / groups, filters)``, Keras's layout; the
            number of groups is ``channels // kernel.shape[-2]``.
        strides, dilation_rate: an int or one int per spatial axis; default 1.
        padding: ``"valid"``, ``"same"``, or ``"causal"`` (1-D only); default ``"valid"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        bias: optional ``(filters,)`` added in place; ``relu`` then applies
            ``max(., 0)`` in place, as one graph node.

    Returns:
        ``(batch, *out, filters)`` (or channels first).
    """
    x, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    rank = kernel.ndim - 2
    _check_rank(x, rank, "conv")
    fmt = normalize_data_format(data_format)
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    padding = normalize_padding(padding, allow_causal=rank == 1)
    data = to_channels_last(x.data, fmt)
    groups = _groups(data.shape[-1], kernel.shape)
    kernel_size = kernel.shape[:rank]
    pads, out_shape = padding_amounts(data.shape[1:-1], kernel_size, strides, dilation, padding)
    padded = pad_spatial(data, pads)
    xp, kernels = backend.xp, backend.kernels
    grouped_kernel = _group_kernel(kernel.data, groups)
    per_sample = math.prod(out_shape)
    out = xp.empty((data.shape[0] * per_sample, kernel.shape[-1]),
                   dtype=xp.result_type(data.dtype, kernel.dtype))
    chunks = batch_chunks(data.shape[0], per_sample * math.prod(grouped_kernel.shape[:2])
                          * out.dtype.itemsize)

    def windows_of(part):
        return _group_windows(kernels.im2col(padded[part], kernel_size, strides, dilation),
                              groups)

    # The kernel gradient needs the windows again: keep them when they are small enough,
    # else the backward rebuilds them chunk by chunk.
    keep = (is_grad_enabled() and kernel.requires_grad and data.shape[0] * per_sample
            * math.prod(grouped_kernel.shape[:2]) * out.dtype.itemsize <= KEEP_BYTES)
    bias = None if bias is None else convert_to_tensor(bias)

    def forward_chunk(part):
        windows = windows_of(part)
        rows = out[part.start * per_sample:part.stop * per_sample]
        _matmul_into(windows, grouped_kernel, rows)
        if bias is not None:  # while the chunk's rows are still in cache
            rows += bias.data
        if relu:
            xp.maximum(rows, 0, out=rows)
        return windows if keep else None

    kept = kernels.run_parts(forward_chunk, chunks)  # each chunk's windows, or None
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(g):
        g = to_channels_last(g, fmt).reshape(out.shape)
        grid = xp.zeros(padded.shape, g.dtype) if x.requires_grad else None

        def backward_chunk(numbered):  # the chunk's kernel and bias gradients
            index, part = numbered
            rows = slice(part.start * per_sample, part.stop * per_sample)
            grad = kernels.relu_backward(g[rows], out[rows]) if relu else g[rows]
            grouped = grad.reshape(grad.shape[0], groups, -1).transpose(1, 0, 2)
            gk = gb = None
            if kernel.requires_grad:
                windows = kept[index] if keep else windows_of(part)
                gk = xp.matmul(windows.transpose(0, 2, 1), grouped)
            if grid is not None:
                cols = _windows_gradient(grouped, kernel.data, groups, out_shape, kernel_size)
                kernels.col2im(cols, padded.shape[1:-1], kernel_size, strides, dilation,
                               out=grid[part])
            if bias is not None and bias.requires_grad:
                gb = grad.sum(axis=0)
            return gk, gb

        sums = _sum_parts(kernels.run_parts(backward_chunk, list(enumerate(chunks))))
        gk, gb = sums
        if gk is not None:
            gk = gk.reshape((groups,) + kernel_size + (kernel.shape[-2], -1))
            gk = xp.moveaxis(gk, 0, -2).reshape(kernel.shape)
        gx = None if grid is None else from_channels_last(crop_spatial(grid, pads), fmt)
        return (gx, gk) if bias is None else (gx, gk, gb)

    result = out.reshape((data.shape[0],) + out_shape + (kernel.shape[-1],))
    return record(from_channels_last(result, fmt), parents, backward)


def _sum_parts(results):
    """The element-wise sums, in order, of the chunks' ``(gk, gb)`` (None stays None)."""
    sums = []
    for column in zip(*results):
        total = None
        for value in column:
            if value is not None:
                total = value if total is None else total + value
        sums.append(total)
    return sums


def _groups(channels: int, kernel_shape: tuple) -> int:
    per_group, filters = kernel_shape[-2], kernel_shape[-1]
    if per_group <= 0 or channels % per_group:
        raise ValueError(
            f"conv: the input has {channels} channels, which is not a multiple of the "
            f"kernel's input channels {per_group} (kernel shape {kernel_shape}). The kernel "
            f"must be (*kernel_size, channels / groups, filters).")
    groups = channels // per_group
    if filters % groups:
        raise ValueError(f"conv: filters={filters} must be a multiple of groups={groups} "
                         f"(input channels {channels} / kernel input channels {per_group}).")
    return groups


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1, *, bias=None) -> Tensor:
    """Transposed convolution: the gradient of ``conv`` with respect to its input.

    Each input position spreads ``value @ kernel^T`` over a window of the output
    (one GEMM, then ``col2im``); ``padding="same"`` crops the output to
    ``size * stride``.

    Args:
        inputs: ``(batch, *spatial, channels)`` (or channels first).
        kernel: ``(*kernel_size, filters, channels)``, Keras's layout.
        strides, dilation_rate: an int or one per spatial axis; default 1.
        padding: ``"valid"`` or ``"same"``.
        output_padding: optional extra positions at the end of each axis (< stride).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        bias: optional ``(filters,)``.

    Returns:
        ``(batch, *out, filters)`` (or channels first).
    """
    x, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    rank = kernel.ndim - 2
    _check_rank(x, rank, "conv_transpose")
    fmt = normalize_data_format(data_format)
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    padding = normalize_padding(padding)
    extra = (None,) * rank if output_padding is None else normalize_tuple(
        output_padding, rank, "output_padding", allow_zero=True)
    data = to_channels_last(x.data, fmt)
    if data.shape[-1] != kernel.shape[-1]:
        raise ValueError(f"conv_transpose: the input has {data.shape[-1]} channels but the "
                         f"kernel {kernel.shape} expects {kernel.shape[-1]} (its last axis).")
    kernel_size, spatial = kernel.shape[:rank], data.shape[1:-1]
    lengths = tuple(transpose_output_length(n, k, s, d, padding, e) for n, k, s, d, e
                    in zip(spatial, kernel_size, strides, dilation, extra))
    covered = tuple((n - 1) * s + (k - 1) * d + 1
                    for n, k, s, d in zip(spatial, kernel_size, strides, dilation))
    starts = tuple(max(c - n, 0) // 2 if padding == "same" else 0
                   for c, n in zip(covered, lengths))
    grid_shape = tuple(max(c, b + n) for c, b, n in zip(covered, starts, lengths))
    window = (slice(None),) + tuple(slice(b, b + n) for b, n in zip(starts, lengths))
    xp, kernels = backend.xp, backend.kernels
    rows = data.reshape(-1, data.shape[-1])
    filters, per_sample = kernel.shape[-2], math.prod(spatial)
    batch = data.shape[0]
    out = xp.empty((batch,) + lengths + (filters,), dtype=xp.result_type(data.dtype,
                                                                        kernel.dtype))
    # Each chunk's windows (per_sample * prod(kernel_size) * filters values a sample) are
    # spread onto a grid of its own samples, so the chunks write disjoint memory.
    chunks = batch_chunks(batch, per_sample * math.prod(kernel_size) * filters
                          * out.dtype.itemsize)
    bias = None if bias is None else convert_to_tensor(bias)

    def forward_chunk(part):
        cols = _windows_gradient(rows[part.start * per_sample:part.stop * per_sample][None],
                                 kernel.data, 1, spatial, kernel_size)
        grid = kernels.col2im(cols, grid_shape, kernel_size, strides, dilation)
        out[part] = grid[window]
        if bias is not None:
            out[part] += bias.data

    kernels.run_parts(forward_chunk, chunks)
    parents = (x, kernel) if bias is None else (x, kernel, bias)
    crop = (slice(None),) + tuple(slice(0, c) for c in covered)

    def backward(g):
        g = to_channels_last(g, fmt)
        gx = xp.empty(rows.shape, dtype=g.dtype) if x.requires_grad else None
        flat = kernel.data.reshape(-1, kernel.shape[-1])

        def backward_chunk(part):  # the chunk's kernel and bias gradients
            full = xp.zeros((part.stop - part.start,) + grid_shape + (filters,), g.dtype)
            full[window] = g[part]
            gcols = kernels.im2col(full[crop], kernel_size, strides, dilation)
            gcols = gcols.reshape((part.stop - part.start) * per_sample, -1)
            chunk_rows = slice(part.start * per_sample, part.stop * per_sample)
            if gx is not None:
                xp.matmul(gcols, flat, out=gx[chunk_rows])
            gk = gcols.T @ rows[chunk_rows] if kernel.requires_grad else None
            gb = (g[part].reshape(-1, filters).sum(axis=0)
                  if bias is not None and bias.requires_grad else None)
            return gk, gb

        gk, gb = _sum_parts(kernels.run_parts(backward_chunk, chunks))
        gx = None if gx is None else from_channels_last(gx.reshape(data.shape), fmt)
        gk = None if gk is None else gk.reshape(kernel.shape)
        return (gx, gk) if bias is None else (gx, gk, gb)

    return record(from_channels_last(out, fmt), parents, backward)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1, *, bias=None) -> Tensor:
    """Depthwise convolution: each input channel convolved with its own filters.

    ``kernel`` is ``(*kernel_size, channels, depth_multiplier)``; output channel
    ``c * depth_multiplier + m`` is channel ``c`` convolved with ``kernel[..., c, m]``.
    It is ``conv`` with one group per input channel.
    """
    kernel = convert_to_tensor(kernel)
    rank = kernel.ndim - 2
    grouped = reshape(kernel, kernel.shape[:rank] + (1, kernel.shape[-2] * kernel.shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate, bias=bias)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1, *, bias=None) -> Tensor:
    """``depthwise_conv`` followed by a 1x1 ``conv`` with ``pointwise_kernel``
    ``(1, ..., 1, channels * depth_multiplier, filters)``."""
    mixed = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                           dilation_rate)
    return conv(mixed, pointwise_kernel, 1, "valid", data_format, 1, bias=bias)
