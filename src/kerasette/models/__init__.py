"""Floor 5: ``Input``, functional ``Model``, ``Sequential``, the fit loop and ``summary``."""

from ..layers import Input, InputLayer
from .functional import Functional
from .model import Model
from .sequential import Sequential

__all__ = ["Input", "InputLayer", "Model", "Functional", "Sequential", "load_model",
           "save_model", "model_from_json", "clone_model"]

_FROM_SAVING = {"load_model", "save_model", "model_from_json", "clone_model"}


def __getattr__(name: str):
    """``models.load_model`` and friends live in ``kerasette.saving`` (a floor above)."""
    if name in _FROM_SAVING:
        from .. import saving

        return getattr(saving, name)
    raise AttributeError(f"module 'kerasette.models' has no attribute {name!r}")
