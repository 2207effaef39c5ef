"""ONNX export of a subclassed model (layers made in ``__init__``, a Python ``call``).

The model runs on a sample batch under a ``Trace`` (see ``trace.py``); the recorded layer
calls go through the same converters as a functional model's layers, the recorded ops
through ``onnx_ops``; only what the outputs depend on is exported. Python control flow is
fixed to the path the sample took. A second trace, on a batch of another size, finds the
sizes that follow the batch: they stay dynamic in the graph, and an op whose arguments
change with the batch (``ops.zeros((x.shape[0], 4))``) is refused rather than frozen.
"""

from __future__ import annotations

import inspect

import numpy as np

from .. import backend, ops
from ..autograd import Tensor, Variable
from ..layers.symbolic import KerasTensor, flatten, is_shape, map_shapes
from .onnx_layers import CONVERTERS, convert_layer
from .onnx_ops import OP_CONVERTERS, OpCall
from .onnx_recurrent import RECURRENT_CONVERTERS
from .trace import trace_call

__all__ = ["build_subclassed_graph", "SAMPLE_BATCHES"]

SAMPLE_BATCHES = (2, 3)
_LAYER_KWARGS = ("training", "mask")


def _refuse(model, why: str) -> ValueError:
    return ValueError(f"Cannot export model '{model.name}' ({type(model).__name__}) to "
                      f"ONNX: {why}.")


# Built-in layers whose ``call`` is user code or kerasette.ops, so tracing goes inside.
_TRANSPARENT = ("Lambda", "OpLayer")


def _is_leaf(layer) -> bool:
    """Recorded whole: layers with a converter, and the other built-in layers (so that the
    error names the layer, not an op inside it); custom layers and models are traced."""
    name = type(layer).__name__
    if name in CONVERTERS:
        return True
    return type(layer).__module__.startswith("kerasette.layers.") and name not in _TRANSPARENT


# the sample input ----------------------------------------------------------------------
def _signature(model, input_signature) -> list:
    """One input structure per positional argument of ``call`` (Keras 3's convention)."""
    if input_signature is None:
        recorded = getattr(model, "_build_inputs", None)
        if recorded is None:
            raise _refuse(model, "its input shapes are unknown. Call the model on data "
                                 "once (fit, predict or model(x)) or pass input_signature="
                                 "[keras.layers.InputSpec(shape=(None, ...))]")
        return [recorded]
    if is_shape(input_signature) or hasattr(input_signature, "shape"):
        return [input_signature]
    if isinstance(input_signature, (list, tuple, dict)):
        return list(input_signature.values()) if isinstance(input_signature, dict) else list(
            input_signature)
    raise TypeError(f"Model '{model.name}': input_signature should be a list with one spec "
                    f"(keras.layers.InputSpec, keras.Input or a shape tuple) per argument of "
                    f"call, received {type(input_signature).__name__}.")


def _sample(model, spec, rng, named: list, batch: int, key=None):
    """A backend Tensor matching ``spec`` with ``batch`` rows; ``named`` collects
    ``(name, tensor)`` for the graph inputs (the spec's name, else its dict key)."""
    shape = tuple(spec) if is_shape(spec) else getattr(spec, "shape", None)
    if shape is None or len(shape) == 0:
        raise _refuse(model, f"an input spec needs a shape with the batch axis first, "
                             f"received {spec!r}")
    if any(d is None for d in shape[1:]):
        raise _refuse(model, f"input shape {tuple(shape)} has unknown sizes past the batch "
                             f"axis; give every size except the batch in input_signature")
    dtype = np.dtype(getattr(spec, "dtype", None) or backend.floatx())
    full = (batch,) + tuple(int(d) for d in shape[1:])
    if np.issubdtype(dtype, np.floating):
        value = rng.normal(size=full).astype(dtype)
    else:
        value = np.zeros(full, dtype)
    tensor = Tensor(backend.to_device(value))
    named.append((getattr(spec, "name", None) or key, tensor))
    return tensor


def _sample_arguments(model, input_signature, batch: int):
    rng, named = np.random.default_rng(batch), []

    def samples(structure, key=None):
        if isinstance(structure, dict):
            return {k: samples(v, str(k)) for k, v in structure.items()}
        return map_shapes(lambda spec: _sample(model, spec, rng, named, batch, key),
                          structure)

    return [samples(structure) for structure in _signature(model, input_signature)], named


