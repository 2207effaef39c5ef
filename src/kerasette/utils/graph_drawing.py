"""Draws a directed acyclic graph of labelled boxes into an RGB array, without graphviz.

The layout is a small layered (Sugiyama-style) one: each node's rank is the length of
the longest path reaching it; an edge spanning several ranks passes through a slot in
each rank between (so no arrow crosses a box); a few sweeps order each rank by the mean
position of its neighbours in the rank before (barycentres), which keeps branches apart
and merges below their inputs. Ranks run top to bottom (``"TB"``), left to right
(``"LR"``), or reversed (``"BT"``, ``"RL"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bitmap_font import LINE_HEIGHT, draw_text, text_size

__all__ = ["Box", "Layout", "group_frame", "layout_graph", "render_layout"]

RANKDIRS = ("TB", "LR", "BT", "RL")
PAPER, FILL, INK = (255, 255, 255), (232, 240, 252), (24, 24, 24)


@dataclass
class Box:
    """One node placed on the canvas: its text lines and pixel rectangle."""

    key: str
    lines: list
    top: int
    left: int
    height: int
    width: int
    rank: int


@dataclass
class Layout:
    """The placed graph: boxes by key, each edge as a polyline of ``(y, x)`` points from
    the source box to the target box, and the canvas size."""

    boxes: dict
    edges: list = field(default_factory=list)  # (source key, target key, points)
    height: int = 0
    width: int = 0
    scale: int = 1


def _ranks(keys: list, edges: list) -> dict:
    """Longest-path ranks, visiting nodes in a topological order that follows ``keys``."""
    parents = {key: [] for key in keys}
    for source, target in edges:
        parents[target].append(source)
    rank, pending = {}, list(keys)
    while pending:
        ready = [k for k in pending if all(p in rank for p in parents[k])]
        if not ready:
            raise ValueError(f"The graph has a cycle through {pending}; only acyclic "
                             "graphs (model layer graphs) can be drawn.")
        for key in ready:
            rank[key] = max((rank[p] + 1 for p in parents[key]), default=0)
        pending = [k for k in pending if k not in rank]
    return rank


def _order(rows: list, links: list, sweeps: int = 4) -> list:
    """Reorders each rank by the barycentre of its neighbours, down then up, a few times."""
    up = {}
    down = {}
    for source, target in links:
        down.setdefault(source, []).append(target)
        up.setdefault(target, []).append(source)

    def sort(row, neighbours, reference):
        place = {key: i for i, key in enumerate(reference)}

        def centre(item):
            index, key = item
            found = [place[n] for n in neighbours.get(key, []) if n in place]
            return (sum(found) / len(found) if found else index, index)

        return [key for _, key in sorted(enumerate(row), key=centre)]

    for _ in range(sweeps):
        for r in range(1, len(rows)):
            rows[r] = sort(rows[r], up, rows[r - 1])
        for r in range(len(rows) - 2, -1, -1):
            rows[r] = sort(rows[r], down, rows[r + 1])
    return rows


def _box_size(lines: list, scale: int) -> tuple[int, int]:
    width = max(text_size(line, scale)[1] for line in lines) if lines else 0
    return len(lines) * LINE_HEIGHT * scale + 8 * scale, width + 16 * scale


def _layered(keys: list, edges: list) -> tuple[dict, list, list]:
    """Ranks, the ordered rows of each rank (with a dummy slot for each rank an edge
    crosses), and each edge's chain of keys from source through its dummies to target."""
    rank = _ranks(keys, edges)
    rows = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for key in keys:
        rows[rank[key]].append(key)
    links, chains = [], []
    for number, (source, target) in enumerate(edges):
        chain = [source] + [f"\0{number}:{r}" for r in range(rank[source] + 1, rank[target])]
        for r, dummy in enumerate(chain[1:], start=rank[source] + 1):
            rows[r].append(dummy)
        chain.append(target)
        links += list(zip(chain, chain[1:]))
        chains.append(chain)
    return rank, _order(rows, links), chains


