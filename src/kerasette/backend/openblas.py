"""NumPy's own OpenBLAS, called through ``ctypes`` for what NumPy has no function for.

NumPy's wheels ship OpenBLAS as a shared library (``numpy.libs`` on Linux and Windows,
``numpy/.dylibs`` on macOS), already loaded by NumPy; ``ctypes`` (the standard library)
opens the same handle and calls it with the GIL released. Three things come from it:

- the thread controls ``cpu_threads`` needs (OpenBLAS's thread count is one process-wide
  setting, and NumPy has no function to change it);
- ``bind_transpose``, OpenBLAS's out-of-place transpose (``cblas_?omatcopy``): a
  (32, 512) float32 block in 5 us, where NumPy's strided copy takes 25;
- ``bind_matmul_add``, ``out += a @ b`` as one GEMM with ``beta = 1`` (no temporary, no
  extra pass over ``out``).

Both bind their arrays once and return a function of no arguments, for loops that call
them on the same buffers every step (checking and converting the arguments would cost as
much as a small transpose).

Without such a library (NumPy built on MKL or Accelerate), both functions do the same in
NumPy, and ``FAST_TRANSPOSE`` is False so that callers can choose another way. The
functions take NumPy arrays of one float dtype (float32 or float64) whose rows are
contiguous; anything else (an ``out`` overlapping an input too) goes to NumPy.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os

import numpy as np

__all__ = ["THREADS", "FAST_TRANSPOSE", "bind_transpose", "bind_matmul_add"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # the CBLAS enums


class _Threads:
    """OpenBLAS's thread controls: ``get()``, ``set(count)`` and ``shutdown()`` (stops
    the idle worker threads; the next multi-threaded call starts them again)."""

    def __init__(self, get, set_, shutdown):
        self.get, self.set, self.shutdown = get, set_, shutdown
        get.restype, set_.restype, shutdown.restype = ctypes.c_int, None, ctypes.c_int
        set_.argtypes = (ctypes.c_int,)


class _Routines:
    """The CBLAS routines of one float dtype, bound with the library's integer width."""

    def __init__(self, library, prefix: str, suffix: str, letter: str, real, integer):
        self.omatcopy = getattr(library, f"{prefix}cblas_{letter}omatcopy{suffix}")
        self.omatcopy.argtypes = (ctypes.c_int, ctypes.c_int, integer, integer, real,
                                  ctypes.c_void_p, integer, ctypes.c_void_p, integer)
        self.gemm = getattr(library, f"{prefix}cblas_{letter}gemm{suffix}")
        self.gemm.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer,
                              integer, real, ctypes.c_void_p, integer, ctypes.c_void_p,
                              integer, real, ctypes.c_void_p, integer)
        self.omatcopy.restype = self.gemm.restype = None


# (prefix, suffix) of the symbols: scipy-openblas (NumPy >= 2) and older OpenBLAS builds,
# 64-bit integers where the names end in 64_.
_NAMINGS = (("scipy_", "64_"), ("scipy_", ""), ("", "64_"), ("", ""))


def _load():
    """``(threads, {dtype: routines})`` of NumPy's OpenBLAS, or ``(None, {})``."""
    here = os.path.dirname(np.__file__)
    paths = sorted(glob.glob(os.path.join(here + ".libs", "*openblas*"))
                   + glob.glob(os.path.join(here, ".dylibs", "*openblas*")))
    for path in paths:
        try:
            library = ctypes.CDLL(path)  # already loaded by NumPy: the same handle
        except OSError:
            continue
        shutdown = getattr(library, "blas_thread_shutdown_", None)
        for prefix, suffix in _NAMINGS:
            get = getattr(library, f"{prefix}openblas_get_num_threads{suffix}", None)
            set_ = getattr(library, f"{prefix}openblas_set_num_threads{suffix}", None)
            if shutdown is None or get is None or set_ is None:
                continue
            threads = _Threads(get, set_, shutdown)
            integer = ctypes.c_int64 if suffix == "64_" else ctypes.c_int
            try:
                routines = {np.dtype(np.float32): _Routines(library, prefix, suffix, "s",
                                                            ctypes.c_float, integer),
                            np.dtype(np.float64): _Routines(library, prefix, suffix, "d",
                                                            ctypes.c_double, integer)}
            except AttributeError:  # an OpenBLAS without the CBLAS extensions
                routines = {}
            return threads, routines
    return None, {}


THREADS, _ROUTINES = _load()
FAST_TRANSPOSE = bool(_ROUTINES)
"""Whether ``bind_transpose``'s function runs in OpenBLAS (else it is NumPy's strided copy)."""


def _rows(a) -> int | None:
    """The leading dimension of a 2-D array whose rows are contiguous, else None."""
    if a.ndim != 2 or 0 in a.shape or a.strides[1] != a.itemsize:
        return None
    lead, rest = divmod(a.strides[0], a.itemsize)
    return lead if rest == 0 and lead >= a.shape[1] else None


def _routines_for(*arrays):
    """The routines for ``arrays`` (the output last) and their leading dimensions, or
    (None, None) where NumPy must do it (another dtype, strided rows, an overlap)."""
    if not isinstance(arrays[0], np.ndarray):
        return None, None
    routines = _ROUTINES.get(arrays[0].dtype)
    if routines is None or any(not isinstance(a, np.ndarray) or a.dtype != arrays[0].dtype
                               for a in arrays):
        return None, None
    leads = [_rows(a) for a in arrays]
    if None in leads or any(np.may_share_memory(arrays[-1], a) for a in arrays[:-1]):
        return None, None
    return routines, leads


class _Bound:
    """A routine bound to the addresses of ``arrays``, which it keeps alive."""

    __slots__ = ("call", "arrays")

    def __init__(self, call, *arrays):
        self.call, self.arrays = call, arrays

    def __call__(self) -> None:
        self.call()


def bind_transpose(a, out):
    """A function of no arguments doing ``out[...] = a.T`` for a 2-D ``a`` (rows,
    columns) and ``out`` (columns, rows), each time on their current contents: the
    checks and the call's arguments are made once, for a loop that calls it every step."""
    if out.shape != a.shape[::-1]:
        raise ValueError(f"bind_transpose: out must have shape {a.shape[::-1]}; "
                         f"received {out.shape}.")
    routines, leads = _routines_for(a, out)
    if routines is None:
        return functools.partial(np.copyto, out, a.T)
    return _Bound(functools.partial(routines.omatcopy, _ROW_MAJOR, _TRANS, *a.shape, 1.0,
                                    a.ctypes.data, leads[0], out.ctypes.data, leads[1]),
                  a, out)


def bind_matmul_add(a, b, out):
    """A function of no arguments doing ``out += a @ b`` for 2-D ``a`` (m, k), ``b``
    (k, n) and ``out`` (m, n), each time on their current contents (as
    ``bind_transpose``)."""
    m, k = a.shape
    if b.shape[0] != k or out.shape != (m, b.shape[1]):
        raise ValueError(f"bind_matmul_add: {a.shape} @ {b.shape} does not fit out of "
                         f"shape {out.shape}.")
    routines, leads = _routines_for(a, b, out)
    if routines is None:
        return functools.partial(_matmul_add, a, b, out)
    return _Bound(functools.partial(routines.gemm, _ROW_MAJOR, _NO_TRANS, _NO_TRANS, m,
                                    b.shape[1], k, 1.0, a.ctypes.data, leads[0],
                                    b.ctypes.data, leads[1], 1.0, out.ctypes.data, leads[2]),
                  a, b, out)


def _matmul_add(a, b, out) -> None:
    out += a @ b
