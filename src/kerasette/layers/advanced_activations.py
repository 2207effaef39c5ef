"""Keras 2 path ``keras.layers.advanced_activations``: re-exports of ``kerasette.layers``.

Keras 2's ``ThresholdedReLU`` has no kerasette counterpart.
"""

from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax

__all__ = ["LeakyReLU", "PReLU", "ELU", "Softmax", "ReLU"]
