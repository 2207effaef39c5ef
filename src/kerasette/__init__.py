"""kerasette: the Keras API on NumPy (CPU) and CuPy (NVIDIA GPU) arrays.

>>> import kerasette as keras
>>> model = keras.Sequential([keras.Input((13,)), keras.layers.Dense(16, activation="tanh"),
...                           keras.layers.Dense(1)])

Submodules load on first use, so ``import kerasette`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "activations", "applications", "autograd", "backend", "callbacks", "config",
    "constraints", "datasets", "engine", "initializers", "layers", "losses", "metrics",
    "models", "objectives", "ops", "optimizers", "preprocessing", "random", "regularizers",
    "saving", "utils", "wrappers",
}
_ATTRIBUTES = {
    "Input": "models", "Model": "models", "Sequential": "models", "GradientTape": "autograd",
    "Variable": "autograd", "Tensor": "autograd", "Layer": "layers",
}

__all__ = sorted(_SUBMODULES | set(_ATTRIBUTES)) + ["__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
    elif name in _ATTRIBUTES:
        module = getattr(importlib.import_module(f"{__name__}.{_ATTRIBUTES[name]}"), name)
    else:
        raise AttributeError(f"module 'kerasette' has no attribute {name!r}")
    globals()[name] = module
    return module


def __dir__():
    return __all__
