"""Convolution layers: Conv1D/2D/3D, their transposes, and depthwise / separable ones.

Kernels use Keras's layout, so weights move to and from Keras files unchanged:
``(*kernel_size, in_channels / groups, filters)`` for a convolution,
``(*kernel_size, filters, in_channels)`` for a transposed one,
``(*kernel_size, in_channels, depth_multiplier)`` for a depthwise one. The math is one
fused op each (``ops.conv``, ``ops.conv_transpose``), a ReLU activation fused in.
"""

from __future__ import annotations

from .. import activations, constraints, initializers, ops, regularizers
from ..naming import serialize_object
from ..ops.spatial import (normalize_data_format, normalize_padding, padding_amounts,
                           transpose_output_length)
from .arguments import int_tuple
from .base import InputSpec, Layer
from .legacy import CONVOLUTION, convolution_kernel, keras1_arguments

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
           "SeparableConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
           "SeparableConvolution2D"]

_SPATIAL_NAMES = {1: "steps", 2: "height, width", 3: "depth, height, width"}


def _drop_keras2_kernel_arguments(owner: str, kwargs: dict) -> None:
    """tf-keras writes ``groups`` and ``kernel_*`` (all unused) into depthwise and
    separable configs; they are accepted when they hold their defaults."""
    if kwargs.pop("groups", 1) != 1:
        raise ValueError(f"{owner}: `groups` is not supported; the depthwise step already "
                         f"convolves each channel separately.")
    for name in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
        kwargs.pop(name, None)


