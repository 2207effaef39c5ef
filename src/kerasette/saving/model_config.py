"""Model configs: kerasette models to Keras JSON configs, and every dialect back.

Written configs use the tf-keras 2 layout (``Sequential`` / ``Functional`` with an explicit
``InputLayer``), which both tf-keras 2 and Keras 3's legacy loader read. Read configs may
come from standalone Keras <= 2.2.2 (a Sequential whose config is a bare list), Keras
2.2.3-2.3 (``Model``, ``batch_input_shape`` on the first layer), tf-keras 2.x
(``Functional``, ``module``/``registered_name`` keys) or Keras 3's legacy writer
(``batch_shape``, ``DTypePolicy`` dtypes, ``__keras_tensor__`` node arguments).
"""

from __future__ import annotations

import base64
import inspect
import marshal
import types

from .. import layers as layers_module
from ..layers import InputLayer, KerasTensor
from ..layers.operation import KERAS_OPERATIONS, KerasOperation
from ..layers.symbolic import flatten, map_structure
from ..models import Functional, Model, Sequential
from ..naming import CustomObjectScope, closest_name
from .object_registry import custom_objects_in_force

__all__ = ["model_to_config", "model_from_config", "layer_to_config", "layer_from_config"]

# Keys old files carry that no current constructor takes; dropped on load.
_OBSOLETE_KEYS = {"time_major", "implementation", "ragged", "sparse"}
_MODEL_CLASSES = {"Sequential": "sequential", "Functional": "functional", "Model": "functional"}


# ---- writing ------------------------------------------------------------------------
def layer_to_config(layer, for_file: bool = True) -> dict:
    """``{"class_name", "config"}`` for a layer (a nested model writes its own config).

    ``for_file`` encodes Lambda functions for a file; in-process copies keep them as is.
    """
    if isinstance(layer, Model):
        return model_to_config(layer, for_file)
    config = dict(layer.get_config())
    config.pop("batch_input_shape", None)  # written as an explicit InputLayer instead
    if isinstance(layer, InputLayer):
        config = {"batch_input_shape": list(config.pop("batch_shape")), **config,
                  "ragged": False}
    if isinstance(layer, layers_module.Lambda) and for_file:
        config.update(_encode_function(layer.function))
    return {"class_name": type(layer).__name__, "config": config}


def _encode_function(function) -> dict:
    """A Lambda's function: by name when importable, else as marshalled bytecode."""
    if function.__name__ != "<lambda>" and function.__closure__ is None:
        return {"function": function.__name__, "function_type": "function",
                "module": function.__module__}
    code = base64.b64encode(marshal.dumps(function.__code__)).decode("ascii")
    closure = None if function.__closure__ is None else [
        c.cell_contents for c in function.__closure__]
    return {"function": [code, function.__defaults__, closure], "function_type": "lambda",
            "module": function.__module__}


def model_to_config(model, for_file: bool = True, keras3_nodes: bool = False) -> dict:
    """The Keras config of a Sequential or functional model."""
    if isinstance(model, Sequential):
        graph = model._graph
        stack = [layer_to_config(layer, for_file) for layer in model._stack]
        if graph is not None and not isinstance(model._stack[0], InputLayer):
            stack.insert(0, layer_to_config(graph.layers[0], for_file))
        return {"class_name": "Sequential", "config": {"name": model.name, "layers": stack}}
    if isinstance(model, Functional):
        return {"class_name": "Functional",
                "config": _functional_config(model, for_file, keras3_nodes)}
    raise NotImplementedError(
        f"Model '{model.name}' is a subclassed model ({type(model).__name__}); its "
        f"architecture is Python code, not a config. Save its weights with "
        f"`save_weights`, or build it with the functional API or Sequential.")


