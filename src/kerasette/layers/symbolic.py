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

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A symbolic KerasTensor has no value; it only describes the input of a "
            "functional model. Pass it to layers or to keras.Model(inputs, outputs), and "
            "call the model on real data.")


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
