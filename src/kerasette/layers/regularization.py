"""Regularization layers active only in training: spatial dropout and noise.

``SpatialDropout1D/2D/3D`` drop whole feature maps (one decision per sample and
channel); ``GaussianNoise`` adds ``N(0, stddev)``; ``GaussianDropout`` multiplies by
``N(1, rate / (1 - rate))``. At inference each returns its input unchanged.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, ops, regularizers
from ..autograd import Tensor
from ..ops.spatial import normalize_data_format
from .base import InputSpec, Layer
from .core import Dropout

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
           "GaussianDropout", "ActivityRegularization"]


class _SpatialDropout(Dropout):
    """Dropout of entire channels: the mask is shared over the spatial axes.

    Args:
        rate: float in [0, 1), the fraction of channels to drop.
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (2-D and 3-D).
        seed: optional int for a reproducible mask sequence.
    """

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        kwargs.pop("noise_shape", None)  # fixed by the layer itself
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = list(inputs.shape)
        first = 1 if self.data_format == "channels_last" else 2
        for axis in range(first, first + self.rank):
            shape[axis] = 1
        return ops.dropout(inputs, self.rate, tuple(shape), self._generator)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` inputs in training.

    Example:
        >>> layer = SpatialDropout1D(0.2)
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, kwargs.pop("data_format", None), seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of ``(batch, height, width, channels)`` inputs in
    training."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole feature volumes of 5-D inputs in training."""

    rank = 3


class GaussianNoise(Layer):
    """Adds zero-centred Gaussian noise of standard deviation ``stddev`` in training.

    Args:
        stddev: float, the standard deviation of the noise.
        seed: optional int for a reproducible noise sequence.

    Example:
        >>> layer = GaussianNoise(0.1)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not stddev >= 0:
            raise ValueError(f"GaussianNoise '{self.name}': `stddev` must be non-negative; "
                             f"received stddev={stddev!r}.")
        self.stddev = float(stddev)
        self.seed = seed
        self._generator = None if seed is None else backend.SeedStream(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        generator = backend.rng(self._generator)
        noise = generator.standard_normal(inputs.shape, dtype=np.float32)
        noise = noise.astype(inputs.dtype, copy=False) * inputs.dtype.type(self.stddev)
        return ops.add(inputs, Tensor(noise))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 and variance ``rate / (1 - rate)`` in
    training (the variance of dropout at that rate, without zeros).

    Args:
        rate: float in [0, 1), as the rate of ``Dropout``.
        seed: optional int for a reproducible noise sequence.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"GaussianDropout '{self.name}': `rate` must be a float in "
                             f"[0, 1); received rate={rate!r}.")
        self.rate = float(rate)
        self.seed = seed
        self._generator = None if seed is None else backend.SeedStream(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        generator = backend.rng(self._generator)
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = generator.standard_normal(inputs.shape, dtype=np.float32)
        noise = noise.astype(inputs.dtype, copy=False) * inputs.dtype.type(stddev) + 1
        return ops.multiply(inputs, Tensor(noise))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Passes its input through and adds ``l1 * sum(|x|) + l2 * sum(x^2)`` (per sample)
    to the model's losses.

    Args:
        l1, l2: the penalty factors; default 0.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
