"""The ONNX form of each supported layer, one small converter per family.

A converter takes the graph under construction, the layer, the ONNX names of its inputs
and their KerasTensors (for static shapes), and returns the ONNX name of its output.
Layers are matched by their exact class, so a subclass with its own ``call`` is refused
rather than exported wrongly.
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations, backend
from .onnx_conv import CONV_CONVERTERS
from .onnx_recurrent import RECURRENT_CONVERTERS

__all__ = ["convert_layer", "CONVERTERS"]


def _unsupported(layer, why: str = "it has no ONNX form in kerasette yet") -> ValueError:
    return ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}) to ONNX: "
                      f"{why}. Supported layers: {sorted(CONVERTERS)}.")


def _host(variable) -> np.ndarray:
    return backend.to_numpy(variable.value)


# activations ---------------------------------------------------------------------------
def _gelu(g, x: str, name: str) -> str:
    """Exact GELU, ``0.5 * x * (1 + erf(x / sqrt(2)))`` (ONNX's Gelu op needs opset 20)."""
    scaled = g.op("Div", [x, g.const(f"{name}/sqrt2", math.sqrt(2.0))], name + "/scaled")
    erf = g.op("Erf", [scaled], name + "/erf")
    one_plus = g.op("Add", [erf, g.const(f"{name}/one", 1.0)], name + "/one_plus")
    half_x = g.op("Mul", [x, g.const(f"{name}/half", 0.5)], name + "/half_x")
    return g.op("Mul", [half_x, one_plus], name)


_SIMPLE_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh",
                       "elu": "Elu", "selu": "Selu", "softplus": "Softplus",
                       "softsign": "Softsign", "exponential": "Exp"}


def apply_activation(g, layer, fn, x: str) -> str:
    """The ONNX form of activation ``fn`` applied to ``x``; linear adds no node."""
    name = activations.serialize(fn) if fn is not None else "linear"
    out = f"{layer.name}/{name}"
    if name == "linear":
        return x
    if name in _SIMPLE_ACTIVATIONS:
        return g.op(_SIMPLE_ACTIVATIONS[name], [x], out)
    if name == "softmax":
        return g.op("Softmax", [x], out, axis=-1)
    if name in ("silu", "swish"):
        return g.op("Mul", [x, g.op("Sigmoid", [x], out + "/sigmoid")], out)
    if name == "gelu":
        return _gelu(g, x, out)
    raise _unsupported(layer, f"its activation '{name}' has no ONNX form in kerasette yet")


# core ----------------------------------------------------------------------------------
def _dense(g, layer, xs, ins, out):
    y = g.op("MatMul", [xs[0], g.weight(layer, layer.kernel, "kernel")], layer.name + "/matmul")
    if layer.use_bias:
        y = g.op("Add", [y, g.weight(layer, layer.bias, "bias")], layer.name + "/bias_add")
    return apply_activation(g, layer, layer.activation, y)


def _activation(g, layer, xs, ins, out):
    return apply_activation(g, layer, layer.activation, xs[0])


def _identity(g, layer, xs, ins, out):
    return g.op("Identity", [xs[0]], layer.name)


def _flatten(g, layer, xs, ins, out):
    x, rank = xs[0], len(ins[0].shape)
    if layer.data_format == "channels_first" and rank > 2:
        x = g.op("Transpose", [x], layer.name + "/channels_last",
                 perm=[0] + list(range(2, rank)) + [1])
    return g.op("Flatten", [x], layer.name, axis=1)


def _reshape(g, layer, xs, ins, out):
    shape = g.const(layer.name + "/shape", [0] + list(layer.target_shape), np.int64)
    return g.op("Reshape", [xs[0], shape], layer.name)


def _permute(g, layer, xs, ins, out):
    return g.op("Transpose", [xs[0]], layer.name, perm=[0] + list(layer.dims))


def _relu_layer(g, layer, xs, ins, out):
    if layer.threshold not in (0, None) or layer.negative_slope not in (0, None):
        raise _unsupported(layer, "only `threshold=0` and `negative_slope=0` are exported")
    y = g.op("Relu", [xs[0]], layer.name + "/relu")
    if layer.max_value is None:
        return y
    return g.op("Min", [y, g.const(layer.name + "/max_value", layer.max_value)], layer.name)


def _leaky_relu(g, layer, xs, ins, out):
    return g.op("LeakyRelu", [xs[0]], layer.name, alpha=float(layer.negative_slope))


def _elu_layer(g, layer, xs, ins, out):
    return g.op("Elu", [xs[0]], layer.name, alpha=float(layer.alpha))


