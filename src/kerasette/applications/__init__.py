"""Floor 7: well-known architectures (Keras's ``keras.applications``).

``VGG16``, ``VGG19`` and ``ResNet50`` (``ResNet101``, ``ResNet152``) build the published
architectures with Keras's layer names, so a Keras weights file (``.h5``) loads into them;
``weights=None`` gives random weights.
Each family module has its ``preprocess_input``: ``applications.vgg16.preprocess_input``.
"""

from . import resnet, resnet50, vgg16, vgg19
from .resnet import ResNet50, ResNet101, ResNet152
from .vgg16 import VGG16
from .vgg19 import VGG19

__all__ = ["VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "resnet", "resnet50",
           "vgg16", "vgg19"]
