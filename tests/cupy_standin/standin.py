"""What the CuPy stand-in tells the tests: device reads, host uploads, kernels made.

The stand-in (the ``cupy`` and ``cupyx`` packages beside this file) keeps its arrays in
host memory, so nothing it does is slow or asynchronous. What it reports is what real
CuPy would have done on a GPU: every device-to-host read (``int()``, ``float()``,
``bool()``, ``.item()``, ``.get()``, ``.tolist()``, ``asnumpy``, printing) and every
host-to-device copy, each keyed by the line outside the stand-in that caused it.

    import standin
    with standin.counting() as seen:
        model.train_on_batch(x, y)
    assert not seen.reads, seen.reads
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
API = json.load(open(os.path.join(HERE, "cupy_api.json")))
"""Real CuPy's public names and keyword arguments (see tests/tools/dump_cupy_api.py)."""

KERNELS: list = []
"""Every ``cupy.ElementwiseKernel`` made so far (``tests/test_cuda_compile.py`` compiles them)."""


class Seen:
    """Counts of device reads and host uploads, each keyed by ``"file:line"``."""

    def __init__(self):
        self.reads: collections.Counter = collections.Counter()
        self.uploads: collections.Counter = collections.Counter()  # keyed (site, kind)

    def uploads_of(self, kind: str) -> collections.Counter:
        """Uploads of one kind: ``"scalar"`` (a Python or NumPy number) or ``"array"``."""
        return collections.Counter({site: n for (site, k), n in self.uploads.items()
                                    if k == kind})

    def __repr__(self):
        return f"Seen(reads={dict(self.reads)}, uploads={dict(self.uploads)})"


_active: list[Seen] = []


@contextlib.contextmanager
def counting():
    """Counts what the code inside does; nested counters each see everything."""
    seen = Seen()
    _active.append(seen)
    try:
        yield seen
    finally:
        _active.remove(seen)


def call_site() -> str:
    """``"file:line"`` of the innermost frame outside the stand-in."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(HERE):
        frame = frame.f_back
    if frame is None:
        return "?"
    return f"{os.path.relpath(frame.f_code.co_filename)}:{frame.f_lineno}"


def note_read() -> None:
    if _active:
        site = call_site()
        for seen in _active:
            seen.reads[site] += 1


def note_upload(value) -> None:
    if _active:
        import numpy

        kind = "array" if isinstance(value, (numpy.ndarray, list, tuple)) else "scalar"
        site = call_site()
        if os.environ.get("STANDIN_TRACE") == kind:  # who uploads: the whole stack
            import traceback

            traceback.print_stack(limit=8)
        for seen in _active:
            seen.uploads[site, kind] += 1
