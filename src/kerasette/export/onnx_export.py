"""ONNX export: walks a model's functional graph and writes one ONNX node list (opset 17).

Each layer's ONNX form lives in ``onnx_layers.py``; this module owns the graph walk, the
graph inputs and outputs (with a dynamic ``batch`` axis) and the atomic file write. A
subclassed model has no graph to walk: ``onnx_subclassed.py`` traces its ``call``.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .. import backend

OPSET = 17

__all__ = ["export_onnx", "OnnxGraph", "OPSET"]


def _import_onnx():
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "Exporting to ONNX needs the `onnx` package, which is not installed. Install it "
            'with `pip install "kerasette[onnx]"` (or `pip install onnx`).') from error
    return onnx


class OnnxGraph:
    """The nodes and initializers of one ONNX graph under construction; names are unique."""

    def __init__(self, onnx):
        self.onnx = onnx
        self.nodes: list = []
        self.initializers: list = []
        self._used: set[str] = set()
        self._variables: dict[int, str] = {}  # a shared layer's weights are stored once

    def fresh(self, name: str) -> str:
        """A tensor name based on ``name`` that is not yet taken."""
        candidate, i = name, 0
        while candidate in self._used:
            i += 1
            candidate = f"{name}_{i}"
        self._used.add(candidate)
        return candidate

    def const(self, name: str, value, dtype=np.float32) -> str:
        """Adds ``value`` as an initializer (float32 unless told) and returns its name."""
        array = np.ascontiguousarray(np.asarray(backend.to_numpy(value), dtype=dtype))
        tensor_name = self.fresh(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, tensor_name))
        return tensor_name

    def weight(self, layer, variable, suffix: str) -> str:
        """A layer's weight as a float32 initializer named ``layer/suffix``."""
        if id(variable) not in self._variables:
            self._variables[id(variable)] = self.const(f"{layer.name}/{suffix}", variable.value)
        return self._variables[id(variable)]

    def variable(self, variable) -> str:
        """A weight read directly (``ops.matmul(x, self.w)``), in its own dtype, once."""
        if id(variable) not in self._variables:
            self._variables[id(variable)] = self.const(variable.path, variable.value,
                                                       variable.dtype)
        return self._variables[id(variable)]

    def op(self, op_type: str, inputs: list[str], name: str, **attributes) -> str:
        """Appends one node with a single output and returns the output's name."""
        return self.op_outputs(op_type, inputs, [name], **attributes)[0]

    def op_outputs(self, op_type: str, inputs: list[str], names: list[str],
                   **attributes) -> list[str]:
        """Appends one node with an output per entry of ``names``; returns their names.

        An empty string in ``inputs`` leaves an optional ONNX input out.
        """
        outputs = [self.fresh(n) for n in names]
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), outputs, name=self.fresh(f"{names[0]}/{op_type}"),
            **attributes))
        return outputs


def _functional_view(model):
    """The Functional graph behind ``model`` (a Sequential keeps one as ``_graph``)."""
    if hasattr(model, "_nodes"):
        return model
    graph = getattr(model, "_graph", None)
    if graph is None:
        raise ValueError(
            f"Model '{model.name}' cannot be exported: it is not built (no input shape is "
            f"known). Start it with `keras.Input(shape=...)` or call it on data first.")
    return graph


def _value_info(onnx, name: str, keras_tensor):
    dims = [("batch" if i == 0 else f"{name}_dim{i}") if d is None else d
            for i, d in enumerate(keras_tensor.shape)]
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(keras_tensor.dtype))
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def _is_subclassed(model) -> bool:
    return not hasattr(model, "_nodes") and not hasattr(model, "_graph")


def _functional_graph(model, graph):
    """Fills ``graph`` from the functional graph; returns the input and output infos."""
    from ..layers import InputLayer
    from .onnx_layers import convert_layer

    onnx = graph.onnx
    graph_model = _functional_view(model)
    names: dict[int, str] = {}
    inputs = []
    for tensor in graph_model._inputs:
        name = graph.fresh(tensor._keras_history[0].name)
        names[id(tensor)] = name
        inputs.append(_value_info(onnx, name, tensor))
    for node in graph_model._nodes:
        if isinstance(node.layer, InputLayer):
            continue
        if len(node.output_tensors) != 1:
            raise ValueError(f"Layer '{node.layer.name}' ({type(node.layer).__name__}) has "
                             f"{len(node.output_tensors)} outputs; ONNX export supports "
                             f"layers with one output.")
        in_names = [names[id(t)] for t in node.input_tensors]
        out = convert_layer(graph, node.layer, in_names, node.input_tensors,
                            node.output_tensors[0])
        names[id(node.output_tensors[0])] = out
    outputs = []
    for tensor in graph_model._outputs:
        name = graph.fresh(tensor._keras_history[0].name + "/output")
        graph.nodes.append(onnx.helper.make_node("Identity", [names[id(tensor)]], [name]))
        outputs.append(_value_info(onnx, name, tensor))
    return inputs, outputs


def build_onnx_model(model, input_signature=None):
    """The ``onnx.ModelProto`` for a Sequential, functional or subclassed ``model``."""
    onnx = _import_onnx()
    graph = OnnxGraph(onnx)
    if _is_subclassed(model):
        from .onnx_subclassed import build_subclassed_graph

        inputs, outputs = build_subclassed_graph(model, graph, input_signature)
    else:
        inputs, outputs = _functional_graph(model, graph)
    onnx_graph = onnx.helper.make_graph(graph.nodes, model.name, inputs, outputs,
                                        initializer=graph.initializers)
    proto = onnx.helper.make_model(onnx_graph, producer_name="kerasette",
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    proto.ir_version = min(proto.ir_version, 8)  # onnxruntime builds that predate IR 9
    return proto


def export_onnx(model, filepath, input_signature=None) -> None:
    """Writes ``model`` as an ONNX file (opset 17, float32 weights, dynamic ``batch`` axis).

    A subclassed model is traced: its ``call`` runs once on a sample batch and the layer
    calls and ``keras.ops`` it makes are exported. As with ``torch.onnx``, Python control
    flow (``if``, ``for``) is fixed to the path the sample took.

    Args:
        model: a built Sequential or functional model, or a subclassed model.
        filepath: where to write the ``.onnx`` file. The write is atomic: a temporary file
            in the same folder, then ``os.replace``, so a failed export leaves any
            existing file untouched.
        input_signature: for a subclassed model, a list with one spec per positional
            argument of ``call`` (``keras.layers.InputSpec(shape=(None, 4))``, ``keras.Input``,
            a shape tuple with the batch axis first, or a list/dict of these for a call
            that takes several inputs). Default: the shapes of the model's first call.
            Functional and Sequential models know their inputs and ignore it.

    Raises:
        ImportError: when the ``onnx`` package is missing.
        ValueError: when a layer or a traced op has no ONNX form (the message names it).
    """
    onnx = _import_onnx()
    proto = build_onnx_model(model, input_signature)
    onnx.checker.check_model(proto)
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(prefix=".kerasette-", suffix=".onnx.tmp",
                                         dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(proto.SerializeToString())
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
