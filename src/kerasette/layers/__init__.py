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
