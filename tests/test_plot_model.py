"""keras.utils.plot_model / model_to_dot: the layer graph, and the PNG kerasette draws
itself when pydot and graphviz are missing (read back here with zlib)."""

import struct
import sys
import zlib

import numpy as np
import pytest

import kerasette as keras
from kerasette.utils import vis_utils
from kerasette.utils.graph_drawing import group_frame, layout_graph


@pytest.fixture
def builtin(monkeypatch):
    """plot_model with kerasette's own renderer even where graphviz is installed."""
    monkeypatch.setattr(vis_utils, "check_graphviz", lambda: False)


def read_png(path):
    """(pixels as (h, w, channels) uint8, dpi or None) of a non-interlaced 8-bit PNG."""
    blob = open(path, "rb").read()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(blob):
        (length,) = struct.unpack(">I", blob[offset:offset + 4])
        kind, data = blob[offset + 4:offset + 8], blob[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", blob[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC in {kind}"
        chunks.append((kind, data))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0 and color in (0, 2)
    channels = 3 if color == 2 else 1
    raw = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    rows = np.frombuffer(raw, np.uint8).reshape(height, 1 + width * channels)
    assert (rows[:, 0] == 0).all()  # filter type "none" on every row
    dpi = [struct.unpack(">IIB", data) for kind, data in chunks if kind == b"pHYs"]
    return rows[:, 1:].reshape(height, width, channels), (
        round(dpi[0][0] * 0.0254) if dpi else None)


def sequential(depth):
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((6,))] + [
        keras.layers.Dense(4, activation="relu", name=f"hidden_{i}") for i in range(depth)])


def branching():
    inputs = keras.Input((8,), name="x")
    left = keras.layers.Dense(16, activation="relu", name="left")(inputs)
    right = keras.layers.Dense(16, activation="tanh", name="right")(inputs)
    merged = keras.layers.Add(name="merge")([left, right])
    mid = keras.layers.Dense(4, name="mid")(merged)
    out = keras.layers.Concatenate(name="cat")([mid, inputs])
    return keras.Model(inputs, out, name="branchy")


def test_sequential_graph_is_a_chain_of_its_layers():
    nodes, edges = vis_utils.layer_graph(sequential(3))
    assert [key for key, _ in nodes] == ["hidden_0", "hidden_1", "hidden_2"]
    assert [lines for _, lines in nodes][0] == ["hidden_0 (Dense)"]
    assert edges == [("hidden_0", "hidden_1"), ("hidden_1", "hidden_2")]


def test_functional_graph_has_inputs_branches_and_merges():
    nodes, edges = vis_utils.layer_graph(branching(), show_shapes=True, show_dtype=True,
                                         show_layer_activations=True, show_trainable=True)
    labels = dict(nodes)
    assert list(labels) == ["x", "left", "right", "merge", "mid", "cat"]
    assert sorted(edges) == sorted([("x", "left"), ("x", "right"), ("left", "merge"),
                                    ("right", "merge"), ("merge", "mid"), ("mid", "cat"),
                                    ("x", "cat")])
    assert labels["x"] == ["x (InputLayer)", "Output dtype: float32",
                           "Output shape: (None, 8)", "Trainable: True"]
    assert labels["cat"][-3:] == ["Input shape: [(None, 4), (None, 8)]",
                                  "Output shape: (None, 12)", "Trainable: True"]
    assert "Activation: tanh" in labels["right"]
    names_off = dict(vis_utils.layer_graph(branching(), show_layer_names=False)[0])
    assert list(names_off.values())[1] == ["Dense"]


def test_a_layer_applied_twice_draws_one_box_and_one_arrow():
    inputs = keras.Input((3,), name="a")
    shared = keras.layers.Dense(3, name="shared")
    out = keras.layers.Add(name="sum")([shared(inputs), shared(shared(inputs))])
    nodes, edges = vis_utils.layer_graph(keras.Model(inputs, out), show_shapes=True)
    assert [key for key, _ in nodes] == ["a", "shared", "sum"]
    assert dict(nodes)["shared"][1:] == ["Input shape: multiple", "Output shape: multiple"]
    assert sorted(edges) == [("a", "shared"), ("shared", "shared"), ("shared", "sum")]


def nested():
    inner_in = keras.Input((4,), name="inner_in")
    inner = keras.Model(inner_in, keras.layers.Dense(2, name="inner_dense")(inner_in),
                        name="encoder")
    outer_in = keras.Input((4,), name="outer_in")
    return keras.Model(outer_in, keras.layers.Dense(1, name="head")(inner(outer_in)))


