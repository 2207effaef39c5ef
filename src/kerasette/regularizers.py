"""Weight regularizers: ``Dense(64, kernel_regularizer=regularizers.l2(1e-4))``.

A regularizer maps a weight Tensor to a scalar penalty Tensor, built from
``kerasette.ops`` so it is differentiable; layers add it to the loss.
"""

from __future__ import annotations

import math
import numbers

from . import backend, ops
from .naming import lookup, serialize_object, to_snake_case

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]


def _factor(owner: str, name: str, value) -> float:
    """A non-negative finite float, or a ValueError naming the argument."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value >= 0):
        raise ValueError(f"{owner}: argument `{name}` must be a non-negative float; "
                         f"received {name}={value!r}.")
    return float(value)


def _keras2_factor(owner: str, name: str, value, kwargs: dict):
    """Keras 2.0's ``l1(l=0.01)`` / ``l2(l=0.01)`` spelling of the factor."""
    if "l" in kwargs:
        value = kwargs.pop("l")
    if kwargs:
        raise TypeError(f"{owner}: unexpected argument(s) {sorted(kwargs)}; "
                        f"expected `{name}` (or Keras 2's `l`).")
    return value


class Regularizer:
    """Base class: subclasses implement ``__call__(x) -> scalar Tensor``."""

    def __call__(self, x):
        return ops.convert_to_tensor(backend.xp.zeros((), dtype=backend.floatx()))

    def get_config(self) -> dict:
        """The constructor arguments, as plain Python values."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        """Rebuilds the regularizer from ``get_config()``'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class L1(Regularizer):
    """The L1 penalty ``l1 * sum(|x|)``.

    Args:
        l1: the factor, non-negative (default ``0.01``; ``None`` also means ``0.01``).
            Keras 2's ``l=`` is accepted.

    Example:
    >>> float(L1(0.5)(ops.convert_to_tensor([1.0, -2.0])))
    1.5
    """

    def __init__(self, l1: float | None = 0.01, **kwargs):
        l1 = _keras2_factor("L1", "l1", l1, kwargs)
        self.l1 = _factor("L1", "l1", 0.01 if l1 is None else l1)

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """The L2 penalty ``l2 * sum(x**2)``.

    Args:
        l2: the factor, non-negative (default ``0.01``; ``None`` also means ``0.01``).
            Keras 2's ``l=`` is accepted.
    """

    def __init__(self, l2: float | None = 0.01, **kwargs):
        l2 = _keras2_factor("L2", "l2", l2, kwargs)
        self.l2 = _factor("L2", "l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        return self.l2 * ops.sum(ops.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Both penalties: ``l1 * sum(|x|) + l2 * sum(x**2)``.

    Args:
        l1: the L1 factor, non-negative (default ``0.0``).
        l2: the L2 factor, non-negative (default ``0.0``).
    """

    def __init__(self, l1: float | None = 0.0, l2: float | None = 0.0):
        self.l1 = _factor("L1L2", "l1", 0.0 if l1 is None else l1)
        self.l2 = _factor("L1L2", "l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        penalty = ops.convert_to_tensor(backend.xp.zeros((), dtype=x.dtype))
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards orthogonality.

    With ``v_i`` the rows (``mode="rows"``) or columns (``mode="columns"``) scaled to unit
    norm (``v / max(||v||, epsilon)``), the penalty is
    ``factor * mean over pairs i < j of |v_i . v_j|``.

    Args:
        factor: the factor, non-negative (default ``0.01``).
        mode: ``"rows"`` (default) or ``"columns"``.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _factor("OrthogonalRegularizer", "factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: argument `mode` must be 'rows' or "
                             f"'columns'; received mode={mode!r}.")
        self.mode = mode

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2-D weight; "
                             f"received shape={x.shape}.")
        if self.mode == "columns":
            x = ops.transpose(x)
        # max(sum, eps**2) under the root equals max(norm, eps) with a finite gradient at 0
        floor = backend.epsilon() ** 2
        unit = x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=1, keepdims=True), floor))
        size = x.shape[0]
        off_diagonal = 1 - backend.xp.eye(size, dtype=x.dtype)
        cosines = ops.abs(ops.matmul(unit, ops.transpose(unit)) * off_diagonal)
        pairs = max(size * (size - 1) / 2, 1)  # one row has no pairs: the sum is 0
        return (self.factor * 0.5 / pairs) * ops.sum(cosines)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An ``L1L2`` regularizer with both factors defaulting to ``0.01`` (tf.keras's function).

    Args:
        l1: the L1 factor (default ``0.01``).
        l2: the L2 factor (default ``0.01``).
    """
    return L1L2(l1=l1, l2=l2)


l1, l2, orthogonal_regularizer = L1, L2, OrthogonalRegularizer

_CLASSES = (L1, L2, L1L2, OrthogonalRegularizer)
ALL: dict = {cls.__name__: cls for cls in _CLASSES}
ALL.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL["l1_l2"] = l1_l2


def get(identifier):
    """A regularizer from a name, a Keras config dict, a class, an instance or a callable.

    ``None`` gives ``None``; a name or class gives an instance with default arguments
    (``"l2"`` is ``L2(0.01)``); an unknown name raises ``ValueError``.
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. "
                     f"Expected a name, a config dict, a Regularizer or a callable.")


def serialize(regularizer) -> dict | str:
    """Keras's ``{"class_name": ..., "config": ...}`` for a regularizer."""
    return serialize_object(regularizer)


def deserialize(config, custom_objects: dict | None = None):
    """A regularizer instance from a name or a Keras config dict."""
    found = lookup(config, ALL, "regularizer", custom_objects)
    if isinstance(found, type) or found is l1_l2:
        return found()
    return found
