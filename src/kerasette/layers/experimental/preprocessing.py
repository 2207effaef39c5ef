"""Keras 2 path ``keras.layers.experimental.preprocessing``: re-exports of
``kerasette.layers``.

Keras 2's ``CategoryEncoding``, ``Discretization``, ``Hashing``, ``RandomHeight`` and
``RandomWidth`` have no kerasette counterpart yet.
"""

from ..feature_normalization import Normalization
from ..image_augmentation import CenterCrop, RandomContrast, RandomCrop, RandomFlip, Resizing
from ..image_transforms import RandomRotation, RandomTranslation, RandomZoom
from ..index_lookup import IntegerLookup, StringLookup
from ..preprocessing import Rescaling
from ..text_vectorization import TextVectorization

__all__ = ["Normalization", "CenterCrop", "RandomContrast", "RandomCrop", "RandomFlip",
           "Resizing", "RandomRotation", "RandomTranslation", "RandomZoom", "IntegerLookup",
           "StringLookup", "Rescaling", "TextVectorization"]
