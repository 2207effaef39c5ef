"""The stand-in's plumbing: moving values in and out of its arrays, and the wrappers
that give each real CuPy name its NumPy twin, with CuPy's refusals."""

from __future__ import annotations

import numpy

import standin

API = standin.API
_MISSING = object()


def unsupported(value) -> TypeError:
    return TypeError(f"Unsupported type {type(value)}")


def is_host_array(value) -> bool:
    return isinstance(value, numpy.ndarray)


def wrap(value):
    """NumPy results become stand-in arrays; a NumPy scalar becomes a 0-d array, as
    CuPy's reductions and scalar indexing return."""
    from ._ndarray import ndarray

    if isinstance(value, numpy.ndarray):
        return ndarray._from_host(value)
    if isinstance(value, numpy.generic):
        return ndarray._from_host(numpy.asarray(value))
    if isinstance(value, tuple):
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def unwrap(value, where: str):
    """The NumPy array behind a stand-in array, refusing NumPy arrays (CuPy copies no
    host array implicitly) anywhere in ``value``, nested lists and tuples included."""
    from ._ndarray import ndarray

    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, numpy.ndarray):
        raise TypeError(f"Unsupported type {type(value)} (a NumPy array passed to "
                        f"cupy's {where}; move it with cupy.asarray first)")
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v, where) for v in value)
    return value


def unwrap_index(key):
    """An index, as CuPy takes it: lists and NumPy arrays in it are uploaded."""
    from ._ndarray import ndarray

    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, tuple):
        return tuple(unwrap_index(k) for k in key)
    if isinstance(key, (list, numpy.ndarray)):
        standin.note_upload(key)
        return numpy.asarray([unwrap_index(k) for k in key] if isinstance(key, list) else key)
    return key


def check_keywords(where: str, parameters, kwargs: dict) -> None:
    """Refuses a keyword argument that the real CuPy function does not take."""
    if parameters is None or parameters["varkw"]:
        return
    for name in kwargs:
        if name not in parameters["names"]:
            raise TypeError(f"{where}() got an unexpected keyword argument {name!r} "
                            f"(CuPy {API['cupy_version']} takes {parameters['names']})")


class ufunc:
    """A CuPy ufunc: array or scalar operands only, ``out``/``dtype``/``casting``."""

    _KEYWORDS = ("out", "dtype", "casting")

    def __init__(self, name: str, numpy_ufunc):
        self.__name__ = self.name = name
        self._ufunc = numpy_ufunc
        self.nin, self.nout, self.nargs = numpy_ufunc.nin, numpy_ufunc.nout, numpy_ufunc.nargs
        self.types = numpy_ufunc.types

    def __repr__(self):
        return f"<ufunc 'cupy.{self.name}'>"

    def _operands(self, args):
        from ._ndarray import ndarray

        for arg in args:
            if not isinstance(arg, (ndarray, int, float, complex, bool, numpy.generic)):
                raise unsupported(arg)
        return [a._a if isinstance(a, ndarray) else a for a in args]

    def __call__(self, *args, **kwargs):
        for key in kwargs:
            if key not in self._KEYWORDS:
                raise TypeError(f"Wrong arguments {kwargs}")
        if len(args) not in (self.nin, self.nargs):
            raise TypeError(f"Wrong number of arguments for {self.name!r}. It must be "
                            f"either {self.nin} or {self.nargs} (with outputs), but given "
                            f"{len(args)}.")
        out = kwargs.pop("out", None)
        if len(args) == self.nargs:
            args, out = args[:self.nin], args[self.nin:]
            out = out[0] if len(out) == 1 else out
        kwargs.update(self._out(out))
        return wrap(self._ufunc(*self._operands(args), **kwargs))

    def _out(self, out):
        if out is None:
            return {}
        outs = out if isinstance(out, tuple) else (out,)
        from ._ndarray import ndarray

        for o in outs:
            if not isinstance(o, ndarray):
                raise TypeError("Output arguments must be cupy.ndarray")
        return {"out": tuple(o._a for o in outs) if isinstance(out, tuple) else out._a}

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False):
        (a,) = self._operands((array,))
        return wrap(self._ufunc.reduce(a, axis=axis, dtype=dtype, keepdims=keepdims,
                                       **self._out(out)))

    def accumulate(self, array, axis=0, dtype=None, out=None):
        (a,) = self._operands((array,))
        return wrap(self._ufunc.accumulate(a, axis=axis, dtype=dtype, **self._out(out)))

    def outer(self, A, B, **kwargs):
        return wrap(self._ufunc.outer(*self._operands((A, B)), **kwargs))

    def at(self, a, indices, b=None):
        (target,) = self._operands((a,))
        args = () if b is None else tuple(self._operands((b,)))
        self._ufunc.at(target, unwrap_index(indices), *args)


def function(where: str, numpy_function, parameters):
    """A CuPy function served by its NumPy twin, refusing host arrays."""

    def call(*args, **kwargs):
        check_keywords(where, parameters, kwargs)
        args = unwrap(args, where)
        kwargs = {k: unwrap(v, where) for k, v in kwargs.items()}
        return wrap(numpy_function(*args, **kwargs))

    call.__name__ = call.__qualname__ = where.rsplit(".", 1)[-1]
    return call


def serve(module_name: str, namespace: dict, numpy_module, missing_message: str):
    """Fills a stand-in module's ``__getattr__`` from the real module's names in the API
    dump: names real CuPy lacks are absent; the rest map onto ``numpy_module``."""
    names = API["modules"][module_name]

    def __getattr__(name):
        entry = names.get(name)
        if entry is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        twin = getattr(numpy_module, name, _MISSING)
        if twin is _MISSING:
            raise AttributeError(f"{module_name}.{name} exists in CuPy "
                                 f"{API['cupy_version']} but {missing_message}")
        if entry["kind"] == "ufunc" and isinstance(twin, numpy.ufunc):
            value = ufunc(name, twin)
        elif entry["kind"] == "function":
            value = function(f"{module_name}.{name}", twin, entry["parameters"])
        else:
            value = twin
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(names) | set(namespace))

    return __getattr__, __dir__