def _functional_config(model, for_file: bool, keras3_nodes: bool = False) -> dict:
    own = {id(node) for node in model._nodes}
    index_of = {}  # id(node) -> its index among this model's nodes of its layer
    for layer in model.layers:
        kept = [n for n in layer._inbound_nodes if id(n) in own]
        for position, node in enumerate(kept):
            index_of[id(node)] = position

    def reference(tensor: KerasTensor) -> list:
        layer, node_index, tensor_index = tensor._keras_history
        return [layer.name, index_of[id(layer._inbound_nodes[node_index])], tensor_index]

    def node_entry(layer, node) -> list:
        """tf-keras's form: one ``[layer, node, tensor, kwargs]`` per input tensor. As
        tf-keras writes them, a recurrent layer's initial states follow its input, the
        positional arguments after the first go among the keyword arguments under their
        parameter names (``MultiHeadAttention(query, value)``), and tensors among the
        keyword arguments become ``[layer, node, tensor]``."""
        if isinstance(layer, KerasOperation):  # (tensor, 0) has no names: Keras 3's form
            return keras3_node_entry(layer, node)
        first, *rest = node.call_args or (None,)
        tensors = [t for t in flatten(first) if isinstance(t, KerasTensor)]
        kwargs = {}
        named = dict(zip(_positional_names(layer)[1:], rest))
        for key, value in {**named, **node.call_kwargs}.items():
            if key == "initial_state" and isinstance(layer, layers_module.RNN):
                tensors += [t for t in flatten(value) if isinstance(t, KerasTensor)]
            else:
                kwargs[key] = map_structure(
                    lambda v: reference(v) if isinstance(v, KerasTensor) else v, value)
        return [reference(t) + [kwargs] for t in tensors]

    def keras3_node_entry(layer, node) -> dict:
        """Keras 3's form (``.keras`` files): the call's own arguments, tensors marked."""
        def mark(value):
            if not isinstance(value, KerasTensor):
                return value
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": reference(value)}}

        return {"args": [map_structure(mark, a) for a in node.call_args],
                "kwargs": {k: map_structure(mark, v) for k, v in node.call_kwargs.items()}}

    entry_of = keras3_node_entry if keras3_nodes else node_entry
    entries = []
    for layer in model.layers:
        nodes = [entry_of(layer, node) for node in layer._inbound_nodes
                 if id(node) in own and not isinstance(layer, InputLayer)]
        entries.append({**layer_to_config(layer, for_file), "name": layer.name,
                        "inbound_nodes": nodes})
    return {"name": model.name, "layers": entries,
            "input_layers": [reference(t) for t in model.inputs],
            "output_layers": [reference(t) for t in model.outputs]}


