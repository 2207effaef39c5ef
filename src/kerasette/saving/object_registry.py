"""User-defined objects that configs may name: ``register_keras_serializable`` and
``custom_objects``."""

from __future__ import annotations

from ..naming import REGISTERED as _GLOBAL
from ..naming import CustomObjectScope, custom_objects_in_force, scoped_objects

__all__ = ["register_keras_serializable", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope", "get_registered_name", "get_registered_object",
           "custom_objects_in_force"]

custom_object_scope = CustomObjectScope  # Keras's two spellings of one class


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


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """The object known as ``name``: from the open scopes, the registry,
    ``custom_objects``, then ``module_objects`` (Keras's order); ``None`` if unknown."""
    for source in (scoped_objects(), _GLOBAL, custom_objects or {}, module_objects or {}):
        if name in source:
            return source[name]
    return None
