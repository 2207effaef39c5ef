"""Shared benchmark plumbing: environment report, alternating timed rounds, medians."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

import numpy as np


AVX2_CORETYPES = ("haswell", "zen")
"""OpenBLAS core types whose kernels stop at AVX2 and FMA: under one of these, every
library of both frameworks is held to the same instructions (``one_vector_isa``)."""

_AVX2_CAPS = {  # the switch each of PyTorch's libraries reads at start-up
    "ATEN_CPU_CAPABILITY": "avx2",  # PyTorch's own vectorised kernels
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",  # its GEMMs
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # its fused LSTM/GRU and convolutions
}


def one_vector_isa(native: bool = False) -> None:
    """Re-runs this script, once, with both frameworks on the vector instructions of
    OpenBLAS's core type.

    ``OPENBLAS_CORETYPE=Haswell`` holds NumPy's GEMMs to AVX2, but not NumPy's own
    ufuncs nor PyTorch's MKL, oneDNN and ATen kernels, which take AVX-512 where the CPU
    has it (1.5x on PyTorch's LSTM on an AVX-512 Xeon). Under an AVX2 core type this sets
    ``NPY_DISABLE_CPU_FEATURES`` to the CPU's AVX-512 features and PyTorch's three switches
    to AVX2, then replaces the process (the libraries read them when they load); workers
    inherit the environment. ``native`` (the scripts' ``--native-isa``), or another core
    type, leaves everything as found.
    """
    if native:
        return
    if os.environ.get("OPENBLAS_CORETYPE", "").lower() not in AVX2_CORETYPES:
        return
    caps = dict(_AVX2_CAPS, NPY_DISABLE_CPU_FEATURES=" ".join(_numpy_avx512()))
    if not caps["NPY_DISABLE_CPU_FEATURES"]:
        del caps["NPY_DISABLE_CPU_FEATURES"]
    if all(os.environ.get(k) == v for k, v in caps.items()):
        return
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **caps})


def _numpy_avx512() -> list[str]:
    """The AVX-512 targets NumPy dispatches to on this CPU."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)
            and (name.startswith("AVX512") or name == "X86_V4")]


def isa_report() -> str:
    """One line: the highest vector targets NumPy and PyTorch run, and the switches set."""
    import torch
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    numpy_top = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    switches = ", ".join(f"{v}={os.environ[v]}" for v in (*_AVX2_CAPS, "NPY_DISABLE_CPU_FEATURES")
                         if v in os.environ) or "none"
    return (f"vector ISA: numpy dispatch {numpy_top[-1] if numpy_top else 'baseline'}, torch "
            f"{torch.backends.cpu.get_cpu_capability()}; switches: {switches}")


def add_isa_option(parser) -> None:
    """The scripts' ``--native-isa`` switch, for ``one_vector_isa``."""
    parser.add_argument("--native-isa", action="store_true",
                        help="let NumPy's ufuncs and PyTorch use every vector instruction "
                             "the CPU has (default: those of OPENBLAS_CORETYPE)")


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


def alternate_processes(script: str, workers: list[str], rounds: int,
                        extra: list[str] = ()) -> dict[str, dict[str, list[float]]]:
    """Runs ``python script --worker NAME`` for each worker in turn, ``rounds`` times.

    Each framework runs in a fresh process, so one library's idle worker threads (which
    spin for a while after a BLAS call) never steal cores from the other. A worker prints
    one JSON object of ``{measurement: samples_per_second}``.
    """
    import json
    import subprocess
    import sys

    results: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for worker in workers:
            out = subprocess.run([sys.executable, script, "--worker", worker, *extra],
                                 check=True, capture_output=True, text=True).stdout
            for key, value in json.loads(out.strip().splitlines()[-1]).items():
                results.setdefault(key, {}).setdefault(worker, []).append(value)
    return results


def alternate(runs: dict, rounds: int) -> dict[str, list[float]]:
    """Calls each ``runs[name]()`` once per round, in turn; each returns samples/second."""
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            results[name].append(run())
    return results


def timed(fn, repeat: int = 1) -> float:
    """Seconds one call of ``fn`` takes: the median of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(title: str, results: dict[str, list[float]], reference: str) -> dict:
    """Prints the median samples/s of each framework and its ratio to ``reference``.

    Returns the same as one row for ``write_json``: the title, every round and the medians.
    """
    base = statistics.median(results[reference])
    print(f"{title}")
    row = {"title": title, "reference": reference, "rounds": results, "median": {}}
    for name, values in results.items():
        median = statistics.median(values)
        row["median"][name] = median
        spread = ", ".join(f"{v:,.0f}" for v in values)
        print(f"  {name:<10} median {median:>10,.0f} samples/s  ratio {median / base:5.2f}x"
              f"   (rounds: {spread})")
    return row


def torch_device() -> str:
    """PyTorch's device for the comparison: CUDA when kerasette runs on CuPy, else the CPU.

    On CUDA, TF32 is switched off for PyTorch's matrix products and cuDNN convolutions, as
    CuPy leaves it off (``CUPY_TF32`` unset): both sides then multiply in full float32.
    """
    import torch

    if os.environ.get("KERASETTE_BACKEND") != "cupy":
        return "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return "cuda"


def environment_report() -> str:
    """The BLAS line, PyTorch's version and threads, kerasette's backend and any GPU."""
    import torch

    backend = os.environ.get("KERASETTE_BACKEND", "numpy")
    text = (f"{blas_report()}\n{isa_report()}\ntorch {torch.__version__}, "
            f"threads={torch.get_num_threads()}; kerasette backend={backend}")
    if backend == "cupy":
        import cupy

        name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
        text += (f"\nGPU {name}, cupy {cupy.__version__}, CUDA runtime "
                 f"{cupy.cuda.runtime.runtimeGetVersion()}, torch CUDA {torch.version.cuda}, "
                 f"CUPY_TF32={os.environ.get('CUPY_TF32', '(unset)')}, TF32 off in torch")
    return text


def write_json(path: str | None, environment: str, rows: list[dict]) -> None:
    """Writes the environment and the ``report`` rows to ``path`` (nothing when None)."""
    import json

    if path:
        with open(path, "w") as file:
            json.dump({"environment": environment, "rows": rows}, file, indent=1)


def torch_loops(model, optimizer, loss_fn, xt, yt, batch: int, correct, probabilities):
    """A plain PyTorch training epoch and predict pass, the counterparts of fit/predict.

    ``epoch(count)`` trains on the first ``count`` samples in a shuffled order and, as
    ``fit`` does, tracks the mean loss and the number of ``correct(logits, y)``;
    ``infer(count)`` returns ``probabilities(logits)`` for them on the host.
    """
    import torch

    device = xt.device

    def epoch(count: int):
        model.train()
        order = torch.randperm(count, device=device)
        total_loss = torch.zeros((), device=device)
        right = torch.zeros((), device=device)
        for start in range(0, count, batch):
            index = order[start:start + batch]
            xb, yb = xt[index], yt[index]
            optimizer.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                total_loss += loss * len(yb)
                right += correct(logits, yb)
        return float(total_loss) / count, float(right) / count

    def infer(count: int):
        model.eval()
        with torch.no_grad():
            outputs = [probabilities(model(xt[s:s + batch])) for s in range(0, count, batch)]
            return torch.cat(outputs).cpu().numpy()

    return epoch, infer