class _Placer:
    """Positions along the rank axis and across it, mapped to pixels for a ``rankdir``."""

    def __init__(self, rows: list, sizes: dict, rankdir: str, scale: int):
        self.vertical = rankdir in ("TB", "BT")
        self.flip = rankdir in ("BT", "RL")
        self.margin = 10 * scale
        gap_rank, gap_cross = 28 * scale, 16 * scale
        extents = {key: self._along(sizes.get(key, (0, 0))) for row in rows for key in row}
        thickness = [max(extents[k][0] for k in row) for row in rows]
        starts = np.concatenate([[0], np.cumsum([t + gap_rank for t in thickness])])
        spans = [sum(extents[k][1] for k in row) + gap_cross * (len(row) - 1) for row in rows]
        self.cross_total = max(spans, default=0)
        self.rank_total = int(starts[-1] - gap_rank) if rows else 0
        # key -> (offset along, offset across, extent along, extent across, band, band width)
        self.position = {}
        for r, row in enumerate(rows):
            cursor = (self.cross_total - spans[r]) / 2
            band = starts[r] if not self.flip else self.rank_total - starts[r] - thickness[r]
            for key in row:
                extent, cross = extents[key]
                self.position[key] = (band + (thickness[r] - extent) / 2, cursor, extent,
                                      cross, band, thickness[r])
                cursor += cross + gap_cross

    def _along(self, size: tuple) -> tuple:
        return size if self.vertical else size[::-1]

    def point(self, along: float, across: float) -> tuple[int, int]:
        y, x = (along, across) if self.vertical else (across, along)
        return int(round(y + self.margin)), int(round(x + self.margin))

    def route(self, chain: list) -> list:
        """The polyline of an edge: out of the source box's far side, straight through
        each dummy slot's band, into the target box's near side."""
        s, t = self.position[chain[0]], self.position[chain[-1]]
        exit_at = s[0] if self.flip else s[0] + s[2]
        entry_at = t[0] + t[2] if self.flip else t[0]
        points = [self.point(exit_at, s[1] + s[3] / 2)]
        for dummy in chain[1:-1]:
            _, cross, _, _, band, width = self.position[dummy]
            ends = (band + width, band) if self.flip else (band, band + width)
            points += [self.point(ends[0], cross), self.point(ends[1], cross)]
        return points + [self.point(entry_at, t[1] + t[3] / 2)]


