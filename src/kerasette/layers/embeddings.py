"""Keras 2 path ``keras.layers.embeddings``: re-exports of ``kerasette.layers``."""

from .embedding import Embedding

__all__ = ["Embedding"]