def test_nested_models_are_one_box_or_expanded():
    model = nested()
    nodes, edges = vis_utils.layer_graph(model)
    assert [key for key, _ in nodes] == ["outer_in", "encoder", "head"]
    assert dict(nodes)["encoder"] == ["encoder (Functional)"]
    assert edges == [("outer_in", "encoder"), ("encoder", "head")]
    nodes, edges = vis_utils.layer_graph(model, expand_nested=True)
    assert [key for key, _ in nodes] == ["outer_in", "encoder/inner_in",
                                         "encoder/inner_dense", "head"]
    assert sorted(edges) == sorted([("outer_in", "encoder/inner_in"),
                                    ("encoder/inner_in", "encoder/inner_dense"),
                                    ("encoder/inner_dense", "head")])


def test_a_subclassed_model_is_one_box():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    assert vis_utils.layer_graph(Tiny()) == ([("tiny", ["tiny (Tiny)"])], [])


def test_layout_ranks_boxes_and_routes_edges_between_them():
    nodes, edges = vis_utils.layer_graph(branching())
    placed = layout_graph(nodes, edges, rankdir="TB")
    boxes = placed.boxes
    assert {k: b.rank for k, b in boxes.items()} == {"x": 0, "left": 1, "right": 1,
                                                    "merge": 2, "mid": 3, "cat": 4}
    assert boxes["left"].left + boxes["left"].width <= boxes["right"].left  # side by side
    ordered = sorted(boxes.values(), key=lambda b: b.top)
    for a, b in zip(ordered, ordered[1:]):
        if a.rank != b.rank:
            assert a.top + a.height < b.top  # ranks do not overlap
    for source, target, points in placed.edges:
        s, t = boxes[source], boxes[target]
        assert abs(points[0][1] - (s.left + s.width / 2)) <= 1
        assert abs(points[0][0] - (s.top + s.height)) <= 1
        assert abs(points[-1][0] - t.top) <= 1
        assert t.left <= points[-1][1] <= t.left + t.width
    # x -> cat skips three ranks: it bends through one slot per rank, beside the boxes
    (skip,) = [p for s, t, p in placed.edges if (s, t) == ("x", "cat")]
    assert len(skip) == 2 + 2 * 3
    for y, x in skip[1:-1]:
        for box in boxes.values():
            assert not (box.top < y < box.top + box.height
                        and box.left < x < box.left + box.width)
    wide = layout_graph(nodes, edges, rankdir="LR")
    assert wide.width > placed.width and placed.height > wide.height
    assert wide.boxes["x"].left < wide.boxes["merge"].left < wide.boxes["cat"].left
    flipped = layout_graph(nodes, edges, rankdir="BT")
    assert flipped.boxes["x"].top > flipped.boxes["cat"].top
    with pytest.raises(ValueError, match="rankdir"):
        layout_graph(nodes, edges, rankdir="XY")


def test_plot_model_writes_a_png_kerasette_draws_itself(builtin, tmp_path):
    path = tmp_path / "plots" / "model.png"
    keras.utils.plot_model(sequential(2), to_file=str(path), dpi=96)
    small, dpi = read_png(path)
    assert dpi == 96 and small.shape[2] == 3
    assert (small != 255).any(axis=2).mean() > 0.05  # boxes, text and arrows, not blank
    keras.utils.plot_model(sequential(4), to_file=str(tmp_path / "deeper.png"), dpi=96)
    deeper, _ = read_png(tmp_path / "deeper.png")
    assert deeper.shape[0] > small.shape[0]  # two more layers, a taller picture
    keras.utils.plot_model(sequential(2), to_file=str(tmp_path / "shapes.png"), dpi=96,
                           show_shapes=True)
    shapes, _ = read_png(tmp_path / "shapes.png")
    assert shapes.shape != small.shape  # two more text lines per box, wider text
    keras.utils.plot_model(sequential(2), to_file=str(tmp_path / "big.png"), dpi=200)
    big, dpi = read_png(tmp_path / "big.png")
    assert dpi == 200 and big.shape[0] == 2 * small.shape[0]


def test_png_pixels_show_each_box_with_its_text(builtin, tmp_path):
    model = branching()
    nodes, edges = vis_utils.layer_graph(model)
    placed = layout_graph(nodes, edges)
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"), dpi=96)
    pixels, _ = read_png(tmp_path / "m.png")
    assert pixels.shape[:2] == (placed.height, placed.width)
    for box in placed.boxes.values():
        inside = pixels[box.top + 2:box.top + box.height - 2,
                        box.left + 2:box.left + box.width - 2]
        dark = (inside < 100).all(axis=2)
        assert dark.any(), f"no text in the box of {box.key}"
        assert (pixels[box.top, box.left:box.left + box.width] < 100).all()  # border
    # arrows: dark pixels on the paper between the ranks
    gap = pixels[placed.boxes["x"].top + placed.boxes["x"].height + 2:
                 placed.boxes["left"].top - 2]
    assert (gap < 100).all(axis=2).any()


