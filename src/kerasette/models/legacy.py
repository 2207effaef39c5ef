"""Keras 1 argument names (``Model(input=...)``, ``fit(nb_epoch=...)``), accepted with a
warning that names the Keras 2 spelling, as Keras 2 did; never reinterpreted silently."""

from __future__ import annotations

import functools
import inspect
import math

from ..layers.legacy import warn

__all__ = ["keras1_arguments", "samples_to_steps"]


def keras1_arguments(where: str, **renames):
    """Decorator: the Keras 1 keyword ``old`` is passed on under its new name.

    A value of ``renames`` is the new name, or ``(new name, convert)`` where
    ``convert(old, new, value, call)`` returns the new value and a note for the warning
    (``call`` maps the call's argument names to their values). Passing an old name
    together with its new one (by keyword or position) is a TypeError. One UserWarning
    per call names the new spellings and points at the caller's line.
    """
    table = {old: new if isinstance(new, tuple) else (new, None)
             for old, new in renames.items()}

    def decorate(method):
        names = list(inspect.signature(method).parameters)

        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            if any(old in kwargs for old in table):
                kwargs = _translate(where, table, dict(zip(names, args)), kwargs)
            return method(*args, **kwargs)

        return wrapper

    return decorate


def _translate(where: str, table: dict, positional: dict, kwargs: dict) -> dict:
    call = {**positional, **kwargs}
    kwargs, spelled, notes = dict(kwargs), [], []
    for old, (new, convert) in table.items():
        if old not in kwargs:
            continue
        if new in call:
            raise TypeError(f"`{where}` received both the Keras 1 argument `{old}` and the "
                            f"Keras 2 argument `{new}`; pass only `{new}`.")
        value, note = kwargs.pop(old), None
        if convert is not None:
            value, note = convert(old, new, value, call)
        kwargs[new] = value
        spelled.append(f"{new}=...")
        notes.append(note or f"`{old}` is now `{new}`")
    warn(f"Update your `{where}` call to the Keras 2 API: "
         f"`{where}(..., {', '.join(spelled)})`; {'; '.join(notes)}.")
    return kwargs


def samples_to_steps(data_argument: str):
    """A converter for ``keras1_arguments``: Keras 1 counted samples
    (``samples_per_epoch``), Keras 2 counts batches. It converts only when the data
    (the call's ``data_argument``) states its ``batch_size``; otherwise it refuses."""
    def convert(old: str, new: str, samples, call: dict):
        batch_size = getattr(call.get(data_argument), "batch_size", None)
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise TypeError(
                f"The Keras 1 argument `{old}` counts samples, but the Keras 2 argument "
                f"`{new}` counts batches, and `{data_argument}` has no `batch_size` to turn "
                f"one into the other. Pass `{new}=ceil({old} / batch_size)` instead.")
        steps = max(1, math.ceil(samples / batch_size))
        return steps, (f"`{old}={samples}` (samples) is now `{new}={steps}` (batches of "
                       f"{batch_size})")

    return convert
