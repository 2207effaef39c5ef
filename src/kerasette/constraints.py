"""Weight constraints: ``Dense(64, kernel_constraint=constraints.MaxNorm(3))``.

A constraint maps a weight to its projection, computed with ``kerasette.ops``; optimizers
apply it after each update as ``variable.assign(constraint(variable))``. Norms are taken
along ``axis`` (``0`` for a Dense kernel ``(in, out)``: each output unit's incoming
weights; ``[0, 1, 2]`` for a Conv2D kernel ``(kh, kw, in, out)``).
"""

from __future__ import annotations

import math
import numbers

from . import backend, ops
from .naming import lookup, serialize_object, to_snake_case

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm",
           "non_neg", "unit_norm", "min_max_norm", "get", "serialize", "deserialize"]


def _number(owner: str, name: str, value, low: float = 0.0, high: float = math.inf) -> float:
    """A float in ``[low, high]``, or a ValueError naming the argument."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and low <= value <= high):
        bounds = f"in [{low}, {high}]" if math.isfinite(high) else f">= {low}"
        raise ValueError(f"{owner}: argument `{name}` must be a number {bounds}; "
                         f"received {name}={value!r}.")
    return float(value)


def _axis(owner: str, axis):
    """An int or a list of ints (lists keep configs JSON-friendly)."""
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return int(axis)
    if isinstance(axis, (list, tuple)) and all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis):
        return [int(a) for a in axis]
    raise ValueError(f"{owner}: argument `axis` must be an int or a list of ints; "
                     f"received axis={axis!r}.")


def _norms(w, axis):
    """The L2 norms of ``w`` along ``axis``, kept for broadcasting."""
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: subclasses implement ``__call__(w) -> Tensor``; the base is identity."""

    def __call__(self, w):
        return ops.convert_to_tensor(w)

    def get_config(self) -> dict:
        """The constructor arguments, as plain Python values."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Constraint":
        """Rebuilds the constraint from ``get_config()``'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class MaxNorm(Constraint):
    """Caps the norm along ``axis``: ``w * clip(n, 0, max_value) / (epsilon + n)``.

    ``n`` is the L2 norm of ``w`` along ``axis``; ``epsilon`` is ``backend.epsilon()``.

    Args:
        max_value: the largest norm allowed (default ``2``).
        axis: the axis or axes the norm is taken over (default ``0``).
    """

    def __init__(self, max_value: float = 2, axis=0):
        self.max_value = _number("MaxNorm", "max_value", max_value)
        self.axis = _axis("MaxNorm", axis)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, self.max_value)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zeroes the negative entries: ``w * (w >= 0)``."""

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return w * ops.cast(ops.greater_equal(w, 0.0), w.dtype)


class UnitNorm(Constraint):
    """Scales to unit norm along ``axis``: ``w / (epsilon + n)``, ``n`` the L2 norm.

    Args:
        axis: the axis or axes the norm is taken over (default ``0``).
    """

    def __init__(self, axis=0):
        self.axis = _axis("UnitNorm", axis)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the norm along ``axis`` into ``[min_value, max_value]`` at speed ``rate``.

    ``w * (rate * clip(n, min_value, max_value) + (1 - rate) * n) / (epsilon + n)``, with
    ``n`` the L2 norm along ``axis``: ``rate=1`` enforces the bounds at once, a smaller
    rate moves the norm part of the way at each update.

    Args:
        min_value: the smallest norm (default ``0.0``).
        max_value: the largest norm (default ``1.0``).
        rate: the enforcement rate in ``[0, 1]`` (default ``1.0``).
        axis: the axis or axes the norm is taken over (default ``0``).
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis=0):
        self.min_value = _number("MinMaxNorm", "min_value", min_value)
        self.max_value = _number("MinMaxNorm", "max_value", max_value, low=self.min_value)
        self.rate = _number("MinMaxNorm", "rate", rate, high=1.0)
        self.axis = _axis("MinMaxNorm", axis)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1.0 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_CLASSES = (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)
ALL: dict = {cls.__name__: cls for cls in _CLASSES}
ALL.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
# Keras 1's names, still exported by Keras 2.
ALL.update({"maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm})


def get(identifier):
    """A constraint from a name, a Keras config dict, a class, an instance or a callable.

    ``None`` gives ``None``; a name or class gives an instance with default arguments; an
    unknown name raises ``ValueError``.
    """
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}. "
                     f"Expected a name, a config dict, a Constraint or a callable.")


def serialize(constraint) -> dict | str:
    """Keras's ``{"class_name": ..., "config": ...}`` for a constraint."""
    return serialize_object(constraint)


def deserialize(config, custom_objects: dict | None = None):
    """A constraint instance from a name or a Keras config dict."""
    found = lookup(config, ALL, "constraint", custom_objects)
    return found() if isinstance(found, type) else found