def layout_graph(nodes: list, edges: list, rankdir: str = "TB", scale: int = 1) -> Layout:
    """Places ``nodes`` (``(key, [text lines])``) and ``edges`` (``(source, target)``
    keys) on a canvas; returns a ``Layout``. ``scale`` multiplies every size."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"`rankdir` must be one of {RANKDIRS}; received {rankdir!r}.")
    lines_of = dict(nodes)
    keys = [key for key, _ in nodes]
    rank, rows, chains = _layered(keys, edges)
    sizes = {key: _box_size(lines_of[key], scale) for key in keys}
    placer = _Placer(rows, sizes, rankdir, scale)
    boxes = {}
    for key in keys:
        top, left = placer.point(*placer.position[key][:2])
        boxes[key] = Box(key, list(lines_of[key]), top, left, *sizes[key], rank[key])
    placed = [(source, target, placer.route(chain))
              for (source, target), chain in zip(edges, chains)]
    height, width = placer.point(placer.rank_total, placer.cross_total)
    return Layout(boxes, placed, height + placer.margin, width + placer.margin, scale)


def _segment(image, start, end, thickness: int) -> None:
    (y0, x0), (y1, x1) = start, end
    count = int(max(abs(y1 - y0), abs(x1 - x0))) + 1
    ys = np.rint(np.linspace(y0, y1, count)).astype(int)
    xs = np.rint(np.linspace(x0, x1, count)).astype(int)
    low = -(thickness // 2)
    for dy in range(low, low + thickness):
        for dx in range(low, low + thickness):
            yy = np.clip(ys + dy, 0, image.shape[0] - 1)
            xx = np.clip(xs + dx, 0, image.shape[1] - 1)
            image[yy, xx] = INK


def _arrow(image, points, scale: int) -> None:
    """The polyline, ending in a filled arrowhead that touches the last point."""
    tip = np.array(points[-1], float)
    before = np.array(points[-2], float)
    direction = tip - before
    length = float(np.hypot(*direction)) or 1.0
    direction /= length
    head = min(8.0 * scale, length)
    base = tip - direction * head
    for a, b in zip(points[:-2], points[1:-1]):
        _segment(image, a, b, scale)
    _segment(image, points[-2], tuple(base), scale)
    normal = np.array([-direction[1], direction[0]]) * 4.0 * scale
    _triangle(image, tip, base + normal, base - normal)


def _triangle(image, a, b, c) -> None:
    """Fills the triangle ``a, b, c`` (``(y, x)`` points): every pixel whose centre lies
    inside or on an edge."""
    corners = np.array([a, b, c])
    low = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    high = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, image.shape[:2])
    ys, xs = np.mgrid[low[0]:high[0], low[1]:high[1]]

    def side(p, q):  # the sign of the cross product: which side of p->q each pixel is on
        return (q[0] - p[0]) * (xs - p[1]) - (q[1] - p[1]) * (ys - p[0])

    sides = np.stack([side(a, b), side(b, c), side(c, a)])
    inside = (sides >= -0.5).all(axis=0) | (sides <= 0.5).all(axis=0)
    image[ys[inside], xs[inside]] = INK


def group_frame(layout: Layout, keys) -> tuple[int, int, int, int]:
    """``(top, left, bottom, right)`` of the frame around the boxes of ``keys``: a few
    pixels out, with room above for a title line (the gaps between ranks hold it)."""
    boxes = [layout.boxes[key] for key in keys]
    pad, scale = 5 * layout.scale, layout.scale
    return (max(min(b.top for b in boxes) - pad - LINE_HEIGHT * scale, 0),
            max(min(b.left for b in boxes) - pad, 0),
            min(max(b.top + b.height for b in boxes) + pad, layout.height - 1),
            min(max(b.left + b.width for b in boxes) + pad, layout.width - 1))


def _frame(image, frame, title: str, scale: int) -> None:
    """A dashed rectangle (dashes of 4 dots) with ``title`` inside its top-left corner."""
    top, left, bottom, right = frame
    dash = (np.arange(max(bottom - top, right - left) + 1) // (4 * scale)) % 2 == 0
    for row in (top, bottom):
        image[row:row + scale, left:right + 1][:, dash[:right + 1 - left]] = INK
    for column in (left, right):
        image[top:bottom + 1, column:column + scale][dash[:bottom + 1 - top]] = INK
    height, width = text_size(title, scale)
    image[top + scale:top + height, left + scale:left + width + 3 * scale] = PAPER
    draw_text(image, title, top + 2 * scale, left + 2 * scale, INK, scale)


def render_layout(layout: Layout, groups=()) -> np.ndarray:
    """The ``(height, width, 3)`` uint8 picture of ``layout``: filled boxes with a
    border and centred text, arrows between them, and a titled dashed frame around the
    boxes of each group in ``groups`` (``(title, keys)`` pairs)."""
    scale = layout.scale
    image = np.empty((layout.height, layout.width, 3), np.uint8)
    image[:] = PAPER
    for _, _, points in layout.edges:
        _arrow(image, points, scale)
    for title, keys in groups:
        if keys:
            _frame(image, group_frame(layout, keys), title, scale)
    for box in layout.boxes.values():
        bottom, right = box.top + box.height, box.left + box.width
        image[box.top:bottom, box.left:right] = INK
        image[box.top + scale:bottom - scale, box.left + scale:right - scale] = FILL
        for index, line in enumerate(box.lines):
            width = text_size(line, scale)[1]
            top = box.top + 4 * scale + index * LINE_HEIGHT * scale + scale
            draw_text(image, line, top, box.left + (box.width - width) // 2, INK, scale)
    return image
