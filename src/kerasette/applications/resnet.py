"""ResNet50, ResNet101 and ResNet152 (He et al., 2015), with Keras's layer names.

The v1 bottleneck network: a 7x7 stride-2 stem and four stacks of residual blocks
(1x1 -> 3x3 -> 1x1 convolutions, each followed by BatchNormalization), the first block of
each stack with a projection shortcut. ResNet50 has 25,636,712 parameters with the top
and 23,587,712 without. Layer names are Keras's (``conv1_conv``, ``conv2_block1_0_conv``,
``conv5_block3_out``, ``avg_pool``, ``predictions``), so Keras's weights files load.
"""

from __future__ import annotations

import h5py

from .. import layers
from ..models import Model
from ..saving.hdf5 import open_for_reading, read_attribute
from .imagenet_utils import check_weights, load_weights, model_input, preprocess_input

__all__ = ["ResNet50", "ResNet101", "ResNet152", "preprocess_input"]

_BN_EPSILON = 1.001e-5  # Keras's ResNets use this, not BatchNormalization's 1e-3
_STACK_FILTERS = (64, 128, 256, 512)


def _block(x, filters: int, stride: int, projection: bool, name: str):
    """One bottleneck block: ``relu(shortcut + bn(conv1x1(relu(bn(conv3x3(relu(bn(
    conv1x1(x)))))))))``; the shortcut is ``x`` or a strided 1x1 projection of it."""
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=3, epsilon=_BN_EPSILON,
                                             name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_BN_EPSILON, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_BN_EPSILON, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_BN_EPSILON, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _stack(x, filters: int, blocks: int, stride: int, name: str):
    """``blocks`` bottleneck blocks; the first projects (and strides), the rest add ``x``."""
    x = _block(x, filters, stride, True, f"{name}_block1")
    for index in range(2, blocks + 1):
        x = _block(x, filters, 1, False, f"{name}_block{index}")
    return x


def _stem(x):
    """7x7 stride-2 convolution, BatchNormalization, ReLU, 3x3 stride-2 max pooling."""
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(x)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def build_resnet(blocks_per_stack, name: str, include_top=True, weights="imagenet",
                 input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax") -> Model:
    """The stem, four stacks of ``blocks_per_stack`` blocks, then (``include_top``)
    global average pooling and the classifier, or (``pooling``) a global pooling."""
    title = {"resnet50": "ResNet50", "resnet101": "ResNet101",
             "resnet152": "ResNet152"}.get(name, name)
    check_weights(weights, include_top, classes, title)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{title}: `pooling` must be None, 'avg' or 'max'; received "
                         f"pooling={pooling!r}.")
    x, inputs = model_input(input_tensor, input_shape, include_top, weights, title)
    x = _stem(x)
    for stack, (filters, blocks) in enumerate(zip(_STACK_FILTERS, blocks_per_stack), 2):
        x = _stack(x, filters, blocks, 1 if stack == 2 else 2, f"conv{stack}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(inputs, x, name=name)
    _load_weights(model, weights, title)
    return model


def _load_weights(model: Model, weights, title: str) -> None:
    """By name when the file holds every weighted layer of the model (the layer names are
    Keras's, so any file written from a Keras ResNet matches whatever its layer order);
    otherwise in topological order, as for any other Keras weights file."""
    if weights is None or weights == "imagenet":
        load_weights(model, weights, title)  # nothing, or the clear offline error
        return
    wanted = {layer.name for layer in model.layers if layer.weights}
    model.load_weights(weights, by_name=wanted <= _stored_layer_names(weights))


def _stored_layer_names(path) -> set[str]:
    """The layer names a legacy Keras HDF5 weights or model file lists (else empty)."""
    with open_for_reading(path) as f:
        group = f.get("model_weights", f)
        if not isinstance(group, h5py.Group):
            return set()
        return set(read_attribute(group, "layer_names") or [])


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """The ResNet50 architecture, with Keras's layer names and arguments.

    Args:
        include_top: end with global average pooling (``avg_pool``) and the
            ``classes``-way classifier ``predictions`` (default True).
        weights: ``None`` (random initialization) or the path to a local Keras weights
            file such as ``resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5``; the
            default ``"imagenet"`` needs a download and raises a clear error offline.
        input_tensor: optional ``keras.Input`` tensor (or a layer output) to start from.
        input_shape: ``(height, width, 3)``, default ``(224, 224, 3)``; each side at
            least 32; free sizes (``None``) need ``include_top=False``.
        pooling: with ``include_top=False``, ``None`` (the 4-D output of the last block,
            2048 channels), ``"avg"`` or ``"max"``.
        classes: the classifier's size with ``include_top`` (default 1000).
        classifier_activation: the classifier's activation (default ``"softmax"``).

    Returns:
        A functional ``keras.Model``. Preprocess images with
        ``keras.applications.resnet.preprocess_input`` (RGB -> BGR, ImageNet channel
        means subtracted, no scaling).

    Example:
        >>> base = ResNet50(weights=None, include_top=False, pooling="avg")
    """
    return build_resnet((3, 4, 6, 3), name, include_top, weights, input_tensor, input_shape,
                        pooling, classes, classifier_activation)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101 (44,707,176 parameters with the top): the arguments of ``ResNet50``."""
    return build_resnet((3, 4, 23, 3), name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152 (60,419,944 parameters with the top): the arguments of ``ResNet50``."""
    return build_resnet((3, 8, 36, 3), name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation)
