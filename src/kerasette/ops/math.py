"""Elementwise math and matmul: each op's forward and backward side by side.

Binary ops broadcast like NumPy; their backward sums the gradient back to each input's
shape (``unbroadcast``). A Python number meets a tensor in the tensor's dtype, so
``float32 * 2.0`` stays float32.
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor, record, unbroadcast

__all__ = [
    "convert_to_tensor", "add", "subtract", "multiply", "divide", "power", "negative",
    "maximum", "minimum", "exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "sign",
    "sin", "cos", "tanh", "reciprocal", "where", "clip", "matmul", "cast", "equal", "elementwise",
    "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "floor", "round", "stop_gradient", "erf",
]


def convert_to_tensor(x, dtype=None) -> Tensor:
    """A Tensor from a Tensor, backend array, NumPy array or Python value."""
    if isinstance(x, Tensor):
        if dtype is None or x.dtype == dtype:
            return x
        return cast(x, dtype)
    if dtype is None and isinstance(x, float):
        dtype = backend.floatx()
    data = backend.xp.asarray(x, dtype=dtype)
    if dtype is None and data.dtype == "float64" and isinstance(x, (list, tuple)):
        data = data.astype(backend.floatx())  # Python floats mean floatx, as in Keras
    return Tensor(data)


def _pair(a, b) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors; a Python number takes the other operand's dtype."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        # Neither is a tensor yet: convert the float one first, so it sets the dtype.
        if isinstance(a, float) or not isinstance(b, float):
            a = convert_to_tensor(a)
        else:
            b = convert_to_tensor(b)
    if not isinstance(a, Tensor):
        a = _like(a, b)
    if not isinstance(b, Tensor):
        b = _like(b, a)
    return a, b


def _like(value, other: Tensor) -> Tensor:
    # A Python number stays a host scalar in the tensor's dtype: CuPy passes it to the
    # kernel as an argument instead of uploading a one-element array on every op.
    if isinstance(value, (int, float, bool)) and other.dtype.kind == "f":
        return Tensor(other.dtype.type(value))
    return convert_to_tensor(value)


def add(a, b) -> Tensor:
    a, b = _pair(a, b)

    def backward(g):
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(g, b.shape) if b.requires_grad else None)

    return record(a.data + b.data, (a, b), backward)


def subtract(a, b) -> Tensor:
    a, b = _pair(a, b)

    def backward(g):
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(-g, b.shape) if b.requires_grad else None)

    return record(a.data - b.data, (a, b), backward)


def multiply(a, b) -> Tensor:
    a, b = _pair(a, b)

    def backward(g):
        return (unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
                unbroadcast(g * a.data, b.shape) if b.requires_grad else None)

    return record(a.data * b.data, (a, b), backward)


def divide(a, b) -> Tensor:
    a, b = _pair(a, b)
    out = a.data / b.data

    def backward(g):
        ga = g / b.data
        return (unbroadcast(ga, a.shape) if a.requires_grad else None,
                unbroadcast(-ga * out, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward)


def power(a, b) -> Tensor:
    a, b = _pair(a, b)
    xp = backend.xp
    out = a.data ** b.data

    def backward(g):
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g * b.data * a.data ** (b.data - 1), a.shape)
        if b.requires_grad:
            log_a = xp.log(xp.where(a.data > 0, a.data, 1))
            gb = unbroadcast(g * out * log_a, b.shape)
        return ga, gb

    return record(out, (a, b), backward)


def _select(a, b, pick_a) -> Tensor:
    """``where(pick_a, a, b)``; gradient flows to the picked side (ties go to ``a``)."""

    def backward(g):
        return (unbroadcast(g * pick_a, a.shape) if a.requires_grad else None,
                unbroadcast(g * ~pick_a, b.shape) if b.requires_grad else None)

    return record(backend.xp.where(pick_a, a.data, b.data), (a, b), backward)


def maximum(a, b) -> Tensor:
    a, b = _pair(a, b)
    return _select(a, b, a.data >= b.data)


def minimum(a, b) -> Tensor:
    a, b = _pair(a, b)
    return _select(a, b, a.data <= b.data)


def where(condition, a, b) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b``."""
    a, b = _pair(a, b)
    cond = convert_to_tensor(condition).data.astype(bool)
    return _select(a, b, backend.xp.broadcast_to(cond, backend.xp.broadcast_shapes(
        cond.shape, a.shape, b.shape)))


def elementwise(x, forward, derivative) -> Tensor:
    """An elementwise op; ``derivative(x_data, out)`` is d(out)/d(x), elementwise."""
    x = convert_to_tensor(x)
    out = forward(x.data)
    return record(out, (x,), lambda g: (g * derivative(x.data, out),))


