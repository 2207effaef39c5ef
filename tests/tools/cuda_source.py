"""The CUDA source CuPy 14 builds for a kernel, and an nvcc that compiles it without a GPU.

Written after CuPy's ``cupy/_core/_kernel.pyx`` (``_get_elementwise_kernel_code``: one
thread loop over a ``CIndexer``, each non-raw argument bound by reference to its element),
``_scalar.pyx`` (the C name of each dtype, and the header ``float16`` needs) and
``core.pyx`` (``compile_with_cache``: the headers prepended to an ElementwiseKernel but not
to a RawKernel, the include paths, ``--std=c++17``, ``-ftz=true``).

CuPy compiles with NVRTC; nvcc differs in one way a kernel may notice: NVRTC gets
``--device-as-default-execution-space``, nvcc does not, so a function in a preamble needs
an explicit ``__device__`` here.

Under the stand-in, ``--json`` prints the kernels cupy_kernels.py makes (what
tests/test_cuda_compile.py reads), and ``NAME [DTYPE]`` the source of one::

    PYTHONPATH=tests/cupy_standin:src python tests/tools/cuda_source.py kerasette_adam float16
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy

# What core.pyx prepends to every ElementwiseKernel (RawKernel code gets nothing).
CUPY_HEADERS = ("cupy/complex.cuh", "cupy/carray.cuh", "cupy/atomics.cuh",
                "cupy/math_constants.h")

# _scalar.pyx: a dtype's C name, and the declaration the name needs first.
C_NAMES = {
    "float64": "double", "float32": "float", "float16": "float16",
    "complex128": "thrust::complex<double>", "complex64": "thrust::complex<float>",
    "int64": "long long", "int32": "int", "int16": "short", "int8": "signed char",
    "uint64": "unsigned long long", "uint32": "unsigned int", "uint16": "unsigned short",
    "uint8": "unsigned char", "bool": "bool",
}
C_DECLS = {"float16": '#include "cupy/float16.cuh"'}

ARCH = "sm_90"
RAW_NDIM = 1
"""The ndim a raw argument is given. CuPy uses the array's own, but ``CArray``'s flat
``operator[](ptrdiff_t)`` is the same at every ndim, so the body compiles alike."""


@dataclasses.dataclass(frozen=True)
class Param:
    """One kernel parameter, read as CuPy's ``ParameterInfo`` reads it."""

    name: str
    type: str  # a one-letter placeholder such as "T", or a dtype name such as "int64"
    raw: bool
    const: bool

    @property
    def placeholder(self) -> bool:
        return len(self.type) == 1


def parse_params(text: str, const: bool) -> list[Param]:
    """``"T x, raw T y, int64 n"`` -> params; inputs are const unless ``_non_const``."""
    params = []
    for item in text.split(","):
        words = item.split()
        if not words:
            continue
        if len(words) < 2:
            raise ValueError(f"Syntax error: {item!r}")
        flags = set(words[:-2])
        if flags - {"raw", "_non_const"}:
            raise ValueError(f"Unknown keyword in {item!r}")
        params.append(Param(words[-1], words[-2], "raw" in flags,
                            const and "_non_const" not in flags))
    return params


def c_name(dtype: str, decls: list[str]) -> str:
    """The C name of ``dtype``, noting in ``decls`` the header that name needs."""
    dtype = numpy.dtype(dtype).name
    if dtype not in C_NAMES:
        raise ValueError(f"no C type for dtype {dtype!r}")
    if dtype in C_DECLS and C_DECLS[dtype] not in decls:
        decls.append(C_DECLS[dtype])
    return C_NAMES[dtype]


