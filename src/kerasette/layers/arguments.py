"""The integer and shape checks every layer shares.

Wherever Keras takes an int (a size, a count, a window), a NumPy integer is one too: a
class count often arrives as ``np.max(y) + 1``. Every check returns plain Python ints, so
``get_config`` stays JSON-serialisable. Floats (even ``3.0``) and bools are refused: a
size is never a float, and ``True`` is a mistake, not a 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_int", "positive_int", "int_tuple", "shape_tuple"]


def is_int(value) -> bool:
    """True for a Python int or any NumPy integer scalar (``np.int8`` .. ``np.uint64``);
    False for bools and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_int(owner: str, name: str, value) -> int:
    """``value`` as a Python int, or a ValueError naming ``owner`` and ``name``."""
    if not is_int(value) or value <= 0:
        raise ValueError(f"{owner}: received an invalid value for `{name}`, expected a "
                         f"positive integer. Received: {name}={value!r}")
    return int(value)


def int_tuple(value, rank: int, name: str, owner: str,
              allow_zero: bool = False) -> tuple[int, ...]:
    """``3`` -> ``(3, 3)`` for rank 2; a sequence must hold ``rank`` positive (or, with
    ``allow_zero``, non-negative) integers."""
    values = (value,) * rank if is_int(value) else _as_tuple(value)
    least = 0 if allow_zero else 1
    if values is None or len(values) != rank or any(not is_int(v) or v < least
                                                    for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: `{name}` must be a {kind} integer or a tuple of {rank} "
                         f"{kind} integers; received {name}={value!r}.")
    return tuple(int(v) for v in values)


def shape_tuple(owner: str, name: str, value, allow_none: bool = True,
                allow_minus_one: bool = False) -> tuple:
    """A shape (an int or a sequence of ints) as a tuple of Python ints: each entry
    positive, or ``None`` (unknown) where ``allow_none``, or -1 (inferred) where
    ``allow_minus_one``."""
    values = (value,) if is_int(value) else _as_tuple(value)

    def valid(d) -> bool:
        if d is None:
            return allow_none
        return is_int(d) and (d > 0 or (allow_minus_one and d == -1))

    if values is None or not all(valid(d) for d in values):
        allowed = "positive integers" + (" or None" if allow_none else "") + (
            " (at most one -1)" if allow_minus_one else "")
        raise ValueError(f"{owner}: `{name}` must be a tuple of {allowed}; received "
                         f"{name}={value!r}.")
    return tuple(None if d is None else int(d) for d in values)


def _as_tuple(value):
    if isinstance(value, (str, bytes)):
        return None
    try:
        return tuple(value)
    except TypeError:  # not a sequence: a float, None, an object
        return None
