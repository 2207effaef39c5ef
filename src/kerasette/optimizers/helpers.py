"""Pieces the optimizers share: argument checks, an in-place square root, Keras's
gradient clipping, and the host-mirrored scalar variable behind ``iterations`` and
``learning_rate``.
"""

from __future__ import annotations

import math
import numbers

from .. import backend
from ..autograd import Tensor, Variable, as_array

__all__ = ["check_number", "sqrt_", "clip_by_norm", "clip_by_global_norm", "gradient_array",
           "initializer_function", "ScalarVariable"]


def check_number(owner, name: str, value, low: float = 0.0, high: float = math.inf,
                 high_open: bool = False) -> float:
    """``value`` as a float in ``[low, high]`` (``[low, high)`` if ``high_open``), or a
    ValueError naming ``owner`` and the argument."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and low <= value <= high and not (high_open and value == high)):
        owner = owner if isinstance(owner, str) else type(owner).__name__
        closing = ")" if high_open else "]"
        bounds = f"in [{low}, {high}{closing}" if math.isfinite(high) else f">= {low}"
        raise ValueError(f"{owner}: argument `{name}` must be a number {bounds}; "
                         f"received {name}={value!r}.")
    return float(value)


def sqrt_(x):
    """``sqrt(x)``, in place when ``x`` is an array (NumPy hands 0-d results back as
    scalars, which cannot be written into)."""
    xp = backend.xp
    return xp.sqrt(x, out=x) if isinstance(x, xp.ndarray) else xp.sqrt(x)


def gradient_array(gradient, variable):
    """The backend array of a gradient (Tensor or array-like), in the variable's dtype,
    or a ValueError naming the variable when the shapes differ."""
    data = gradient.data if isinstance(gradient, Tensor) else as_array(gradient)
    if data.shape != variable.shape:
        raise ValueError(f"The gradient for variable {variable.path!r} has shape "
                         f"{data.shape}; expected the variable's shape {variable.shape}.")
    return data if data.dtype == variable.dtype else data.astype(variable.dtype)


def initializer_function(owner, initializer):
    """``fn(shape, dtype)`` for ``"zeros"``, ``"ones"``, a number, or such a function."""
    if isinstance(initializer, str) and initializer in ("zeros", "ones"):
        initializer = 0.0 if initializer == "zeros" else 1.0
    if isinstance(initializer, numbers.Real):
        fill = initializer
        return lambda shape, dtype: backend.xp.full(shape, fill, dtype=dtype)
    if not callable(initializer):
        raise ValueError(f"{type(owner).__name__}: unknown initializer {initializer!r}; "
                         "expected 'zeros', 'ones', a number or fn(shape, dtype).")
    return initializer


def _squared_norm(g):
    flat = g.ravel()
    return backend.xp.vdot(flat, flat)


def _norm_scale(norm, limit: float):
    """``limit / max(norm, limit)``, NaN when the norm is not finite (as in Keras)."""
    return limit / backend.xp.maximum(norm, limit) + (norm - norm)


def clip_by_norm(grads: list, limit: float) -> list:
    """Each gradient rescaled to an L2 norm of at most ``limit`` (new arrays)."""
    xp = backend.xp
    return [g * _norm_scale(xp.sqrt(_squared_norm(g)), limit) for g in grads]


def clip_by_global_norm(grads: list, limit: float) -> list:
    """All gradients rescaled together to a global L2 norm of at most ``limit``."""
    norm = backend.xp.sqrt(sum(_squared_norm(g) for g in grads))
    scale = _norm_scale(norm, limit)
    return [g * scale for g in grads]


class ScalarVariable(Variable):
    """A 0-d optimizer variable (step count, learning rate) with a host copy, ``host``.

    The update math reads ``host``, so a training step never waits on the GPU to read a
    scalar. Writes go through ``assign`` / ``assign_add`` / ``assign_sub``, which keep the
    two copies equal (the host one rounded to the variable's dtype).
    """

    __slots__ = ("host",)

    def __init__(self, value, dtype: str, name: str):  # noqa: D107
        super().__init__(value, dtype=dtype, trainable=False, name=name)
        self.host = self._to_host(value)

    def _to_host(self, value):
        if isinstance(value, Tensor):
            value = value.data
        if not isinstance(value, numbers.Number):
            value = backend.to_numpy(value)
            if value.shape != ():
                raise ValueError(f"Cannot assign a value of shape {value.shape} to the "
                                 f"scalar variable {self.path!r}.")
        return self.dtype.type(value).item()

    def assign(self, value) -> "ScalarVariable":
        self.host = self._to_host(value)
        self.data.fill(self.host)  # a fill kernel: no host-to-device copy, no sync
        return self

    def __float__(self) -> float:
        return float(self.host)

    def __int__(self) -> int:
        return int(self.host)

    def assign_add(self, value) -> "ScalarVariable":
        return self.assign(self.host + self._to_host(value))

    def assign_sub(self, value) -> "ScalarVariable":
        return self.assign(self.host - self._to_host(value))
