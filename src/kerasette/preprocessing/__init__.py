"""Floor 7: data preprocessing outside the model (Keras 2's ``keras.preprocessing``).

Submodules load on first use: ``preprocessing.image`` (``ImageDataGenerator`` and image
files), and the sequence and text helpers where present.
"""

from __future__ import annotations

import importlib

_SUBMODULES = ("image", "sequence", "text")

__all__ = list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'kerasette.preprocessing' has no attribute {name!r}")
