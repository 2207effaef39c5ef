"""Floor 4: layers. ``Layer`` is the contract; one module per family re-exported here."""

from __future__ import annotations

from ..naming import lookup
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .base import InputSpec, Layer
from .core import (Activation, Dense, Dropout, Flatten, Identity, Lambda, Masking, Permute,
                   RepeatVector, Reshape)
from .input_layer import Input, InputLayer
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
                      add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from .symbolic import KerasTensor

ALL: dict[str, type] = {
    cls.__name__: cls for cls in (
        InputLayer, Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
        Lambda, Identity, Masking, ReLU, LeakyReLU, PReLU, ELU, Softmax, Add, Subtract,
        Multiply, Average, Maximum, Minimum, Concatenate, Dot)
}

# Vision: convolution, pooling, normalization, reshaping, noise, rescaling.
from . import convolutional as _convolutional  # noqa: E402
from . import normalization as _normalization  # noqa: E402
from . import pooling as _pooling  # noqa: E402
from . import preprocessing as _preprocessing  # noqa: E402
from . import regularization as _regularization  # noqa: E402
from . import reshaping as _reshaping  # noqa: E402
from .convolutional import *  # noqa: E402,F401,F403
from .normalization import *  # noqa: E402,F401,F403
from .pooling import *  # noqa: E402,F401,F403
from .preprocessing import *  # noqa: E402,F401,F403
from .regularization import *  # noqa: E402,F401,F403
from .reshaping import *  # noqa: E402,F401,F403

for _module in (_convolutional, _normalization, _pooling, _preprocessing, _regularization,
                _reshaping):
    ALL.update({name: getattr(_module, name) for name in _module.__all__})

# Sequences: embedding, recurrent cells and layers, wrappers.
from . import embedding as _embedding  # noqa: E402
from . import recurrent as _recurrent  # noqa: E402
from . import rnn_cells as _rnn_cells  # noqa: E402
from . import wrappers as _wrappers  # noqa: E402
from .embedding import *  # noqa: E402,F401,F403
from .recurrent import *  # noqa: E402,F401,F403
from .rnn_cells import *  # noqa: E402,F401,F403
from .wrappers import *  # noqa: E402,F401,F403

for _module in (_embedding, _recurrent, _rnn_cells, _wrappers):
    ALL.update({name: getattr(_module, name) for name in _module.__all__})

# Attention, group normalization, and the op nodes of symbolic arithmetic (x * 2 + y).
from . import attention as _attention  # noqa: E402
from . import group_normalization as _group_normalization  # noqa: E402
from . import operation as _operation  # noqa: E402
from .attention import *  # noqa: E402,F401,F403
from .group_normalization import *  # noqa: E402,F401,F403
from .operation import *  # noqa: E402,F401,F403

for _module in (_attention, _group_normalization, _operation):
    ALL.update({name: getattr(_module, name) for name in _module.__all__})

# Image resizing, cropping and augmentation (Resizing, RandomFlip, ...).
from . import image_augmentation as _image_augmentation  # noqa: E402
from .image_augmentation import *  # noqa: E402,F401,F403

ALL.update({name: getattr(_image_augmentation, name) for name in _image_augmentation.__all__})

# Preprocessing that learns from data with adapt() (Normalization, lookups, text), and
# geometric augmentation.
from . import feature_normalization as _feature_normalization  # noqa: E402
from . import image_transforms as _image_transforms  # noqa: E402
from . import index_lookup as _index_lookup  # noqa: E402
from . import text_vectorization as _text_vectorization  # noqa: E402
from .feature_normalization import *  # noqa: E402,F401,F403
from .image_transforms import *  # noqa: E402,F401,F403
from .index_lookup import *  # noqa: E402,F401,F403
from .text_vectorization import *  # noqa: E402,F401,F403

for _module in (_feature_normalization, _image_transforms, _index_lookup,
                _text_vectorization):
    ALL.update({name: getattr(_module, name) for name in _module.__all__})


def register(*classes: type) -> None:
    """Makes layer classes known to ``deserialize`` (used by each layer family module)."""
    for cls in classes:
        ALL[cls.__name__] = cls


def serialize(layer: Layer) -> dict:
    """A layer's Keras config: ``{"class_name": ..., "config": ...}``."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Builds a layer from ``serialize``'s output."""
    cls = lookup(config["class_name"], ALL, "layer", custom_objects)
    return cls.from_config(config["config"])


__all__ = sorted(ALL) + [
    "Input", "InputSpec", "Layer", "KerasTensor", "add", "subtract", "multiply", "average",
    "maximum", "minimum", "concatenate", "dot", "serialize", "deserialize", "register"]

# Keras 2's module paths (keras.layers.merge.add, ...): re-exports, loaded with the package.
from . import advanced_activations, embeddings, experimental, merge, noise  # noqa: E402
