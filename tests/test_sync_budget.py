"""On the GPU path a training step reads nothing back from the device and uploads no
Python number; the training and validation data go up once per ``fit``.

These tests run on the CuPy stand-in (``KERASETTE_BACKEND=cupy`` with tests/cupy_standin
on the path), which counts every device read and host upload by call site.
"""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers

pytestmark = pytest.mark.skipif(
    backend.backend() != "cupy", reason="counts device traffic on the CuPy backend")


def mlp():
    model = keras.Sequential([keras.Input((12,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    return model, rng.standard_normal((64, 12)).astype("float32"), rng.integers(0, 3, 64)


def masked_lstm():
    model = keras.Sequential([keras.Input((7,), dtype="int32"),
                              layers.Embedding(20, 8, mask_zero=True), layers.LSTM(6),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x = rng.integers(1, 20, (64, 7)).astype("int32")
    x[:, :2] = 0  # padding, so the mask has work to do
    return model, x, rng.integers(0, 2, (64, 1)).astype("float32")


def conv_bn():
    model = keras.Sequential([keras.Input((8, 8, 2)), layers.Conv2D(4, 3, padding="same"),
                              layers.BatchNormalization(), layers.Activation("relu"),
                              layers.MaxPooling2D(), layers.Flatten(),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(2)
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 64)]
    return model, rng.standard_normal((64, 8, 8, 2)).astype("float32"), y


MODELS = {"mlp": mlp, "masked_lstm": masked_lstm, "conv_bn": conv_bn}


def traffic(make, steps: int, **fit_kwargs):
    """What one ``fit`` epoch of ``steps`` batches reads and uploads, by call site."""
    import standin

    model, x, y = make()
    model.fit(x[:16], y[:16], batch_size=16, verbose=0)  # build, and make the slots
    with standin.counting() as seen:
        model.fit(x[:16 * steps], y[:16 * steps], batch_size=16, epochs=1, verbose=0,
                  **fit_kwargs)
    return seen


@pytest.mark.parametrize("name", MODELS)
def test_a_training_step_reads_nothing_back_and_uploads_no_scalar(name):
    one, four = traffic(MODELS[name], 1), traffic(MODELS[name], 4)
    per_step = {site: n for site, n in four.reads.items() if n > one.reads.get(site, 0)}
    assert not per_step, f"device reads that grow with the steps: {per_step}"
    assert not four.uploads_of("scalar"), f"Python numbers uploaded: {four.uploads_of('scalar')}"
    assert four.uploads_of("array") == one.uploads_of("array"), (
        f"uploads that grow with the steps: {four.uploads_of('array')} vs "
        f"{one.uploads_of('array')}")


def test_validation_data_goes_up_once_per_fit():
    import standin

    model, x, y = mlp()
    with standin.counting() as seen:
        model.fit(x, y, batch_size=16, epochs=3, validation_data=(x[:32], y[:32]),
                  shuffle=False, verbose=0)
    arrays = seen.uploads_of("array")
    assert sum(arrays.values()) <= 4, f"uploads over 3 epochs: {dict(arrays)}"
    assert not seen.uploads_of("scalar"), seen.uploads_of("scalar")


def test_a_seeded_layer_follows_a_later_set_backend():
    """A layer's own seed makes its generator on first use, for the backend then in force."""
    backend.set_backend("numpy")
    try:
        layer = layers.Dropout(0.5, seed=3)
        on_cpu = layer(np.ones((4, 6), "float32"), training=True).numpy()
        backend.set_backend("cupy")
        again = layers.Dropout(0.5, seed=3)
        again(np.ones((4, 6), "float32"), training=True)  # builds with CuPy's generator
        out = layer(np.ones((4, 6), "float32"), training=True)
        assert isinstance(out.data, backend.xp.ndarray)
        assert set(np.unique(out.numpy())) <= {0.0, 2.0} and set(np.unique(on_cpu)) <= {0.0, 2.0}
    finally:
        backend.set_backend("cupy")
