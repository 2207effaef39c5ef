"""Preprocessing layers that live inside a model: ``Rescaling``."""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from .base import Layer

__all__ = ["Rescaling"]


class Rescaling(Layer):
    """``inputs * scale + offset``, computed in the layer's float type.

    Integer images (``uint8``) are cast first, so ``Rescaling(1.0 / 255)`` as the first
    layer turns raw pixels into floats in ``[0, 1]``.

    Args:
        scale: a float, or one float per channel (a list, broadcast on the last axis).
        offset: a float or one per channel; default 0.0.

    Example:
        >>> layer = Rescaling(scale=1.0 / 127.5, offset=-1)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def _constant(self, value):
        return backend.to_device(np.asarray(value, dtype=self.dtype))

    def call(self, inputs):
        inputs = ops.cast(inputs, self.dtype)
        return ops.add(ops.multiply(inputs, self._constant(self.scale)),
                       self._constant(self.offset))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