def _softmax_layer(g, layer, xs, ins, out):
    if not isinstance(layer.axis, int):
        raise _unsupported(layer, "only a single softmax axis is exported")
    return g.op("Softmax", [xs[0]], layer.name, axis=layer.axis)


# convolution and pooling ---------------------------------------------------------------
def _spatial_pads(layer, in_shape, kernel, strides, dilation) -> list[int]:
    """ONNX ``pads`` (all begins, then all ends) for Keras's 'valid' / 'same' padding."""
    rank = len(kernel)
    if layer.padding == "valid":
        return [0] * (2 * rank)
    if layer.padding != "same" or None in in_shape:
        raise _unsupported(layer, f"padding='{layer.padding}' needs known spatial sizes "
                                  f"and 'valid' or 'same'")
    begins, ends = [], []
    for size, k, s, d in zip(in_shape, kernel, strides, dilation):
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        begins.append(total // 2)
        ends.append(total - total // 2)  # TensorFlow puts the odd pixel at the end
    return begins + ends


def _to_channels_first(g, layer, x: str, rank: int) -> str:
    if layer.data_format == "channels_first":
        return x
    return g.op("Transpose", [x], layer.name + "/to_nchw",
                perm=[0, rank - 1] + list(range(1, rank - 1)))


def _to_channels_last(g, layer, x: str, rank: int) -> str:
    if layer.data_format == "channels_first":
        return x
    return g.op("Transpose", [x], layer.name + "/to_nhwc",
                perm=[0] + list(range(2, rank)) + [1])


def _spatial_shape(layer, keras_tensor) -> tuple:
    shape = keras_tensor.shape
    return shape[1:-1] if layer.data_format == "channels_last" else shape[2:]


def _conv(g, layer, xs, ins, out):
    rank = len(ins[0].shape)
    kernel = _host(layer.kernel)
    # Keras (k..., in / groups, out) -> ONNX (out, in / groups, k...)
    weights = np.transpose(kernel, (rank - 1, rank - 2) + tuple(range(rank - 2)))
    inputs = [_to_channels_first(g, layer, xs[0], rank), g.const(layer.name + "/kernel",
                                                                  weights)]
    if layer.use_bias:
        inputs.append(g.weight(layer, layer.bias, "bias"))
    pads = _spatial_pads(layer, _spatial_shape(layer, ins[0]), layer.kernel_size,
                         layer.strides, layer.dilation_rate)
    y = g.op("Conv", inputs, layer.name + "/conv", kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), dilations=list(layer.dilation_rate), pads=pads,
             group=layer.groups)
    y = _to_channels_last(g, layer, y, rank)
    return apply_activation(g, layer, layer.activation, y)


def _pool(op_type: str):
    def convert(g, layer, xs, ins, out):
        rank = len(ins[0].shape)
        pads = _spatial_pads(layer, _spatial_shape(layer, ins[0]), layer.pool_size,
                             layer.strides, (1,) * len(layer.pool_size))
        y = g.op(op_type, [_to_channels_first(g, layer, xs[0], rank)], layer.name + "/pool",
                 kernel_shape=list(layer.pool_size), strides=list(layer.strides), pads=pads)
        return _to_channels_last(g, layer, y, rank)
    return convert


def _global_pool(op_type: str):
    def convert(g, layer, xs, ins, out):
        rank = len(ins[0].shape)
        axes = list(range(1, rank - 1) if layer.data_format == "channels_last"
                    else range(2, rank))
        return g.op(op_type, [xs[0]], layer.name, axes=axes, keepdims=int(layer.keepdims))
    return convert


# normalization and embedding -----------------------------------------------------------
def _broadcast(values, axes, rank: int) -> np.ndarray:
    """Per-axis parameters reshaped to broadcast against a batch of rank ``rank``."""
    shape = [np.shape(values)[axes.index(i)] if i in axes else 1 for i in range(1, rank)]
    return np.reshape(values, shape)


def _batch_norm(g, layer, xs, ins, out):
    """Inference form folded into one scale and shift: ``x * scale + shift``."""
    rank, axes = len(ins[0].shape), list(layer._axes)
    mean = np.asarray(_host(layer.moving_mean), np.float64)
    variance = np.asarray(_host(layer.moving_variance), np.float64)
    gamma = _host(layer.gamma) if layer.gamma is not None else 1.0
    beta = _host(layer.beta) if layer.beta is not None else 0.0
    scale = np.asarray(gamma, np.float64) / np.sqrt(variance + layer.epsilon)
    shift = np.asarray(beta, np.float64) - mean * scale
    y = g.op("Mul", [xs[0], g.const(layer.name + "/scale", _broadcast(scale, axes, rank))],
             layer.name + "/scaled")
    shift = np.broadcast_to(shift, scale.shape)
    return g.op("Add", [y, g.const(layer.name + "/shift", _broadcast(shift, axes, rank))],
                layer.name)


def _layer_norm(g, layer, xs, ins, out):
    if layer.rms_scaling:
        raise _unsupported(layer, "`rms_scaling=True` is not exported yet")
    rank, axes, name = len(ins[0].shape), list(layer._axes), layer.name
    mean = g.op("ReduceMean", [xs[0]], name + "/mean", axes=axes, keepdims=1)
    centered = g.op("Sub", [xs[0], mean], name + "/centered")
    square = g.op("Mul", [centered, centered], name + "/square")
    variance = g.op("ReduceMean", [square], name + "/variance", axes=axes, keepdims=1)
    std = g.op("Sqrt", [g.op("Add", [variance, g.const(name + "/epsilon", layer.epsilon)],
                             name + "/var_eps")], name + "/std")
    y = g.op("Div", [centered, std], name + "/normalized")
    if layer.gamma is not None:
        gamma = _broadcast(_host(layer.gamma), axes, rank)
        y = g.op("Mul", [y, g.const(name + "/gamma", gamma)], name + "/scaled")
    if layer.beta is not None:
        beta = _broadcast(_host(layer.beta), axes, rank)
        y = g.op("Add", [y, g.const(name + "/beta", beta)], name)
    return y


def _embedding(g, layer, xs, ins, out):
    indices = g.op("Cast", [xs[0]], layer.name + "/indices", to=7)  # TensorProto.INT64
    return g.op("Gather", [g.weight(layer, layer.embeddings, "embeddings"), indices],
                layer.name, axis=0)


# merging -------------------------------------------------------------------------------
def _merge(op_type: str):
    def convert(g, layer, xs, ins, out):
        return g.op(op_type, xs, layer.name)
    return convert


def _multiply(g, layer, xs, ins, out):
    """ONNX's Mul is binary, so several inputs become a chain."""
    y = xs[0]
    for i, x in enumerate(xs[1:]):
        y = g.op("Mul", [y, x], layer.name if i == len(xs) - 2 else f"{layer.name}/mul")
    return y


def _subtract(g, layer, xs, ins, out):
    return g.op("Sub", xs, layer.name)


def _concatenate(g, layer, xs, ins, out):
    return g.op("Concat", xs, layer.name, axis=int(layer.axis))


CONVERTERS = {
    "Dense": _dense, "Activation": _activation, "Dropout": _identity,
    "SpatialDropout1D": _identity, "SpatialDropout2D": _identity,
    "SpatialDropout3D": _identity, "GaussianNoise": _identity, "GaussianDropout": _identity,
    "AlphaDropout": _identity, "Identity": _identity, "ActivityRegularization": _identity,
    "Flatten": _flatten, "Reshape": _reshape, "Permute": _permute,
    "ReLU": _relu_layer, "LeakyReLU": _leaky_relu, "ELU": _elu_layer,
    "Softmax": _softmax_layer,
    "Conv1D": _conv, "Conv2D": _conv, "Conv3D": _conv,
    "MaxPooling1D": _pool("MaxPool"), "MaxPooling2D": _pool("MaxPool"),
    "MaxPooling3D": _pool("MaxPool"), "AveragePooling1D": _pool("AveragePool"),
    "AveragePooling2D": _pool("AveragePool"), "AveragePooling3D": _pool("AveragePool"),
    "GlobalAveragePooling1D": _global_pool("ReduceMean"),
    "GlobalAveragePooling2D": _global_pool("ReduceMean"),
    "GlobalAveragePooling3D": _global_pool("ReduceMean"),
    "GlobalMaxPooling1D": _global_pool("ReduceMax"),
    "GlobalMaxPooling2D": _global_pool("ReduceMax"),
    "GlobalMaxPooling3D": _global_pool("ReduceMax"),
    "BatchNormalization": _batch_norm, "LayerNormalization": _layer_norm,
    "Embedding": _embedding,
    "Add": _merge("Sum"), "Multiply": _multiply, "Average": _merge("Mean"),
    "Maximum": _merge("Max"), "Minimum": _merge("Min"), "Subtract": _subtract,
    "Concatenate": _concatenate,
    **CONV_CONVERTERS, **RECURRENT_CONVERTERS,
}


def convert_layer(g, layer, in_names: list[str], in_tensors, out_tensor) -> str:
    """The ONNX output name of ``layer`` applied to ``in_names``; raises for unknown layers."""
    converter = CONVERTERS.get(type(layer).__name__)
    if converter is None:
        raise _unsupported(layer)
    return converter(g, layer, in_names, in_tensors, out_tensor)
