"""Names and look-ups shared by every floor (pure Python, no array code).

``unique_name("dense")`` gives Keras's auto-names ``dense``, ``dense_1``, ...;
``lookup`` resolves the strings, dicts and objects users pass as ``loss=``,
``optimizer=``, ``activation=`` and friends, with Keras's error message on a miss (and
the closest known name). The registry of custom objects and the stack of open
``custom_object_scope``s live here too, so that every floor's look-up sees them.
"""

from __future__ import annotations

import collections
import difflib
import re
import threading

__all__ = ["to_snake_case", "unique_name", "reset_names", "lookup", "serialize_object",
           "unknown_identifier", "closest_name", "public_names", "CustomObjectScope",
           "custom_objects_in_force", "scoped_objects"]

_counts: collections.Counter = collections.Counter()

# Base and wrapper classes that look-up tables hold but users never name: left out of
# the lists of valid names that errors show.
INTERNAL_NAMES = frozenset({
    "Loss", "LossFunctionWrapper", "Metric", "MeanMetricWrapper", "Layer", "Optimizer",
    "Initializer", "Regularizer", "Constraint", "LearningRateSchedule"})

REGISTERED: dict[str, object] = {}  # register_keras_serializable's names -> objects
_scopes = threading.local()


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
    is resolved by its class name (or its ``registered_name``) and built with
    ``from_config``. Registered objects are known, ``table`` wins over them, and the
    open ``custom_object_scope``s and ``custom_objects`` win over both. An unknown name
    raises ``ValueError`` naming the kind, the closest known name and what is known.
    """
    if identifier is None or (not isinstance(identifier, (str, dict))):
        return identifier
    table = {**REGISTERED, **table, **scoped_objects(custom_objects)}
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = table.get(name) or table.get(identifier.get("registered_name") or "")
        if cls is None:
            raise ValueError(unknown_identifier(kind, name, table))
        config = identifier.get("config", {})
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    found = table.get(identifier)
    if found is None:
        found = table.get(identifier.lower())
    if found is None:
        raise ValueError(unknown_identifier(kind, identifier, table))
    return found


def serialize_object(obj) -> str | dict | None:
    """A Keras config for ``obj``: its registered name for functions, else a class dict
    (``None`` stays ``None``, as for an unset regularizer or constraint)."""
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", str(obj))


def public_names(names) -> list[str]:
    """The names users may type, sorted: without base classes and wrappers
    (``INTERNAL_NAMES``), private names and registered ``"package>Name"`` keys."""
    return sorted(n for n in names if isinstance(n, str) and n not in INTERNAL_NAMES
                  and not n.startswith("_") and ">" not in n)


def closest_name(name, names) -> str | None:
    """The public name most like ``name`` (ignoring case), or ``None`` if none is close.

    Example:
        >>> closest_name("adm", ["adam", "sgd", "rmsprop"])
        'adam'
    """
    if not isinstance(name, str):
        return None
    candidates = public_names(names)
    by_lower: dict[str, str] = {}
    for candidate in candidates:  # a lower-case spelling is preferred when both exist
        by_lower.setdefault(candidate.lower(), candidate)
        if candidate.islower():
            by_lower[candidate.lower()] = candidate
    found = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def unknown_identifier(kind: str, name, names, listing: bool = True) -> str:
    """Keras's message for an unknown ``kind`` name, with the closest match and (when
    ``listing``) the public names known.

    Example:
        >>> unknown_identifier("optimizer", "adm", ["adam", "sgd"], listing=False)
        "Could not interpret optimizer identifier: 'adm'. Did you mean 'adam'?"
    """
    message = f"Could not interpret {kind} identifier: {name!r}."
    suggestion = closest_name(name, names)
    if suggestion is not None:
        message += f" Did you mean {suggestion!r}?"
    if listing:
        message += (f" Expected one of: {', '.join(public_names(names))}, or a callable / "
                     f"{kind} object.")
    return message


def scoped_objects(extra: dict | None = None) -> dict:
    """The objects of every open ``custom_object_scope`` (inner ones win), then ``extra``."""
    found: dict = {}
    for scope in getattr(_scopes, "stack", ()):
        found.update(scope)
    found.update(extra or {})
    return found


def custom_objects_in_force(extra: dict | None = None) -> dict:
    """Registered objects, then every open scope, then ``extra`` (later ones win)."""
    return {**REGISTERED, **scoped_objects(extra)}


class CustomObjectScope:
    """Makes custom objects known by name inside a ``with`` block: to ``load_model`` and
    to every look-up of layers, losses, metrics, activations, initializers, ...

    Scopes nest (the inner one wins on a name both hold) and are undone on exit, even
    when the block raises.

    Args:
        *custom_objects: dicts of names -> classes or functions.

    Example:
        >>> with CustomObjectScope({"recall_m": recall_m}):
        ...     model = keras.models.load_model("model.h5")
    """

    def __init__(self, *custom_objects: dict):
        self.custom_objects = {k: v for d in custom_objects for k, v in (d or {}).items()}
        self._saved: list = []

    def __enter__(self) -> "CustomObjectScope":
        stack = list(getattr(_scopes, "stack", ()))
        self._saved.append(stack)
        _scopes.stack = stack + [self.custom_objects]
        return self

    def __exit__(self, *exc_info) -> bool:
        _scopes.stack = self._saved.pop()
        return False