def _spec(tensor, twin) -> KerasTensor:
    """The KerasTensor of a sample tensor: the sizes that differ from its ``twin`` in the
    other trace (the batch) are unknown."""
    shape = tuple(n if n == m else None for n, m in zip(np.shape(tensor), np.shape(twin)))
    return KerasTensor(shape, np.dtype(getattr(tensor, "dtype", np.float32)).name)


# the two traces ------------------------------------------------------------------------
def _twins(model, first, second) -> dict:
    """``id(event)`` of the first trace -> the same event in the second."""
    same = len(first.events) == len(second.events) and all(
        a.kind == b.kind and (type(a.target) is type(b.target) if a.kind == "layer" else
                              a.target == b.target)
        for a, b in zip(first.events, second.events))
    if not same:
        raise _refuse(model, f"its call takes another path for a batch of "
                             f"{SAMPLE_BATCHES[1]} than for a batch of {SAMPLE_BATCHES[0]} "
                             f"(Python control flow on the batch size or on tensor values), "
                             f"which one ONNX graph cannot hold")
    return {id(a): b for a, b in zip(first.events, second.events)}


def _varies(a, b, trace) -> bool:
    """Whether an argument differs between the two traces in more than its traced tensors:
    a size read from the batch, or a constant of the batch's size."""
    first, second = flatten(a), flatten(b)
    if len(first) != len(second):
        return True
    for x, y in zip(first, second):
        if isinstance(x, Tensor) and id(x) in trace.derived:
            continue
        if hasattr(x, "shape") or hasattr(y, "shape"):
            if np.shape(x) != np.shape(y):
                return True
        elif type(x) is not type(y) or x != y:
            return True
    return False


def _bind(event) -> dict:
    """An op event's arguments by parameter name (``ops.equal(*args)`` gives ``a``, ``b``)."""
    bound = inspect.signature(event.function or getattr(ops, event.target)).bind(
        *event.args, **event.kwargs)
    bound.apply_defaults()
    params = dict(bound.arguments)
    for key, parameter in bound.signature.parameters.items():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            values = params.pop(key)
            params.update(zip(("x",) if len(values) == 1 else ("a", "b"), values))
    return params


# conversion ------------------------------------------------------------------------------
def _needed_events(trace, outputs) -> set:
    """The ids of the events that the outputs depend on."""
    needed, seen, stack = set(), set(), [id(t) for t in outputs]
    while stack:
        tensor_id = stack.pop()
        if tensor_id in seen:
            continue
        seen.add(tensor_id)
        event = trace.producer.get(tensor_id)
        if event is not None and id(event) not in needed:
            needed.add(id(event))
            stack.extend(id(t) for t in event.tensors_in())
    return needed


