"""The ONNX form of depthwise, separable and transposed convolutions and of the spatial
reshaping layers (ZeroPadding, Cropping, UpSampling).

Converters follow ``onnx_layers``'s signature: ``(graph, layer, input names, input
KerasTensors, output KerasTensor) -> output name``.
"""

from __future__ import annotations

import numpy as np

from .. import backend

__all__ = ["CONV_CONVERTERS"]

_INT64_MAX = np.iinfo(np.int64).max


def _helpers():
    # onnx_layers imports this module to build CONVERTERS, so its helpers load lazily.
    from . import onnx_layers
    return onnx_layers


def _host(variable) -> np.ndarray:
    return backend.to_numpy(variable.value)


def _depthwise_weights(kernel: np.ndarray) -> np.ndarray:
    """Keras ``(k..., in, mult)`` -> ONNX ``(in * mult, 1, k...)``; channel ``c * mult + m``."""
    spatial = kernel.ndim - 2
    flat = kernel.reshape(kernel.shape[:spatial] + (-1,))
    return np.transpose(flat, (spatial,) + tuple(range(spatial)))[:, None]


def _depthwise_node(g, layer, x: str, ins, kernel: np.ndarray, bias) -> str:
    """A grouped ONNX Conv (``group = in_channels``) on the channels-first ``x``."""
    h = _helpers()
    weights = _depthwise_weights(kernel)
    inputs = [x, g.const(layer.name + "/depthwise_kernel", weights)]
    if bias is not None:
        inputs.append(g.weight(layer, bias, "bias"))
    pads = h._spatial_pads(layer, h._spatial_shape(layer, ins[0]), layer.kernel_size,
                           layer.strides, layer.dilation_rate)
    return g.op("Conv", inputs, layer.name + "/depthwise", kernel_shape=list(layer.kernel_size),
                strides=list(layer.strides), dilations=list(layer.dilation_rate), pads=pads,
                group=kernel.shape[-2])


def _depthwise_conv(g, layer, xs, ins, out):
    h, rank = _helpers(), len(ins[0].shape)
    x = h._to_channels_first(g, layer, xs[0], rank)
    y = _depthwise_node(g, layer, x, ins, _host(layer.kernel),
                        layer.bias if layer.use_bias else None)
    y = h._to_channels_last(g, layer, y, rank)
    return h.apply_activation(g, layer, layer.activation, y)


def _separable_conv(g, layer, xs, ins, out):
    """Depthwise Conv (no bias), then a 1x1 Conv that carries the bias."""
    h, rank = _helpers(), len(ins[0].shape)
    x = h._to_channels_first(g, layer, xs[0], rank)
    y = _depthwise_node(g, layer, x, ins, _host(layer.depthwise_kernel), None)
    pointwise = _host(layer.pointwise_kernel)  # (1..., in * mult, filters)
    weights = np.transpose(pointwise, (rank - 1, rank - 2) + tuple(range(rank - 2)))
    inputs = [y, g.const(layer.name + "/pointwise_kernel", weights)]
    if layer.use_bias:
        inputs.append(g.weight(layer, layer.bias, "bias"))
    y = g.op("Conv", inputs, layer.name + "/pointwise", kernel_shape=[1] * (rank - 2))
    y = h._to_channels_last(g, layer, y, rank)
    return h.apply_activation(g, layer, layer.activation, y)


