"""The ONNX form of the ``kerasette.ops`` calls recorded in a subclassed model's ``call``.

A converter takes an ``OpCall``: the graph under construction, the op's arguments bound
to its signature (tensors, Python numbers, shapes and axes, as called) and the concrete
result of the traced sample; it returns the ONNX name of the result. The sample's
tensors give ranks and static sizes; the batch axis stays dynamic.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Tensor

__all__ = ["OpCall", "OP_CONVERTERS"]

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


class OpCall:
    """One recorded op being converted.

    Attributes:
        g: the ``OnnxGraph``; ``p``: the bound arguments; ``out``: the sample result;
        ``name``: the base name of the new nodes; ``operand(value, like)``: the ONNX name
        of a tensor, or of a constant made from a number or array in ``like``'s dtype;
        ``twin``: the same arguments in the trace of a batch of another size.
    """

    def __init__(self, g, params: dict, out, name: str, operand, twin: dict):
        self.g, self.p, self.out, self.name, self._operand = g, params, out, name, operand
        self.twin = twin

    def x(self, key: str = "x", like=None) -> str:
        return self._operand(self.p[key], like if like is not None else self._like())

    def _like(self):
        tensors = [v for v in self.p.values() if isinstance(v, Tensor)]
        return tensors[0] if tensors else self.out

    def ints(self, name: str, values) -> str:
        return self.g.const(f"{self.name}/{name}", list(values), np.int64)

    def op(self, op_type: str, inputs: list[str], suffix: str = "", **attributes) -> str:
        return self.g.op(op_type, inputs, self.name + suffix, **attributes)

    def rank(self, key: str = "x") -> int:
        value = self.p[key]
        return value.ndim if isinstance(value, Tensor) else np.ndim(value)


def _unary(op_type: str):
    return lambda c: c.op(op_type, [c.x()])


def _binary(op_type: str, a: str = "a", b: str = "b"):
    return lambda c: c.op(op_type, [c.x(a), c.x(b)])


def _scaled(op_type: str, factor: float = None, **attributes):
    """``op(x) * factor`` (or just ``op(x)``), e.g. ``relu6``'s clip or selu's scale."""
    def convert(c):
        if factor is None:
            return c.op(op_type, [c.x()], **attributes)
        y = c.op(op_type, [c.x()], "/inner", **attributes)
        return c.op("Mul", [y, c.g.const(c.name + "/factor", factor, c.out.dtype)])
    return convert


def _identity(c):
    return c.x()


def _square(c):
    x = c.x()
    return c.op("Mul", [x, x])


def _not_equal(c):
    return c.op("Not", [c.op("Equal", [c.x("a"), c.x("b")], "/equal")])


def _where(c):
    like = c.p["a"] if isinstance(c.p["a"], Tensor) else c.p["b"]
    like = like if isinstance(like, Tensor) else c.out
    return c.op("Where", [c.x("condition"), c.x("a", like), c.x("b", like)])


def _relu(c):
    p = c.p
    if p.get("threshold", 0) or p.get("alpha") is not None:
        raise ValueError(f"{c.name}: keras.ops.relu with `threshold` or `alpha` has no ONNX "
                         f"form in kerasette yet.")
    slope = float(p.get("negative_slope") or 0.0)
    y = c.op("LeakyRelu", [c.x()], "/relu", alpha=slope) if slope else c.op(
        "Relu", [c.x()], "/relu")
    if p.get("max_value") is None:
        return y
    return c.op("Min", [y, c.g.const(c.name + "/max_value", p["max_value"], c.out.dtype)])


def _relu6(c):
    dtype = c.out.dtype
    return c.op("Clip", [c.x(), c.g.const(c.name + "/zero", 0, dtype),
                         c.g.const(c.name + "/six", 6, dtype)])


def _clip(c):
    like = c.p["x"]
    return c.op("Clip", [c.x(), c.x("x_min", like), c.x("x_max", like)])


def _silu(c):
    x = c.x()
    return c.op("Mul", [x, c.op("Sigmoid", [x], "/sigmoid")])


def _gelu(c):
    x, dtype, n = c.x(), c.out.dtype, c.name
    if c.p.get("approximate", True):
        cube = c.op("Mul", [c.op("Mul", [x, x], "/x2"), x], "/x3")
        inner = c.op("Add", [x, c.op("Mul", [cube, c.g.const(n + "/k", 0.044715, dtype)],
                                     "/kx3")], "/inner")
        scaled = c.op("Mul", [inner, c.g.const(n + "/c", math.sqrt(2 / math.pi), dtype)],
                      "/scaled")
        core = c.op("Tanh", [scaled], "/tanh")
    else:
        core = c.op("Erf", [c.op("Div", [x, c.g.const(n + "/sqrt2", math.sqrt(2), dtype)],
                                 "/scaled")], "/erf")
    one_plus = c.op("Add", [core, c.g.const(n + "/one", 1.0, dtype)], "/one_plus")
    return c.op("Mul", [c.op("Mul", [x, c.g.const(n + "/half", 0.5, dtype)], "/half_x"),
                        one_plus])


def _softmax(op_type: str):
    def convert(c):
        axis = c.p.get("axis", -1)
        if not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{c.name}: only a single softmax axis is exported, received "
                             f"axis={axis!r}.")
        return c.op(op_type, [c.x()], axis=int(axis))
    return convert


def _dense(c):
    y = c.op("MatMul", [c.x(), c.x("kernel")], "/matmul")
    if c.p.get("bias") is not None:
        y = c.op("Add", [y, c.x("bias")], "/bias_add")
    return c.op("Relu", [y]) if c.p.get("relu") else c.op("Identity", [y])


def _filled(value=None):
    """``zeros_like`` / ``ones_like`` / ``full_like``: the input's runtime shape, filled."""
    def convert(c):
        from .onnx_export import _import_onnx
        fill = np.asarray(c.p["fill_value"] if value is None else value, c.out.dtype)
        tensor = _import_onnx().numpy_helper.from_array(fill.reshape(1), c.name + "/value")
        shape = c.op("Shape", [c.x()], "/shape")
        return c.op("ConstantOfShape", [shape], value=tensor)
    return convert


