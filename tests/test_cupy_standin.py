"""The CuPy stand-in refuses what real CuPy refuses (runs in the stand-in pass of CI)."""

import numpy as np
import pytest

standin = pytest.importorskip("standin", reason="the CuPy stand-in is not on sys.path")
import cupy  # noqa: E402  (the stand-in, since standin.py sits beside it)

from kerasette import ops  # noqa: E402,F401  (binds the Tensor operators)
from kerasette.autograd import Tensor  # noqa: E402


def test_no_implicit_host_conversion_and_no_numpy_operands():
    a = cupy.arange(4, dtype="float32")
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    for mix in (lambda: a + np.ones(4), lambda: np.ones(4) * a, lambda: cupy.exp(np.ones(2)),
                lambda: cupy.concatenate([a, np.ones(2)])):
        with pytest.raises(TypeError, match="Unsupported type"):
            mix()
    assert float((a * 2 + 1).sum()) == 16.0  # scalars and device arrays are fine


def test_reductions_and_scalar_indexing_give_0d_arrays():
    a = cupy.arange(6, dtype="float32").reshape(2, 3)
    for value in (a.sum(), a[1, 2], a.max(axis=None)):
        assert isinstance(value, cupy.ndarray) and value.shape == ()


def test_reflected_operators_follow_cupys_priority_rule():
    class Tied:
        __array_priority__ = 100

        def __radd__(self, other):
            return "reflected"

    class Higher(Tied):
        __array_priority__ = 101

    a = cupy.ones(2)
    with pytest.raises(TypeError):
        a + Tied()
    assert a + Higher() == "reflected"
    assert isinstance(a + Tensor(cupy.ones(2)), Tensor)


def test_only_real_cupy_names_and_keywords_exist():
    with pytest.raises(AttributeError):
        cupy.not_a_cupy_function
    with pytest.raises(TypeError, match="unexpected keyword argument 'where'"):
        cupy.sum(cupy.ones(3), where=True)
    generator = cupy.random.default_rng(0)
    assert generator.random((2,), dtype=np.float32).dtype == np.float32
    with pytest.raises(AttributeError, match="permutation"):
        generator.permutation(3)  # CuPy's Generator has none


def test_elementwise_kernel_checks_what_cupy_checks():
    import types

    standin_module = types.ModuleType("twins")
    standin_module.PYTHON_TWINS = {}
    kernel = cupy.ElementwiseKernel("T x, raw T table, int64 n", "T y", "y = x + table[i + n]",
                                    "standin_test_kernel")
    kernel._module = "twins"
    import sys

    sys.modules["twins"] = standin_module
    try:
        def twin(i, x, table, n, y):
            y[...] = x + table[i + n]

        standin_module.PYTHON_TWINS["standin_test_kernel"] = twin
        x, table = cupy.ones(3, dtype="float32"), cupy.arange(5, dtype="float32")
        assert kernel(x, table, 2).tolist() == [3.0, 4.0, 5.0]
        with pytest.raises(TypeError, match="Wrong number of arguments"):
            kernel(x, table)
        with pytest.raises(TypeError, match="Type is mismatched"):
            kernel(x, table.astype("float64"), 2)
        with pytest.raises(IndexError, match="raw argument 'table'"):
            kernel(x, table, 3)
        with pytest.raises(TypeError, match="Unsupported type"):
            kernel(np.ones(3, "float32"), table, 0)
    finally:
        del sys.modules["twins"]


def test_reads_and_uploads_are_counted_by_line():
    a = cupy.ones(3)
    with standin.counting() as seen:
        float(a.sum())
        a.get()
        cupy.asarray(0.5)
        cupy.asarray(np.zeros(2))
    assert sum(seen.reads.values()) == 2
    assert sum(seen.uploads_of("scalar").values()) == 1
    assert sum(seen.uploads_of("array").values()) == 1
    assert all(site.startswith("tests/test_cupy_standin.py:") for site in seen.reads)
