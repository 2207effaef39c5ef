"""``cupy.ndarray`` on the host: NumPy's math, CuPy's rules.

What differs from a NumPy array is what differs in CuPy: no implicit conversion to
NumPy (``__array__`` raises), NumPy arrays refused as operands, reductions and scalar
indexing give 0-d arrays, ``__array_priority__`` 100 with CuPy's reflected-operator rule,
and only the methods real CuPy has. Reads back to the host are counted (see standin.py).
"""

from __future__ import annotations

import numpy

import standin

from ._core import API, check_keywords, unwrap, unwrap_index, wrap

_HANDLED = object()
_COMPARISONS = ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")
_MEMBERS = API["classes"]["cupy.ndarray"]


def _should_use_rop(x, y) -> bool:
    """CuPy's rule: the other operand's reflected method wins only if it disables ufuncs,
    or, having no ``__array_ufunc__``, has a strictly higher ``__array_priority__``."""
    y_ufunc = getattr(y, "__array_ufunc__", _HANDLED)
    if y_ufunc is not _HANDLED:
        return y_ufunc is None
    return getattr(x, "__array_priority__", 0) < getattr(y, "__array_priority__", 0)


class ndarray:
    """A CuPy array whose memory is a NumPy array (``self._a``)."""

    __module__ = "cupy"
    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = numpy.empty(shape, dtype=dtype, order=order)

    @classmethod
    def _from_host(cls, array: numpy.ndarray) -> "ndarray":
        from .cuda.memory import default_pool

        if default_pool._limit and array.base is None:
            default_pool._allocate(array.nbytes)
        out = cls.__new__(cls)
        out._a = array
        return out

    # ----- host conversion: refused implicitly, counted explicitly
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None, blocking=True):
        standin.note_read()
        copy = numpy.array(self._a, order=order)
        if out is not None:
            out[...] = copy
            return out
        return copy

    def set(self, arr, stream=None):
        if not isinstance(arr, numpy.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray; got {type(arr)}")
        standin.note_upload(arr)
        self._a[...] = arr

    def item(self, *args):
        standin.note_read()
        return self._a.item(*args)

    def tolist(self):
        standin.note_read()
        return self._a.tolist()

    def tobytes(self, order="C"):
        standin.note_read()
        return self._a.tobytes(order)

    def __int__(self):
        return int(self.get())

    def __float__(self):
        return float(self.get())

    def __complex__(self):
        return complex(self.get())

    def __bool__(self):
        return bool(self.get())

    def __repr__(self):
        return repr(self.get())

    def __str__(self):
        return str(self.get())

    def __format__(self, spec):
        return format(self.get(), spec)

    def __reduce__(self):
        from . import array

        return array, (self.get(),)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    # ----- shape and layout
    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: wrap(self._a.T))
    mT = property(lambda self: wrap(numpy.swapaxes(self._a, -1, -2)))
    real = property(lambda self: wrap(self._a.real))
    imag = property(lambda self: wrap(self._a.imag))

    @property
    def base(self):
        return None if self._a.base is None else wrap(self._a.base)

    @property
    def device(self):
        from .cuda import Device

        return Device(0)

    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    # ----- indexing: integer array indices wrap around, as CuPy documents (no IndexError)
    def __getitem__(self, key):
        return wrap(self._a[_wrapped(unwrap_index(key), self._a.shape)])

    def __setitem__(self, key, value):
        if isinstance(value, (numpy.ndarray, list, tuple)):
            standin.note_upload(value)
            value = numpy.asarray(unwrap(value, "__setitem__") if not isinstance(
                value, numpy.ndarray) else value)
        elif isinstance(value, ndarray):
            value = value._a
        self._a[_wrapped(unwrap_index(key), self._a.shape)] = value

    # ----- NumPy protocols: NumPy's functions dispatch to CuPy's, which refuse NumPy arrays
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        import cupy

        try:
            twin = getattr(cupy, ufunc.__name__)
        except AttributeError:
            return NotImplemented
        if "out" in kwargs:
            (kwargs["out"],) = kwargs["out"]
        if ufunc.__name__ in _COMPARISONS:  # CuPy's workaround for numpy/numpy#12142
            inputs = tuple(x.item() if isinstance(x, numpy.ndarray) and x.ndim == 0 else x
                           for x in inputs)
        if method == "__call__":
            return twin(*inputs, **kwargs)
        return getattr(twin, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        import cupy

        module = cupy
        try:
            for part in func.__module__.split(".")[1:]:
                module = getattr(module, part)
            twin = getattr(module, func.__name__)
        except AttributeError:
            return NotImplemented
        for t in types:
            if not issubclass(t, (ndarray, numpy.ndarray)):
                return NotImplemented
        return twin(*args, **kwargs)

    # ----- methods with CuPy's own signature
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        return wrap(self._a.astype(dtype, order=order, copy=copy,
                                   **({} if casting is None else {"casting": casting})))

    def dot(self, b, out=None):
        if not isinstance(b, ndarray) or (out is not None and not isinstance(out, ndarray)):
            raise TypeError(f"Argument 'b' has incorrect type (expected cupy.ndarray, got "
                            f"{type(b).__name__})")
        return wrap(numpy.dot(self._a, b._a, **({} if out is None else {"out": out._a})))

    def scatter_add(self, slices, value):
        numpy.add.at(self._a, unwrap_index(slices), unwrap(value, "ndarray.scatter_add"))

    def scatter_max(self, slices, value):
        numpy.maximum.at(self._a, unwrap_index(slices), unwrap(value, "ndarray.scatter_max"))

    def scatter_min(self, slices, value):
        numpy.minimum.at(self._a, unwrap_index(slices), unwrap(value, "ndarray.scatter_min"))


def _wrapped(key, shape):
    """``key`` with its integer arrays taken modulo the length of the axis each indexes."""
    parts = key if isinstance(key, tuple) else (key,)
    consumed = [0 if p is None or p is Ellipsis else
                p.ndim if isinstance(p, numpy.ndarray) and p.dtype == bool else 1
                for p in parts]
    axis, out = 0, []
    for part, width in zip(parts, consumed):
        if part is Ellipsis:
            axis = len(shape) - sum(consumed[len(out) + 1:])
        elif isinstance(part, numpy.ndarray) and part.dtype.kind in "iu" and axis < len(shape):
            part = part % shape[axis] if shape[axis] else part
        out.append(part)
        axis += width
    return tuple(out) if isinstance(key, tuple) else out[0]


def _method(name: str):
    parameters = _MEMBERS[name].get("parameters")

    def method(self, *args, **kwargs):
        check_keywords(f"ndarray.{name}", parameters, kwargs)
        args = unwrap(args, f"ndarray.{name}")
        kwargs = {k: unwrap(v, f"ndarray.{name}") for k, v in kwargs.items()}
        return wrap(getattr(self._a, name)(*args, **kwargs))

    method.__name__ = name
    return method


for _name, _entry in _MEMBERS.items():
    if (_entry["kind"] == "method" and not _name.startswith("_") and _name not in vars(ndarray)
            and hasattr(numpy.ndarray, _name)):
        setattr(ndarray, _name, _method(_name))


def _binary(name: str, ufunc_name: str):
    def forward(x, y):
        import cupy

        if not isinstance(y, ndarray) and _should_use_rop(x, y):
            return NotImplemented
        return getattr(cupy, ufunc_name)(x, y)

    def reflected(x, y):
        import cupy

        return getattr(cupy, ufunc_name)(y, x)

    def inplace(x, y):
        import cupy

        return getattr(cupy, ufunc_name)(x, y, out=x)

    setattr(ndarray, f"__{name}__", forward)
    setattr(ndarray, f"__r{name}__", reflected)
    if f"__i{name}__" in _MEMBERS:
        setattr(ndarray, f"__i{name}__", inplace)


for _name, _ufunc in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                      ("truediv", "true_divide"), ("floordiv", "floor_divide"),
                      ("mod", "remainder"), ("pow", "power"), ("matmul", "matmul"),
                      ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                      ("lshift", "left_shift"), ("rshift", "right_shift"),
                      ("divmod", "divmod")):
    _binary(_name, _ufunc)

for _name, _ufunc in (("lt", "less"), ("le", "less_equal"), ("eq", "equal"),
                      ("ne", "not_equal"), ("gt", "greater"), ("ge", "greater_equal")):
    def _compare(x, y, _ufunc=_ufunc, _name=_name):
        import cupy

        if not isinstance(y, ndarray):
            if _should_use_rop(x, y):
                return NotImplemented
            if _name in ("eq", "ne") and (y is None or type(y).__eq__ is object.__eq__):
                return cupy.full(x.shape, _name == "ne", dtype=bool)
        return getattr(cupy, _ufunc)(x, y)

    setattr(ndarray, f"__{_name}__", _compare)

for _name, _ufunc in (("neg", "negative"), ("pos", "positive"), ("abs", "absolute"),
                      ("invert", "invert")):
    setattr(ndarray, f"__{_name}__",
            lambda x, _ufunc=_ufunc: getattr(__import__("cupy"), _ufunc)(x))

