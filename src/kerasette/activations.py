"""Activation functions by name: ``Dense(64, activation="relu")`` resolves here.

Each function takes a Tensor and returns a Tensor; the math lives in ``kerasette.ops``.
"""

from __future__ import annotations

from . import ops
from .naming import lookup

__all__ = ["get", "serialize", "deserialize", "linear", "relu", "relu6", "leaky_relu",
           "sigmoid", "hard_sigmoid", "hard_silu", "hard_swish", "tanh", "softmax",
           "log_softmax", "softplus", "softsign", "elu", "selu", "gelu", "silu", "swish",
           "exponential", "mish", "log_sigmoid", "legacy_hard_sigmoid"]

linear = ops.linear
relu = ops.relu
relu6 = ops.relu6
leaky_relu = ops.leaky_relu
sigmoid = ops.sigmoid
hard_sigmoid = ops.hard_sigmoid
hard_silu = hard_swish = ops.hard_silu
tanh = ops.tanh
softmax = ops.softmax
log_softmax = ops.log_softmax
softplus = ops.softplus
softsign = ops.softsign
elu = ops.elu
selu = ops.selu
silu = swish = ops.silu
exponential = ops.exponential
mish = ops.mish
log_sigmoid = ops.log_sigmoid


def legacy_hard_sigmoid(x):
    """Keras 1 and 2's ``hard_sigmoid``: ``clip(0.2 * x + 0.5, 0, 1)``.

    Models loaded from Keras 2 files use it where they say ``hard_sigmoid`` (Keras 3
    redefined that name as ``relu6(x + 3) / 6``).
    """
    return ops.clip(ops.convert_to_tensor(x) * 0.2 + 0.5, 0.0, 1.0)


def gelu(x, approximate: bool = False):
    """Gaussian error linear unit, exact by default: ``0.5 * x * (1 + erf(x / sqrt(2)))``.

    Args:
        x: the input tensor.
        approximate: use the tanh approximation (default ``False``, as in Keras;
            ``kerasette.ops.gelu`` defaults to ``True``, as ``keras.ops.gelu`` does).
    """
    return ops.gelu(x, approximate=approximate)


ALL = {
    "linear": linear, "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu,
    "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid, "hard_silu": hard_silu,
    "hard_swish": hard_silu, "tanh": tanh, "softmax": softmax, "log_softmax": log_softmax,
    "softplus": softplus, "softsign": softsign, "elu": elu, "selu": selu, "gelu": gelu,
    "silu": silu, "swish": silu, "exponential": exponential, "mish": mish,
    "log_sigmoid": log_sigmoid, "legacy_hard_sigmoid": legacy_hard_sigmoid,
}
_NAMES = {fn: name for name, fn in ALL.items() if name not in ("swish", "hard_swish")}


def get(identifier):
    """The activation function for a name, a callable, or ``None`` (which means linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = _name_in_config(identifier)
    found = lookup(identifier, ALL, "activation function")
    if not callable(found):
        raise ValueError(f"Could not interpret activation function identifier: "
                         f"{identifier!r}. Expected a name or a callable.")
    return found


def _name_in_config(config: dict):
    """The name in a serialized activation: Keras 3 keeps it in ``config`` as a string."""
    inner = config.get("config")
    if isinstance(inner, str):
        return inner
    if isinstance(inner, dict) and "name" in inner:
        return inner["name"]
    return config.get("registered_name") or config.get("class_name")


def serialize(activation) -> str:
    """The Keras name of an activation function (user functions by their ``__name__``)."""
    return _NAMES.get(activation, getattr(activation, "__name__", str(activation)))


def deserialize(name, custom_objects=None):
    return lookup(name, ALL, "activation function", custom_objects)
