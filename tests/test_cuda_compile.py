"""Every CUDA body in ``kerasette.backend.cupy_kernels`` compiles, without a GPU.

The kernels are the ones the CuPy stand-in (``tests/cupy_standin``) records while
cupy_kernels.py is imported, listed in a subprocess so that whichever ``cupy`` this process
sees does not matter. Each is written out as the translation unit CuPy would give NVRTC
(``tests/tools/cuda_source.py``) and compiled by this machine's nvcc against real CuPy's
headers for sm_90: an ElementwiseKernel once per float type, a RawKernel once. Skips when
nvcc, CuPy's headers (``KERASETTE_CUPY_INCLUDE`` or an installed cupy-cuda12x) or the
stand-in are missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parent
STANDIN = TESTS / "cupy_standin"
DTYPES = ("float16", "float32", "float64")


def _load(path: pathlib.Path):
    """Imports a helper from tests/tools by its path (that folder is no package)."""
    spec = importlib.util.spec_from_file_location(f"tests_tools_{path.stem}", path)
    module = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module


cuda_source = _load(TESTS / "tools" / "cuda_source.py")
NVCC = cuda_source.find_nvcc()
INCLUDE, NO_INCLUDE = cuda_source.find_cupy_include(skip=(str(STANDIN),))


def _missing() -> str:
    """Why nothing can be compiled here, or "" when it can."""
    if NVCC is None:
        return "nvcc not found (on PATH, $CUDA_PATH/bin or $CUDA_HOME/bin)"
    if INCLUDE is None:
        return NO_INCLUDE
    if not (STANDIN / "standin.py").is_file() or not (STANDIN / "cupy").is_dir():
        return f"the CuPy stand-in is not there yet ({STANDIN})"
    return ""


def _list_kernels() -> tuple[list[dict], str]:
    """The stand-in's kernel records, and the error when they could not be listed."""
    env = dict(os.environ)
    paths = [str(STANDIN), str(TESTS.parent / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    command = [sys.executable, str(TESTS / "tools" / "cuda_source.py"), "--json"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return [], "listing the kernels under the stand-in took over 120 s"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return [], (f"importing kerasette.backend.cupy_kernels under the stand-in failed "
                    f"(exit {done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(lines[-1]), ""


MISSING = _missing()
KERNELS, LIST_ERROR = ([], "") if MISSING else _list_kernels()


def _cases() -> list:
    """One case per kernel and float type (per kernel for a RawKernel)."""
    if MISSING or LIST_ERROR:
        why = MISSING or "the kernels could not be listed: see test_kernels_are_listed"
        return [pytest.param(None, None, id="none", marks=pytest.mark.skip(reason=why))]
    cases = []
    for kernel in KERNELS:
        dtypes = DTYPES if kernel["kind"] == "elementwise" else (None,)
        cases += [pytest.param(kernel, dtype, id=f"{kernel['name']}-{dtype or 'raw'}")
                  for dtype in dtypes]
    return cases


@pytest.fixture(scope="session")
def nvcc(tmp_path_factory):
    """Compiles one kernel to an sm_90 cubin; skips when nvcc cannot build for sm_90."""
    if MISSING:
        pytest.skip(MISSING)
    probe = tmp_path_factory.mktemp("nvcc") / "probe.cu"
    done = cuda_source.compile_source(
        NVCC, INCLUDE, 'extern "C" __global__ void probe(float* x) { x[0] = 1; }\n', probe)
    if done.returncode != 0:
        pytest.skip(f"{NVCC} cannot build for {cuda_source.ARCH}: {done.stderr[-2000:]}")

    def compile_kernel(kernel: dict, dtype: str | None, folder: pathlib.Path):
        text = cuda_source.source(kernel, dtype)
        path = folder / f"{kernel['name']}-{dtype or 'raw'}.cu"
        return text, cuda_source.compile_source(NVCC, INCLUDE, text, path)

    return compile_kernel


def _expect(nvcc, folder: pathlib.Path, kernel: dict, dtype: str | None,
            error: str | None = None) -> None:
    """Fails unless nvcc accepts the kernel (``error`` None) or rejects it with ``error``."""
    text, done = nvcc(kernel, dtype, folder)
    what = f"kernel {kernel['name']!r} ({dtype or 'RawKernel'})"
    if error is None and done.returncode != 0:
        numbered = "\n".join(f"{n:4d} | {line}" for n, line in enumerate(text.splitlines(), 1))
        hint = ("\nCuPy's NVRTC takes unannotated functions as __device__ and nvcc does "
                "not: mark the preamble's functions __device__."
                if "calling a __host__ function" in done.stderr else "")
        pytest.fail(f"{what} does not compile for {cuda_source.ARCH}:\n"
                    f"{done.stderr}{done.stdout}\n{numbered}{hint}", pytrace=False)
    if error is not None and (done.returncode == 0 or error not in done.stderr):
        pytest.fail(f"nvcc should reject {what} with {error!r}; it said:\n"
                    f"{done.stderr or '(nothing: it compiled)'}", pytrace=False)


def test_kernels_are_listed():
    if MISSING:
        pytest.skip(MISSING)
    assert not LIST_ERROR, LIST_ERROR
    assert KERNELS, "the stand-in recorded no kernel while cupy_kernels.py was imported"


@pytest.mark.parametrize("kernel, dtype", _cases())
def test_kernel_compiles(kernel, dtype, nvcc, tmp_path):
    _expect(nvcc, tmp_path, kernel, dtype)


# The checks of the check: a body nvcc must refuse, and one it must refuse in float16 only.
RELU = {"kind": "elementwise", "name": "relu_backward_probe", "in_params": "T g, T y",
        "out_params": "T dx"}


@pytest.mark.parametrize("operation, dtype, error", [
    pytest.param("dx = y > 0 ? g : (T)0", "float16", None, id="sound"),
    pytest.param("dx = y > 0 ? g : (T)zero", "float32", 'identifier "zero" is undefined',
                 id="undeclared-name"),
    # float16 is a class: it and the int 0 convert into each other, which nvcc refuses.
    pytest.param("dx = y > 0 ? g : 0", "float32", None, id="int-zero-float32"),
    pytest.param("dx = y > 0 ? g : 0", "float16", 'ambiguous "?" operation',
                 id="int-zero-float16"),
])
def test_a_broken_body_is_rejected(operation, dtype, error, nvcc, tmp_path):
    _expect(nvcc, tmp_path, dict(RELU, operation=operation), dtype, error)


@pytest.mark.parametrize("body, error", [
    pytest.param("x[threadIdx.x] *= 2;", None, id="sound"),
    pytest.param("x[threadIdx.x] *= two;", 'identifier "two" is undefined',
                 id="undeclared-name"),
])
def test_a_raw_kernel_compiles_as_written(body, error, nvcc, tmp_path):
    code = f'extern "C" __global__ void scale(float* x) {{ {body} }}\n'
    _expect(nvcc, tmp_path, {"kind": "raw", "name": "scale", "code": code}, None, error)
