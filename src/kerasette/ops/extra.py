"""More of Keras 3's NumPy-like ops: cumulative ops, sorting and gathering, diagonals,
flips and rolls, NaN tests, more elementwise math, quantiles, stacking.

Most are composed from existing differentiable ops (``getitem``, ``where``, ``sort`` via
``take_along_axis``), so their gradients come for free; ``cumsum``, ``cumprod`` and
``diag`` of a vector carry their own backward. Index, test and counting ops carry none.

Still missing from Keras 3's ``keras.ops`` (and why): ``fft``/``fft2``/``rfft``/``irfft``/
``stft``/``istft``, ``real``/``imag``/``conj``/``angle`` (need complex tensors);
``image.*`` (resize, affine_transform, ...: an image floor of their own); ``linalg``
ops ``cholesky``/``inv``/``solve``/``det``/``eig``/``qr``/``svd``/``lu_factor``/``norm``
(need backward rules for decompositions); ``unique``, ``nonzero``, ``argwhere``
(data-dependent shapes); ``scan``/``fori_loop``/``while_loop``/``cond``/``map``/
``associative_scan`` (control flow); ``segment_sum``/``segment_max``, ``top_k``,
``in_top_k``, ``ctc_loss``/``ctc_decode``, ``scatter``/``scatter_update``/
``slice_update``, ``bincount``, ``histogram``, ``digitize``, ``cross``, ``argpartition``
(not yet written; no blocker).
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor, record
from .math import (_constant, abs, add, convert_to_tensor, divide, elementwise, log,
                   multiply, sqrt, square, subtract, where)
from .reduce import sum
from .shape import concatenate, getitem, moveaxis, reshape, broadcast_to

__all__ = ["cumsum", "cumprod", "argsort", "sort", "take_along_axis", "meshgrid", "diag",
           "diagonal", "trace", "flip", "roll", "isnan", "isinf", "isfinite", "nan_to_num",
           "logical_xor", "ceil", "trunc", "log2", "log10", "hypot", "quantile", "median",
           "count_nonzero", "vstack", "hstack", "append", "select", "tan", "sinh", "cosh",
           "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "absolute",
           "true_divide", "ravel", "diff", "ndim", "size"]


def _flat(x, axis):
    """``x`` flattened with axis 0 when ``axis`` is None, as NumPy does."""
    return (reshape(x, (-1,)), 0) if axis is None else (x, axis % x.ndim)


def cumsum(x, axis=None, dtype=None) -> Tensor:
    """Cumulative sum; its backward is the reversed cumulative sum of the gradient."""
    x, axis = _flat(convert_to_tensor(x, dtype), axis)
    xp = backend.xp

    def backward(g):
        return (xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis),)

    return record(xp.cumsum(x.data, axis=axis), (x,), backward)


def cumprod(x, axis=None, dtype=None) -> Tensor:
    """Cumulative product. Backward: reversed cumsum of ``g * out`` divided by ``x``,
    which needs ``x`` free of zeros (as Keras's TensorFlow gradient does)."""
    x, axis = _flat(convert_to_tensor(x, dtype), axis)
    xp = backend.xp
    out = xp.cumprod(x.data, axis=axis)

    def backward(g):
        return (xp.flip(xp.cumsum(xp.flip(g * out, axis), axis=axis), axis) / x.data,)

    return record(out, (x,), backward)


def argsort(x, axis=-1) -> Tensor:
    x, axis = _flat(convert_to_tensor(x), axis)
    return Tensor(backend.xp.argsort(x.data, axis=axis))


def take_along_axis(x, indices, axis=None) -> Tensor:
    """NumPy's ``take_along_axis``, as advanced indexing (scatter-add backward)."""
    x, axis = _flat(convert_to_tensor(x), axis)
    xp = backend.xp
    idx = convert_to_tensor(indices).data
    shape = xp.broadcast_shapes(x.shape[:axis] + (1,) + x.shape[axis + 1:],
                                idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
    shape = shape[:axis] + (idx.shape[axis],) + shape[axis + 1:]
    idx = xp.broadcast_to(idx, shape)
    grids = list(xp.ogrid[tuple(slice(n) for n in shape)]) if shape else []
    grids[axis] = idx
    return getitem(x, tuple(grids))


def sort(x, axis=-1) -> Tensor:
    """Sorted values; the gradient flows back to where each value came from."""
    x, axis = _flat(convert_to_tensor(x), axis)
    return take_along_axis(x, argsort(x, axis), axis)


def meshgrid(*xs, indexing="xy") -> list[Tensor]:
    xs = [reshape(convert_to_tensor(v), (-1,)) for v in xs]
    shape = [v.shape[0] for v in xs]
    if indexing == "xy" and len(xs) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, v in enumerate(xs):
        where_ = (1 - i if i < 2 else i) if indexing == "xy" and len(xs) > 1 else i
        view = [1] * len(xs)
        view[where_] = v.shape[0]
        out.append(broadcast_to(reshape(v, tuple(view)), tuple(shape)))
    return out


def diagonal(x, offset=0, axis1=0, axis2=1) -> Tensor:
    """The diagonal over ``axis1``/``axis2``, moved to the last axis as NumPy does."""
    x = convert_to_tensor(x)
    x = moveaxis(moveaxis(x, axis1 % x.ndim, -1), axis2 % x.ndim - (axis2 % x.ndim
                                                                    > axis1 % x.ndim), -1)
    rows, cols = x.shape[-2], x.shape[-1]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    i = backend.xp.arange(n)
    return getitem(x, (Ellipsis, i - min(offset, 0), i + max(offset, 0)))


def diag(x, k=0) -> Tensor:
    """A vector's square diagonal matrix, or a matrix's ``k``-th diagonal."""
    x = convert_to_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    xp = backend.xp
    out = xp.diag(x.data, k)
    return record(out, (x,), lambda g: (xp.diagonal(g, k).copy(),))


def trace(x, offset=0, axis1=0, axis2=1) -> Tensor:
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def flip(x, axis=None) -> Tensor:
    x = convert_to_tensor(x)
    axes = range(x.ndim) if axis is None else [axis] if isinstance(axis, int) else axis
    key = [slice(None)] * x.ndim
    for a in axes:
        key[a % x.ndim] = slice(None, None, -1)
    return getitem(x, tuple(key))


def roll(x, shift, axis=None) -> Tensor:
    x = convert_to_tensor(x)
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, 0), x.shape)
    shifts = [shift] if isinstance(shift, int) else list(shift)
    axes = [axis] if isinstance(axis, int) else list(axis)
    for s, a in zip(shifts, axes):
        a %= x.ndim
        n = x.shape[a]
        if n == 0 or s % n == 0:
            continue
        s %= n
        head = (slice(None),) * a
        x = concatenate([getitem(x, head + (slice(n - s, None),)),
                         getitem(x, head + (slice(0, n - s),))], axis=a)
    return x


