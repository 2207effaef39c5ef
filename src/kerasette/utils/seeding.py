"""``set_random_seed``: one seed for every random generator kerasette uses."""

from __future__ import annotations

from .. import backend

__all__ = ["set_random_seed"]


def set_random_seed(seed: int) -> None:
    """Seeds Python's ``random``, NumPy's global generator and the backend's generator.

    After it, weight initialization, dropout and shuffling repeat from run to run.

    Args:
        seed: a non-negative integer.

    Example:

    >>> set_random_seed(812)
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("Expected `seed` argument to be an integer. "
                         f"Received: seed={seed!r} (of type {type(seed)})")
    backend.set_seed(seed)
