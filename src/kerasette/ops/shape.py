"""Shape ops: reshape, transpose, concatenate/stack/split, slicing and gathering."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor, record, unbroadcast
from .math import convert_to_tensor

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack",
           "split", "getitem", "take", "repeat", "tile", "flatten", "pad", "broadcast_to",
           "swapaxes", "moveaxis"]


def reshape(x, new_shape) -> Tensor:
    x = convert_to_tensor(x)
    return record(x.data.reshape(new_shape), (x,), lambda g: (g.reshape(x.shape),))


def flatten(x) -> Tensor:
    """Flattens every axis after the first (the batch axis)."""
    x = convert_to_tensor(x)
    return reshape(x, (x.shape[0], -1))


def transpose(x, axes=None) -> Tensor:
    x = convert_to_tensor(x)
    if axes is not None:
        axes = tuple(a % x.ndim for a in axes)  # argsort needs non-negative axes
    inverse = None if axes is None else tuple(np.argsort(axes))
    return record(x.data.transpose(axes), (x,), lambda g: (g.transpose(inverse),))


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    x = convert_to_tensor(x)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def moveaxis(x, source: int, destination: int) -> Tensor:
    x = convert_to_tensor(x)
    axes = list(range(x.ndim))
    axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
    return transpose(x, axes)


def expand_dims(x, axis: int) -> Tensor:
    x = convert_to_tensor(x)
    return reshape(x, backend.xp.expand_dims(x.data, axis).shape)


def squeeze(x, axis=None) -> Tensor:
    x = convert_to_tensor(x)
    return reshape(x, backend.xp.squeeze(x.data, axis=axis).shape)


def broadcast_to(x, shape) -> Tensor:
    x = convert_to_tensor(x)
    out = backend.xp.broadcast_to(x.data, tuple(shape))
    return record(out, (x,), lambda g: (unbroadcast(g, x.shape),))


def concatenate(tensors, axis: int = 0) -> Tensor:
    tensors = [convert_to_tensor(t) for t in tensors]
    xp = backend.xp
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1].tolist()

    def backward(g):
        pieces = xp.split(g, bounds, axis=axis)
        return tuple(p if t.requires_grad else None for p, t in zip(pieces, tensors))

    return record(xp.concatenate([t.data for t in tensors], axis=axis), tuple(tensors), backward)


def stack(tensors, axis: int = 0) -> Tensor:
    tensors = [convert_to_tensor(t) for t in tensors]
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


def split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """Splits like ``numpy.split``; each piece is a differentiable slice."""
    x = convert_to_tensor(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into "
                             f"{indices_or_sections} equal sections.")
        step = n // indices_or_sections
        cuts = list(range(step, n, step))
    else:
        cuts = list(indices_or_sections)
    starts, stops = [0] + cuts, cuts + [n]
    index = [slice(None)] * x.ndim
    pieces = []
    for start, stop in zip(starts, stops):
        index[axis] = slice(start, stop)
        pieces.append(getitem(x, tuple(index)))
    return pieces


def _plain_index(key) -> bool:
    """True when ``key`` is only basic indexing (slices, ints, None, Ellipsis)."""
    keys = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer))
               for k in keys)


def getitem(x, key) -> Tensor:
    """``x[key]``: slicing, integer and boolean-array indexing.

    The backward of a slice writes the gradient into the sliced window; the backward of
    integer (gather) indexing scatter-adds, so repeated indices accumulate.
    """
    x = convert_to_tensor(x)
    xp = backend.xp
    if isinstance(key, Tensor):
        key = key.data
    elif isinstance(key, tuple):
        key = tuple(k.data if isinstance(k, Tensor) else k for k in key)
    plain = _plain_index(key)

    def backward(g):
        full = xp.zeros(x.shape, dtype=g.dtype)
        if plain:
            full[key] = g
        else:
            xp.add.at(full, key, g)
        return (full,)

    return record(x.data[key], (x,), backward)


def take(x, indices, axis=None) -> Tensor:
    """Gathers entries of ``x`` at integer ``indices`` along ``axis`` (scatter-add backward)."""
    x = convert_to_tensor(x)
    idx = convert_to_tensor(indices).data
    if axis is None:
        return getitem(reshape(x, (-1,)), idx)
    axis = axis % x.ndim
    return getitem(x, (slice(None),) * axis + (idx,))


def repeat(x, repeats: int, axis=None) -> Tensor:
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = axis % x.ndim
    out = backend.xp.repeat(x.data, repeats, axis=axis)

    def backward(g):
        shape = x.shape[:axis] + (x.shape[axis], repeats) + x.shape[axis + 1:]
        return (g.reshape(shape).sum(axis=axis + 1),)

    return record(out, (x,), backward)


def tile(x, repeats) -> Tensor:
    x = convert_to_tensor(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    reps = (1,) * (x.ndim - len(reps)) + reps
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    out = backend.xp.tile(x.data.reshape(shape), reps)

    def backward(g):
        split_shape = []
        for r, n in zip(reps, shape):
            split_shape += [r, n]
        g = g.reshape(split_shape).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(x.shape),)

    return record(out, (x,), backward)


def pad(x, pad_width, mode: str = "constant", constant_values=None) -> Tensor:
    """Pads ``x`` with a constant, as ``keras.ops.pad``.

    Args:
        x: the input.
        pad_width: ``((before, after), ...)`` per axis; ``((before, after),)`` or one
            int applies to every axis.
        mode: only ``"constant"`` (the default) is supported.
        constant_values: the fill value (default ``None``, meaning 0).
    """
    x = convert_to_tensor(x)
    if mode != "constant":
        raise ValueError(f"pad: mode={mode!r} is not supported; only mode='constant' is.")
    width = [(int(a), int(b)) for a, b in np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))]
    fill = 0 if constant_values is None else constant_values
    out = backend.xp.pad(x.data, width, constant_values=fill)
    window = tuple(slice(before, before + n) for (before, _), n in zip(width, x.shape))
    return record(out, (x,), lambda g: (g[window],))
