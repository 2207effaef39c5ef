"""``keras.config``: the global settings, in one public place.

The numeric settings (``floatx``, ``epsilon``, ``image_data_format``) live in
``kerasette.backend``, the one seam every floor reads; this module only re-exports them,
so there is a single copy of each. The flags below belong to no lower floor.

>>> import kerasette as keras
>>> keras.config.floatx()
'float32'
"""

from __future__ import annotations

from . import backend as _backend
from .backend import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)

__all__ = [
    "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
    "set_image_data_format", "backend", "enable_traceback_filtering",
    "disable_traceback_filtering", "is_traceback_filtering_enabled",
    "enable_unsafe_deserialization", "in_safe_mode", "enable_interactive_logging",
    "disable_interactive_logging", "is_interactive_logging_enabled",
]

_flags = {"traceback_filtering": True, "safe_mode": True, "interactive_logging": True}


def backend() -> str:
    """The name of the array backend in force: ``"numpy"`` or ``"cupy"``."""
    return _backend.backend()


def enable_traceback_filtering() -> None:
    """Turns on traceback filtering (Keras hides its own frames; kerasette keeps only the
    flag, since its tracebacks are short already)."""
    _flags["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Turns off traceback filtering."""
    _flags["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """Whether traceback filtering is on (default ``True``)."""
    return _flags["traceback_filtering"]


def enable_unsafe_deserialization() -> None:
    """Lets loading run Python code stored in a file (a serialized ``Lambda``), as if
    every load were called with ``safe_mode=False``. Only for files you trust."""
    _flags["safe_mode"] = False


def in_safe_mode() -> bool:
    """False once ``enable_unsafe_deserialization()`` was called, else True."""
    return _flags["safe_mode"]


def enable_interactive_logging() -> None:
    """Sets the interactive-logging flag (Keras: progress goes to standard output)."""
    _flags["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Clears the interactive-logging flag (Keras: progress goes to ``logging``)."""
    _flags["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether interactive logging is on (default ``True``)."""
    return _flags["interactive_logging"]
