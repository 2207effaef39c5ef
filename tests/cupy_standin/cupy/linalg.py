"""``cupy.linalg``: NumPy's, through the stand-in's arrays."""

import numpy

from ._core import serve

__getattr__, __dir__ = serve("cupy.linalg", globals(), numpy.linalg,
                             "the stand-in has no NumPy twin for it")
