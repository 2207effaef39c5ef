"""Arithmetic and indexing on symbolic KerasTensors build OpLayer nodes of the graph."""

import numpy as np
import pytest
from helpers import check_layer

import kerasette as keras
from kerasette import backend, layers
from kerasette.layers.operation import OpLayer


def _model():
    x, y = layers.Input((3,)), layers.Input((4,))
    dense = layers.Dense(4)
    h = dense(x)
    out = h * 2 + y - 1
    out = 2 - (-out) / 3 + abs(out) ** 2 + 1.5 * out[:, 0:1]
    return keras.Model([x, y], out), dense


def _data(n=6):
    rng = np.random.default_rng(0)
    return rng.random((n, 3)).astype("float32"), rng.random((n, 4)).astype("float32")


def test_predict_matches_numpy():
    model, dense = _model()
    a, b = _data()
    kernel, bias = dense.get_weights()
    o = (a @ kernel + bias) * 2 + b - 1
    expected = 2 + o / 3 + np.abs(o) ** 2 + 1.5 * o[:, 0:1]
    np.testing.assert_allclose(model.predict([a, b], verbose=0), expected, rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("fn, ref", [
    (lambda t: 3 + t, lambda v: 3 + v), (lambda t: 3 - t, lambda v: 3 - v),
    (lambda t: 3 * t, lambda v: 3 * v), (lambda t: 3 / (t + 1), lambda v: 3 / (v + 1)),
    (lambda t: 2 ** t, lambda v: 2 ** v), (lambda t: np.float32(2) * t, lambda v: 2 * v),
    (lambda t: t[:, 1], lambda v: v[:, 1]), (lambda t: t[..., ::2], lambda v: v[..., ::2]),
])
def test_reflected_and_indexing(fn, ref):
    x = layers.Input((3,))
    model = keras.Model(x, fn(x))
    a = _data()[0]
    np.testing.assert_allclose(model.predict(a, verbose=0), ref(a), rtol=1e-5)


def test_inplace_add_and_two_tensors():
    x, y = layers.Input((3,)), layers.Input((3,))
    z = x
    z += y
    z = z * y / (x + 2)
    model = keras.Model([x, y], z)
    a, b = _data()[0], _data()[0][::-1].copy()
    np.testing.assert_allclose(model.predict([a, b], verbose=0), (a + b) * b / (a + 2),
                               rtol=1e-5)
    assert x.shape == (None, 3)


def test_trains():
    model, _ = _model()
    model.compile(optimizer="adam", loss="mse")
    a, b = _data(32)
    target = np.ones((32, 4), "float32")
    history = model.fit([a, b], target, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("ext", ["h5", "keras"])
def test_save_load(tmp_path, ext):
    model, _ = _model()
    a, b = _data()
    path = str(tmp_path / f"m.{ext}")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict([a, b], verbose=0),
                                  model.predict([a, b], verbose=0))
    assert any(isinstance(layer, OpLayer) for layer in loaded.layers)


def test_summary_lists_op_layers():
    model, _ = _model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "OpLayer" in text and "multiply" in text and "getitem" in text


def test_config_round_trip():
    layer = OpLayer("subtract", [1.5, None])
    config = layer.get_config()
    assert config["op"] == "subtract" and config["constants"] == [1.5, None]
    assert OpLayer.from_config(config).constants == [1.5, None]


def test_errors():
    x = layers.Input((3,))
    with pytest.raises(TypeError, match="NumPy array"):
        x + np.ones(3)
    with pytest.raises(TypeError):
        x + "a"
    with pytest.raises(TypeError, match="index"):
        x[[0, 1]]
    with pytest.raises(TypeError, match="not iterable"):
        list(x)
    with pytest.raises(ValueError, match="unknown op"):
        OpLayer("exec")


@pytest.mark.parametrize("keras_class,op_kwargs,expected", [
    ("Negative", {}, lambda x: -x),
    ("ExpandDims", {"axis": 1}, lambda x: x[:, None]),
])
def test_keras_operation_passes_the_shared_layer_test(keras_class, op_kwargs, expected):
    """``KerasOperation``, which rebuilds the ops Keras 3 writes into functional configs,
    through the shared layer test: shapes, config and .h5 round trips, float64 gradients."""
    from kerasette.layers import KerasOperation

    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    check_layer(KerasOperation, {"keras_class": keras_class, "op_kwargs": op_kwargs},
                input_shape=(2, 3), input_data=x,
                expected_output_shape=expected(x).shape)
    got = KerasOperation(keras_class, op_kwargs)(backend.to_device(x))
    np.testing.assert_array_equal(backend.to_numpy(got.data), expected(x))
