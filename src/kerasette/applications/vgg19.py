"""VGG19: 16 convolutions and 3 dense layers (143,667,240 parameters with the top)."""

from __future__ import annotations

from .imagenet_utils import preprocess_input
from .vgg import build_vgg

__all__ = ["VGG19", "preprocess_input"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """The VGG19 architecture, with Keras's layer names and arguments; the arguments
    are those of ``VGG16`` (``weights`` a local ``vgg19_weights_...h5`` file or None).

    Example:
        >>> base = VGG19(weights=None, include_top=False, pooling="avg")
    """
    return build_vgg((2, 2, 4, 4, 4), name, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation)
