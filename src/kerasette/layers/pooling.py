"""Pooling layers: Max/AveragePooling 1D/2D/3D and their global forms.

Max pooling routes the gradient of a window to its first maximal position (row-major
order inside the window), as TensorFlow's argmax does; global max pooling shares it
equally among tied maxima (a reduction's gradient).
"""

from __future__ import annotations

from .. import ops
from ..ops.spatial import normalize_data_format, normalize_padding, padding_amounts
from .arguments import int_tuple
from .base import InputSpec, Layer
from .legacy import POOLING, keras1_arguments

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
           "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


class BasePooling(Layer):
    """Windows of ``pool_size`` moved by ``strides`` over the spatial axes.

    Args:
        pool_size: an int or one per spatial axis (default 2).
        strides: an int or one per spatial axis; default ``None`` means ``pool_size``.
        padding: ``"valid"`` (default) or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    rank = 2
    pool_function = None

    @keras1_arguments(POOLING)  # Keras 1: pool_length, stride, border_mode, dim_ordering
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        self.pool_size = int_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = self.pool_size if strides is None else int_tuple(
            strides, self.rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        self.compute_output_shape(tuple(input_shape))  # a window too large fails here
        self.built = True

    def call(self, inputs):
        return self.pool_function(inputs, self.pool_size, self.strides, self.padding,
                                  self.data_format)

    def compute_output_shape(self, input_shape):
        owner = f"{type(self).__name__} '{self.name}'"
        channels_last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if channels_last else input_shape[2:]
        out = padding_amounts(spatial, self.pool_size, self.strides, (1,) * self.rank,
                              self.padding, owner, "pool_size")[1]
        if channels_last:
            return (input_shape[0],) + out + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + out

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """The maximum over windows of ``pool_size`` steps; input ``(batch, steps, channels)``.

    Example:
        >>> layer = MaxPooling1D(pool_size=2)
    """

    rank = 1
    pool_function = staticmethod(ops.max_pool)


class MaxPooling2D(BasePooling):
    """The maximum over ``pool_size`` windows; input ``(batch, height, width, channels)``,
    output ``(batch, new_height, new_width, channels)``.

    Example:
        >>> layer = MaxPooling2D(pool_size=(2, 2))
    """

    rank = 2
    pool_function = staticmethod(ops.max_pool)


class MaxPooling3D(BasePooling):
    """The maximum over 3-D windows; input ``(batch, depth, height, width, channels)``."""

    rank = 3
    pool_function = staticmethod(ops.max_pool)


class AveragePooling1D(BasePooling):
    """The mean over windows of ``pool_size`` steps (with ``"same"`` padding, of the
    real positions only)."""

    rank = 1
    pool_function = staticmethod(ops.average_pool)


class AveragePooling2D(BasePooling):
    """The mean over ``pool_size`` windows (with ``"same"`` padding, of the real
    positions only); input ``(batch, height, width, channels)``."""

    rank = 2
    pool_function = staticmethod(ops.average_pool)


class AveragePooling3D(BasePooling):
    """The mean over 3-D windows."""

    rank = 3
    pool_function = staticmethod(ops.average_pool)


class BaseGlobalPooling(Layer):
    """A reduction over every spatial axis.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes with size 1 (default ``False``).

    Output shape: ``(batch, channels)``, or with ``keepdims`` ``(batch, 1, ..., channels)``.
    """

    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format,
                                                 f"{type(self).__name__} '{self.name}'")
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _axes(self) -> tuple:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def compute_output_shape(self, input_shape):
        axes = self._axes
        if self.keepdims:
            return tuple(1 if i in axes else n for i, n in enumerate(input_shape))
        return tuple(n for i, n in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class _GlobalMax(BaseGlobalPooling):
    def call(self, inputs):
        return ops.max(inputs, axis=self._axes, keepdims=self.keepdims)


class _GlobalAverage(BaseGlobalPooling):
    def call(self, inputs):
        return ops.mean(inputs, axis=self._axes, keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    """The maximum over the steps: ``(batch, steps, channels)`` -> ``(batch, channels)``."""

    rank = 1


class GlobalMaxPooling2D(_GlobalMax):
    """The maximum over height and width: ``(batch, h, w, channels)`` ->
    ``(batch, channels)``."""

    rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    """The maximum over the three spatial axes."""

    rank = 3


class GlobalAveragePooling1D(_GlobalAverage):
    """The mean over the steps: ``(batch, steps, channels)`` -> ``(batch, channels)``.

    With a mask (from ``Embedding(mask_zero=True)`` or ``Masking``), the mean of the
    unmasked steps only.
    """

    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        weights = ops.cast(mask, inputs.dtype)
        weights = ops.expand_dims(weights, -1 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.multiply(inputs, weights), axis=self._axes, keepdims=self.keepdims)
        count = ops.sum(weights, axis=self._axes, keepdims=self.keepdims)
        return ops.divide(total, ops.maximum(count, 1.0))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean over height and width: ``(batch, h, w, channels)`` ->
    ``(batch, channels)``."""

    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    """The mean over the three spatial axes."""

    rank = 3


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
