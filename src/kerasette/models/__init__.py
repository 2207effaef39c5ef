"""Floor 5: ``Input``, functional ``Model``, ``Sequential``, the fit loop and ``summary``."""

from ..layers import Input, InputLayer
from .functional import Functional
from .model import Model
from .sequential import Sequential

__all__ = ["Input", "InputLayer", "Model", "Functional", "Sequential"]
