"""Names and look-ups shared by every floor (pure Python, no array code).

``unique_name("dense")`` gives Keras's auto-names ``dense``, ``dense_1``, ...;
``lookup`` resolves the strings, dicts and objects users pass as ``loss=``,
``optimizer=``, ``activation=`` and friends, with Keras's error message on a miss.
"""

from __future__ import annotations

import collections
import re

__all__ = ["to_snake_case", "unique_name", "reset_names", "lookup", "serialize_object"]

_counts: collections.Counter = collections.Counter()


def to_snake_case(name: str) -> str:
    """``"BatchNormalization"`` -> ``"batch_normalization"``, ``"Conv2D"`` -> ``"conv2d"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """The first use of ``base`` is ``base``; later ones are ``base_1``, ``base_2``, ..."""
    count = _counts[base]
    _counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    """Restarts the auto-name counters (``keras.backend.clear_session``)."""
    _counts.clear()


def lookup(identifier, table: dict, kind: str, custom_objects: dict | None = None):
    """Resolves a string or Keras config dict against ``table`` (name -> object).

    Objects and callables pass through unchanged. A dict ``{"class_name", "config"}``
    is resolved by its class name and built with ``from_config``. An unknown string
    raises ``ValueError`` naming the kind and listing what is known.
    """
    if identifier is None or (not isinstance(identifier, (str, dict))):
        return identifier
    table = {**table, **(custom_objects or {})}
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = table.get(name)
        if cls is None:
            raise ValueError(_unknown(kind, name, table))
        config = identifier.get("config", {})
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    found = table.get(identifier)
    if found is None:
        found = table.get(identifier.lower())
    if found is None:
        raise ValueError(_unknown(kind, identifier, table))
    return found


def serialize_object(obj) -> str | dict | None:
    """A Keras config for ``obj``: its registered name for functions, else a class dict
    (``None`` stays ``None``, as for an unset regularizer or constraint)."""
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", str(obj))


def _unknown(kind: str, name, table: dict) -> str:
    known = ", ".join(sorted(k for k in table if isinstance(k, str)))
    return (f"Could not interpret {kind} identifier: {name!r}. "
            f"Expected one of: {known}, or a callable / {kind} object.")
