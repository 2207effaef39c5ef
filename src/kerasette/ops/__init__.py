"""Floor 2, and the public ``kerasette.ops``: differentiable, NumPy-like functions.

Each op takes Tensors, backend arrays or Python values and returns a Tensor. This module
also gives ``Tensor`` its operators (``+``, ``@``, ``[]``, ...), so the engine below stays
free of any op.
"""

from ..autograd import Tensor
from .math import *  # noqa: F401,F403
from .math import __all__ as _math_all
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn_all
from .reduce import *  # noqa: F401,F403
from .reduce import __all__ as _reduce_all
from .shape import *  # noqa: F401,F403
from .shape import __all__ as _shape_all
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv_all
from .pooling import *  # noqa: F401,F403
from .pooling import __all__ as _pooling_all
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _normalization_all
from .creation import *  # noqa: F401,F403
from .creation import __all__ as _creation_all
from .extra import *  # noqa: F401,F403
from .extra import __all__ as _extra_all
from . import math as _m, reduce as _r, shape as _s
from . import recurrent  # noqa: F401  (ops.recurrent.lstm / gru / simple_rnn / embedding)

__all__ = (_math_all + _nn_all + _reduce_all + _shape_all + _conv_all + _pooling_all
           + _normalization_all + _creation_all + _extra_all + ["shape"])


def shape(x) -> tuple:
    """The shape of ``x`` as a tuple (``None`` for the unknown sizes of a symbolic
    tensor), as Keras 3's ``keras.ops.shape``. Defined here, after the imports above, so
    that ``ops.shape`` is this function rather than the ``ops/shape.py`` module."""
    return tuple(x.shape) if hasattr(x, "shape") else tuple(_m.convert_to_tensor(x).shape)


def _reflected(op):
    return lambda self, other: op(other, self)


def _bind_operators() -> None:
    ops = {
        "__add__": _m.add, "__radd__": _reflected(_m.add),
        "__sub__": _m.subtract, "__rsub__": _reflected(_m.subtract),
        "__mul__": _m.multiply, "__rmul__": _reflected(_m.multiply),
        "__truediv__": _m.divide, "__rtruediv__": _reflected(_m.divide),
        "__pow__": _m.power, "__rpow__": _reflected(_m.power),
        "__matmul__": _m.matmul, "__rmatmul__": _reflected(_m.matmul),
        "__neg__": _m.negative, "__abs__": _m.abs, "__getitem__": _s.getitem,
        "__eq__": _m.equal, "__ne__": _m.not_equal, "__lt__": _m.less,
        "__le__": _m.less_equal, "__gt__": _m.greater, "__ge__": _m.greater_equal,
        "reshape": lambda self, *shape: _s.reshape(
            self, shape[0] if len(shape) == 1 else shape),
        "transpose": lambda self, *axes: _s.transpose(self, axes or None),
        "sum": _r.sum, "mean": _r.mean, "max": _r.max, "min": _r.min,
        "astype": _m.cast,
    }
    for name, fn in ops.items():
        setattr(Tensor, name, fn)
    Tensor.__hash__ = object.__hash__  # __eq__ is elementwise, identity stays hashable
    Tensor.T = property(lambda self: _s.transpose(self))


_bind_operators()
