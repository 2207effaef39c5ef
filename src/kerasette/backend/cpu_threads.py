"""Independent parts of one kernel run on the CPU's cores, OpenBLAS on one thread each.

NumPy's elementwise loops run on one core; only its BLAS calls use more. A kernel whose
work splits into independent parts (groups of samples of a batch) can use every core for
all of it: each part runs in its own Python thread (NumPy releases the GIL inside its
loops and BLAS calls) while OpenBLAS runs each GEMM on the calling thread alone, so the
parts' GEMMs do not queue for one shared pool of BLAS threads.

OpenBLAS's thread count is one process-wide setting with no per-call argument, and NumPy
has no function to change it; ``openblas`` reaches NumPy's own OpenBLAS through ``ctypes``
for it. A region sets OpenBLAS to one thread, stops its idle worker threads
(``blas_thread_shutdown_``: after a GEMM they spin for a while, taking a core from the
parts) and puts the count back at the end; the next multi-threaded GEMM starts the
workers again (about 0.2 ms in all).

The parts run one after another on the calling thread instead when no such library is
found (NumPy built on Accelerate or MKL), OpenBLAS runs on one thread already
(``OPENBLAS_NUM_THREADS=1``), ``KERASETTE_CPU_THREADS=1`` is set, the caller is not the
main thread or is inside another region, or Python threads other than kerasette's,
tqdm's and a Jupyter kernel's are alive (they might be inside OpenBLAS, whose threads a
region stops); work that calls no BLAS (Adam's update of a large variable) then still
runs on two threads, leaving OpenBLAS alone. The results are the same either way: each
part is computed by the same code on the same numbers.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from . import openblas

__all__ = ["run_parts", "parallel_threads", "even_slices", "serial"]

_PREFIX = "kerasette-part"

_ENABLED = os.environ.get("KERASETTE_CPU_THREADS", "").strip() != "1"
_BLAS = openblas.THREADS if _ENABLED else None
_REGION = threading.Lock()  # one region at a time; a nested or concurrent one runs serially
_serial = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


_KNOWN_MODULES = ("kerasette.", "tqdm", "ipykernel.", "IPython.", "zmq.", "jupyter_client.")
"""Where the threads come from that may be alive during a region: none of them calls
OpenBLAS (tqdm's monitor; a Jupyter kernel's heartbeat, IOPub, control, shell-channel,
output-pipe and history threads)."""


def _known(thread: threading.Thread) -> bool:
    if thread is threading.main_thread() or thread.name.startswith("kerasette-"):
        return True
    target = getattr(thread, "_target", None)  # CPython keeps it while the thread runs
    modules = (type(thread).__module__, getattr(target, "__module__", None) or "")
    return any(module.startswith(_KNOWN_MODULES) for module in modules)


def _only_known_threads() -> bool:
    """Whether every live Python thread is one of ``_KNOWN_MODULES``' or the main one."""
    return all(_known(thread) for thread in threading.enumerate())


def parallel_threads() -> int:
    """How many threads a region would run its parts on now (1: one after another)."""
    if (_BLAS is None or getattr(_serial, "on", False) or _REGION.locked()
            or threading.current_thread() is not threading.main_thread()):
        return 1
    return max(1, int(_BLAS.get()))


@contextlib.contextmanager
def serial():
    """Within this block, this thread's regions run their parts one after another, as
    kerasette ran them before there were regions (work without BLAS, Adam's update of a
    large variable, keeps its two threads on the pool)."""
    before = getattr(_serial, "on", False)
    _serial.on = True
    try:
        yield
    finally:
        _serial.on = before


def _workers(count: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    if _pool_size < count:  # grows once, to the core count; the old pool's threads end
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool, _pool_size = ThreadPoolExecutor(count, thread_name_prefix=_PREFIX), count
    return _pool


def run_parts(work, parts, blas: bool = True) -> list:
    """``[work(part) for part in parts]``, the parts spread over the cores.

    Every thread (the caller's included) takes the next part until none is left, so
    unequal parts balance out; OpenBLAS runs on one thread meanwhile. The parts must not
    write to the same memory. An exception in a part is raised here, after every thread
    has stopped taking parts. Work that calls no BLAS (``blas=False``) still runs on two
    threads where no region can start (no OpenBLAS found, one BLAS thread, other Python
    threads alive), without touching OpenBLAS.
    """
    parts = list(parts)
    threads = min(parallel_threads(), len(parts))
    if threads >= 2 and _only_known_threads() and _REGION.acquire(blocking=False):
        try:
            return _region(work, parts, threads)
        finally:
            _REGION.release()
    if (not blas and _ENABLED and len(parts) > 1 and not _REGION.locked()
            and not threading.current_thread().name.startswith(_PREFIX)):
        return list(_workers(2).map(work, parts))
    return [work(part) for part in parts]


def _region(work, parts: list, threads: int) -> list:
    """``run_parts`` on ``threads`` threads, OpenBLAS on one thread each."""
    results: list = [None] * len(parts)
    queue = iter(range(len(parts)))
    lock, failed = threading.Lock(), []

    def take() -> None:
        while not failed:
            with lock:
                index = next(queue, None)
            if index is None:
                return
            try:
                results[index] = work(parts[index])
            except BaseException as error:  # noqa: BLE001  (raised by the caller)
                failed.append(error)

    blas_threads = int(_BLAS.get())
    _BLAS.set(1)
    _BLAS.shutdown()
    try:
        others = [_workers(threads - 1).submit(take) for _ in range(threads - 1)]
        take()
        for other in others:
            other.result()
    except BaseException as error:  # an interrupt while waiting: no more parts start
        failed.append(error)
        raise
    finally:
        _BLAS.set(blas_threads)
    if failed:
        raise failed[0]
    return results


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: a fresh pool and region lock."""
    global _pool, _pool_size, _REGION
    _pool, _pool_size, _REGION = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def even_slices(size: int, count: int) -> list[slice]:
    """At most ``count`` contiguous slices of ``range(size)``, sizes within one."""
    count = max(1, min(count, size))
    bounds = [size * k // count for k in range(count + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]
