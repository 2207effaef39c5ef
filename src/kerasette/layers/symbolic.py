"""Symbolic tensors and the nodes that record a functional graph.

Calling a layer on a ``KerasTensor`` (what ``keras.Input`` returns) computes no numbers:
it records a ``Node`` (the layer, its symbolic inputs and call arguments, its symbolic
outputs) and returns new ``KerasTensor``s that remember the node. ``models.Model``
walks these nodes back from its outputs to run the graph.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["KerasTensor", "Node", "map_structure", "flatten", "any_symbolic", "is_shape",
           "map_shapes"]


class KerasTensor:
    """A placeholder with a shape (``None`` for unknown sizes) and a dtype, but no value.

    Attributes:
        shape: tuple of ints or None; the first axis is the batch.
        dtype: the dtype name.
        name: a readable name (the Input's name for graph inputs).
    """

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype).name
        self.name = name
        self._keras_history = history  # (layer, node_index, tensor_index) or None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    # Arithmetic records an OpLayer node; NumPy defers to the reflected methods below.
    __array_ufunc__ = None

    def __add__(self, other):
        return _apply_op("add", self, other)

    def __radd__(self, other):
        return _apply_op("add", other, self)

    def __sub__(self, other):
        return _apply_op("subtract", self, other)

    def __rsub__(self, other):
        return _apply_op("subtract", other, self)

    def __mul__(self, other):
        return _apply_op("multiply", self, other)

    def __rmul__(self, other):
        return _apply_op("multiply", other, self)

    def __truediv__(self, other):
        return _apply_op("divide", self, other)

    def __rtruediv__(self, other):
        return _apply_op("divide", other, self)

    def __pow__(self, other):
        return _apply_op("power", self, other)

    def __rpow__(self, other):
        return _apply_op("power", other, self)

    def __neg__(self):
        return _apply_op("negative", self)

    def __abs__(self):
        return _apply_op("abs", self)

    def __getitem__(self, key):
        from .operation import OpLayer, encode_key
        return OpLayer("getitem", [None, encode_key(key)])(self)

    def __iter__(self):
        # Without this, __getitem__ would make Python iterate with x[0], x[1], ...
        raise TypeError(f"A symbolic KerasTensor of shape {self.shape} is not iterable; "
                        f"index it (x[:, 0]) or use a layer such as Reshape or Permute.")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A symbolic KerasTensor has no value; it only describes the input of a "
            "functional model. Pass it to layers or to keras.Model(inputs, outputs), and "
            "call the model on real data.")


def _apply_op(op: str, *operands):
    """Calls an ``OpLayer`` on the symbolic operands, keeping the numbers as constants."""
    from .operation import OpLayer, _is_number
    for value in operands:
        if isinstance(value, np.ndarray):
            raise TypeError(
                f"Symbolic tensor arithmetic ({op}) takes KerasTensors and Python numbers, "
                f"received a NumPy array of shape {value.shape}. Make it a weight of a layer, "
                f"or a keras.Input, instead.")
        if not (isinstance(value, KerasTensor) or _is_number(value)):
            return NotImplemented
    tensors = [v for v in operands if isinstance(v, KerasTensor)]
    constants = [None if isinstance(v, KerasTensor) else v for v in operands]
    layer = OpLayer(op, constants)
    return layer(tensors[0] if len(tensors) == 1 else tensors)


class Node:
    """One call of a layer inside a functional graph."""

    def __init__(self, layer, call_args: tuple, call_kwargs: dict, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((call_args, call_kwargs))
                              if isinstance(t, KerasTensor)]
        self.output_tensors = flatten(outputs)

    @property
    def parent_nodes(self) -> list["Node"]:
        parents = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            parents.append(layer._inbound_nodes[node_index])
        return parents


def map_structure(fn: Callable, structure):
    """Applies ``fn`` to every leaf of nested lists, tuples and dicts."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def flatten(structure) -> list:
    """The leaves of nested lists, tuples and dicts, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in flatten(s)]
    if isinstance(structure, dict):
        return [leaf for v in structure.values() for leaf in flatten(v)]
    return [structure]


def any_symbolic(structure) -> bool:
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


def is_shape(value) -> bool:
    """True for a shape: a tuple (or list) of ints and Nones."""
    return isinstance(value, (tuple, list)) and all(
        isinstance(d, (int, np.integer, type(None))) for d in value)


def map_shapes(fn, structure):
    """Like ``map_structure``, but a shape tuple is a leaf, not a sequence to enter."""
    if isinstance(structure, (list, tuple)) and not (structure and is_shape(structure)):
        return type(structure)(map_shapes(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_shapes(fn, v) for k, v in structure.items()}
    if is_shape(structure):
        return fn(tuple(structure))
    return fn(structure)
