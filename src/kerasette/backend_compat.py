"""Keras 2's ``keras.backend`` functions (``from kerasette import backend as K``).

Thin doors onto ``kerasette.ops``, with Keras 2's names and argument spellings, so custom
losses and layers written with ``K`` run (and differentiate) unchanged. ``kerasette.backend``
re-exports these names lazily; this module sits above ``ops`` so the backend floor itself
imports nothing from above.

>>> from kerasette import backend as K
>>> K.int_shape(K.zeros((2, 3)))
(2, 3)
"""

from __future__ import annotations

from . import backend as _backend, ops
from .autograd import Tensor, Variable, no_grad
from .layers.symbolic import KerasTensor

__all__ = [
    "sum", "mean", "std", "var", "max", "min", "prod", "any", "all", "cumsum", "square",
    "sqrt", "abs", "clip", "round", "exp", "log", "pow", "sign", "maximum", "minimum",
    "dot", "batch_dot", "concatenate", "reshape", "flatten", "batch_flatten", "expand_dims",
    "squeeze", "stack", "transpose", "int_shape", "shape", "ndim", "dtype", "cast",
    "variable", "constant", "eval", "zeros", "ones", "zeros_like", "ones_like",
    "learning_phase", "softmax", "relu", "sigmoid", "tanh", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "argmax", "argmin",
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "l2_normalize",
    "function",
]

# Reductions, elementwise math and shapes: Keras 2's signatures are kerasette.ops's own.
sum, mean, std, var, max, min, prod = (  # noqa: A001
    ops.sum, ops.mean, ops.std, ops.var, ops.max, ops.min, ops.prod)
square, abs, round, exp, log, sign = (  # noqa: A001
    ops.square, ops.abs, ops.round, ops.exp, ops.log, ops.sign)
maximum, minimum, pow, cast = ops.maximum, ops.minimum, ops.power, ops.cast  # noqa: A001
equal, not_equal, greater, greater_equal, less, less_equal = (
    ops.equal, ops.not_equal, ops.greater, ops.greater_equal, ops.less, ops.less_equal)
stack, softmax, sigmoid, tanh = ops.stack, ops.softmax, ops.sigmoid, ops.tanh
batch_flatten = ops.flatten  # ops.flatten keeps the batch axis, as K.batch_flatten does