def negative(x) -> Tensor:
    x = convert_to_tensor(x)
    return record(-x.data, (x,), lambda g: (-g,))


def exp(x) -> Tensor:
    return elementwise(x, backend.xp.exp, lambda x, out: out)


def expm1(x) -> Tensor:
    return elementwise(x, backend.xp.expm1, lambda x, out: out + 1)


def log(x) -> Tensor:
    return elementwise(x, backend.xp.log, lambda x, out: 1 / x)


def log1p(x) -> Tensor:
    return elementwise(x, backend.xp.log1p, lambda x, out: 1 / (1 + x))


def sqrt(x) -> Tensor:
    return elementwise(x, backend.xp.sqrt, lambda x, out: 0.5 / out)


def square(x) -> Tensor:
    return elementwise(x, backend.xp.square, lambda x, out: 2 * x)


def abs(x) -> Tensor:  # noqa: A001  (the Keras name)
    return elementwise(x, backend.xp.abs, lambda x, out: backend.xp.sign(x))


def reciprocal(x) -> Tensor:
    return elementwise(x, lambda x: 1 / x, lambda x, out: -out * out)


def sin(x) -> Tensor:
    return elementwise(x, backend.xp.sin, lambda x, out: backend.xp.cos(x))


def cos(x) -> Tensor:
    return elementwise(x, backend.xp.cos, lambda x, out: -backend.xp.sin(x))


def tanh(x) -> Tensor:
    return elementwise(x, backend.xp.tanh, lambda x, out: 1 - out * out)


def erf(x) -> Tensor:
    """The error function ``2 / sqrt(pi) * integral of exp(-t^2) from 0 to x``."""
    scale = 2 / math.sqrt(math.pi)  # a Python float, so float32 stays float32
    return elementwise(x, backend.kernels.erf,
                       lambda x, out: scale * backend.xp.exp(-x * x))


def clip(x, x_min, x_max) -> Tensor:
    """Clamps to ``[x_min, x_max]``; the gradient is zero outside the range."""
    x = convert_to_tensor(x)
    lo = x_min.data if isinstance(x_min, Tensor) else x_min
    hi = x_max.data if isinstance(x_max, Tensor) else x_max
    inside = (x.data >= lo) & (x.data <= hi)
    return record(backend.xp.clip(x.data, lo, hi), (x,), lambda g: (g * inside,))


def matmul(a, b) -> Tensor:
    """Matrix product with NumPy's ``matmul`` semantics (batched, 1-D promotion)."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    xp = backend.xp

    def backward(g):
        ad, bd = a.data, b.data
        # Promote 1-D operands as matmul does; b's axis first, so 1-D @ 1-D also works.
        if bd.ndim == 1:
            bd = bd[:, None]
            g = xp.expand_dims(g, -1)
        if ad.ndim == 1:
            ad = ad[None, :]
            g = xp.expand_dims(g, -2)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g @ xp.swapaxes(bd, -1, -2), ad.shape).reshape(a.shape)
        if b.requires_grad:
            gb = unbroadcast(xp.swapaxes(ad, -1, -2) @ g, bd.shape).reshape(b.shape)
        return ga, gb

    return record(xp.matmul(a.data, b.data), (a, b), backward)


def cast(x, dtype) -> Tensor:
    """Converts to ``dtype``; gradients flow only between floating types."""
    x = convert_to_tensor(x)
    source = x.dtype
    out = x.data.astype(dtype)
    if out.dtype.kind != "f" or source.kind != "f":
        return Tensor(out)
    return record(out, (x,), lambda g: (g.astype(source),))


def stop_gradient(x) -> Tensor:
    """The same value, with no gradient flowing back."""
    return Tensor(convert_to_tensor(x).data)


def _constant(name: str):
    """An op whose result carries no gradient (comparisons, rounding, logic)."""

    def op(*args):
        arrays = [a if isinstance(a, (int, float)) else convert_to_tensor(a).data for a in args]
        return Tensor(getattr(backend.xp, name)(*arrays))

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``; the result carries no gradient."
    return op


equal = _constant("equal")
not_equal = _constant("not_equal")
greater = _constant("greater")
greater_equal = _constant("greater_equal")
less = _constant("less")
less_equal = _constant("less_equal")
logical_and = _constant("logical_and")
logical_or = _constant("logical_or")
logical_not = _constant("logical_not")
floor = _constant("floor")
round = _constant("round")  # noqa: A001  (the Keras name)
sign = _constant("sign")