def _positional_names(layer) -> list[str]:
    """The names of the positional parameters of ``layer.call``."""
    parameters = inspect.signature(layer.call).parameters.values()
    return [p.name for p in parameters
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


# ---- reading ------------------------------------------------------------------------
def model_from_config(config: dict, custom_objects: dict | None = None,
                      safe_mode: bool = True):
    """Builds a model (or a layer) from a Keras config of any supported dialect.

    ``custom_objects`` are in scope while the layers are built, so that the activations,
    initializers and regularizers that the layers look up by name find them too.
    """
    objects = custom_objects_in_force(custom_objects)
    kind = _MODEL_CLASSES.get(config.get("class_name"))
    with CustomObjectScope(custom_objects or {}):
        if kind == "sequential":
            return _sequential_from_config(config["config"], objects, safe_mode)
        if kind == "functional":
            return _functional_from_config(config["config"], objects, safe_mode)
        return layer_from_config(config, objects, safe_mode)


def layer_from_config(entry: dict, custom_objects: dict, safe_mode: bool = True):
    """One layer from ``{"class_name", "config"}``, tolerant of older key sets."""
    class_name = entry["class_name"]
    if class_name in _MODEL_CLASSES:
        return model_from_config(entry, custom_objects, safe_mode)
    config = {k: v for k, v in entry.get("config", {}).items() if k not in _OBSOLETE_KEYS}
    if config.pop("quantization_config", None) is not None:
        raise ValueError(f"Layer '{config.get('name')}' is quantized (Keras 3 "
                         f"quantization_config); kerasette loads float models only.")
    if _is_keras_operation(entry, config):  # Keras 3 graph op
        if class_name not in KERAS_OPERATIONS:
            raise ValueError(f"Keras op {class_name!r} (layer '{config.get('name')}', "
                             f"module {entry.get('module')}) has no kerasette counterpart "
                             f"yet; known: {sorted(KERAS_OPERATIONS)}.")
        return KerasOperation.from_keras(class_name, config)
    table = {**layers_module.ALL, **custom_objects}
    cls = table.get(class_name) or table.get(entry.get("registered_name") or "")
    if cls is None:
        suggestion = closest_name(class_name, table)
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        raise ValueError(
            f"Unknown layer class {class_name!r}.{hint} If it is a custom layer, pass it "
            f"when loading: `load_model(path, custom_objects={{'{class_name}': "
            f"{class_name}}})`, "
            f"or decorate it with `@keras.saving.register_keras_serializable()`.")
    if cls is InputLayer:
        config.setdefault("batch_input_shape", config.pop("batch_shape", None))
    if cls is layers_module.Lambda:
        config = _decode_lambda(config, custom_objects, safe_mode)
    try:
        layer = cls.from_config(config)
    except TypeError as error:  # a damaged config: a missing or unexpected argument
        raise ValueError(f"Cannot rebuild layer '{config.get('name')}' ({class_name}) "
                         f"from its config: {error}.") from None
    return layer


def _is_keras_operation(entry: dict, config: dict) -> bool:
    """Whether a config entry is an op Keras 3 recorded in a functional graph: its module
    is ``keras.src.ops.*`` (``.keras``), or, where the module is not written (``.h5``),
    a known op class whose config holds only its name and the op's own arguments (a
    layer's config also has ``trainable`` and ``dtype``)."""
    if str(entry.get("module", "")).startswith("keras.src.ops"):
        return True
    known = KERAS_OPERATIONS.get(entry["class_name"])
    return (known is not None and "module" not in entry
            and set(config) <= {"name", *known[1]} and "trainable" not in config)


def _decode_lambda(config: dict, custom_objects: dict, safe_mode: bool) -> dict:
    config = dict(config)
    function = config.pop("function")
    kind = config.pop("function_type", None)
    if callable(function):  # an in-process copy (clone_model): nothing was encoded
        return {**config, "function": function}
    config.pop("module", None)
    config.pop("output_shape_type", None)
    config.pop("output_shape_module", None)
    if isinstance(function, dict) and function.get("class_name") == "__lambda__":
        kind, function = "lambda", function["config"]
    if kind == "lambda":
        if safe_mode:
            raise ValueError(
                f"Lambda layer '{config.get('name')}' holds serialized Python bytecode. "
                f"Loading it would execute code from the file, which is refused by "
                f"default. If you trust the file, pass `safe_mode=False` to `load_model`.")
        config["function"] = _unmarshal(function)
    else:
        name = function if isinstance(function, str) else str(function)
        if name not in custom_objects:
            raise ValueError(
                f"Lambda layer '{config.get('name')}' calls the function {name!r}, which is "
                f"unknown here. Pass it when loading: `custom_objects={{'{name}': {name}}}`.")
        config["function"] = custom_objects[name]
    return config


def _unmarshal(function):
    if isinstance(function, dict):  # Keras 3: {"code": ..., "defaults": ..., "closure": ...}
        code, defaults, closure = function["code"], function.get("defaults"), function.get(
            "closure")
    else:
        code, defaults, closure = (list(function) + [None, None])[:3]
    raw = base64.b64decode(code.encode("ascii") if isinstance(code, str) else code)
    cells = None if closure is None else tuple(types.CellType(c) for c in closure)
    return types.FunctionType(marshal.loads(raw), globals(), None,
                              tuple(defaults) if defaults else None, cells)


def _sequential_from_config(config, objects: dict, safe_mode: bool) -> Sequential:
    if isinstance(config, list):  # standalone Keras <= 2.2.2: a bare list of layers
        config = {"layers": config}
    model = Sequential(name=config.get("name"))
    for entry in config["layers"]:
        model.add(layer_from_config(entry, objects, safe_mode), rebuild=False)
    model._maybe_build_graph()
    return model


def _functional_from_config(config: dict, objects: dict, safe_mode: bool) -> Functional:
    outputs = {}  # (layer name, node index) -> the outputs of that call
    pending = []  # (layer, node index, saved node), in file order
    layer_names = {entry.get("name", entry.get("config", {}).get("name"))
                   for entry in config["layers"]}
    for entry in config["layers"]:
        layer = layer_from_config(entry, objects, safe_mode)
        if isinstance(layer, InputLayer):
            outputs[(layer.name, 0)] = layer.output
        for index, node in enumerate(entry.get("inbound_nodes", [])):
            pending.append((layer, index, node))
    while pending:
        waiting, blocked = [], set()
        for layer, index, node in pending:
            args = None if layer.name in blocked else _node_arguments(node, outputs,
                                                                       layer_names)
            if args is None:  # a later node of this layer must wait for this one too
                blocked.add(layer.name)
                waiting.append((layer, index, node))
                continue
            call_args, call_kwargs = args
            if (isinstance(layer, layers_module.RNN) and len(call_args) == 1
                    and isinstance(call_args[0], list) and len(call_args[0]) > 1):
                # tf-keras's form: a recurrent layer's initial states follow its input
                (sequence, *states), = call_args
                call_args, call_kwargs = [sequence], {**call_kwargs, "initial_state": states}
            outputs[(layer.name, index)] = layer(*call_args, **call_kwargs)
        if len(waiting) == len(pending):
            raise ValueError("The model config's graph is inconsistent: some layers wait "
                             f"for inputs that never appear: {[w[0].name for w in waiting]}.")
        pending = waiting

    def tensor(ref):
        found = outputs[(ref[0], ref[1])]
        return found[ref[2]] if isinstance(found, (list, tuple)) else found

    inputs = _references(config["input_layers"])
    results = _references(config["output_layers"])
    model_inputs = [tensor(r) for r in inputs]
    model_outputs = [tensor(r) for r in results]
    single_in = len(model_inputs) == 1 and not isinstance(config["input_layers"][0], list)
    single_out = len(model_outputs) == 1 and not isinstance(config["output_layers"][0], list)
    return Functional(model_inputs[0] if single_in else model_inputs,
                      model_outputs[0] if single_out else model_outputs,
                      name=config.get("name"))


def _references(refs) -> list:
    """``[name, node, tensor]`` or a list of them (Keras 3 writes one input unwrapped)."""
    return [refs] if refs and isinstance(refs[0], str) else list(refs)


def _node_arguments(node, outputs: dict, layer_names=frozenset()):
    """The call arguments of a saved node, or None while some input is not built yet."""
    missing = object()

    def resolve(ref):
        found = outputs.get((ref[0], ref[1]), missing)
        if found is missing:
            raise LookupError
        return found[ref[2]] if isinstance(found, (list, tuple)) else found

    try:
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            def convert(value):
                if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                    return resolve(value["config"]["keras_history"])
                return value

            args = [_map_json(convert, a) for a in node.get("args", [])]
            kwargs = {k: _map_json(convert, v) for k, v in node.get("kwargs", {}).items()}
            return args, kwargs
        tensors = [resolve(item) for item in node]
        kwargs = dict(node[0][3]) if node and len(node[0]) > 3 and node[0][3] else {}
        kwargs = {k: _tensors_in(v, resolve, layer_names) for k, v in kwargs.items()}
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs
    except LookupError:
        return None


def _tensors_in(value, resolve, layer_names):
    """tf-keras writes a tensor among keyword arguments as ``[layer, node, tensor]``."""
    if (isinstance(value, list) and len(value) == 3 and value[0] in layer_names
            and all(isinstance(v, int) for v in value[1:])):
        return resolve(value)
    if isinstance(value, list):
        return [_tensors_in(v, resolve, layer_names) for v in value]
    if isinstance(value, dict):
        return {k: _tensors_in(v, resolve, layer_names) for k, v in value.items()}
    return value


def _map_json(fn, value):
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return fn(value)
    if isinstance(value, list):
        return [_map_json(fn, v) for v in value]
    if isinstance(value, dict):
        return {k: _map_json(fn, v) for k, v in value.items()}
    return fn(value)

