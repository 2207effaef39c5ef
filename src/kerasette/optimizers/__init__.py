"""Optimizers: ``model.compile(optimizer="adam")`` or ``optimizer=Adam(1e-3)``.

Keras 3 semantics and defaults; the Keras 2 spellings ``lr=`` and ``decay=`` still work
(with a warning). ``get`` resolves names (any case), config dicts and instances.
"""

from __future__ import annotations

import re

from ..naming import custom_objects_in_force, lookup, unknown_identifier
from . import schedules
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "schedules", "get", "serialize", "deserialize"]

ALL = {cls.__name__: cls for cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax,
                                     Nadam)}
_BY_LOWER_NAME = {name.lower(): cls for name, cls in ALL.items()}


def serialize(optimizer: Optimizer) -> dict:
    """Keras 3's config dict: ``{"module", "class_name", "config", "registered_name"}``."""
    cls = type(optimizer)
    builtin = ALL.get(cls.__name__) is cls
    return {"module": "keras.optimizers" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": optimizer.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """Rebuilds an optimizer from ``serialize``'s dict, or Keras 2's ``{class_name, config}``.

    Class names match in any case, and tf.keras's prefixed forms (``"Custom>Adam"``,
    ``"keras.optimizers.legacy.Adam"``) resolve to the plain class.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer config: {config!r}. Expected a "
                         "dict with 'class_name' and 'config' keys.")
    name = config["class_name"]
    if name not in (custom_objects or {}):
        short = re.split(r"[>.]", name)[-1]
        name = _BY_LOWER_NAME[short.lower()].__name__ if short.lower() in _BY_LOWER_NAME else name
    found = lookup({**config, "class_name": name}, ALL, "optimizer", custom_objects)
    if not isinstance(found, Optimizer):
        raise ValueError(f"Could not interpret optimizer config: {config!r}; "
                         f"{name!r} is not an Optimizer.")
    return found


def get(identifier) -> Optimizer | None:
    """An optimizer from a name (``"adam"``, ``"SGD"``, any case), a config dict or an
    instance (returned as is). An unknown name raises ``ValueError`` naming it."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        known = {**_BY_LOWER_NAME, **custom_objects_in_force()}
        short = re.split(r"[>.]", identifier)[-1]
        if identifier not in known and short.lower() not in known:
            raise ValueError(unknown_identifier("optimizer", identifier, known))
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Expected a "
                     "name such as 'adam', a config dict or an Optimizer instance.")
