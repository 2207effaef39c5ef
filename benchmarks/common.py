"""Shared benchmark plumbing: environment report, alternating timed rounds, medians."""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np


def blas_report() -> str:
    """One line naming NumPy's BLAS, its architecture setting and the thread settings."""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        blas_text = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older NumPy has no dict mode
        blas_text = "unknown"
    variables = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    env = ", ".join(f"{v}={os.environ.get(v, '(unset)')}" for v in variables)
    return (f"python {platform.python_version()}, numpy {np.__version__}, BLAS {blas_text}; "
            f"{env}; cpus={os.cpu_count()}")


def alternate(runs: dict, rounds: int) -> dict[str, list[float]]:
    """Calls each ``runs[name]()`` once per round, in turn; each returns samples/second."""
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            results[name].append(run())
    return results


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def report(title: str, results: dict[str, list[float]], reference: str) -> None:
    """Prints the median samples/s of each framework and its ratio to ``reference``."""
    base = statistics.median(results[reference])
    print(f"{title}")
    for name, values in results.items():
        median = statistics.median(values)
        spread = ", ".join(f"{v:,.0f}" for v in values)
        print(f"  {name:<10} median {median:>10,.0f} samples/s  ratio {median / base:5.2f}x"
              f"   (rounds: {spread})")
