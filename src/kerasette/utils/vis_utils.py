"""``plot_model`` and ``model_to_dot``: a picture of a model's layer graph.

``plot_model`` uses pydot and graphviz's ``dot`` when both are installed, as Keras
does; otherwise it draws the graph itself (``graph_drawing``, a built-in bitmap font)
and writes the PNG with ``zlib`` (``png``), so it works with kerasette's own
dependencies alone. ``keras.utils.vis_utils`` is also Keras 2's import path.

``layer_graph`` (kerasette's own) is the graph both draw: one box per layer (a model
that is not a graph network is one box) and an edge for each connection.
"""

from __future__ import annotations

import os
import shutil

from .graph_drawing import layout_graph, render_layout
from .png import write_png

__all__ = ["plot_model", "model_to_dot", "layer_graph", "check_pydot", "check_graphviz"]

_PYDOT_HINT = "You must install pydot (`pip install pydot`) for `model_to_dot` to work."


def check_pydot() -> bool:
    """Whether ``pydot`` can be imported."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False
    return True


def check_graphviz() -> bool:
    """Whether pydot is installed and graphviz's ``dot`` program is on the PATH."""
    return check_pydot() and shutil.which("dot") is not None


def _shape_text(tensors) -> str:
    shapes = [tuple(t.shape) for t in tensors]
    text = [str(s) if len(s) != 1 else f"({s[0]},)" for s in shapes]
    return text[0] if len(text) == 1 else f"[{', '.join(text)}]"


def _dtype_text(tensors) -> str:
    names = [str(getattr(t, "dtype", "?")) for t in tensors]
    return names[0] if len(names) == 1 else f"[{', '.join(names)}]"


def _label(layer, calls, options) -> list[str]:
    """The text lines of a layer's box: name and class, then what ``options`` ask for."""
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if options["show_layer_names"] else kind]
    if options["show_layer_activations"] and hasattr(layer, "activation"):
        activation = layer.get_config().get("activation")
        lines.append(f"Activation: {getattr(activation, '__name__', activation)}")
    is_input = kind == "InputLayer"
    for flag, title, text in (("show_dtype", "dtype", _dtype_text),
                              ("show_shapes", "shape", _shape_text)):
        if not options[flag]:
            continue
        if len(calls) != 1:
            lines += [] if is_input else [f"Input {title}: {'?' if not calls else 'multiple'}"]
            lines.append(f"Output {title}: {'?' if not calls else 'multiple'}")
            continue
        if not is_input:
            lines.append(f"Input {title}: {text(calls[0].input_tensors)}")
        lines.append(f"Output {title}: {text(calls[0].output_tensors)}")
    if options["show_trainable"]:
        lines.append(f"Trainable: {bool(layer.trainable)}")
    return lines


class _Graph:
    """Nodes ``(key, lines)`` and edges ``(source, target)`` built up model by model."""

    def __init__(self, options):
        self.options = options
        self.nodes, self.edges = [], []
        self.groups = []  # (title, keys) of each expanded nested model

    def edge(self, source: str, target: str) -> None:
        if (source, target) not in self.edges:  # Add()([x, x]) draws one arrow
            self.edges.append((source, target))

    def add_model(self, model, prefix: str = "") -> tuple[list, list]:
        """Adds ``model``'s layers; returns the keys that take its inputs and the keys
        that give its outputs, in order."""
        graph = getattr(model, "_graph_for_summary", lambda: None)()
        if graph is None:  # subclassed, or a Sequential without a known input
            if type(model).__name__ == "Sequential" and model.layers:
                return self._add_chain(model.layers, prefix)
            key = prefix + model.name
            self.nodes.append((key, _label(model, [], self.options)))
            return [key], [key]
        calls = {}
        for node in graph._nodes:
            calls.setdefault(id(node.layer), []).append(node)
        sequential = graph is not model
        layers = model.layers if sequential else graph.layers
        ends = {id(layer): self._add_layer(layer, calls.get(id(layer), []), prefix)
                for layer in layers}
        for node in graph._nodes:
            if id(node.layer) not in ends:  # the InputLayer of a Sequential
                continue
            entries = ends[id(node.layer)][0]
            for position, tensor in enumerate(node.input_tensors):
                parent, _, index = tensor._keras_history
                if id(parent) in ends:
                    exits = ends[id(parent)][1]
                    target = entries[position] if len(entries) == len(
                        node.input_tensors) else entries[0]
                    self.edge(exits[min(index, len(exits) - 1)], target)
        if sequential:
            return ends[id(layers[0])][0], ends[id(layers[-1])][1]
        inputs = [ends[id(t._keras_history[0])][1][0] for t in graph.inputs]
        outputs = []
        for tensor in graph.outputs:
            exits = ends[id(tensor._keras_history[0])][1]
            outputs.append(exits[min(tensor._keras_history[2], len(exits) - 1)])
        return inputs, outputs

    def _add_chain(self, layers, prefix: str) -> tuple[list, list]:
        ends = [self._add_layer(layer, [], prefix) for layer in layers]
        for before, after in zip(ends, ends[1:]):
            self.edge(before[1][0], after[0][0])
        return ends[0][0], ends[-1][1]

    def _add_layer(self, layer, calls, prefix: str) -> tuple[list, list]:
        if self.options["expand_nested"] and hasattr(layer, "train_step") and hasattr(
                layer, "layers"):
            start = len(self.nodes)
            ends = self.add_model(layer, prefix + layer.name + "/")
            self.groups.append((f"{layer.name} ({type(layer).__name__})",
                                [key for key, _ in self.nodes[start:]]))
            return ends
        key = prefix + layer.name
        self.nodes.append((key, _label(layer, calls, self.options)))
        return [key], [key]


