"""Reductions: sum, mean, max/min, var/std, logsumexp, and the non-differentiable argmax."""

from __future__ import annotations

from .. import backend
from ..autograd import Tensor, record
from .math import convert_to_tensor, sqrt, square, subtract

__all__ = ["sum", "mean", "max", "min", "var", "std", "logsumexp", "argmax", "argmin",
           "prod", "any", "all"]


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


def _expand(g, shape: tuple, axes: tuple, keepdims: bool):
    """Reshapes a reduced gradient so it broadcasts against the input again."""
    if keepdims:
        return g
    kept = [1 if i in axes else n for i, n in enumerate(shape)]
    return g.reshape(kept)


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = convert_to_tensor(x)
    axes = _axes(axis, x.ndim)
    xp = backend.xp

    def backward(g):
        return (xp.broadcast_to(_expand(g, x.shape, axes, keepdims), x.shape),)

    return record(x.data.sum(axis=axes, keepdims=keepdims), (x,), backward)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    x = convert_to_tensor(x)
    axes = _axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    xp = backend.xp

    def backward(g):
        g = _expand(g, x.shape, axes, keepdims) / x.dtype.type(count)
        return (xp.broadcast_to(g, x.shape),)

    return record(x.data.mean(axis=axes, keepdims=keepdims), (x,), backward)


def _extreme(x, axis, keepdims, reducer) -> Tensor:
    """max or min; the gradient is shared equally among tied extremes."""
    x = convert_to_tensor(x)
    axes = _axes(axis, x.ndim)
    out = reducer(x.data, axis=axes, keepdims=True)

    def backward(g):
        hit = (x.data == out).astype(x.dtype)
        hit /= hit.sum(axis=axes, keepdims=True)
        return (hit * _expand(g, x.shape, axes, keepdims),)

    value = out if keepdims else out.reshape([n for i, n in enumerate(out.shape)
                                              if i not in axes])
    return record(value, (x,), backward)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(x, axis, keepdims, backend.xp.max)


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(x, axis, keepdims, backend.xp.min)


def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    """Product; the backward divides by each element, so it assumes no zeros."""
    x = convert_to_tensor(x)
    axes = _axes(axis, x.ndim)
    out = x.data.prod(axis=axes, keepdims=True)

    def backward(g):
        return (_expand(g, x.shape, axes, keepdims) * out / x.data,)

    value = out if keepdims else out.reshape([n for i, n in enumerate(out.shape)
                                              if i not in axes])
    return record(value, (x,), backward)


def var(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population variance (``ddof=0``), as Keras computes it."""
    x = convert_to_tensor(x)
    centred = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(square(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims: bool = False) -> Tensor:
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` computed without overflow."""
    x = convert_to_tensor(x)
    xp = backend.xp
    axes = _axes(axis, x.ndim)
    top = x.data.max(axis=axes, keepdims=True)
    out = xp.log(xp.exp(x.data - top).sum(axis=axes, keepdims=True)) + top

    def backward(g):
        return (xp.exp(x.data - out) * _expand(g, x.shape, axes, keepdims),)

    value = out if keepdims else out.reshape([n for i, n in enumerate(out.shape)
                                              if i not in axes])
    return record(value, (x,), backward)


def argmax(x, axis=-1, keepdims: bool = False) -> Tensor:
    x = convert_to_tensor(x)
    return Tensor(backend.xp.argmax(x.data, axis=axis, keepdims=keepdims))


def argmin(x, axis=-1, keepdims: bool = False) -> Tensor:
    x = convert_to_tensor(x)
    return Tensor(backend.xp.argmin(x.data, axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Tensor(backend.xp.any(convert_to_tensor(x).data, axis=axis, keepdims=keepdims))


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Tensor(backend.xp.all(convert_to_tensor(x).data, axis=axis, keepdims=keepdims))