def test_dot_source_without_pydot_and_errors(builtin, tmp_path, monkeypatch):
    keras.utils.plot_model(branching(), to_file=str(tmp_path / "m.dot"), rankdir="LR")
    text = (tmp_path / "m.dot").read_text()
    assert text.startswith("digraph G {") and "rankdir=LR;" in text
    assert '"x" -> "left";' in text and '"mid" -> "cat";' in text
    assert '"merge" [label="merge (Add)"];' in text
    keras.utils.plot_model(nested(), to_file=str(tmp_path / "n.dot"), expand_nested=True)
    text = (tmp_path / "n.dot").read_text()
    cluster = text[text.index("subgraph cluster_0 {"):]
    cluster = cluster[:cluster.index("}")]
    assert 'label="encoder (Functional)";' in cluster and "style=dashed;" in cluster
    assert '"encoder/inner_dense" [label="inner_dense (Dense)"];' in cluster
    assert '"head"' not in cluster and '"outer_in" -> "encoder/inner_in";' in text
    with pytest.raises(ValueError, match="pip install pydot"):
        keras.utils.plot_model(branching(), to_file=str(tmp_path / "m.svg"))
    monkeypatch.setitem(sys.modules, "pydot", None)  # as if pydot were not installed
    assert not vis_utils.check_pydot()
    with pytest.raises(ImportError, match="pip install pydot"):
        keras.utils.model_to_dot(branching())


def test_keras2_import_path():
    from kerasette.utils.vis_utils import model_to_dot, plot_model
    assert plot_model is keras.utils.plot_model and model_to_dot is keras.utils.model_to_dot


def test_model_to_dot_with_pydot():
    pydot = pytest.importorskip("pydot")
    dot = keras.utils.model_to_dot(branching(), show_shapes=True, rankdir="LR", dpi=96)
    assert isinstance(dot, pydot.Dot)
    assert dot.get("rankdir") == "LR"
    names = {node.get_name().strip('"') for node in dot.get_nodes()} - {"node"}
    assert names == {"x", "left", "right", "merge", "mid", "cat"}
    edges = {(e.get_source().strip('"'), e.get_destination().strip('"'))
             for e in dot.get_edges()}
    assert ("x", "cat") in edges and len(edges) == 7
    dot = keras.utils.model_to_dot(nested(), expand_nested=True)
    (cluster,) = dot.get_subgraphs()
    assert cluster.get_name() == "cluster_0" and cluster.get("style") == "dashed"
    assert {n.get_name().strip('"') for n in cluster.get_nodes()} == {
        "encoder/inner_in", "encoder/inner_dense"}
    parsed = pydot.graph_from_dot_data(dot.to_string())[0]  # valid graphviz source
    assert len(parsed.get_edges()) == 3


def test_plot_model_hands_over_to_graphviz_when_installed(tmp_path, monkeypatch):
    written = {}

    class FakeDot:
        def write(self, path, format):
            written.update(path=path, format=format)

    def fake_model_to_dot(model, **kwargs):
        written.update(model=model, **kwargs)
        return FakeDot()

    monkeypatch.setattr(vis_utils, "check_graphviz", lambda: True)
    monkeypatch.setattr(vis_utils, "model_to_dot", fake_model_to_dot)
    model = branching()
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.svg"), show_shapes=True,
                           rankdir="LR", dpi=72)
    assert written["model"] is model and written["format"] == "svg"
    assert written["path"] == str(tmp_path / "m.svg")
    assert (written["rankdir"], written["dpi"], written["show_shapes"]) == ("LR", 72, True)


def test_expanded_nested_models_are_framed_in_the_png(builtin, tmp_path):
    model = nested()
    graph = vis_utils._build(model, show_shapes=False, show_dtype=False,
                             show_layer_names=True, expand_nested=True,
                             show_layer_activations=False, show_trainable=False)
    assert graph.groups == [("encoder (Functional)", ["encoder/inner_in",
                                                      "encoder/inner_dense"])]
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"), expand_nested=True,
                           dpi=96)
    pixels, _ = read_png(tmp_path / "m.png")
    placed = layout_graph(graph.nodes, graph.edges)
    top, left, bottom, right = group_frame(placed, graph.groups[0][1])
    for key in graph.groups[0][1]:  # the frame holds its layers' boxes ...
        box = placed.boxes[key]
        assert top < box.top and box.top + box.height < bottom
        assert left < box.left and box.left + box.width < right
    outer = placed.boxes["head"]  # ... and not the others
    assert outer.top > bottom
    dark_bottom = (pixels[bottom, left:right + 1] < 100).all(axis=1)
    assert 0.3 < dark_bottom.mean() < 0.7  # dashed
    flat = tmp_path / "flat.png"
    keras.utils.plot_model(model, to_file=str(flat), dpi=96)
    assert read_png(flat)[0].shape[0] < pixels.shape[0]  # one box instead of two
