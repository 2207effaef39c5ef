"""NumPy and CuPy give the same outputs and gradients (skipped without a GPU)."""

import numpy as np
import pytest

from kerasette import backend

cupy = pytest.importorskip("cupy")
try:
    cupy.cuda.runtime.getDeviceCount()
except Exception:  # CUDA raises its own error types when no GPU is visible
    pytest.skip("no NVIDIA GPU is visible", allow_module_level=True)

import kerasette as keras  # noqa: E402
from kerasette import layers  # noqa: E402


def train_once(name: str):
    previous = backend.backend()
    backend.set_backend(name)
    try:
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3, activation="softmax")])
        model.set_weights([np.full(w.shape, 0.1 * (i + 1), "float32")
                           for i, w in enumerate(model.get_weights())])
        x = np.linspace(-1, 1, 60, dtype="float32").reshape(10, 6)
        y = np.arange(10) % 3
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, epochs=3, batch_size=5, shuffle=False, verbose=0)
        return model.predict(x, verbose=0), model.get_weights(), history.history["loss"]
    finally:
        backend.set_backend(previous)


def test_numpy_and_cupy_train_to_the_same_numbers():
    cpu = train_once("numpy")
    gpu = train_once("cupy")
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=1e-4, atol=1e-5)
    for a, b in zip(gpu[1], cpu[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gpu[2], cpu[2], rtol=1e-4)


def test_gpu_memory_stays_flat_over_1000_steps():
    previous = backend.backend()
    backend.set_backend("cupy")
    try:
        model = keras.Sequential([keras.Input((32,)), layers.Dense(64, activation="relu"),
                                  layers.Dropout(0.1), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        x = np.random.default_rng(0).standard_normal((64, 32)).astype("float32")
        pool = cupy.get_default_memory_pool()
        model.fit(x, x[:, :1], epochs=10, batch_size=32, verbose=0)
        before = pool.used_bytes()
        model.fit(x, x[:, :1], epochs=500, batch_size=32, verbose=0)  # 1,000 steps
        assert pool.used_bytes() <= before + (1 << 20)
    finally:
        backend.set_backend(previous)
