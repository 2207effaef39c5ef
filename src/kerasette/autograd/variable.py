"""``Variable``: a named tensor that a layer or optimizer owns and updates in place."""

from __future__ import annotations

from .. import backend
from .engine import Tensor, as_array

__all__ = ["Variable"]


class Variable(Tensor):
    """A named, trainable-or-not tensor (Keras's ``layer.weights`` are these).

    Args:
        value: the initial value: an array-like, or a callable ``initializer(shape, dtype)``.
        shape: the shape, required when ``value`` is a callable.
        dtype: the dtype (default ``backend.floatx()``).
        trainable: whether optimizers update it (and gradients flow to it).
        name: the short name, such as ``"kernel"``.
    """

    __slots__ = ("name", "path", "_trainable", "constraint", "regularizer")

    def __init__(self, value, shape=None, dtype=None, trainable: bool = True, name=None):  # noqa: D107
        dtype = dtype or backend.floatx()
        if callable(value):
            if shape is None:
                raise ValueError(f"Variable {name!r}: an initializer needs a `shape`.")
            value = value(tuple(shape), dtype=dtype)
        data = backend.xp.array(as_array(value), dtype=dtype, copy=True)
        super().__init__(data, requires_grad=trainable)
        self.name = name or "variable"
        self.path = self.name
        self._trainable = trainable
        self.constraint = None  # applied by optimizers after each update
        self.regularizer = None

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = bool(value)

    @property
    def value(self):
        """The current value as a (non-differentiable) Tensor."""
        return Tensor(self.data)

    def assign(self, value) -> "Variable":
        """Overwrites the value in place; the shape must match."""
        value = as_array(value)
        if tuple(value.shape) != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                f"{self.path!r} of shape {self.shape}."
            )
        self.data[...] = value
        return self

    def assign_add(self, value) -> "Variable":
        """Adds ``value`` in place; it must broadcast to the variable's shape."""
        self.data += self._updatable(value)
        return self

    def assign_sub(self, value) -> "Variable":
        """Subtracts ``value`` in place; it must broadcast to the variable's shape."""
        self.data -= self._updatable(value)
        return self

    def _updatable(self, value):
        """``value`` as an array, once it is known to broadcast to the variable's shape.
        A Python number stays on the host, in the variable's dtype: CuPy takes it as a
        kernel argument, where an array would be one more upload."""
        if isinstance(value, (int, float)):
            return self.dtype.type(value)
        value = as_array(value)
        shape = tuple(value.shape)
        if shape == self.shape:
            return value
        fits = len(shape) <= len(self.shape) and all(
            n in (1, m) for n, m in zip(reversed(shape), reversed(self.shape)))
        if not fits:
            raise ValueError(
                f"Cannot add or subtract a value of shape {shape} to variable "
                f"{self.path!r} of shape {self.shape}: the shapes must match (or the "
                f"value must broadcast to the variable's shape).")
        return value

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self.numpy()!r}>")
