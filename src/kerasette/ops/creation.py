"""Keras 3's array-making ops (``ones``, ``arange``, ``eye``, ``one_hot``, ...) and the
products ``tensordot``, ``einsum``, ``outer``, ``tril`` / ``triu``.

The makers return constant Tensors in ``floatx`` unless a dtype is given. The products
are differentiable: ``tensordot`` and ``outer`` are built from ``transpose``, ``reshape``
and ``matmul``; ``einsum`` has its own backward (one ``einsum`` per operand).
"""

from __future__ import annotations

from .. import backend
from ..autograd import Tensor, record
from .math import convert_to_tensor, matmul, multiply
from .shape import reshape, transpose

__all__ = ["array", "ones", "zeros", "full", "ones_like", "zeros_like", "full_like",
           "arange", "eye", "identity", "linspace", "tri", "one_hot", "tensordot",
           "einsum", "outer", "tril", "triu"]


def _float(dtype):
    return backend.floatx() if dtype is None else dtype


def array(x, dtype=None) -> Tensor:
    return convert_to_tensor(x, dtype)


def ones(shape, dtype=None) -> Tensor:
    return Tensor(backend.xp.ones(shape, dtype=_float(dtype)))


def zeros(shape, dtype=None) -> Tensor:
    return Tensor(backend.xp.zeros(shape, dtype=_float(dtype)))


def full(shape, fill_value, dtype=None) -> Tensor:
    return Tensor(backend.xp.full(shape, fill_value, dtype=_float(dtype)))


def ones_like(x, dtype=None) -> Tensor:
    return Tensor(backend.xp.ones_like(convert_to_tensor(x).data, dtype=dtype))


def zeros_like(x, dtype=None) -> Tensor:
    return Tensor(backend.xp.zeros_like(convert_to_tensor(x).data, dtype=dtype))


def full_like(x, fill_value, dtype=None) -> Tensor:
    return Tensor(backend.xp.full_like(convert_to_tensor(x).data, fill_value, dtype=dtype))


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Integers unless an argument or ``dtype`` is a float, as NumPy and Keras."""
    if stop is None:
        start, stop = 0, start
    if dtype is None and any(isinstance(v, float) for v in (start, stop, step)):
        dtype = backend.floatx()
    return Tensor(backend.xp.arange(start, stop, step, dtype=dtype))


def eye(N, M=None, k=0, dtype=None) -> Tensor:
    return Tensor(backend.xp.eye(N, M, k, dtype=_float(dtype)))


def identity(n, dtype=None) -> Tensor:
    return eye(n, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, dtype=None) -> Tensor:
    return Tensor(backend.xp.linspace(start, stop, num, endpoint=endpoint,
                                      dtype=_float(dtype)))


def tri(N, M=None, k=0, dtype=None) -> Tensor:
    return Tensor(backend.xp.tri(N, M, k, dtype=_float(dtype)))


def one_hot(x, num_classes: int, axis: int = -1, dtype=None) -> Tensor:
    """Class ids -> one-hot vectors along a new ``axis``; ids outside ``[0, num_classes)``
    give all-zero vectors, as Keras's ``ops.one_hot``."""
    ids = convert_to_tensor(x).data
    xp = backend.xp
    classes = xp.arange(int(num_classes))
    out = (ids[..., None] == classes).astype(_float(dtype))
    if axis not in (-1, out.ndim - 1):
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out)


def tensordot(a, b, axes=2) -> Tensor:
    """NumPy's ``tensordot``: sums over ``axes`` (an int: the last ``axes`` axes of ``a``
    and the first of ``b``; or two sequences of axes)."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = ([side] if isinstance(side, int) else list(side) for side in axes)
    axes_a = [axis % a.ndim for axis in axes_a]
    axes_b = [axis % b.ndim for axis in axes_b]
    free_a = [axis for axis in range(a.ndim) if axis not in axes_a]
    free_b = [axis for axis in range(b.ndim) if axis not in axes_b]
    size = 1
    for axis in axes_a:
        size *= a.shape[axis]
    left = reshape(transpose(a, free_a + axes_a), (-1, size))
    right = reshape(transpose(b, axes_b + free_b), (size, -1))
    shape = tuple(a.shape[axis] for axis in free_a) + tuple(b.shape[axis] for axis in free_b)
    return reshape(matmul(left, right), shape)


def outer(a, b) -> Tensor:
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tril(x, k: int = 0) -> Tensor:
    x = convert_to_tensor(x)
    mask = backend.xp.tri(x.shape[-2], x.shape[-1], k, dtype=x.dtype)
    return multiply(x, Tensor(mask))


def triu(x, k: int = 0) -> Tensor:
    x = convert_to_tensor(x)
    mask = 1 - backend.xp.tri(x.shape[-2], x.shape[-1], k - 1, dtype=x.dtype)
    return multiply(x, Tensor(mask))


def einsum(subscripts: str, *operands) -> Tensor:
    """``einsum`` with explicit output (``"ij,jk->ik"``) or NumPy's implicit one; no
    ellipsis and no index repeated inside one operand (a trace), which Keras code rarely
    writes. Each operand's gradient is one ``einsum`` of the output gradient with the
    other operands, broadcast over the indices only that operand had."""
    tensors = [convert_to_tensor(t) for t in operands]
    spec = subscripts.replace(" ", "")
    inputs_text, _, output = spec.partition("->")
    inputs = inputs_text.split(",")
    if "." in spec or len(inputs) != len(tensors):
        raise ValueError(f"einsum: expected {len(inputs)} operand(s) for {subscripts!r} "
                         f"without '...'; received {len(tensors)}.")
    if "->" not in spec:
        letters = "".join(inputs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for term in inputs:
        if len(set(term)) != len(term):
            raise ValueError(f"einsum: an index repeated inside one operand ({term!r} in "
                             f"{subscripts!r}) is not supported.")
    xp = backend.xp
    out = xp.einsum(f"{','.join(inputs)}->{output}", *(t.data for t in tensors))

    def backward(g):
        grads = []
        for index, tensor in enumerate(tensors):
            if not tensor.requires_grad:
                grads.append(None)
                continue
            others = [term for i, term in enumerate(inputs) if i != index]
            known = set(output).union(*others)
            target = "".join(c for c in inputs[index] if c in known)
            grad = xp.einsum(f"{','.join([output] + others)}->{target}", g,
                             *(t.data for i, t in enumerate(tensors) if i != index))
            for position, letter in enumerate(inputs[index]):  # summed-away indices
                if letter not in known:
                    grad = xp.expand_dims(grad, position)
            grads.append(xp.broadcast_to(grad, tensor.shape).astype(tensor.dtype))
        return tuple(grads)

    return record(out, tuple(tensors), backward)
