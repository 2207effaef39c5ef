"""What makes a layer a node of a functional graph: the symbolic call, the shape trace
that runs ``call`` on zeros, and the graph properties (``layer.input``, ``output``,
``get_input_at`` ...). ``Layer`` inherits them; they rely on its bookkeeping
(``_inbound_nodes``, ``_build_from``, ``_check_inputs``, ``compute_output_spec``).
"""

from __future__ import annotations

import contextvars

from .. import backend
from ..autograd import Tensor, no_grad
from .symbolic import KerasTensor, Node, flatten, is_shape, map_shapes, map_structure

__all__ = ["GraphCalls", "in_trace"]

# Set while ``Layer._trace`` runs a layer's ``call`` on zeros to infer output shapes:
# building a graph is not a step, so metric updates and ``add_loss`` record nothing.
_TRACING: contextvars.ContextVar = contextvars.ContextVar("tracing", default=False)


def in_trace() -> bool:
    """Whether a ``call`` now runs on zeros only to infer shapes (a functional graph or
    ``compute_output_shape`` being built); its metric updates and losses are dropped."""
    return _TRACING.get()


class GraphCalls:
    """The functional-graph half of ``Layer`` (a mixin: ``Layer`` is its only user)."""

    def _call_symbolic(self, inputs, args, kwargs):
        if not self.built:
            self._build_from(inputs)
        self._check_inputs(inputs)
        specs = self.compute_output_spec(inputs, *args, **kwargs)
        node_index = len(self._inbound_nodes)
        counter = iter(range(len(flatten(specs))))

        def to_symbolic(spec):
            index = next(counter)
            return KerasTensor(spec.shape, spec.dtype, name=self.name,
                               history=(self, node_index, index))

        outputs = map_structure(to_symbolic, specs)
        self._inbound_nodes.append(Node(self, (inputs,) + tuple(args), kwargs, outputs))
        return outputs

    def _trace(self, inputs, *args, **kwargs):
        """Infers the outputs by running ``call`` on zeros, with ``in_trace()`` true.

        When some input dimension is unknown (``None``), ``call`` runs twice, with 2 and
        then 3 for every unknown dimension; the output dimensions that change with them are
        unknown. When every input size is known, one run tells the output shapes.
        ``inputs`` holds KerasTensors or plain shape tuples (then in the layer's dtype).
        """
        sizes = (2, 3) if _has_unknown_dims((inputs, args, kwargs)) else (2,)
        token = _TRACING.set(True)
        try:
            results = [self._call_on_zeros(size, inputs, args, kwargs) for size in sizes]
        finally:
            _TRACING.reset(token)
        return _merge_traces(results[0], results[-1])

    def _call_on_zeros(self, size: int, inputs, args, kwargs):
        """``call`` on zeros standing for the symbolic inputs, ``size`` for unknown dims."""
        def concrete(t):
            if isinstance(t, KerasTensor):
                shape, dtype = t.shape, t.dtype
            elif is_shape(t):
                shape, dtype = t, self.dtype
            else:
                return t
            shape = tuple(size if d is None else d for d in shape)
            return Tensor(backend.xp.zeros(shape, dtype=dtype))

        def symbolic_only(t):
            return concrete(t) if isinstance(t, KerasTensor) else t

        real_kwargs = {k: map_structure(symbolic_only, v) for k, v in kwargs.items()}
        if self._call_takes_training:
            real_kwargs["training"] = False
        if not self._call_takes_mask:
            real_kwargs.pop("mask", None)
        with no_grad():
            return self.call(map_shapes(concrete, inputs),
                             *map_structure(symbolic_only, args), **real_kwargs)

    # ---- graph properties -----------------------------------------------------------
    def _only_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called and thus has no defined {what}.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer '{self.name}' has multiple inbound nodes, hence the notion of "
                f"'layer {what}' is ill-defined.")
        return self._inbound_nodes[0]

    @property
    def input(self):
        node = self._only_node("input")
        return node.call_args[0]

    @property
    def output(self):
        return self._only_node("output").outputs

    def _node_at(self, node_index, what: str) -> Node:
        if not isinstance(node_index, int) or not 0 <= node_index < len(self._inbound_nodes):
            raise ValueError(
                f"Asked to get {what} at node {node_index!r} of layer '{self.name}', but "
                f"the layer has only {len(self._inbound_nodes)} inbound node(s).")
        return self._inbound_nodes[node_index]

    def get_input_at(self, node_index: int):
        """The input tensor(s) of this layer's call number ``node_index`` (Keras 2)."""
        return self._node_at(node_index, "input").call_args[0]

    def get_output_at(self, node_index: int):
        """The output tensor(s) of this layer's call number ``node_index`` (Keras 2)."""
        return self._node_at(node_index, "output").outputs

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self.output)


def _has_unknown_dims(structure) -> bool:
    """Whether a KerasTensor or shape tuple in ``structure`` has a ``None`` dimension."""
    found = []

    def note(leaf):
        if isinstance(leaf, KerasTensor):
            found.append(None in leaf.shape)
        elif is_shape(leaf):
            found.append(None in tuple(leaf))
        return leaf

    map_shapes(note, structure)
    return any(found)


def _merge_traces(first, second):
    if isinstance(first, (list, tuple)):
        return type(first)(_merge_traces(a, b) for a, b in zip(first, second))
    if isinstance(first, dict):
        return {k: _merge_traces(first[k], second[k]) for k in first}
    if first is None:
        return None
    shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
    return KerasTensor(shape, first.dtype)
