"""``cupy.ElementwiseKernel`` on the host: CuPy's argument checks, then the kernel's
Python twin (``PYTHON_TWINS[name]`` in the module that made the kernel)."""

from __future__ import annotations

import sys

import numpy

import standin

from ._ndarray import ndarray

_TYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"}


class _Param:
    def __init__(self, text: str):
        words = text.split()
        self.raw = words[0] == "raw"
        if self.raw:
            words = words[1:]
        if len(words) != 2:
            raise ValueError(f"Syntax error: {text}")
        self.ctype, self.name = words
        self.dtype = numpy.dtype(self.ctype) if self.ctype in _TYPES else None
        if self.dtype is None and not self.ctype[:1].isupper():
            raise ValueError(f"the stand-in does not know the C type {self.ctype!r}")


def _params(text: str) -> list[_Param]:
    return [_Param(p) for p in text.split(",") if p.strip()]


class _Raw:
    """A ``raw`` argument as a kernel body sees it: flat indices, bounds checked, and no
    two threads writing one element."""

    def __init__(self, kernel: str, name: str, array: numpy.ndarray):
        self.kernel, self.name, self.array = kernel, name, array

    def _check(self, index):
        index = numpy.asarray(index)
        if index.size and (index.min() < 0 or index.max() >= self.array.size):
            raise IndexError(f"kernel {self.kernel!r}: raw argument {self.name!r} of size "
                             f"{self.array.size} indexed from {index.min()} to {index.max()}")
        return index

    def __getitem__(self, index):
        return self.array.flat[self._check(index)]

    def __setitem__(self, index, value):
        index = self._check(index)
        if numpy.unique(index).size != index.size:
            raise RuntimeError(f"kernel {self.kernel!r}: several threads write the same "
                               f"element of raw argument {self.name!r}")
        self.array.flat[index] = value


class ElementwiseKernel:
    """Checks what CuPy checks (argument count, type unification, loop size), then runs
    the kernel's Python twin on NumPy arrays."""

    def __init__(self, in_params, out_params, operation, name="kernel", reduce_dims=True,
                 preamble="", no_return=False, return_tuple=False, loop_prep="",
                 after_loop="", options=()):
        self.in_params, self.out_params, self.operation = in_params, out_params, operation
        self.name, self.preamble, self.options = name, preamble, options
        self.no_return, self.return_tuple = no_return, return_tuple
        self._in, self._out = _params(in_params), _params(out_params)
        self.nin, self.nout = len(self._in), len(self._out)
        self.nargs = self.nin + self.nout
        self._module = sys._getframe(1).f_globals.get("__name__")
        standin.KERNELS.append(self)

    def __call__(self, *args, size=None, block_size=128, stream=None):
        if len(args) not in (self.nin, self.nargs):
            raise TypeError(f"Wrong number of arguments for {self.name!r}. It must be either "
                            f"{self.nin} or {self.nargs} (with outputs), but given {len(args)}.")
        for arg in args:
            if not isinstance(arg, (ndarray, int, float, bool, numpy.generic)):
                raise TypeError(f"Unsupported type {type(arg)}")
        params = self._in + self._out[:len(args) - self.nin]
        types = self._unify(params, args)
        shape = self._loop_shape(params, args, size)
        values = {"i": numpy.arange(int(numpy.prod(shape))).reshape(shape)}
        for param, arg in zip(params, args):
            values[param.name] = self._bind(param, arg, types, shape)
        outputs = []
        for param in self._out[len(args) - self.nin:]:
            if param.raw:
                raise ValueError("Output array size is Undecided")
            dtype = param.dtype or types[param.ctype]
            out = numpy.full(shape, numpy.nan if dtype.kind == "f" else 0, dtype)
            values[param.name] = out
            outputs.append(ndarray._from_host(out))
        self._twin()(**values)
        given = [a for a in args[self.nin:]]
        result = given + outputs
        if self.no_return:
            return None
        return result[0] if self.nout == 1 and not self.return_tuple else tuple(result)

    def _unify(self, params, args) -> dict:
        types: dict = {}
        for param, arg in zip(params, args):
            if not isinstance(arg, ndarray):
                continue
            expected = param.dtype if param.dtype is not None else types.get(param.ctype)
            if expected is not None and arg.dtype != expected:
                raise TypeError(f"Type is mismatched. {param.name} {arg.dtype} {expected} "
                                f"{param.ctype}")
            if param.dtype is None:
                types[param.ctype] = arg.dtype
        for param in self._in + self._out:
            if param.dtype is None and param.ctype not in types:
                raise TypeError(f"kernel {self.name!r}: no array argument decides the type "
                                f"{param.ctype} of {param.name!r}")
        return types

    def _loop_shape(self, params, args, size):
        arrays = [a._a for p, a in zip(params, args) if isinstance(a, ndarray) and not p.raw]
        if size is not None:
            if arrays:
                raise ValueError("Specified 'size' can be used only if all of the ndarray "
                                 "are 'raw'.")
            return (size,)
        if not arrays:
            raise ValueError("Loop size is undecided.")
        shape = numpy.broadcast_shapes(*(a.shape for a in arrays))
        for param, arg in zip(params[self.nin:], args[self.nin:]):
            if not param.raw and arg.shape != shape:
                raise ValueError(f"Out shape is mismatched: {arg.shape} for {shape}")
        return shape

    def _bind(self, param, arg, types, shape):
        dtype = param.dtype or types[param.ctype]
        if not isinstance(arg, ndarray):
            return dtype.type(arg)
        if param.raw:
            return _Raw(self.name, param.name, arg._a)
        if param in self._out:
            return arg._a
        return numpy.broadcast_to(arg._a, shape)

    def _twin(self):
        twins = getattr(sys.modules.get(self._module), "PYTHON_TWINS", {})
        if self.name not in twins:
            raise NotImplementedError(
                f"kernel {self.name!r} has no Python twin: add PYTHON_TWINS[{self.name!r}] "
                f"beside its CUDA body in {self._module}")
        return twins[self.name]


def fuse(*args, **kwargs):
    """``cupy.fuse``: the stand-in runs the Python function itself, op by op."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda function: function
