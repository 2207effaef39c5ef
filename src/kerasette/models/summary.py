"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import numpy as np


__all__ = ["print_summary", "readable_size"]


def readable_size(num_bytes: float) -> str:
    """``964`` -> ``"964.00 B"``, ``2678824`` -> ``"2.55 MB"`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB"):
        if num_bytes < 1024 or unit == "GB":
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024


def _shape_text(outputs) -> str:
    shapes = [t.shape for t in outputs]
    text = ", ".join(str(s) if len(s) != 1 else f"({s[0]},)" for s in shapes)
    return text if len(shapes) == 1 else f"[{text}]"


def _rows(model, functional: bool) -> list[list[str]]:
    graph = getattr(model, "_graph_for_summary", lambda: None)()
    node_of = {}
    for node in getattr(graph, "_nodes", []):
        node_of.setdefault(id(node.layer), node)
    layers = graph.layers if functional and graph is not None else model.layers
    rows = []
    for layer in layers:
        node = node_of.get(id(layer))
        shape = _shape_text(node.output_tensors) if node is not None else "?"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", shape, params]
        if functional:
            parents = [] if node is None else [
                f"{t._keras_history[0].name}[{t._keras_history[1]}][{t._keras_history[2]}]"
                for t in node.input_tensors]
            row.append(", ".join(parents) if parents else "-")
        rows.append(row)
    return rows


def _table(headers, rows, widths, aligns) -> list[str]:
    def line(left, fill, sep, right):
        return left + sep.join(fill * (w + 2) for w in widths) + right

    def cells(values, edge):
        parts = []
        for value, width, align in zip(values, widths, aligns):
            text = value if len(value) <= width else value[:width - 1] + "…"
            parts.append(" " + (text.rjust(width) if align == ">" else text.ljust(width)) + " ")
        return edge + edge.join(parts) + edge

    out = [line("┏", "━", "┳", "┓"), cells(headers, "┃"), line("┡", "━", "╇", "┩")]
    for index, row in enumerate(rows):
        out.append(cells(row, "│"))
        if index < len(rows) - 1:
            out.append(line("├", "─", "┼", "┤"))
    out.append(line("└", "─", "┴", "┘"))
    return out


def print_summary(model, line_length=None, print_fn=None, show_trainable=False) -> None:
    """Prints (or passes line by line to ``print_fn``) the summary of ``model``."""
    print_fn = print_fn or print
    functional = type(model).__name__ == "Functional"
    rows = _rows(model, functional)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional
                                                              else [])
    widths = [31, 22, 13] + ([20] if functional else [])
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    if line_length:
        widths = [max(8, int(w * line_length / (sum(widths) + 3 * len(widths) + 1)))
                  for w in widths]
    aligns = ["<", "<", ">", "<"]
    lines = [f'Model: "{model.name}"'] + _table(headers, rows, widths, aligns)
    weights = model.weights if model.built else []
    trainable = model.trainable_weights if model.built else []
    trainable_ids = {id(w) for w in trainable}

    def count(ws):
        return int(sum(np.prod(w.shape, dtype=np.int64) for w in ws))

    def size(ws):
        return sum(np.prod(w.shape, dtype=np.int64) * w.dtype.itemsize for w in ws)

    frozen = [w for w in weights if id(w) not in trainable_ids]
    for label, ws in (("Total", weights), ("Trainable", trainable), ("Non-trainable", frozen)):
        lines.append(f" {label} params: {count(ws):,} ({readable_size(size(ws))})")
    for text in lines:
        print_fn(text)
