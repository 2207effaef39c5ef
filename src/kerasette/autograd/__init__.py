"""Floor 1: the reverse-mode autograd engine."""

from .engine import (Tensor, as_array, enable_grad, gradients, is_grad_enabled, no_grad,
                     record, unbroadcast)
from .tape import GradientTape
from .variable import Variable

__all__ = ["Tensor", "Variable", "GradientTape", "record", "gradients", "no_grad",
           "enable_grad", "is_grad_enabled", "unbroadcast", "as_array"]