def _transpose_pads(layer, spatial) -> tuple[list[int], list[int]]:
    """ONNX ``pads`` and ``output_padding`` that crop the full transposed output to Keras's
    window, which starts at ``max(full - length, 0) // 2`` for 'same' (0 for 'valid')."""
    h = _helpers()
    if layer.padding not in ("valid", "same") or None in spatial:
        raise h._unsupported(layer, f"a transposed convolution needs 'valid' or 'same' "
                                    f"padding and known spatial sizes (received "
                                    f"padding='{layer.padding}', spatial sizes {spatial})")
    from ..ops.spatial import transpose_output_length
    extra = layer.output_padding or (None,) * len(spatial)
    begins, ends, output_padding = [], [], []
    for n, k, s, d, e in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate,
                             extra):
        length = transpose_output_length(n, k, s, d, layer.padding, e)
        full = (n - 1) * s + (k - 1) * d + 1
        start = max(full - length, 0) // 2 if layer.padding == "same" else 0
        end = full - start - length  # negative: Keras's output reaches past the full one
        begins.append(start)
        ends.append(max(end, 0))
        output_padding.append(max(-end, 0))
    return begins + ends, output_padding


def _conv_transpose(g, layer, xs, ins, out):
    h, rank = _helpers(), len(ins[0].shape)
    kernel = _host(layer.kernel)  # Keras (k..., filters, in) -> ONNX (in, filters, k...)
    weights = np.transpose(kernel, (rank - 1, rank - 2) + tuple(range(rank - 2)))
    inputs = [h._to_channels_first(g, layer, xs[0], rank),
              g.const(layer.name + "/kernel", weights)]
    if layer.use_bias:
        inputs.append(g.weight(layer, layer.bias, "bias"))
    pads, output_padding = _transpose_pads(layer, h._spatial_shape(layer, ins[0]))
    y = g.op("ConvTranspose", inputs, layer.name + "/conv_transpose",
             kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
             dilations=list(layer.dilation_rate), pads=pads, output_padding=output_padding)
    y = h._to_channels_last(g, layer, y, rank)
    return h.apply_activation(g, layer, layer.activation, y)


# spatial reshaping (on the layer's own layout, no transposes) -------------------------
def _zero_padding(g, layer, xs, ins, out):
    rank = len(ins[0].shape)
    begins, ends = [0] * rank, [0] * rank
    for (before, after), axis in zip(layer.padding, layer._spatial_axes):
        begins[axis], ends[axis] = before, after
    pads = g.const(layer.name + "/pads", begins + ends, np.int64)
    return g.op("Pad", [xs[0], pads], layer.name, mode="constant")


def _cropping(g, layer, xs, ins, out):
    axes = list(layer._spatial_axes)
    starts = [before for before, _ in layer.cropping]
    ends = [-after if after else _INT64_MAX for _, after in layer.cropping]
    name = layer.name
    return g.op("Slice", [xs[0], g.const(name + "/starts", starts, np.int64),
                          g.const(name + "/ends", ends, np.int64),
                          g.const(name + "/axes", axes, np.int64)], name)


def _upsampling(g, layer, xs, ins, out):
    """Nearest: ``floor(i / size)`` (asymmetric) repeats; bilinear: half-pixel centres."""
    scales = [1.0] * len(ins[0].shape)
    for factor, axis in zip(layer.size, layer._spatial_axes):
        scales[axis] = float(factor)
    scales = g.const(layer.name + "/scales", scales)
    if getattr(layer, "interpolation", "nearest") == "nearest":
        return g.op("Resize", [xs[0], "", scales], layer.name, mode="nearest",
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    return g.op("Resize", [xs[0], "", scales], layer.name, mode="linear",
                coordinate_transformation_mode="half_pixel")


CONV_CONVERTERS = {
    "DepthwiseConv1D": _depthwise_conv, "DepthwiseConv2D": _depthwise_conv,
    "SeparableConv1D": _separable_conv, "SeparableConv2D": _separable_conv,
    "Conv1DTranspose": _conv_transpose, "Conv2DTranspose": _conv_transpose,
    "Conv3DTranspose": _conv_transpose,
    "ZeroPadding1D": _zero_padding, "ZeroPadding2D": _zero_padding,
    "ZeroPadding3D": _zero_padding, "Cropping1D": _cropping, "Cropping2D": _cropping,
    "Cropping3D": _cropping, "UpSampling1D": _upsampling, "UpSampling2D": _upsampling,
    "UpSampling3D": _upsampling,
}