class BaseConv(Layer):
    """The arguments, checks and shapes shared by every convolution layer.

    Subclasses set ``rank`` and implement ``_create_weights(channels)`` and
    ``_convolve(inputs)``; the output shape comes from ``_output_spatial``.
    """

    rank = 2
    allow_causal = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        owner = self._owner()
        rank = self.rank
        self.filters = None if filters is None else int_tuple(
            filters, 1, "filters", owner)[0]
        self.kernel_size = int_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = int_tuple(strides, rank, "strides", owner)
        self.padding = normalize_padding(padding, owner, self.allow_causal and rank == 1)
        self.data_format = normalize_data_format(data_format, owner)
        self.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate", owner)
        self.groups = int_tuple(groups, 1, "groups", owner)[0]
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"{owner}: `filters` must be divisible by `groups`; received "
                             f"filters={self.filters}, groups={self.groups}.")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            layout = (f"(batch_size, {_SPATIAL_NAMES[self.rank]}, channels)"
                      if self.data_format == "channels_last" else
                      f"(batch_size, channels, {_SPATIAL_NAMES[self.rank]})")
            raise ValueError(
                f"{self._owner()}: expected inputs of rank {self.rank + 2}, {layout} for "
                f"data_format='{self.data_format}'; received input_shape={input_shape}. "
                f"For images with one channel, add a channels axis, e.g. x[..., None].")
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"{self._owner()}: the channels axis of the input must be "
                             f"known; received input_shape={input_shape}.")
        if channels % self.groups:
            raise ValueError(f"{self._owner()}: the number of input channels ({channels}) "
                             f"must be divisible by groups={self.groups}.")
        self._output_spatial(input_shape)  # a kernel larger than the input fails here
        self._create_weights(channels)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _add_bias(self, size: int):
        if not self.use_bias:
            return None
        return self.add_weight(shape=(size,), name="bias", initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint)

    def _create_weights(self, channels: int) -> None:
        shape = self.kernel_size + (channels // self.groups, self.filters)
        self.kernel = self.add_weight(shape=shape, name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self._add_bias(self.filters)

    def _spatial(self, input_shape) -> tuple:
        if self.data_format == "channels_last":
            return tuple(input_shape[1:-1])
        return tuple(input_shape[2:])

    def _output_spatial(self, input_shape) -> tuple:
        return padding_amounts(self._spatial(input_shape), self.kernel_size, self.strides,
                               self.dilation_rate, self.padding, self._owner())[1]

    def _output_channels(self, input_shape) -> int:
        return self.filters

    def compute_output_shape(self, input_shape):
        spatial = self._output_spatial(input_shape)
        channels = self._output_channels(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (channels,)
        return (input_shape[0], channels) + spatial

    def call(self, inputs):
        fused = self.activation is activations.relu
        out = self._convolve(inputs, fused)
        return out if fused else self.activation(out)

    def _convolve(self, inputs, relu: bool):
        return ops.conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                        self.dilation_rate, bias=self.bias, relu=relu)

    def _common_config(self) -> dict:
        return {"kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}

    def _tail_config(self) -> dict:
        return {"activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "bias_initializer": serialize_object(self.bias_initializer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "activity_regularizer": serialize_object(self.activity_regularizer),
                "bias_constraint": serialize_object(self.bias_constraint)}

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, **self._common_config(),
                "groups": self.groups, **self._tail_config(),
                "kernel_initializer": serialize_object(self.kernel_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint)}


# Conv1D/2D/3D (not their transposed, depthwise or separable relatives) take Keras 1's
# Convolution1D/2D/3D arguments: nb_filter, the kernel (nb_row, nb_col), subsample, ...
_keras1_convolution = keras1_arguments(CONVOLUTION, convolution_kernel)


class Conv1D(BaseConv):
    """1-D convolution (temporal): ``activation(conv(inputs, kernel) + bias)``.

    Args:
        filters: the number of output channels.
        kernel_size: an int, the length of the window.
        strides: an int, default 1.
        padding: ``"valid"`` (default), ``"same"``, or ``"causal"`` (output ``t`` never
            sees inputs after ``t``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: an int, default 1.
        groups: split channels into this many independent groups, default 1.
        activation, use_bias, kernel/bias initializer, regularizer, constraint:
            as ``Dense``; ``activity_regularizer`` on the output.

    Input shape: ``(batch_size, steps, channels)``.
    Output shape: ``(batch_size, new_steps, filters)``.

    Example:
        >>> layer = Conv1D(8, 3, padding="causal", input_shape=(20, 4))
    """

    rank = 1
    allow_causal = True
    __init__ = _keras1_convolution(BaseConv.__init__)


class Conv2D(BaseConv):
    """2-D convolution (spatial): ``activation(conv(inputs, kernel) + bias)``.

    Args: as ``Conv1D``, with ``kernel_size``, ``strides`` and ``dilation_rate`` an int
        or a pair; ``padding`` is ``"valid"`` (default) or ``"same"``. The kernel has
        shape ``(kh, kw, in_channels / groups, filters)``.

    Input shape: ``(batch_size, height, width, channels)`` (channels last).
    Output shape: ``(batch_size, new_height, new_width, filters)``.

    Example:
        >>> layer = Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1))

    Keras 1 calls, ``Convolution2D(32, 3, 3, border_mode="same")``, are converted with a
    warning showing the Keras 2 call, ``Conv2D(32, (3, 3), padding="same")``.
    """

    rank = 2
    __init__ = _keras1_convolution(BaseConv.__init__)


class Conv3D(BaseConv):
    """3-D convolution (volumes); arguments as ``Conv2D`` with triples.

    Input shape: ``(batch_size, depth, height, width, channels)``.
    """

    rank = 3
    __init__ = _keras1_convolution(BaseConv.__init__)


class BaseConvTranspose(BaseConv):
    """Transposed convolution (also called deconvolution): the gradient of a convolution
    with respect to its input. The kernel has shape ``(*kernel_size, filters, channels)``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        if kwargs.pop("groups", 1) != 1:
            raise ValueError(f"{type(self).__name__}: `groups` is not supported by "
                             f"transposed convolutions (as in Keras).")
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         **kwargs)
        self.output_padding = None if output_padding is None else int_tuple(
            output_padding, self.rank, "output_padding", self._owner(), allow_zero=True)
        if self.output_padding and any(p >= s for p, s in zip(self.output_padding,
                                                              self.strides)):
            raise ValueError(f"{self._owner()}: each `output_padding` must be smaller than "
                             f"the stride; received output_padding={self.output_padding}, "
                             f"strides={self.strides}.")

    def _create_weights(self, channels: int) -> None:
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, channels),
                                      name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self._add_bias(self.filters)

    def _output_spatial(self, input_shape) -> tuple:
        extra = self.output_padding or (None,) * self.rank
        return tuple(transpose_output_length(n, k, s, d, self.padding, e) for n, k, s, d, e
                     in zip(self._spatial(input_shape), self.kernel_size, self.strides,
                            self.dilation_rate, extra))

    def _convolve(self, inputs, relu: bool):
        out = ops.conv_transpose(inputs, self.kernel, self.strides, self.padding,
                                 self.output_padding, self.data_format, self.dilation_rate,
                                 bias=self.bias)
        return ops.relu(out) if relu else out

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution; input ``(batch, steps, channels)``."""

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution: upsamples ``(batch, h, w, channels)`` to
    ``(batch, h * stride, w * stride, filters)`` with ``padding="same"``.

    Example:
        >>> layer = Conv2DTranspose(16, 3, strides=2, padding="same")
    """

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution; input ``(batch, depth, height, width, channels)``."""

    rank = 3


class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution: each input channel convolved with ``depth_multiplier``
    filters of its own; the kernel (weight ``kernel``) is
    ``(*kernel_size, channels, depth_multiplier)`` and the output has
    ``channels * depth_multiplier`` channels.
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        _drop_keras2_kernel_arguments(type(self).__name__, kwargs)
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int_tuple(depth_multiplier, 1, "depth_multiplier",
                                          self._owner())[0]

    def _create_weights(self, channels: int) -> None:
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.depthwise_kernel = self.kernel
        self.bias = self._add_bias(channels * self.depth_multiplier)

    def _output_channels(self, input_shape) -> int:
        return input_shape[self._channel_axis] * self.depth_multiplier

    def _convolve(self, inputs, relu: bool):
        out = ops.depthwise_conv(inputs, self.kernel, self.strides, self.padding,
                                 self.data_format, self.dilation_rate, bias=self.bias)
        return ops.relu(out) if relu else out

    def get_config(self):
        return {**Layer.get_config(self), **self._common_config(),
                "depth_multiplier": self.depth_multiplier, **self._tail_config(),
                "depthwise_initializer": serialize_object(self.kernel_initializer),
                "depthwise_regularizer": serialize_object(self.kernel_regularizer),
                "depthwise_constraint": serialize_object(self.kernel_constraint)}


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution; input ``(batch, steps, channels)``."""

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution; input ``(batch, height, width, channels)``.

    Example:
        >>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    """

    rank = 2


class BaseSeparableConv(BaseConv):
    """Depthwise convolution then a pointwise (1x1) convolution to ``filters`` channels.

    Weights: ``depthwise_kernel`` ``(*kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, ..., 1, channels * depth_multiplier, filters)``, ``bias``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        _drop_keras2_kernel_arguments(type(self).__name__, kwargs)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int_tuple(depth_multiplier, 1, "depth_multiplier",
                                          self._owner())[0]
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _create_weights(self, channels: int) -> None:
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            name="depthwise_kernel", initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            name="pointwise_kernel", initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = self._add_bias(self.filters)

    def _convolve(self, inputs, relu: bool):
        mixed = ops.depthwise_conv(inputs, self.depthwise_kernel, self.strides, self.padding,
                                   self.data_format, self.dilation_rate)
        return ops.conv(mixed, self.pointwise_kernel, 1, "valid", self.data_format,
                        bias=self.bias, relu=relu)

    def get_config(self):
        return {**Layer.get_config(self), "filters": self.filters, **self._common_config(),
                "depth_multiplier": self.depth_multiplier, **self._tail_config(),
                "depthwise_initializer": serialize_object(self.kernel_initializer),
                "pointwise_initializer": serialize_object(self.pointwise_initializer),
                "depthwise_regularizer": serialize_object(self.kernel_regularizer),
                "pointwise_regularizer": serialize_object(self.pointwise_regularizer),
                "depthwise_constraint": serialize_object(self.kernel_constraint),
                "pointwise_constraint": serialize_object(self.pointwise_constraint)}


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution; input ``(batch, steps, channels)``."""

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """2-D separable convolution; input ``(batch, height, width, channels)``.

    Example:
        >>> layer = SeparableConv2D(32, 3, depth_multiplier=1, activation="relu")
    """

    rank = 2


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
ALIASES = {"Convolution1D": Conv1D, "Convolution2D": Conv2D, "Convolution3D": Conv3D,
           "Convolution2DTranspose": Conv2DTranspose,
           "Convolution3DTranspose": Conv3DTranspose,
           "SeparableConvolution1D": SeparableConv1D,
           "SeparableConvolution2D": SeparableConv2D}

# Keras 2 path ``keras.layers.convolutional`` also held these; re-exported, not redefined.
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,  # noqa: E402,F401
                      MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D,  # noqa: E402,F401
                        UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
                        ZeroPadding3D)
