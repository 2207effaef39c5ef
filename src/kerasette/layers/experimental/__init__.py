"""Keras 2 path ``keras.layers.experimental``: where TF 2.3-2.5 era code found the
preprocessing layers (``keras.layers.experimental.preprocessing.TextVectorization``)."""

from . import preprocessing

__all__ = ["preprocessing"]