class _Converter:
    """Turns the needed events of one trace into nodes of ``graph``."""

    def __init__(self, model, graph, trace, twins: dict):
        self.model, self.g, self.trace, self.twins = model, graph, trace, twins
        self.names: dict[int, str] = {}

    def operand(self, value, like=None, consumer=None) -> str:
        """The ONNX name of ``value``: a traced tensor, or a constant made from a weight,
        an input-free tensor, a number or an array (numbers take ``like``'s dtype)."""
        if isinstance(value, Tensor):
            if id(value) in self.names:
                return self.names[id(value)]
            if isinstance(value, Variable):
                return self.g.variable(value)
            if id(value) in self.trace.derived or id(value) not in self.trace.constants:
                raise _refuse(self.model, f"an input of {consumer} was computed by code the "
                                          f"exporter does not trace (it traces the layers "
                                          f"that have an ONNX form, keras.ops functions and "
                                          f"Tensor operators)")
            return self.g.const("constant", backend.to_numpy(value.data), value.dtype)
        host = backend.to_numpy(value)
        dtype = host.dtype
        if like is not None and np.ndim(host) == 0 and not hasattr(value, "dtype"):
            dtype = like.dtype  # a Python number follows the tensor it meets
        return self.g.const("constant", host, dtype)

    def event(self, event) -> None:
        outputs = event.tensors_out()
        if len(outputs) != 1 or len(flatten(event.outputs)) != 1:
            raise _refuse(self.model, f"{event.describe()} returns {len(flatten(event.outputs))}"
                                      f" values; ONNX export supports one tensor per call")
        convert = self._layer if event.kind == "layer" else self._op
        self.names[id(outputs[0])] = convert(event, self.twins[id(event)], outputs[0])

    def _batch_error(self, event, what) -> ValueError:
        return _refuse(self.model, f"the {what} of {event.describe()} change with the batch "
                                   f"size, and the exported batch axis is dynamic; keep "
                                   f"sizes read from the batch out of them (reshape takes "
                                   f"-1, ops.zeros_like follows a tensor)")

    def _layer(self, event, twin, out) -> str:
        layer, inputs = event.target, event.args[0]
        extra = [k for k, v in event.kwargs.items() if k not in _LAYER_KWARGS and v is not None]
        if len(event.args) > 1 or extra:
            raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}) to "
                             f"ONNX: it is called with extra arguments {extra or 'positional'}"
                             f", which are not exported; call it on its inputs only.")
        if event.opaque:
            raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}) to "
                             f"ONNX: its output was computed by code the exporter does not "
                             f"trace (it traces layers, keras.ops functions and Tensor "
                             f"operators; raw backend arrays are not followed).")
        if event.masked and type(layer).__name__ in RECURRENT_CONVERTERS:
            raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}) to "
                             f"ONNX: its input is masked, and masked steps are not exported; "
                             f"use mask_zero=False.")
        if _varies((event.args, event.kwargs), (twin.args, twin.kwargs), self.trace):
            raise self._batch_error(event, "inputs")
        leaves = [v for v in flatten(inputs) if v is not None]
        twin_leaves = [v for v in flatten(twin.args[0]) if v is not None]
        like = next((v for v in leaves if isinstance(v, Tensor)), None)
        names = [self.operand(v, like, event.describe()) for v in leaves]
        specs = [_spec(v, w) for v, w in zip(leaves, twin_leaves)]
        return convert_layer(self.g, layer, names, specs, _spec(out, twin.tensors_out()[0]))

    def _op(self, event, twin, out) -> str:
        name = event.target
        converter = OP_CONVERTERS.get(name)
        if converter is None:
            raise _refuse(self.model, f"its call uses keras.ops.{name}, which has no ONNX "
                                      f"form in kerasette yet. Supported ops: "
                                      f"{sorted(OP_CONVERTERS)}")
        params, twin_params = _bind(event), _bind(twin)
        varying = [k for k in params if _varies(params[k], twin_params[k], self.trace)]
        if varying and name != "reshape":  # reshape turns a batch-sized target into -1
            raise self._batch_error(event, f"arguments {varying}")
        where = event.describe()
        call = OpCall(self.g, params, out, name,
                      lambda value, like: self.operand(value, like, where), twin_params)
        return converter(call)


def build_subclassed_graph(model, graph, input_signature=None):
    """Traces ``model`` and fills ``graph``; returns its input and output value infos."""
    from .onnx_export import _value_info

    runs = []
    for batch in SAMPLE_BATCHES:
        args, named = _sample_arguments(model, input_signature, batch)
        runs.append((named,) + trace_call(model, tuple(args), _is_leaf))
    (named, trace, outputs), (twin_named, twin_trace, twin_outputs) = runs
    converter = _Converter(model, graph, trace, _twins(model, trace, twin_trace))
    inputs = []
    for i, ((name, tensor), (_, twin)) in enumerate(zip(named, twin_named)):
        onnx_name = graph.fresh(name or ("input" if len(named) == 1 else f"input_{i}"))
        converter.names[id(tensor)] = onnx_name
        inputs.append(_value_info(graph.onnx, onnx_name, _spec(tensor, twin)))
    out_keys = list(outputs) if isinstance(outputs, dict) else None
    flat, twin_flat = flatten(outputs), flatten(twin_outputs)
    if not all(isinstance(t, Tensor) for t in flat):
        raise _refuse(model, "its call returns values that are not tensors")
    needed = _needed_events(trace, flat)
    for event in trace.events:
        if id(event) in needed:
            converter.event(event)
    infos = []
    for i, (tensor, twin) in enumerate(zip(flat, twin_flat)):
        label = out_keys[i] if out_keys else ("output" if len(flat) == 1 else f"output_{i}")
        source = converter.operand(tensor, consumer="the model's outputs")
        onnx_name = graph.fresh(str(label))
        graph.nodes.append(graph.onnx.helper.make_node("Identity", [source], [onnx_name]))
        infos.append(_value_info(graph.onnx, onnx_name, _spec(tensor, twin)))
    return inputs, infos
