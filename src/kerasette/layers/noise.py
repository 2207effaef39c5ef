"""Keras 2 path ``keras.layers.noise``: re-exports of ``kerasette.layers``.

Keras 2's ``AlphaDropout`` has no kerasette counterpart.
"""

from .regularization import GaussianDropout, GaussianNoise

__all__ = ["GaussianNoise", "GaussianDropout"]
