"""``cupy.random`` on the host: a ``Generator`` with only the methods CuPy's has."""

from __future__ import annotations

import numpy

from .._core import API, check_keywords, serve, unwrap, wrap

_GENERATOR = API["classes"]["cupy.random.Generator"]


class Generator:
    """CuPy's ``Generator``: ``random``, ``standard_normal``, ``uniform``, ``integers``
    and the other methods of CuPy 14 (no ``normal``, ``permutation`` or ``choice``)."""

    def __init__(self, bit_generator):
        self._numpy = numpy.random.default_rng(bit_generator)

    def __getattr__(self, name):
        entry = _GENERATOR.get(name)
        if entry is None or name.startswith("_"):
            raise AttributeError(f"'cupy.random.Generator' object has no attribute {name!r}")
        twin = getattr(self._numpy, name)

        def method(*args, **kwargs):
            check_keywords(f"Generator.{name}", entry["parameters"], kwargs)
            if "out" in kwargs and kwargs["out"] is not None:
                kwargs["out"] = unwrap(kwargs["out"], f"Generator.{name}")
            return wrap(twin(*unwrap(args, f"Generator.{name}"),
                             **{k: unwrap(v, name) for k, v in kwargs.items()}))

        return method


def default_rng(seed=None):
    return Generator(seed)


__getattr__, __dir__ = serve("cupy.random", globals(), numpy.random,
                             "the stand-in has no NumPy twin for it")
