"""``cupy.lib.stride_tricks``: views of the same memory, always writeable, as in CuPy."""

import numpy

from .._core import serve, unwrap, wrap


def as_strided(x, shape=None, strides=None):
    return wrap(numpy.lib.stride_tricks.as_strided(unwrap(x, "as_strided"), shape, strides))


__getattr__, __dir__ = serve("cupy.lib.stride_tricks", globals(), numpy.lib.stride_tricks,
                             "the stand-in has no NumPy twin for it")
