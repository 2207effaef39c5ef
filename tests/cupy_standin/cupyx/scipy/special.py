"""``cupyx.scipy.special`` for the stand-in: the functions kerasette needs, as ufuncs."""

from __future__ import annotations

import math

import numpy

from cupy._core import ufunc

_erf = numpy.frompyfunc(math.erf, 1, 1)


class _ErfUfunc(ufunc):
    def __init__(self):
        super().__init__("erf", numpy.negative)  # nin 1, nout 1: the same arity

    def __call__(self, x, out=None, dtype=None):
        from cupy import ndarray

        (a,) = self._operands((x,))
        value = numpy.asarray(_erf(a)).astype(numpy.result_type(a, numpy.float32))
        if out is not None:
            out._a[...] = value
            return out
        return ndarray._from_host(value)


erf = _ErfUfunc()
