"""What the ImageNet architectures share: input checks, weights, caffe preprocessing."""

from __future__ import annotations

import os

import numpy as np

from .. import backend, ops
from ..autograd import Tensor
from ..layers import Input, InputLayer, KerasTensor

__all__ = ["preprocess_input", "check_weights", "model_input", "load_weights"]

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def preprocess_input(x, data_format=None):
    """Keras's ``"caffe"`` preprocessing: RGB -> BGR, then the ImageNet channel means
    ``(103.939, 116.779, 123.68)`` subtracted, without scaling.

    Args:
        x: images with values in ``[0, 255]``, a NumPy array or a Tensor, channels last
            (``data_format="channels_first"`` for channels first).

    Returns:
        A new float array (or Tensor) of the same shape; ``x`` is left unchanged.
    """
    channel_axis = 1 if data_format == "channels_first" else -1
    shape = [1] * np.ndim(x)
    shape[channel_axis] = 3
    mean = np.asarray(CAFFE_MEAN_BGR).reshape(shape)
    if isinstance(x, Tensor):
        dtype = x.dtype if x.dtype.kind == "f" else backend.floatx()
        key = [slice(None)] * x.ndim
        key[channel_axis] = slice(None, None, -1)
        flipped = ops.getitem(ops.cast(x, dtype), tuple(key))
        return ops.subtract(flipped, backend.to_device(mean, dtype=dtype))
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(backend.floatx())
    flipped = np.flip(x.astype(dtype, copy=False), axis=channel_axis)
    return flipped - mean.astype(dtype)


def check_weights(weights, include_top: bool, classes: int, model: str) -> None:
    """``None``, ``"imagenet"`` or an existing file; ImageNet weights need 1000 classes."""
    if weights is not None and weights != "imagenet" and not os.path.exists(weights):
        raise ValueError(
            f"{model}: the `weights` argument should be either `None` (random "
            f"initialization), 'imagenet' (pre-training on ImageNet), or the path to a "
            f"weights file to be loaded; the file {weights!r} does not exist.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model}: with weights='imagenet' and include_top=True, `classes` "
                         f"must be 1000; received classes={classes}.")


def _input_shape(input_shape, include_top: bool, weights, model: str) -> tuple:
    """Keras's rules: 224x224x3 by default; at least 32x32; fixed with the top."""
    default = (224, 224, 3)
    if input_shape is None:
        return default if include_top else (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"{model}: `input_shape` must be (height, width, channels); "
                         f"received input_shape={input_shape}.")
    if include_top and weights == "imagenet" and input_shape != default:
        raise ValueError(f"{model}: with include_top=True and weights='imagenet', "
                         f"`input_shape` must be {default}; received {input_shape}.")
    if weights == "imagenet" and input_shape[-1] != 3:
        raise ValueError(f"{model}: ImageNet weights need 3 input channels; received "
                         f"input_shape={input_shape}.")
    if any(n is not None and n < 32 for n in input_shape[:2]):
        raise ValueError(f"{model}: input height and width must be at least 32; received "
                         f"input_shape={input_shape}.")
    if include_top and None in input_shape:
        raise ValueError(f"{model}: with include_top=True the input shape must be fully "
                         f"known (the classifier flattens it); received {input_shape}. "
                         f"Pass include_top=False for variable sizes.")
    return input_shape


def model_input(input_tensor, input_shape, include_top: bool, weights, model: str):
    """``(the tensor the layers start from, the model's inputs)``."""
    shape = _input_shape(input_shape, include_top, weights, model)
    if input_tensor is None:
        tensor = Input(shape=shape)
        return tensor, tensor
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError(f"{model}: `input_tensor` must be a symbolic tensor from "
                         f"keras.Input (or a layer applied to one); received "
                         f"{type(input_tensor).__name__}.")
    return input_tensor, _source_inputs(input_tensor)


def _source_inputs(tensor: KerasTensor):
    """The ``keras.Input`` tensors that ``tensor`` was computed from."""
    found, stack, seen = [], [tensor], set()
    while stack:
        current = stack.pop()
        layer, node_index, _ = current._keras_history
        if isinstance(layer, InputLayer):
            if id(current) not in seen:
                seen.add(id(current))
                found.append(current)
            continue
        stack.extend(layer._inbound_nodes[node_index].input_tensors)
    return found[0] if len(found) == 1 else found


def load_weights(model, weights, model_name: str) -> None:
    """Loads a local Keras weights file; ImageNet downloads are not available."""
    if weights is None:
        return
    if weights == "imagenet":
        raise ValueError(
            f"{model_name}: downloading the ImageNet weights is not supported; kerasette "
            f"works offline. Pass weights=None for random weights, or the path to a local "
            f"Keras weights file, e.g. 'vgg16_weights_tf_dim_ordering_tf_kernels.h5' "
            f"(or its '_notop' variant with include_top=False).")
    model.load_weights(weights)
