"""Losses: functions of per-sample losses, ``Loss`` classes, and look-up by name.

``model.compile(loss="mse")``, ``loss=keras.losses.mean_squared_error`` and
``loss=keras.losses.MeanSquaredError()`` all resolve here through ``get``.
"""

from __future__ import annotations

import inspect

from ..naming import lookup, serialize_object
from .classes import *  # noqa: F401,F403
from .classes import __all__ as _classes_all
from .functions import *  # noqa: F401,F403
from .functions import __all__ as _functions_all
from .loss import (Loss, LossFunctionWrapper, apply_mask, reduce_weighted_values,  # noqa: F401
                   squeeze_or_expand_to_same_rank, standardize_reduction)
from . import classes as _classes, functions as _functions

# Keras 2 and Keras 3 short names.
mse = MSE = _functions.mean_squared_error
mae = MAE = _functions.mean_absolute_error
mape = MAPE = _functions.mean_absolute_percentage_error
msle = MSLE = _functions.mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = _functions.kl_divergence
logcosh = _functions.log_cosh
bce = BCE = _functions.binary_crossentropy
_ALIASES = ["mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD",
            "kullback_leibler_divergence", "logcosh", "bce", "BCE"]

__all__ = (["Loss", "LossFunctionWrapper", "get", "serialize", "deserialize",
            "reduce_weighted_values", "squeeze_or_expand_to_same_rank"]
           + _classes_all + [n for n in _functions_all if n != "l2_normalize"] + _ALIASES)

ALL: dict = {name: getattr(_functions, name) for name in _functions_all
             if name != "l2_normalize"}
ALL.update({name: globals()[name] for name in _ALIASES})
ALL.update({name: getattr(_classes, name) for name in _classes_all})
ALL.update({"Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper})


def get(identifier):
    """The loss for an identifier: a name, a config dict, a callable or a ``Loss`` object.

    A function name (``"mse"``, ``"categorical_crossentropy"``) gives the function; a
    class name (``"MeanSquaredError"``) or a config dict gives a ``Loss`` instance;
    callables and instances pass through. ``None`` gives ``None``.

    Raises:
        ValueError: for an unknown name, naming it.
    """
    if identifier is None:
        return None
    found = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if inspect.isclass(found):
        found = found()
    if not callable(found):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Expected "
                         f"a loss name, a config dict, a callable or a Loss instance.")
    return found


def serialize(loss):
    """The Keras config of a loss: the name of a function, or a class config dict."""
    return serialize_object(loss)


def deserialize(config, custom_objects=None):
    """The loss for a name or a ``{"class_name", "config"}`` dict (see ``get``)."""
    found = lookup(config, ALL, "loss", custom_objects)
    if inspect.isclass(found):
        found = found()
    return found
