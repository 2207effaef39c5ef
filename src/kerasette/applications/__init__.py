"""Floor 7: well-known architectures (Keras's ``keras.applications``).

``VGG16`` and ``VGG19`` build the published architectures with Keras's layer names, so a
Keras weights file (``.h5``) loads into them; ``weights=None`` gives random weights.
Each family module has its ``preprocess_input``: ``applications.vgg16.preprocess_input``.
"""

from . import vgg16, vgg19
from .vgg16 import VGG16
from .vgg19 import VGG19

__all__ = ["VGG16", "VGG19", "vgg16", "vgg19"]
