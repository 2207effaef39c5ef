"""A strict CPU stand-in for CuPy 14, for the tests (see standin.py beside it).

Only the names real CuPy has exist (cupy_api.json, dumped from the real wheel); each is
served by its NumPy twin through stand-in arrays that behave as CuPy's do where CuPy and
NumPy differ. Put this folder first on ``sys.path`` (``PYTHONPATH``) to use it.
"""

from __future__ import annotations

import numpy

import standin

from . import cuda, lib, linalg, random  # noqa: F401
from ._core import serve, unwrap, wrap
from ._kernel import ElementwiseKernel, fuse  # noqa: F401
from ._ndarray import ndarray

__version__ = standin.API["cupy_version"]

_CREATION = ("a", "dtype", "copy", "order", "ndmin", "blocking")


def _upload(a, dtype=None, copy=True, order="K", ndmin=0):
    if isinstance(a, ndarray):
        value = numpy.array(a._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
        return a if value is a._a else ndarray._from_host(value)
    if hasattr(a, "__cuda_array_interface__"):
        raise TypeError("the stand-in cannot read __cuda_array_interface__")
    standin.note_upload(a)
    host = numpy.array(unwrap(a, "array") if isinstance(a, (list, tuple)) else a,
                       dtype=dtype, copy=True, order=order, ndmin=ndmin)
    if host.dtype == object:
        raise ValueError(f"Unsupported dtype {host.dtype}")
    return ndarray._from_host(host)


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    """Copies host data (counted as an upload) or a device array."""
    return _upload(obj, dtype, True if copy is None else copy, order, ndmin)


def asarray(a, dtype=None, order=None, *, copy=None, blocking=False):
    """A device array of ``a``: no copy when it already is one of the right dtype."""
    if isinstance(a, ndarray):
        return _upload(a, dtype, copy, order or "K")
    return _upload(a, dtype, True, order or "K")


asanyarray = asarray


def ascontiguousarray(a, dtype=None):
    if not isinstance(a, ndarray):
        raise TypeError(f"Argument 'a' has incorrect type (expected cupy.ndarray, got "
                        f"{type(a).__name__})")
    return wrap(numpy.ascontiguousarray(a._a, dtype=dtype))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    """Copies a device array to the host (counted as a read); host data passes through."""
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    return numpy.asarray(a, order=order)


def get_array_module(*args):
    for arg in args:
        if isinstance(arg, ndarray):
            return __import__("cupy")
    return numpy


def get_default_memory_pool():
    return cuda.memory.default_pool


def get_default_pinned_memory_pool():
    return cuda.memory.pinned_pool


def is_available():
    return True


__getattr__, __dir__ = serve("cupy", globals(), numpy, "the stand-in has no NumPy twin for it")
