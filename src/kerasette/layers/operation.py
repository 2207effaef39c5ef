"""``OpLayer``: one ``kerasette.ops`` function as a graph node, so that arithmetic on
symbolic tensors (``Dense(4)(x) * 2 + y``) builds a functional model that trains, prints
in ``summary()`` and saves.

The config names the op and holds only JSON values (numbers, slice descriptions), so a
saved model loads by class name, without ``custom_objects`` and without running stored
code.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..naming import unique_name
from .base import Layer

__all__ = ["OpLayer", "KerasOperation"]

# The ops a graph node may name: a loaded config can only pick from these.
OPS = ("add", "subtract", "multiply", "divide", "negative", "power", "abs", "getitem")


class OpLayer(Layer):
    """``ops.<op>(*operands)``, with the tensor operands as inputs and the constant ones
    stored in the config.

    Args:
        op: the name of the op, one of ``add``, ``subtract``, ``multiply``, ``divide``,
            ``negative``, ``power``, ``abs``, ``getitem``.
        constants: one entry per operand, in order: ``None`` where a tensor input goes,
            else a Python number (or, for ``getitem``'s key, its ``encode_key`` form).
            Default: every operand is a tensor input (``[None] * inputs``, unary: ``[None]``).

    Input shape: one tensor, or a list of tensors (one per ``None`` in ``constants``).
    Output shape: the op's result, e.g. the broadcast shape for ``add``.

    Example:
        >>> x = Input((3,))
        >>> y = x * 2 + 1  # two OpLayers: multiply, then add
    """

    def __init__(self, op: str, constants=None, **kwargs):
        if op not in OPS:
            raise ValueError(f"OpLayer: unknown op {op!r}. Expected one of {list(OPS)}.")
        kwargs["name"] = kwargs.get("name") or unique_name(op)
        super().__init__(**kwargs)
        constants = [None] if constants is None else list(constants)
        for value in constants:
            if op != "getitem" and not (value is None or _is_number(value)):
                raise TypeError(f"OpLayer '{self.name}' ({op}): a constant operand should be "
                                f"a Python number, received {type(value).__name__}: {value!r}.")
        self.op = op
        self.constants = [_plain(v) for v in constants] if op != "getitem" else constants
        self.supports_masking = True

    def call(self, inputs):
        tensors = iter(inputs if isinstance(inputs, (list, tuple)) else [inputs])
        if self.op == "getitem":
            return ops.getitem(next(tensors), decode_key(self.constants[1]))
        args = [next(tensors) if c is None else c for c in self.constants]
        return getattr(ops, self.op)(*args)

    def compute_output_spec(self, inputs, *args, **kwargs):
        # The shape trace runs on zeros, so `1 / x` would warn of a division by zero.
        with np.errstate(all="ignore"):
            return super().compute_output_spec(inputs, *args, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "op": self.op, "constants": list(self.constants)}


# Keras 3 writes the ops a functional graph calls directly (the mask logic it adds when a
# masked tensor meets attention, pooling or a merge; ``keras.ops`` calls on symbolic
# tensors) as entries of module ``keras.src.ops.*``: class name -> kerasette op, and the
# config keys that op takes as keyword arguments.
KERAS_OPERATIONS = {
    "NotEqual": ("not_equal", ()), "Equal": ("equal", ()), "Greater": ("greater", ()),
    "GreaterEqual": ("greater_equal", ()), "Less": ("less", ()),
    "LessEqual": ("less_equal", ()), "LogicalAnd": ("logical_and", ()),
    "LogicalOr": ("logical_or", ()), "LogicalNot": ("logical_not", ()),
    "Any": ("any", ("axis", "keepdims")), "All": ("all", ("axis", "keepdims")),
    "Cast": ("cast", ("dtype",)), "ConvertToTensor": ("convert_to_tensor", ("dtype",)),
    "ExpandDims": ("expand_dims", ("axis",)), "Squeeze": ("squeeze", ("axis",)),
    "Add": ("add", ()), "Subtract": ("subtract", ()), "Multiply": ("multiply", ()),
    "Divide": ("divide", ()), "TrueDivide": ("divide", ()), "Negative": ("negative", ()),
    "Maximum": ("maximum", ()), "Minimum": ("minimum", ()), "Where": ("where", ()),
}


class KerasOperation(Layer):
    """One op of a Keras 3 functional config (``module: keras.src.ops.numpy``, say
    ``NotEqual`` or ``LogicalOr``), rebuilt from its class name: it applies the matching
    ``kerasette.ops`` function to the call's arguments as the config recorded them.

    Args:
        keras_class: the op's Keras class name, a key of ``KERAS_OPERATIONS``.
        op_kwargs: the keyword arguments of the op (``dtype`` of ``Cast``, ``axis`` ...).
    """

    def __init__(self, keras_class: str, op_kwargs=None, **kwargs):
        if keras_class not in KERAS_OPERATIONS:
            raise ValueError(f"KerasOperation: Keras op {keras_class!r} has no kerasette "
                             f"counterpart yet; known: {sorted(KERAS_OPERATIONS)}.")
        kwargs["name"] = kwargs.get("name") or unique_name(KERAS_OPERATIONS[keras_class][0])
        super().__init__(**kwargs)
        self.keras_class, self.op_kwargs = keras_class, dict(op_kwargs or {})
        self.supports_masking = True

    @classmethod
    def from_keras(cls, class_name: str, config: dict) -> "KerasOperation":
        """From a Keras 3 op entry's class name and config."""
        keys = KERAS_OPERATIONS[class_name][1] if class_name in KERAS_OPERATIONS else ()
        return cls(class_name, {k: config[k] for k in keys if config.get(k) is not None},
                   name=config.get("name"))

    def call(self, *args):
        function = getattr(ops, KERAS_OPERATIONS[self.keras_class][0])
        return function(*args, **self.op_kwargs)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "keras_class": self.keras_class,
                "op_kwargs": dict(self.op_kwargs)}


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Number, np.number, np.bool_)) and not isinstance(
        value, np.ndarray)


def _plain(value):
    """A NumPy scalar as the Python number JSON can hold."""
    return value.item() if isinstance(value, (np.number, np.bool_)) else value


def encode_key(key):
    """A ``getitem`` key (int, slice, ``...``, ``None`` or a tuple of them) as JSON."""
    if isinstance(key, tuple):
        return {"tuple": [encode_key(k) for k in key]}
    if isinstance(key, slice):
        parts = [key.start, key.stop, key.step]
        if not all(p is None or isinstance(p, (int, np.integer)) for p in parts):
            raise TypeError(f"A symbolic tensor's slice takes ints or None, received {key}.")
        return {"slice": [None if p is None else int(p) for p in parts]}
    if key is Ellipsis:
        return {"ellipsis": True}
    if key is None:
        return {"newaxis": True}
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key)
    raise TypeError(f"A symbolic tensor takes int, slice, ..., None or a tuple of them as "
                    f"an index, received {type(key).__name__}: {key!r}. Use a layer (or "
                    f"ops.take inside a Lambda) for other indexing.")


def decode_key(encoded):
    """The inverse of ``encode_key``."""
    if isinstance(encoded, dict):
        if "tuple" in encoded:
            return tuple(decode_key(k) for k in encoded["tuple"])
        if "slice" in encoded:
            return slice(*encoded["slice"])
        return Ellipsis if "ellipsis" in encoded else None
    return int(encoded)
