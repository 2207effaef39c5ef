"""User-defined objects that configs may name: ``register_keras_serializable`` and
``custom_objects``."""

from __future__ import annotations

import contextlib
import threading

__all__ = ["register_keras_serializable", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope", "get_registered_name", "custom_objects_in_force"]

_GLOBAL: dict[str, object] = {}
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: makes a class or function loadable by name, as ``"package>Name"``.

    Example:
        >>> @register_keras_serializable(package="my_package")
        ... class Scale(keras.layers.Layer): ...
    """

    def decorate(obj):
        short = name or obj.__name__
        key = f"{package}>{short}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise TypeError(f"Cannot register {obj!r}: a class needs a `get_config` method.")
        _GLOBAL[key] = obj
        _GLOBAL.setdefault(short, obj)
        obj._registered_name = key
        return obj

    return decorate


def get_registered_name(obj) -> str:
    """The name under which ``obj`` was registered, else its own name."""
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__",
                                                             type(obj).__name__)


def get_custom_objects() -> dict:
    """The global registry of custom objects (a live dict, as in Keras)."""
    return _GLOBAL


@contextlib.contextmanager
def custom_object_scope(*dicts):
    """Makes the objects of ``dicts`` known to loading, inside a ``with`` block."""
    stack = getattr(_scopes, "stack", [])
    _scopes.stack = stack + [{k: v for d in dicts for k, v in (d or {}).items()}]
    try:
        yield
    finally:
        _scopes.stack = stack


CustomObjectScope = custom_object_scope


def custom_objects_in_force(extra: dict | None = None) -> dict:
    """Registered objects, then every open scope, then ``extra`` (later ones win)."""
    found = dict(_GLOBAL)
    for scope in getattr(_scopes, "stack", []):
        found.update(scope)
    found.update(extra or {})
    return found
