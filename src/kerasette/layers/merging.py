"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
and their functional forms (``keras.layers.add([a, b])``)."""

from __future__ import annotations

from functools import reduce

import numpy as np

from .. import ops
from .base import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
           "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
           "concatenate", "dot"]


class _Merge(Layer):
    """Base of the elementwise merges: a list of same-shaped tensors to one tensor."""

    min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, shapes) -> None:
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(
                shapes[0], (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__} '{self.name}') should be "
                             f"called on a list of inputs. Received: input_shape={shapes}")
        if len(shapes) < self.min_inputs:
            raise ValueError(f"{type(self).__name__} '{self.name}': a merge layer should be "
                             f"called on a list of at least {self.min_inputs} inputs. "
                             f"Got {len(shapes)} inputs.")
        try:
            np.broadcast_shapes(*[tuple(1 if d is None else d for d in s) for s in shapes])
        except ValueError:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs have incompatible "
                             f"shapes. Received shapes {', '.join(map(str, shapes))}") from None

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def call(self, inputs):
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        rank = max(len(s) for s in input_shape)
        padded = [(1,) * (rank - len(s)) + tuple(s) for s in input_shape]
        return tuple(None if any(d is None for d in dims) else max(dims)
                     for dims in zip(*padded))

    def compute_mask(self, inputs, mask=None):
        if mask is None or not isinstance(mask, (list, tuple)):
            return mask
        masks = [m for m in mask if m is not None]
        return reduce(ops.logical_and, masks) if masks else None


class Add(_Merge):
    """Elementwise sum of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.add, inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    def _check(self, shapes):
        super()._check(shapes)
        if len(shapes) != 2:
            raise ValueError(f"Subtract '{self.name}': a `Subtract` layer should be called on "
                             f"exactly 2 inputs. Received: {len(shapes)} inputs.")

    def _merge(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Elementwise product of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.multiply, inputs)


class Average(_Merge):
    """Elementwise mean of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.add, inputs) * (1.0 / len(inputs))


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.maximum, inputs)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs."""

    def _merge(self, inputs):
        return reduce(ops.minimum, inputs)


class Concatenate(_Merge):
    """Concatenates a list of inputs along ``axis`` (default -1); other axes must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 1 or not isinstance(
                shapes[0], (list, tuple)):
            raise ValueError(f"Concatenate '{self.name}': a `Concatenate` layer should be "
                             f"called on a list of inputs. Received: input_shape={shapes}")
        rank = len(shapes[0])
        axis = self.axis % rank
        for s in shapes:
            others = [d for i, d in enumerate(s) if i != axis]
            reference = [d for i, d in enumerate(shapes[0]) if i != axis]
            if len(s) != rank or any(a is not None and b is not None and a != b
                                     for a, b in zip(others, reference)):
                raise ValueError(
                    f"Concatenate '{self.name}': a `Concatenate` layer requires inputs with "
                    f"matching shapes except for the concatenation axis {self.axis}. "
                    f"Received: input_shape={[tuple(x) for x in shapes]}")

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        axis = self.axis % len(input_shape[0])
        out = list(input_shape[0])
        sizes = [s[axis] for s in input_shape]
        out[axis] = None if any(d is None for d in sizes) else sum(sizes)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Dot product of two inputs along ``axes``, batched over the first axis.

    Args:
        axes: int or pair of ints, the axis (of each input) to contract.
        normalize: L2-normalize both inputs along ``axes`` first (cosine proximity).

    Example: ``Dot(axes=1)([a, b])`` with ``a, b`` of shape ``(batch, n)`` gives
    ``(batch, 1)``.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _pair(self, shapes):
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        return tuple(a % len(s) for a, s in zip(axes, shapes))

    def _check(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2:
            raise ValueError(f"Dot '{self.name}': a `Dot` layer should be called on a list "
                             f"of 2 inputs. Received: input_shape={shapes}")
        a, b = self._pair(shapes)
        if None not in (shapes[0][a], shapes[1][b]) and shapes[0][a] != shapes[1][b]:
            raise ValueError(f"Dot '{self.name}': incompatible input shapes: axis values "
                             f"{shapes[0][a]} (at axis {a}) != {shapes[1][b]} (at axis {b}). "
                             f"Full input shapes: {shapes[0]}, {shapes[1]}")

    def _merge(self, inputs):
        x, y = inputs
        a, b = self._pair([x.shape, y.shape])
        if self.normalize:
            x = _l2_normalize(x, a)
            y = _l2_normalize(y, b)
        x = ops.moveaxis(x, a, -1)
        y = ops.moveaxis(y, b, 1)
        x_rest, y_rest = x.shape[1:-1], y.shape[2:]
        k = x.shape[-1]
        out = ops.matmul(ops.reshape(x, (x.shape[0], -1, k)), ops.reshape(y, (y.shape[0], k, -1)))
        shape = (x.shape[0],) + tuple(x_rest) + tuple(y_rest)
        return ops.reshape(out, shape if len(shape) > 1 else (x.shape[0], 1))

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        a, b = self._pair(input_shape)
        x = [d for i, d in enumerate(input_shape[0]) if i != a]
        y = [d for i, d in enumerate(input_shape[1]) if i not in (0, b)]
        shape = tuple(x + y)
        return shape if len(shape) > 1 else (shape[0], 1)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis):
    norm = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))
    return x / norm


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"Functional form of ``{cls.__name__}``: ``{merge.__name__}(inputs)``."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of ``Concatenate``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of ``Dot``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
