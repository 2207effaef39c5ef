"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from ..naming import serialize_object
from .base import Layer

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


class _Elementwise(Layer):
    """A shape-preserving layer that supports masking."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class ReLU(_Elementwise):
    """``max_value`` if ``x >= max_value``; ``x`` if ``threshold <= x < max_value``;
    else ``negative_slope * (x - threshold)``.

    Args:
        max_value: optional cap (>= 0).
        negative_slope: slope below the threshold (default 0, >= 0).
        threshold: where the unit switches on (default 0).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        for argument, value in (("max_value", max_value), ("negative_slope", negative_slope),
                                ("threshold", threshold)):
            if value is not None and value < 0:
                raise ValueError(f"ReLU '{self.name}': `{argument}` must be >= 0 (or None for "
                                 f"max_value). Received: {argument}={value}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return ops.relu(inputs, negative_slope=self.negative_slope,
                        max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``x`` for ``x >= 0``, else ``negative_slope * x`` (default 0.3; Keras 2: ``alpha``)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        negative_slope = kwargs.pop("alpha", negative_slope)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU '{self.name}': `negative_slope` must be a "
                             f"non-negative float. Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_Elementwise):
    """Softmax along ``axis``; masked entries (mask False) get probability 0."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            penalty = (1.0 - ops.cast(mask, inputs.dtype)) * -1e9
            inputs = inputs + penalty
        return ops.softmax(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PReLU(_Elementwise):
    """Parametric ReLU: ``x`` for ``x >= 0``, else ``alpha * x`` with a learned ``alpha``.

    Args:
        alpha_initializer: default ``"zeros"``.
        alpha_regularizer, alpha_constraint: optional.
        shared_axes: axes (counting from 1) along which one alpha is shared, e.g. ``[1, 2]``
            for one alpha per channel of an image.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(shape=shape, name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        positive = ops.relu(inputs)
        return positive - self.alpha * ops.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": serialize_object(self.alpha_initializer),
                "alpha_regularizer": serialize_object(self.alpha_regularizer),
                "alpha_constraint": serialize_object(self.alpha_constraint),
                "shared_axes": self.shared_axes}
