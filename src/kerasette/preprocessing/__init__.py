"""Floor 7: data preprocessing outside the model (Keras 2's ``keras.preprocessing``).

Submodules load on first use: ``preprocessing.image`` (``ImageDataGenerator`` and image
files), and the sequence and text helpers where present. ``timeseries_dataset_from_array``
is tf.keras's alias of ``kerasette.utils.timeseries_dataset_from_array``.
"""

from __future__ import annotations

import importlib

_SUBMODULES = ("image", "sequence", "text")

__all__ = [*_SUBMODULES, "timeseries_dataset_from_array"]


def __getattr__(name: str):
    if name == "timeseries_dataset_from_array":
        from ..utils import timeseries_dataset_from_array

        return timeseries_dataset_from_array
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'kerasette.preprocessing' has no attribute {name!r}")
