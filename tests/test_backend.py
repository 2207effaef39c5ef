"""The backend seam: selection, floatx/epsilon, seeding, host/device moves, kernels."""

import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from kerasette import backend
from kerasette.backend import numpy_kernels

F32 = np.float32
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


@pytest.fixture
def restore_backend():
    name, eps = backend.backend(), backend.epsilon()
    yield
    backend.set_backend(name)
    backend.set_epsilon(eps)


def test_set_backend_numpy(restore_backend):
    backend.set_backend("numpy")
    assert backend.backend() == "numpy"
    assert backend.xp is np and backend.kernels is numpy_kernels
    assert backend.get_array_module(np.ones(2)) is np


def test_unknown_backend_raises(restore_backend):
    with pytest.raises(ValueError, match="'jax'.*numpy"):
        backend.set_backend("jax")


def test_cupy_backend_without_cupy_says_how_to_install(restore_backend, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # what `import cupy` meets without it
    before, xp = backend.backend(), backend.xp
    with pytest.raises(ImportError, match=r'pip install "\.\[cuda\]"'):
        backend.set_backend("cupy")
    assert backend.backend() == before and backend.xp is xp


def test_floatx_setter_validates():
    backend.set_floatx("float64")
    assert backend.floatx() == "float64"
    backend.set_floatx("float16")
    assert backend.floatx() == "float16"
    for bad in ("int32", "float", "double"):
        with pytest.raises(ValueError, match="floatx"):
            backend.set_floatx(bad)
    assert backend.floatx() == "float16"  # conftest restores float32 after the test


def test_floatx_is_used_for_python_floats():
    from kerasette import ops
    backend.set_floatx("float64")
    assert ops.convert_to_tensor(0.5).dtype == np.float64
    backend.set_floatx("float32")
    assert ops.convert_to_tensor(0.5).dtype == F32


def test_epsilon_setter_validates(restore_backend):
    assert backend.epsilon() == 1e-7
    backend.set_epsilon(1e-5)
    assert backend.epsilon() == 1e-5
    for bad in (0, -1e-7, 1.5, "small", None, True):
        with pytest.raises(ValueError, match="epsilon"):
            backend.set_epsilon(bad)
    assert backend.epsilon() == 1e-5


def test_set_seed_makes_every_generator_reproducible():
    draws = []
    for _ in range(2):
        backend.set_seed(42)
        draws.append((backend.to_numpy(backend.rng().random(5)), np.random.rand(3),
                      random.random()))
    for first, second in zip(*draws):
        np.testing.assert_array_equal(first, second)
    backend.set_seed(43)
    assert not np.array_equal(backend.to_numpy(backend.rng().random(5)), draws[0][0])


def test_to_numpy_and_to_device():
    host = np.arange(6, dtype=F32).reshape(2, 3)
    device = backend.to_device(host)
    assert backend.is_array(device)
    np.testing.assert_array_equal(backend.to_numpy(device), host)
    assert isinstance(backend.to_numpy([1, 2]), np.ndarray)
    assert backend.to_device([1.0, 2.0], dtype="float32").dtype == F32
    assert backend.get_array_module(device) is backend.xp
    assert not backend.is_array([1, 2])


def _run_python(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=SRC, KERASETTE_BACKEND="numpy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=True)
    return done.stdout.strip()


def test_import_is_light_and_does_not_import_cupy():
    code = ("import sys, time\n"
            "start = time.perf_counter()\n"
            "import kerasette\n"
            "top = time.perf_counter() - start\n"
            "import kerasette.ops, kerasette.activations, kerasette.autograd\n"
            "floors = time.perf_counter() - start\n"
            "print(top, floors, 'cupy' in sys.modules)")
    top, floors, has_cupy = _run_python(code).split()
    print(f"import kerasette: {float(top):.3f} s; with ops/activations: {float(floors):.3f} s")
    assert has_cupy == "False"
    assert float(floors) < 2.0  # well under 0.5 s; a loose bound as CI machines are noisy


@pytest.mark.parametrize("dtype", [np.float64, F32])
def test_erf_kernel_against_math_erf(dtype):
    x = np.concatenate([np.linspace(-6, 6, 241), [1.99999, 2.0, 2.00001, -2.0, 1e-9, 30.0]])
    got = backend.kernels.erf(backend.to_device(x.astype(dtype)))
    assert got.dtype == dtype
    expected = [math.erf(v) for v in x.astype(dtype).astype(np.float64)]
    tolerance = 1e-14 if dtype == np.float64 else 1e-7
    np.testing.assert_allclose(backend.to_numpy(got), expected, rtol=0, atol=tolerance)


def test_softmax_and_log_softmax_kernels():
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(F32) * 50
    for axis in (0, -1):
        e = np.exp(x.astype(np.float64) - x.max(axis=axis, keepdims=True))
        expected = e / e.sum(axis=axis, keepdims=True)
        got = backend.to_numpy(backend.kernels.softmax(backend.to_device(x), axis=axis))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
        log_got = backend.to_numpy(backend.kernels.log_softmax(backend.to_device(x), axis=axis))
        np.testing.assert_allclose(log_got, np.log(expected), rtol=1e-5, atol=1e-5)
        assert got.dtype == F32 and log_got.dtype == F32


def test_dropout_mask_kernel():
    backend.set_seed(0)
    mask = backend.to_numpy(backend.kernels.dropout_mask(backend.rng(), (1000,), 0.25,
                                                         np.dtype(F32)))
    assert mask.dtype == F32
    assert set(np.unique(mask)) <= {0.0, F32(1 / 0.75)}
    assert abs((mask == 0).mean() - 0.25) < 0.05


def test_relu_backward_kernel():
    g = backend.to_device(np.array([1.0, 2.0, 3.0], F32))
    y = backend.to_device(np.array([0.0, 0.5, 2.0], F32))
    np.testing.assert_array_equal(backend.to_numpy(backend.kernels.relu_backward(g, y)),
                                  [0.0, 2.0, 3.0])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_update_kernel(amsgrad):
    rng = np.random.default_rng(0)
    var, grad, m, v = (rng.normal(size=5).astype(F32) for _ in range(4))
    v = np.abs(v)
    v_hat = np.abs(rng.normal(size=5)).astype(F32) if amsgrad else None
    lr_t, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    m_new = b1 * m + (1 - b1) * grad
    v_new = b2 * v + (1 - b2) * grad ** 2
    v_used = np.maximum(v_hat, v_new) if amsgrad else v_new
    expected = var - lr_t * m_new / (np.sqrt(v_used) + eps)
    arrays = [backend.to_device(a) for a in (var, grad, m, v)]
    hat = None if v_hat is None else backend.to_device(v_hat)
    backend.kernels.adam_update(*arrays, lr_t, b1, b2, eps, hat)
    np.testing.assert_allclose(backend.to_numpy(arrays[0]), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(backend.to_numpy(arrays[2]), m_new, rtol=1e-5, atol=1e-7)
    assert backend.to_numpy(arrays[0]).dtype == F32


def test_device_info_and_memory_limit():
    info = backend.device_info()
    assert info["backend"] == backend.backend()
    if backend.backend() == "numpy":
        assert info["device"] == "cpu"
    else:
        assert info["memory_used_bytes"] >= 0 and info["cuda_runtime"]
    with pytest.raises(ValueError, match="positive number of bytes"):
        backend.set_memory_limit(-5)
    backend.set_memory_limit(None)


@pytest.mark.skipif(backend.backend() != "cupy", reason="needs the cupy backend and a GPU")
def test_cupy_memory_limit_caps_the_pool():
    import cupy

    backend.set_memory_limit(1 << 20)
    try:
        with pytest.raises(cupy.cuda.memory.OutOfMemoryError):
            cupy.empty(4 << 20, dtype="uint8")
    finally:
        backend.set_memory_limit(None)
