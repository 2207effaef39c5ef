"""Writes tests/cupy_standin/cupy_api.json: the public names of real CuPy and their
keyword arguments, which the stand-in in tests/cupy_standin/ is allowed to have.

Run it under a Python that has the real wheel (it imports without a GPU; only device
calls fail), for example::

    python -m venv /tmp/cupy && /tmp/cupy/bin/pip install cupy-cuda12x numpy
    /tmp/cupy/bin/python tests/tools/dump_cupy_api.py
"""

from __future__ import annotations

import ast
import inspect
import json
import pathlib
import types

import cupy
import cupyx
import cupyx.scipy.special

MODULES = ("cupy", "cupy.random", "cupy.linalg", "cupy.lib", "cupy.lib.stride_tricks",
           "cupy.cuda", "cupy.cuda.runtime",
           "cupy.cuda.memory", "cupyx", "cupyx.scipy", "cupyx.scipy.special")
CLASSES = ("cupy.ndarray", "cupy.random.Generator", "cupy.ElementwiseKernel",
           "cupy.RawKernel", "cupy.cuda.Device", "cupy.cuda.MemoryPool",
           "cupy.cuda.PinnedMemoryPool", "cupy.ufunc", "cupy.flatiter")
OUT = pathlib.Path(__file__).resolve().parents[1] / "cupy_standin" / "cupy_api.json"


def parameters(obj):
    """``{"names": [...], "varkw": bool, "varargs": bool}``, or None when unknown."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        signature = _signature_from_doc(obj)
        if signature is None:
            return None
    names = [p.name for p in signature.parameters.values()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"]
    kinds = {p.kind for p in signature.parameters.values()}
    return {"names": names, "varargs": inspect.Parameter.VAR_POSITIONAL in kinds,
            "varkw": inspect.Parameter.VAR_KEYWORD in kinds}


def _signature_from_doc(obj):
    # Cython methods carry their signature in the docstring's first line.
    first = (getattr(obj, "__doc__", None) or "").strip().splitlines()[:1]
    if not first or "(" not in first[0]:
        return None
    text = first[0].split("(", 1)[1].rsplit(")", 1)[0]
    try:
        tree = ast.parse(f"def f({text}): pass")
    except SyntaxError:
        return None
    arguments = tree.body[0].args
    params = [inspect.Parameter(a.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD)
              for a in arguments.posonlyargs + arguments.args]
    if arguments.vararg:
        params.append(inspect.Parameter(arguments.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    params += [inspect.Parameter(a.arg, inspect.Parameter.KEYWORD_ONLY)
               for a in arguments.kwonlyargs]
    if arguments.kwarg:
        params.append(inspect.Parameter(arguments.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def describe(value):
    if isinstance(value, types.ModuleType):
        return {"kind": "module"}
    if isinstance(value, cupy.ufunc):
        return {"kind": "ufunc", "nin": value.nin, "nout": value.nout}
    if isinstance(value, type):
        return {"kind": "class"}
    if callable(value):
        return {"kind": "function", "parameters": parameters(value)}
    return {"kind": "value"}


def resolve(dotted: str):
    obj = __import__(dotted.split(".")[0])
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def main() -> None:
    api = {"cupy_version": cupy.__version__, "modules": {}, "classes": {}}
    for name in MODULES:
        module = resolve(name)
        api["modules"][name] = {attr: describe(getattr(module, attr)) for attr in
                                sorted(dir(module)) if not attr.startswith("_")}
    for name in CLASSES:
        cls = resolve(name)
        members = {}
        for attr in sorted(dir(cls)):
            if attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__")):
                continue
            value = inspect.getattr_static(cls, attr)
            if isinstance(value, (property, types.GetSetDescriptorType,
                                  types.MemberDescriptorType)) or not callable(value):
                members[attr] = {"kind": "attribute"}
            else:
                members[attr] = {"kind": "method", "parameters": parameters(getattr(cls, attr))}
        api["classes"][name] = members
    OUT.write_text(json.dumps(api, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} (CuPy {cupy.__version__})")


if __name__ == "__main__":
    main()
