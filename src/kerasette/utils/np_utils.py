"""Keras 2 path ``keras.utils.np_utils``: re-exports of ``kerasette.utils``."""

from .numerical import normalize, to_categorical

__all__ = ["to_categorical", "normalize"]
