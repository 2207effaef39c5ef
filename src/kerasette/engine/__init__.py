"""Keras 2 path ``keras.engine``: re-exports of kerasette's layer and model classes."""

from ..layers.base import InputSpec, Layer
from ..layers.input_layer import Input, InputLayer
from ..models import Model

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Model"]

from . import topology  # noqa: E402  (keras.engine.topology, as Keras 2 spelled it)