def layer_graph(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                expand_nested=False, show_layer_activations=False, show_trainable=False):
    """The graph ``plot_model`` draws: ``(nodes, edges)``.

    ``nodes`` lists ``(key, lines)``: a layer's name (``"encoder/dense"`` inside an
    expanded nested model) and the text lines of its box; ``edges`` lists ``(source,
    target)`` keys, one per connected pair of layers. A Sequential model shows no
    InputLayer (as in Keras); a functional one does.
    """
    graph = _build(model, show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names, expand_nested=expand_nested,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    return graph.nodes, graph.edges


def _build(model, **options) -> _Graph:
    graph = _Graph(options)
    graph.add_model(model)
    return graph


def _nesting(groups) -> tuple[list, dict]:
    """For each group, the index of the group holding it (``None``: the graph itself);
    for each key in a group, its innermost group (groups come innermost first)."""
    sets = [set(keys) for _, keys in groups]
    parent = [next((h for h in range(g + 1, len(sets)) if sets[g] <= sets[h]), None)
              for g in range(len(sets))]
    home = {}
    for g, keys in enumerate(sets):
        for key in keys:
            home.setdefault(key, g)
    return parent, home


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_source(graph: _Graph, rankdir: str, dpi) -> str:
    """The graphviz source of ``graph``; each nested model a dashed ``cluster``."""
    parent, home = _nesting(graph.groups)

    def block(g, indent: str) -> list:
        out = [f"{indent}{_quote(key)} [label={_quote(chr(10).join(lines))}];"
               for key, lines in graph.nodes if home.get(key) == g]
        for child in (c for c, p in enumerate(parent) if p == g):
            out += [f"{indent}subgraph cluster_{child} {{",
                    f"{indent}  label={_quote(graph.groups[child][0])};",
                    f"{indent}  style=dashed;"] + block(child, indent + "  ") + [f"{indent}}}"]
        return out

    out = ["digraph G {", f"  rankdir={rankdir};", "  concentrate=true;",
           f"  dpi={dpi};" if dpi else "", "  node [shape=box];"] + block(None, "  ")
    out += [f"  {_quote(source)} -> {_quote(target)};" for source, target in graph.edges]
    return "\n".join(line for line in out if line) + "\n}\n"


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """The layer graph of ``model`` as a ``pydot.Dot`` (needs ``pip install pydot``).

    Args: as ``plot_model``; ``subgraph`` returns a ``pydot.Cluster`` instead. With
    ``expand_nested``, each nested model's layers sit in a dashed cluster.

    Raises:
        ImportError: pydot is not installed.
    """
    try:
        import pydot
    except ImportError as error:
        raise ImportError(_PYDOT_HINT) from error
    graph = _build(model, show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names, expand_nested=expand_nested,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot(graph_type="digraph")
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="box")
    parent, home = _nesting(graph.groups)
    clusters = [pydot.Cluster(graph_name=str(g), label=_quote(title), style="dashed")
                for g, (title, _) in enumerate(graph.groups)]
    for g, cluster in enumerate(clusters):
        (dot if parent[g] is None else clusters[parent[g]]).add_subgraph(cluster)
    for key, lines in graph.nodes:
        holder = dot if key not in home else clusters[home[key]]
        holder.add_node(pydot.Node(_quote(key), label=_quote("\n".join(lines))))
    for source, target in graph.edges:
        dot.add_edge(pydot.Edge(_quote(source), _quote(target)))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draws the layer graph of ``model`` into ``to_file``.

    With pydot and graphviz installed, graphviz renders it in any format it knows (the
    file's extension). Without them kerasette draws it itself: ``.png`` (a bitmap font
    scaled with ``dpi``: 1 pixel per font dot at 96 dpi) or ``.dot`` (the graphviz
    source). Boxes show the layer name and class; arrows follow the connections; with
    ``expand_nested`` a dashed frame, titled with its name, holds each nested model.

    Args:
        model: a Keras model (a subclassed one is drawn as one box).
        to_file: the file to write; default ``"model.png"``.
        show_shapes: add each layer's input and output shapes; default ``False``.
        show_dtype: add the input and output dtypes; default ``False``.
        show_layer_names: show names as well as classes; default ``True``.
        rankdir: ``"TB"`` (vertical) or ``"LR"`` (horizontal); ``"BT"``, ``"RL"`` too.
        expand_nested: draw the layers of nested models instead of one box each.
        dpi: the resolution; default ``200``.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.

    Returns:
        An ``IPython.display.Image`` of a PNG or JPEG file when IPython is installed
        (a notebook shows it), else ``None``.

    Example:

    >>> keras.utils.plot_model(model, "model.png", show_shapes=True)  # doctest: +SKIP
    """
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1].lower().lstrip(".") or "png"
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names, expand_nested=expand_nested,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    folder = os.path.dirname(to_file)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if check_graphviz():
        model_to_dot(model, rankdir=rankdir, dpi=dpi, **options).write(
            to_file, format=extension)
    elif extension == "dot":
        with open(to_file, "w", encoding="utf-8") as stream:
            stream.write(_dot_source(_build(model, **options), rankdir, dpi))
    elif extension == "png":
        graph = _build(model, **options)
        scale = max(1, round((dpi or 96) / 96))
        placed = layout_graph(graph.nodes, graph.edges, rankdir, scale)
        write_png(to_file, render_layout(placed, graph.groups), dpi)
    else:
        raise ValueError(f"plot_model: without pydot and graphviz kerasette writes only "
                         f"'.png' and '.dot' files; received to_file={to_file!r}. Install "
                         "them (`pip install pydot` and graphviz's `dot`) for other formats.")
    if extension not in ("png", "jpg", "jpeg"):
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    return display.Image(filename=to_file)
