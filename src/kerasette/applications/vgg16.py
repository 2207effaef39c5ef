"""VGG16: 13 convolutions and 3 dense layers (138,357,544 parameters with the top)."""

from __future__ import annotations

from .imagenet_utils import preprocess_input
from .vgg import build_vgg

__all__ = ["VGG16", "preprocess_input"]


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """The VGG16 architecture, with Keras's layer names and arguments.

    Args:
        include_top: keep the three dense layers at the top (default True).
        weights: ``None`` (random initialization) or the path to a local Keras weights
            file such as ``vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5``; the
            default ``"imagenet"`` needs a download and raises a clear error offline.
        input_tensor: optional ``keras.Input`` tensor (or a layer output) to start from.
        input_shape: ``(height, width, channels)``, default ``(224, 224, 3)``; each side
            at least 32; free sizes (``None``) need ``include_top=False``.
        pooling: with ``include_top=False``, ``None`` (4-D output), ``"avg"`` or ``"max"``.
        classes: the classifier's size with ``include_top`` (default 1000).
        classifier_activation: the classifier's activation (default ``"softmax"``).

    Returns:
        A functional ``keras.Model``. Preprocess images with
        ``keras.applications.vgg16.preprocess_input``.

    Example:
        >>> base = VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    """
    return build_vgg((2, 2, 3, 3, 3), name, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation)
