"""The autograd engine: ``Tensor``, the one place graph nodes are made, and the sweep.

A differentiable op computes its forward value on raw arrays, then calls
``record(value, parents, backward)``. While gradients are recorded and some parent needs
one, the result remembers its parents and the ``backward`` closure, which maps the
gradient of the result to one gradient (or ``None``) per parent. ``gradients`` sorts the
graph topologically, sweeps it in reverse and sums the contributions reaching each tensor.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Sequence

from .. import backend

__all__ = ["Tensor", "record", "no_grad", "enable_grad", "is_grad_enabled", "gradients",
           "unbroadcast", "as_array"]

_grad_enabled = True


class Tensor:
    """An array of the backend in force, plus what autograd needs to differentiate it.

    Attributes:
        data: the backend array (NumPy or CuPy).
        grad: the accumulated gradient after ``backward()``, or ``None``.
        requires_grad: whether gradients flow to this tensor.
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_logits",
                 "_logits_kind", "_keras_mask", "__weakref__")
    # Above NumPy's 0 and CuPy's 100: both defer ``array + tensor`` to ``Tensor.__radd__``
    # (CuPy only to a strictly higher priority).
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False):
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self._parents: tuple = ()
        self._backward: Callable | None = None
        self._logits = None  # set by softmax/sigmoid so cross-entropy can use the logits
        self._logits_kind = None  # "softmax" or "sigmoid": which one set _logits
        self._keras_mask = None

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def numpy(self):
        """A NumPy copy of the value (a view when the backend is NumPy)."""
        return backend.to_numpy(self.data)

    def item(self):
        backend.raise_pending()
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        array = backend.to_numpy(self.data)
        return array if dtype is None else array.astype(dtype, copy=False)

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        backend.raise_pending()
        return float(self.data)

    def __int__(self) -> int:
        backend.raise_pending()
        return int(self.data)

    def __bool__(self) -> bool:
        backend.raise_pending()
        return bool(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{metric.result():.2f}"``: a one-element tensor formats as its number."""
        if not spec:
            return str(self)
        if self.size == 1:
            return format(self.item(), spec)
        return format(self.numpy(), spec)  # NumPy's own error for a spec it cannot use

    def __repr__(self) -> str:
        return f"<Tensor shape={self.shape} dtype={self.dtype}>\n{self.numpy()!r}"

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulates d(self)/d(leaf) into ``leaf.grad`` for every leaf that needs it."""
        roots = gradients(self, None, gradient, retain_graph)
        for leaf, grad in roots:
            if leaf.grad is None:
                leaf.grad = grad.copy()
            else:
                leaf.grad += grad


def as_array(value, dtype=None):
    """The backend array behind a Tensor, array or Python value."""
    if isinstance(value, Tensor):
        return value.data
    if dtype is None and isinstance(value, float):
        dtype = backend.floatx()
    return backend.xp.asarray(value, dtype=dtype)


def is_grad_enabled() -> bool:
    return _grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled: bool):
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context manager: ops inside record no graph (predict and evaluate use it)."""
    return _grad_mode(False)


def enable_grad():
    """Context manager: ops inside record a graph, even within ``no_grad``."""
    return _grad_mode(True)


def record(data, parents: tuple, backward: Callable) -> Tensor:
    """Wraps an op's result; the one place graph nodes are made.

    ``backward(g)`` returns a tuple with one entry per parent: its gradient, or ``None``
    where the parent needs none (ops test ``parent.requires_grad`` to skip the work).
    """
    if _grad_enabled:
        for parent in parents:
            if parent.requires_grad:
                out = Tensor(data, True)
                out._parents = parents
                out._backward = backward
                return out
    return Tensor(data)


def _topological_order(root: Tensor) -> list[Tensor]:
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def gradients(target: Tensor, sources: Sequence[Tensor] | None, seed=None,
              retain_graph: bool = False):
    """Reverse sweep from ``target``.

    Returns a list with d(target)/d(source) for each of ``sources`` (``None`` where the
    target does not depend on it) or, when ``sources`` is None, ``(leaf, gradient)`` pairs
    for every leaf that requires a gradient. The graph is freed unless ``retain_graph``.
    """
    if not target.requires_grad:
        raise ValueError(
            "The target does not depend on any tensor that requires a gradient; "
            "was it computed under no_grad(), or from constants only?"
        )
    if seed is None:
        seed = backend.xp.ones_like(target.data)
    wanted = None if sources is None else {id(s) for s in sources}
    found: dict[int, object] = {}
    leaves = []
    grads = {id(target): as_array(seed, target.dtype)}
    for node in reversed(_topological_order(target)):
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if wanted is not None and id(node) in wanted:
            found[id(node)] = grad
        if node._backward is None:
            if wanted is None:
                leaves.append((node, grad))
            continue
        for parent, parent_grad in zip(node._parents, node._backward(grad)):
            if parent_grad is None or not parent.requires_grad:
                continue
            assert parent_grad.shape == parent.data.shape, (
                f"gradient shape {parent_grad.shape} != tensor shape {parent.data.shape}")
            key = id(parent)
            grads[key] = parent_grad if key not in grads else grads[key] + parent_grad
        if not retain_graph:
            node._parents, node._backward = (), None
    if sources is None:
        return leaves
    return [found.get(id(s)) for s in sources]


def unbroadcast(grad, shape: tuple):
    """Sums ``grad`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