def _cast(c):
    from .onnx_export import _import_onnx
    to = _import_onnx().helper.np_dtype_to_tensor_dtype(np.dtype(c.out.dtype))
    return c.op("Cast", [c.x()], to=int(to))


# shapes and axes ---------------------------------------------------------------------
def _reshape(c):
    """A target size that follows the batch (it differs between the two traces) becomes
    ONNX's ``0`` (copy the input's size) on axis 0, else ``-1``."""
    shape, other = _axes(c.p["new_shape"]), _axes(c.twin["new_shape"])
    varying = [i for i, (n, m) in enumerate(zip(shape, other)) if n != m]
    x, twin_x = c.p["x"], c.twin["x"]
    if varying == [0] and x.ndim and (shape[0], other[0]) == (x.shape[0], twin_x.shape[0]):
        shape[0] = 0
    elif len(varying) == 1 and len(shape) == len(other) and -1 not in shape:
        shape[varying[0]] = -1
    elif varying or len(shape) != len(other):
        raise ValueError(f"keras.ops.reshape: the target shape {tuple(shape)} changes with "
                         f"the batch size in more than one place; write -1 for one size.")
    return c.op("Reshape", [c.x(), c.ints("shape", shape)])


def _flatten(c):
    return c.op("Reshape", [c.x(), c.ints("shape", [-1])])


def _transpose(c):
    axes = c.p.get("axes")
    perm = list(range(c.rank())[::-1]) if axes is None else [int(a) % c.rank() for a in axes]
    return c.op("Transpose", [c.x()], perm=perm)


def _swapaxes(c):
    perm, rank = list(range(c.rank())), c.rank()
    a, b = int(c.p["axis1"]) % rank, int(c.p["axis2"]) % rank
    perm[a], perm[b] = perm[b], perm[a]
    return c.op("Transpose", [c.x()], perm=perm)


def _moveaxis(c):
    rank = c.rank()
    source, destination = int(c.p["source"]) % rank, int(c.p["destination"]) % rank
    perm = [a for a in range(rank) if a != source]
    perm.insert(destination, source)
    return c.op("Transpose", [c.x()], perm=perm)


def _axes(value) -> list[int]:
    return [int(a) for a in ((value,) if isinstance(value, (int, np.integer)) else value)]


def _expand_dims(c):
    return c.op("Unsqueeze", [c.x(), c.ints("axes", _axes(c.p["axis"]))])


def _squeeze(c):
    axis = c.p.get("axis")
    x = c.p["x"]
    axes = [i for i, n in enumerate(x.shape) if n == 1] if axis is None else _axes(axis)
    return c.op("Squeeze", [c.x(), c.ints("axes", axes)])


def _reduce(op_type: str, axes_as_input: bool = False):
    """Opset 17 takes ``ReduceSum``'s axes as an input, the others' as an attribute."""
    def convert(c):
        axis = c.p.get("axis")
        axes = list(range(c.rank())) if axis is None else _axes(axis)
        keepdims = int(bool(c.p.get("keepdims", False)))
        if axes_as_input:
            return c.op(op_type, [c.x(), c.ints("axes", axes)], keepdims=keepdims)
        return c.op(op_type, [c.x()], axes=axes, keepdims=keepdims)
    return convert


def _concatenate(c):
    tensors = c.p["tensors"]
    like = next(t for t in tensors if isinstance(t, Tensor))
    names = [c._operand(t, like) for t in tensors]
    return c.op("Concat", names, axis=int(c.p.get("axis", 0)))


def _stack(c):
    tensors = c.p["tensors"]
    like = next(t for t in tensors if isinstance(t, Tensor))
    axis = int(c.p.get("axis", 0))
    axes = c.ints("axes", [axis])
    names = [c.g.op("Unsqueeze", [c._operand(t, like), axes], f"{c.name}/item{i}")
             for i, t in enumerate(tensors)]
    return c.op("Concat", names, axis=axis)


