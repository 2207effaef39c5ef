"""``cupyx`` for the stand-in: the scatter functions, and ``cupyx.scipy.special``."""

from __future__ import annotations

import numpy

from cupy._core import unwrap, unwrap_index


def _scatter(ufunc, a, slices, value):
    from cupy import ndarray

    if not isinstance(a, ndarray):
        raise TypeError(f"Argument 'a' has incorrect type (expected cupy.ndarray, got "
                        f"{type(a).__name__})")
    ufunc.at(a._a, unwrap_index(slices), unwrap(value, "cupyx.scatter"))


def scatter_add(a, slices, value):
    """``a[slices] += value`` with repeated indices adding up (CuPy's atomic add)."""
    _scatter(numpy.add, a, slices, value)


def scatter_max(a, slices, value):
    _scatter(numpy.maximum, a, slices, value)


def scatter_min(a, slices, value):
    _scatter(numpy.minimum, a, slices, value)