def elementwise_source(kernel: dict, dtype: str) -> str:
    """An ElementwiseKernel's translation unit, every placeholder typed ``dtype``.

    ``kernel`` holds the constructor's strings: ``name``, ``in_params``, ``out_params``,
    ``operation`` and optionally ``preamble``, ``loop_prep``, ``after_loop``. Every
    non-raw argument is taken as a contiguous array: a scalar argument reaches the body
    as a value of the same C type instead of a reference, which compiles alike.
    """
    params = (parse_params(kernel["in_params"], True)
              + parse_params(kernel["out_params"], False))
    decls: list[str] = []
    typedefs = [f"typedef {c_name(dtype, decls)} {t};"
                for t in sorted({p.type for p in params if p.placeholder})]
    args, binds = [], []
    for p in params:
        c = c_name(dtype if p.placeholder else p.type, decls)
        const = "const " if p.const else ""
        ndim = RAW_NDIM if p.raw else 1
        args.append(f"{const}CArray<{c}, {ndim}, 1, 1> {'' if p.raw else '_raw_'}{p.name}")
        if not p.raw:
            in_body = p.type if p.placeholder else c
            binds.append(f"{const}{in_body} &{p.name} = _raw_{p.name}[_ind.get()];")
    args.append("CIndexer<1, 1> _ind")
    body = "\n    ".join(binds)
    lines = [
        *(f"#include <{h}>" for h in CUPY_HEADERS),
        *decls,
        *typedefs,
        kernel.get("preamble") or "",
        f'extern "C" __global__ void {kernel["name"]}({", ".join(args)}) {{',
        f"  {kernel.get('loop_prep') or ''};",
        "  #pragma unroll 1",
        "  CUPY_FOR(i, _ind.size()) {",
        "    _ind.set(i);",
        f"    {body}",
        f"    {kernel['operation']};",
        "  }",
        f"  {kernel.get('after_loop') or ''};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def raw_source(kernel: dict) -> str:
    """A RawKernel's translation unit: its ``code`` as given (CuPy prepends no header)."""
    return kernel["code"]


def find_nvcc() -> str | None:
    """``nvcc`` on PATH, else under ``$CUDA_PATH`` or ``$CUDA_HOME``."""
    found = shutil.which("nvcc")
    for root in (os.environ.get("CUDA_PATH"), os.environ.get("CUDA_HOME")):
        if found is None and root:
            candidate = pathlib.Path(root, "bin", "nvcc")
            found = str(candidate) if candidate.is_file() else None
    return found


def find_cupy_include(skip: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """Real CuPy's ``cupy/_core/include`` without importing ``cupy`` (which may be the
    stand-in): ``$KERASETTE_CUPY_INCLUDE``, else the first ``sys.path`` entry, other
    than those in ``skip``, that holds it. Returns (the folder or None, why not)."""
    given = os.environ.get("KERASETTE_CUPY_INCLUDE")
    if given:
        if pathlib.Path(given, "cupy", "carray.cuh").is_file():
            return given, ""
        return None, f"KERASETTE_CUPY_INCLUDE={given} holds no cupy/carray.cuh"
    skipped = {os.path.realpath(s) for s in skip}
    for entry in sys.path:
        if not entry or os.path.realpath(entry) in skipped:
            continue
        include = pathlib.Path(entry, "cupy", "_core", "include")
        if (include / "cupy" / "carray.cuh").is_file():
            return str(include), ""
    return None, ("CuPy's headers (cupy/_core/include/cupy/carray.cuh) are on no sys.path "
                  "entry: install cupy-cuda12x or set KERASETTE_CUPY_INCLUDE")


def nvcc_command(nvcc: str, include: str, source: str) -> list[str]:
    """Compiles ``source`` to a cubin for ARCH (device code only, through ptxas), with
    the include paths CuPy gives NVRTC: its bundled CCCL first, then its own headers."""
    cccl = [f"-I{include}/cupy/_cccl/{part}" for part in ("cub", "thrust", "libcudacxx")
            if os.path.isdir(f"{include}/cupy/_cccl/{part}")]
    return [nvcc, f"-arch={ARCH}", "-std=c++17", "-ftz=true", *cccl, f"-I{include}",
            "-cubin", "-o", os.devnull, source]


def compile_source(nvcc: str, include: str, source: str, path: pathlib.Path,
                   timeout: float = 300) -> subprocess.CompletedProcess:
    """Writes ``source`` to ``path`` (its name is what nvcc's errors cite) and compiles it."""
    path.write_text(source)
    return subprocess.run(nvcc_command(nvcc, include, str(path)), capture_output=True,
                          text=True, timeout=timeout)


def kernel_records() -> list[dict]:
    """Every kernel the stand-in recorded while ``kerasette.backend.cupy_kernels`` was
    imported, as plain strings. Run under the stand-in (``tests/cupy_standin`` first on
    ``sys.path``)."""
    import kerasette.backend.cupy_kernels  # noqa: F401  (makes its kernels)
    import standin

    records = []
    for kernel in standin.KERNELS:
        if hasattr(kernel, "operation"):
            fields = ("in_params", "out_params", "operation", "preamble", "loop_prep",
                      "after_loop")
            record = {"kind": "elementwise"}
            record.update({f: getattr(kernel, f, "") or "" for f in fields})
        else:
            record = {"kind": "raw", "code": kernel.code}
        records.append({"name": kernel.name, **record})
    return records


def source(record: dict, dtype: str | None) -> str:
    """The translation unit of one record of ``kernel_records``."""
    if record["kind"] == "raw":
        return raw_source(record)
    return elementwise_source(record, dtype)


def _main(argv: list[str]) -> int:
    if argv == ["--json"]:
        print(json.dumps(kernel_records()))
        return 0
    name, *dtype = argv
    for record in kernel_records():
        if record["name"] == name:
            print(source(record, dtype[0] if dtype else "float32"))
            return 0
    print(f"no kernel {name!r} among the stand-in's", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
