"""The functional graph: ``Model(inputs, outputs)`` over the nodes that layers record."""

from __future__ import annotations

from .. import ops
from ..autograd import Tensor
from ..layers import InputLayer, KerasTensor
from ..layers.base import Layer
from ..layers.symbolic import flatten, map_structure
from .legacy import keras1_arguments
from .model import Model

__all__ = ["Functional", "conform_dtype"]


class Functional(Model):
    """A model defined by symbolic inputs and outputs (what ``Model(inputs, outputs)`` makes).

    Args:
        inputs: a KerasTensor from ``keras.Input``, or a list/dict of them.
        outputs: KerasTensors computed from ``inputs`` by calling layers.
        name: the model's name.

    Keras 1's ``Model(input=..., output=...)`` is accepted with a warning.
    """

    @keras1_arguments("Model", input="inputs", output="outputs")
    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_trainer()
        self._input_struct = inputs
        self._output_struct = outputs
        self._inputs = flatten(inputs)
        self._outputs = flatten(outputs)
        for t in self._inputs + self._outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"Model '{self.name}': all `inputs` and `outputs` must be symbolic tensors "
                    f"made by `keras.Input` and layers; received {type(t).__name__}: {t!r}.")
        for t in self._inputs:
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    f"Model '{self.name}': every input must come from `keras.Input`; "
                    f"received a tensor produced by layer '{t._keras_history[0].name}'.")
        self._nodes = self._walk()
        self._layers = _keras_order(self._inputs, self._outputs)
        self._sublayers = [layer for layer in self._layers if not isinstance(layer, InputLayer)]
        self.built = True

    def _walk(self) -> list:
        """The nodes between inputs and outputs, in an order where parents come first."""
        input_ids = {id(t) for t in self._inputs}
        order, done = [], set()

        def visit(tensor: KerasTensor) -> None:
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in done:
                return
            if isinstance(layer, InputLayer) and id(tensor) not in input_ids:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {tensor!r} at layer "
                    f"'{layer.name}'. The following previous layers were accessed without "
                    f"issue: {[n.layer.name for n in order]}. Pass this input to the model's "
                    f"`inputs`.")
            for parent in node.input_tensors:
                visit(parent)
            done.add(id(node))
            order.append(node)

        for t in self._inputs:
            visit(t)
        for t in self._outputs:
            visit(t)
        return order

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._outputs)

    @property
    def input(self):
        return self._input_struct

    @property
    def output(self):
        return self._output_struct

    @property
    def input_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self._inputs]

    @property
    def output_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self._outputs]

    def call(self, inputs, training=None, mask=None):
        flat = [conform_dtype(self._adjust_rank(value, ref), ref)
                for value, ref in zip(self._match_inputs(inputs), self._inputs)]
        values = {id(kt): value for kt, value in zip(self._inputs, flat)}

        def real(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v

        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = map_structure(real, node.call_args)
            kwargs = {k: map_structure(real, v) for k, v in node.call_kwargs.items()}
            kwargs.setdefault("training", training)
            outputs = node.layer(*args, **kwargs)
            for kt, value in zip(node.output_tensors, flatten(outputs)):
                values[id(kt)] = value
        return map_structure(real, self._output_struct)

    def _match_inputs(self, inputs) -> list:
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}': missing data for inputs {missing}; "
                                 f"expected keys {self.input_names}.")
            return [inputs[n] for n in self.input_names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self._inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self._inputs)} input(s), but it received "
                f"{len(flat)} input tensors. Inputs expected: {self.input_names}.")
        return flat

    def _adjust_rank(self, value, reference: KerasTensor):
        """``value`` with a missing trailing axis of size 1 added, or an extra one dropped,
        as Keras 3 does: data of shape ``(batch, 28, 28)`` feeds an ``Input((28, 28, 1))``,
        and ``(batch, 4, 1)`` feeds an ``Input((4,))``. Any other difference in rank is
        refused here, naming the input; sizes of the same rank are checked by the layers."""
        shape = getattr(value, "shape", None)
        if shape is None or len(shape) == len(reference.shape):
            return value
        if len(shape) == len(reference.shape) + 1 and shape[-1] == 1:
            return ops.squeeze(value, axis=-1)
        if len(shape) == len(reference.shape) - 1 and reference.shape[-1] == 1:
            return ops.expand_dims(value, axis=-1)
        name = reference._keras_history[0].name
        raise ValueError(
            f"Model '{self.name}': invalid input shape for input '{name}'. Expected shape "
            f"{tuple(reference.shape)}, but input has incompatible shape {tuple(shape)}. "
            f"Only a trailing axis of size 1 is added or removed to match; reshape the "
            f"data to the input's rank.")

    def compute_output_spec(self, inputs, *args, **kwargs):
        return self._trace(inputs, *args, **kwargs)

    def _graph_for_summary(self):
        return self


def conform_dtype(value, reference: KerasTensor):
    """``value`` cast to the dtype of the model input it feeds, as Keras does (boolean
    one-hot arrays into a float32 ``Input``, floats into an int32 one)."""
    if isinstance(value, Tensor) and value.dtype != reference.dtype:
        return ops.cast(value, reference.dtype)
    return value


def _keras_order(inputs, outputs) -> list[Layer]:
    """The layers in Keras's ``model.layers`` order, which legacy ``.h5`` weights follow.

    A walk from the outputs (in order, each call's inputs in order) numbers the layers as
    it first meets them and lists the calls children-last. A call's depth is its distance
    from the outputs, at least that of its layer's calls seen before it (a shared layer
    takes its deepest call's depth). Layers run from the deepest (the inputs) to depth 0;
    at equal depth, the one met first comes first.
    """
    first_met, calls, seen = {}, [], set()

    def visit(tensor) -> None:
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in seen:
            return
        seen.add(id(node))
        first_met.setdefault(id(layer), len(first_met))
        for parent in node.input_tensors:
            visit(parent)
        calls.append(node)

    for tensor in outputs:
        visit(tensor)
    call_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(calls):
        depth = max(call_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layers[id(node.layer)] = node.layer
        for parent in node.parent_nodes:
            call_depth[id(parent)] = max(depth + 1, call_depth.get(id(parent), 0))
    for tensor in inputs:  # an input no output depends on still belongs to the model
        layer = tensor._keras_history[0]
        if id(layer) not in layers:
            layers[id(layer)], layer_depth[id(layer)], first_met[id(layer)] = layer, 0, -1
    return sorted(layers.values(), key=lambda layer: (-layer_depth[id(layer)],
                                                      first_met[id(layer)]))