def any(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    """Logical OR along ``axis`` (a boolean tensor)."""
    return ops.any(x, axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    """Logical AND along ``axis`` (a boolean tensor)."""
    return ops.all(x, axis=axis, keepdims=keepdims)


def concatenate(tensors, axis=-1) -> Tensor:
    """Joins ``tensors`` along ``axis`` (default the last)."""
    return ops.concatenate(tensors, axis=axis)


def sqrt(x) -> Tensor:
    """``sqrt(max(x, 0))``: Keras 2 clips negative inputs to zero first."""
    return ops.sqrt(ops.maximum(x, 0.0))


def clip(x, min_value, max_value) -> Tensor:
    """Clamps to ``[min_value, max_value]``; ``max_value=None`` means no upper bound and a
    ``max_value`` below ``min_value`` is raised to it, as in Keras 2."""
    if max_value is None:
        max_value = float("inf")
    if min_value is not None and max_value < min_value:
        max_value = min_value
    return ops.clip(x, min_value, max_value)


def cumsum(x, axis=0) -> Tensor:
    """Cumulative sum along ``axis`` (Keras 2's default axis 0; ``ops.cumsum`` flattens)."""
    return ops.cumsum(x, axis=axis)


def dot(x, y) -> Tensor:
    """NumPy's ``dot``: sums the last axis of ``x`` with the second-to-last of ``y``
    (shape ``x.shape[:-1] + y.shape[:-2] + y.shape[-1:]``)."""
    x, y = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
    if y.ndim <= 2:
        return ops.matmul(x, y)
    front = ops.reshape(ops.moveaxis(y, -2, 0), (y.shape[-2], -1))
    flat = ops.matmul(ops.reshape(x, (-1, x.shape[-1])), front)
    rest = y.shape[:-2] + y.shape[-1:]
    return ops.reshape(flat, x.shape[:-1] + tuple(rest))


def batch_dot(x, y, axes=None) -> Tensor:
    """Per-sample dot product: for each batch entry, sums ``x``'s axis ``axes[0]`` with
    ``y``'s axis ``axes[1]``.

    Args:
        x, y: tensors with a shared batch axis 0 and at least 2 dimensions.
        axes: an int (both axes) or a pair; default: ``x``'s last axis with ``y``'s last
            (2-D ``y``) or second-to-last axis.

    Returns:
        The shape of ``x`` without ``axes[0]`` followed by that of ``y`` without its batch
        axis and ``axes[1]``; a ``(batch,)`` result becomes ``(batch, 1)``.

    Example: ``x`` of shape ``(32, 20)`` and ``y`` of shape ``(32, 30, 20)`` with
    ``axes=(1, 2)`` give ``(32, 30)``.
    """
    x, y = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"batch_dot: both inputs need at least 2 dimensions; received "
                         f"shapes {x.shape} and {y.shape}.")
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    if ax == 0 or ay == 0 or x.shape[ax] != y.shape[ay] or x.shape[0] != y.shape[0]:
        raise ValueError(f"batch_dot: cannot contract axis {axes[0]} of shape {x.shape} "
                         f"with axis {axes[1]} of shape {y.shape} (the batch axis 0 is "
                         "shared and cannot be summed).")
    x, y = ops.moveaxis(x, ax, -1), ops.moveaxis(y, ay, 1)
    batch, n = x.shape[0], x.shape[-1]
    out = ops.matmul(ops.reshape(x, (batch, -1, n)), ops.reshape(y, (batch, n, -1)))
    out = ops.reshape(out, (batch,) + x.shape[1:-1] + y.shape[2:])
    return ops.expand_dims(out, 1) if out.ndim == 1 else out


def reshape(x, shape) -> Tensor:
    return ops.reshape(x, tuple(shape))


def flatten(x) -> Tensor:
    """All entries in one axis (``K.batch_flatten`` keeps the batch axis)."""
    return ops.reshape(x, (-1,))


def expand_dims(x, axis=-1) -> Tensor:
    return ops.expand_dims(x, axis)


def squeeze(x, axis) -> Tensor:
    return ops.squeeze(x, axis)


def transpose(x) -> Tensor:
    """Reverses the order of the axes."""
    return ops.transpose(x)


def int_shape(x) -> tuple:
    """The shape as a tuple of ints (``None`` for unknown sizes of a symbolic tensor)."""
    return tuple(x.shape)


def shape(x):
    """The shape: an int32 tensor for a concrete tensor, a tuple for a symbolic one."""
    if isinstance(x, KerasTensor):
        return x.shape
    return Tensor(_backend.xp.asarray(ops.convert_to_tensor(x).shape, dtype="int32"))


def ndim(x) -> int:
    return len(x.shape)


def dtype(x) -> str:
    """The dtype name, such as ``"float32"``."""
    return x.dtype if isinstance(x, (str, KerasTensor)) else _backend.xp.dtype(x.dtype).name


def variable(value, dtype=None, name=None, constraint=None) -> Variable:
    """A trainable ``Variable`` holding ``value`` (default dtype ``floatx()``)."""
    var_ = Variable(_on_device(value, dtype), dtype=dtype, name=name)
    var_.constraint = constraint
    return var_


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A constant tensor; a scalar ``value`` with a ``shape`` fills that shape."""
    data = _on_device(value, dtype or _backend.floatx())
    if shape is not None:
        data = _backend.xp.array(_backend.xp.broadcast_to(data, tuple(shape)))
    return Tensor(data)


def eval(x):  # noqa: A001
    """The value of a tensor or variable, as a NumPy array."""
    return _backend.get_value(x)


def zeros(shape, dtype=None, name=None) -> Variable:
    """An all-zeros variable (Keras 2 returns a variable here)."""
    dtype = dtype or _backend.floatx()
    return Variable(_backend.xp.zeros(tuple(shape), dtype=dtype), dtype=dtype, name=name)


def ones(shape, dtype=None, name=None) -> Variable:
    """An all-ones variable."""
    dtype = dtype or _backend.floatx()
    return Variable(_backend.xp.ones(tuple(shape), dtype=dtype), dtype=dtype, name=name)


def zeros_like(x, dtype=None, name=None) -> Tensor:
    x = ops.convert_to_tensor(x)
    return Tensor(_backend.xp.zeros(x.shape, dtype=dtype or x.dtype))


def ones_like(x, dtype=None, name=None) -> Tensor:
    x = ops.convert_to_tensor(x)
    return Tensor(_backend.xp.ones(x.shape, dtype=dtype or x.dtype))


def learning_phase() -> int:
    """0 (inference): ``fit`` passes ``training=True`` to layers itself."""
    return 0


def relu(x, alpha=0.0, max_value=None, threshold=0.0) -> Tensor:
    """``max(x, threshold)``, with slope ``alpha`` below ``threshold`` and a cap at
    ``max_value``."""
    return ops.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def binary_crossentropy(target, output, from_logits=False) -> Tensor:
    """Elementwise binary cross-entropy (not averaged)."""
    return ops.binary_crossentropy(target, output, from_logits=from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1) -> Tensor:
    """Per-sample categorical cross-entropy along ``axis``."""
    return ops.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1) -> Tensor:
    return ops.sparse_categorical_crossentropy(target, output, from_logits=from_logits,
                                               axis=axis)


def argmax(x, axis=-1) -> Tensor:
    return ops.argmax(x, axis=axis)


def argmin(x, axis=-1) -> Tensor:
    return ops.argmin(x, axis=axis)


def l2_normalize(x, axis=None) -> Tensor:
    """``x / sqrt(max(sum(x**2, axis), 1e-12))``."""
    return ops.normalize(x, axis=axis, order=2)


def function(inputs, outputs, updates=None, name=None):
    """A callable that runs a functional graph: ``f(input_values) -> output values``.

    Args:
        inputs: the graph's symbolic input tensor(s) (``keras.Input``).
        outputs: symbolic tensor(s) computed from them.

    Returns:
        ``f(values)``: ``values`` a list with one array per input; returns a list of
        NumPy arrays, one per output (in inference mode).
    """
    from .models.functional import Functional

    single_in = not isinstance(inputs, (list, tuple))
    single_out = not isinstance(outputs, (list, tuple))
    graph = Functional(list(inputs) if not single_in else [inputs],
                       list(outputs) if not single_out else [outputs], name=name)

    def run(values):
        values = [values] if single_in and not isinstance(values, (list, tuple)) else values
        with no_grad():
            results = graph([_backend.to_device_floatx(v) for v in values], training=False)
        results = results if isinstance(results, (list, tuple)) else [results]
        return [_backend.get_value(r) for r in results]

    return run


def _on_device(value, dtype=None):
    """``value`` on the backend in force: as ``dtype``, or float64 data as floatx."""
    data = value.data if isinstance(value, Tensor) else value
    return _backend.to_device_floatx(data) if dtype is None else _backend.to_device(data, dtype)