isnan = _constant("isnan")
isinf = _constant("isinf")
isfinite = _constant("isfinite")
logical_xor = _constant("logical_xor")
ceil = _constant("ceil")
trunc = _constant("trunc")


def nan_to_num(x, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """NaN and infinities replaced; the gradient passes only where ``x`` was finite."""
    x = convert_to_tensor(x)
    info = backend.xp.finfo(x.dtype) if x.dtype.kind == "f" else None
    if info is None:
        return x
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    xp = backend.xp
    filled = xp.where(xp.isnan(x.data), x.dtype.type(nan), xp.where(
        x.data > 0, x.dtype.type(big), x.dtype.type(small))).astype(x.dtype)
    return where(isfinite(x), x, Tensor(filled))


def log2(x) -> Tensor:
    return divide(log(x), math.log(2.0))


def log10(x) -> Tensor:
    return divide(log(x), math.log(10.0))


def hypot(x1, x2) -> Tensor:
    return sqrt(add(square(x1), square(x2)))


def quantile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    """NumPy's ``quantile`` (``method="linear"``) as sort + interpolation, so it is
    differentiable; ``q`` a number or a 1-D list puts its axis first, as NumPy."""
    if method != "linear":
        raise ValueError(f"quantile: only method='linear' is supported; received "
                         f"{method!r}.")
    x = convert_to_tensor(x)
    if x.dtype.kind != "f":
        x = convert_to_tensor(x.data.astype(backend.floatx()))
    flat = axis is None
    x, axis = _flat(x, axis)
    s = moveaxis(sort(x, axis), axis, 0)
    qs = [float(q)] if not hasattr(q, "__len__") else [float(v) for v in q]
    n = s.shape[0]
    pieces = []
    for value in qs:
        pos = value * (n - 1)
        lo = int(math.floor(pos))
        hi = min(lo + 1, n - 1)
        frac = pos - lo
        piece = add(multiply(getitem(s, lo), 1.0 - frac), multiply(getitem(s, hi), frac))
        if keepdims:
            piece = reshape(piece, (1,) * x.ndim if flat else
                            piece.shape[:axis] + (1,) + piece.shape[axis:])
        pieces.append(piece)
    if not hasattr(q, "__len__"):
        return pieces[0]
    return concatenate([reshape(p, (1,) + p.shape) for p in pieces], axis=0)


def median(x, axis=None, keepdims=False) -> Tensor:
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def count_nonzero(x, axis=None) -> Tensor:
    return Tensor(backend.xp.count_nonzero(convert_to_tensor(x).data, axis=axis))


def vstack(xs) -> Tensor:
    xs = [convert_to_tensor(v) for v in xs]
    return concatenate([reshape(v, (1, -1)) if v.ndim < 2 else v for v in xs], axis=0)


def hstack(xs) -> Tensor:
    xs = [convert_to_tensor(v) for v in xs]
    return concatenate(xs, axis=0 if xs[0].ndim < 2 else 1)


def append(x1, x2, axis=None) -> Tensor:
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if axis is None:
        return concatenate([reshape(x1, (-1,)), reshape(x2, (-1,))], axis=0)
    return concatenate([x1, x2], axis=axis)


def select(condlist, choicelist, default=0) -> Tensor:
    """The first choice whose condition holds, else ``default`` (differentiable)."""
    out = convert_to_tensor(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(cond, choice, out)
    return out


def _unary(name, derivative):
    def op(x) -> Tensor:
        return elementwise(x, getattr(backend.xp, name), derivative)

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``."
    return op


tan = _unary("tan", lambda x, out: 1 + out * out)
sinh = _unary("sinh", lambda x, out: backend.xp.cosh(x))
cosh = _unary("cosh", lambda x, out: backend.xp.sinh(x))
arcsin = _unary("arcsin", lambda x, out: 1 / backend.xp.sqrt(1 - x * x))
arccos = _unary("arccos", lambda x, out: -1 / backend.xp.sqrt(1 - x * x))
arctan = _unary("arctan", lambda x, out: 1 / (1 + x * x))
arcsinh = _unary("arcsinh", lambda x, out: 1 / backend.xp.sqrt(x * x + 1))
arccosh = _unary("arccosh", lambda x, out: 1 / backend.xp.sqrt(x * x - 1))
arctanh = _unary("arctanh", lambda x, out: 1 / (1 - x * x))
absolute = abs
true_divide = divide


def ravel(x) -> Tensor:
    return reshape(x, (-1,))


def diff(a, n=1, axis=-1) -> Tensor:
    a = convert_to_tensor(a)
    axis %= a.ndim
    head = (slice(None),) * axis
    for _ in range(n):
        a = subtract(getitem(a, head + (slice(1, None),)), getitem(a, head + (slice(None, -1),)))
    return a


def ndim(x) -> int:
    return convert_to_tensor(x).ndim


def size(x) -> int:
    return int(math.prod(convert_to_tensor(x).shape))