def _getitem(c):
    """Basic indexing (ints, slices, ``...``, ``None``): one Slice, a Squeeze for the int
    indices, an Unsqueeze for the new axes."""
    x, key = c.p["x"], c.p["key"]
    key = list(key) if isinstance(key, tuple) else [key]
    for k in key:
        if not (k is None or k is Ellipsis or isinstance(k, slice)
                or (isinstance(k, (int, np.integer)) and not isinstance(k, bool))):
            raise ValueError(f"{c.name}: only ints, slices, `...` and None index a tensor "
                             f"in an ONNX export; received {type(k).__name__}.")
    if Ellipsis in key:
        at = key.index(Ellipsis)
        used = sum(k is not None and k is not Ellipsis for k in key)
        key[at:at + 1] = [slice(None)] * (x.ndim - used)
    starts, ends, axes, steps, squeeze, new_axes = [], [], [], [], [], []
    axis = out_axis = 0
    for k in key:
        if k is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)
            start = (0 if step > 0 else _INT64_MAX) if k.start is None else int(k.start)
            end = (_INT64_MAX if step > 0 else _INT64_MIN) if k.stop is None else int(k.stop)
            if (start, end, step) != (0, _INT64_MAX, 1):
                starts, ends, axes, steps = (starts + [start], ends + [end], axes + [axis],
                                             steps + [step])
            out_axis += 1
        else:
            index = int(k)
            starts, ends, axes, steps = (starts + [index],
                                         ends + [index + 1 if index != -1 else _INT64_MAX],
                                         axes + [axis], steps + [1])
            squeeze.append(axis)
        axis += 1
    y = c.x()
    if axes:
        y = c.op("Slice", [y, c.ints("starts", starts), c.ints("ends", ends),
                           c.ints("axes", axes), c.ints("steps", steps)], "/slice")
    if squeeze:
        y = c.op("Squeeze", [y, c.ints("squeeze", squeeze)], "/squeeze")
    if new_axes:
        y = c.op("Unsqueeze", [y, c.ints("new_axes", new_axes)], "/unsqueeze")
    return c.op("Identity", [y])


OP_CONVERTERS = {
    "add": _binary("Add"), "subtract": _binary("Sub"), "multiply": _binary("Mul"),
    "divide": _binary("Div"), "true_divide": _binary("Div"), "power": _binary("Pow"),
    "maximum": _binary("Max"), "minimum": _binary("Min"), "matmul": _binary("MatMul"),
    "equal": _binary("Equal"), "not_equal": _not_equal, "greater": _binary("Greater"),
    "greater_equal": _binary("GreaterOrEqual"), "less": _binary("Less"),
    "less_equal": _binary("LessOrEqual"),
    "where": _where,
    "negative": _unary("Neg"), "abs": _unary("Abs"), "absolute": _unary("Abs"),
    "exp": _unary("Exp"), "log": _unary("Log"), "sqrt": _unary("Sqrt"),
    "square": _square, "reciprocal": _unary("Reciprocal"), "erf": _unary("Erf"),
    "sin": _unary("Sin"), "cos": _unary("Cos"), "tanh": _unary("Tanh"),
    "floor": _unary("Floor"), "ceil": _unary("Ceil"), "sign": _unary("Sign"),
    "sigmoid": _unary("Sigmoid"), "softplus": _unary("Softplus"),
    "softsign": _unary("Softsign"), "exponential": _unary("Exp"),
    "relu": _relu, "relu6": _relu6, "clip": _clip, "silu": _silu, "gelu": _gelu,
    "elu": lambda c: c.op("Elu", [c.x()], alpha=float(c.p.get("alpha", 1.0))),
    "selu": _scaled("Elu", 1.0507009873554805, alpha=1.6732632423543772),
    "leaky_relu": lambda c: c.op("LeakyRelu", [c.x()],
                                 alpha=float(c.p.get("negative_slope", 0.2))),
    "softmax": _softmax("Softmax"), "log_softmax": _softmax("LogSoftmax"),
    "linear": _identity, "convert_to_tensor": _identity, "stop_gradient": _identity,
    "dense": _dense, "cast": _cast, "zeros_like": _filled(0), "ones_like": _filled(1),
    "full_like": _filled(),
    "reshape": _reshape, "flatten": _flatten, "ravel": _flatten, "transpose": _transpose,
    "swapaxes": _swapaxes, "moveaxis": _moveaxis, "expand_dims": _expand_dims,
    "squeeze": _squeeze, "concatenate": _concatenate, "stack": _stack, "getitem": _getitem,
    "sum": _reduce("ReduceSum", axes_as_input=True), "mean": _reduce("ReduceMean"),
    "max": _reduce("ReduceMax"), "min": _reduce("ReduceMin"),
}
