"""Keras 2 path ``keras.engine.topology``: re-exports of kerasette's graph classes.

Keras 2 kept ``Model`` in ``keras.engine.training``, not here; its ``Network`` /
``Container`` and ``get_source_inputs`` have no kerasette counterpart.
"""

from ..layers.base import InputSpec, Layer
from ..layers.input_layer import Input, InputLayer
from ..layers.symbolic import Node

__all__ = ["Layer", "Node", "InputSpec", "Input", "InputLayer"]
