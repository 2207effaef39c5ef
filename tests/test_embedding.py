"""Embedding: lookups, the sparse scatter-add gradient, mask_zero, errors."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers
from helpers import check_layer, host

IDS = np.array([[1, 4, 0, 4], [3, 0, 0, 2]], "int32")


@pytest.mark.parametrize("mask_zero", [False, True])
def test_shared_layer_test(mask_zero):
    check_layer(layers.Embedding, {"input_dim": 5, "output_dim": 3, "mask_zero": mask_zero},
                IDS.shape, input_dtype="int32", input_data=IDS,
                expected_output_shape=(2, 4, 3), num_weights=1)


def test_lookup_values_and_scatter_add_gradient_with_repeats():
    layer = layers.Embedding(6, 3)
    out = layer(IDS)
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(out.numpy(), table[IDS])
    assert out.dtype == np.float32
    direction = np.random.default_rng(0).standard_normal(out.shape).astype("float32")
    (out * direction).sum().backward()
    expected = np.zeros_like(table)
    np.add.at(expected, IDS.reshape(-1), direction.reshape(-1, 3))
    np.testing.assert_allclose(host(layer.embeddings.grad), expected, rtol=1e-5, atol=1e-6)
    assert layer.embeddings.grad.dtype == np.float32


def test_embedding_backward_kernel_matches_add_at():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 50, (7, 9))
    ids[:, :4] = 0  # heavy repeats, as padding makes them
    grad = rng.standard_normal((7, 9, 5)).astype("float32")
    expected = np.zeros((50, 5), "float32")
    np.add.at(expected, ids.reshape(-1), grad.reshape(-1, 5))
    got = backend.kernels.embedding_backward(backend.to_device(ids), backend.to_device(grad), 50)
    np.testing.assert_allclose(host(got), expected, rtol=1e-5, atol=1e-5)
    assert got.dtype == np.float32 and got.shape == (50, 5)


def test_mask_zero_and_float_ids():
    layer = layers.Embedding(5, 2, mask_zero=True)
    out = layer(IDS.astype("float32"))  # ids given as floats (a float Input) still work
    np.testing.assert_array_equal(out._keras_mask.numpy(), IDS != 0)
    np.testing.assert_array_equal(out.numpy(), layer.get_weights()[0][IDS])
    assert layers.Embedding(5, 2)(IDS)._keras_mask is None


def test_keras2_arguments_weights_and_config():
    table = np.arange(12, dtype="float32").reshape(4, 3)
    layer = layers.Embedding(4, 3, input_length=2, weights=[table])
    np.testing.assert_array_equal(layer(np.array([[3, 1]])).numpy(), table[[[3, 1]]])
    config = layer.get_config()
    assert config["input_dim"] == 4 and config["output_dim"] == 3
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert "input_length" not in config
    fresh = layers.Embedding(1000, 8)
    fresh.build(None)
    weights = fresh.get_weights()[0]  # Keras's "uniform": U(-0.05, 0.05)
    assert np.abs(weights).max() <= 0.05 and weights.std() > 0.01


def test_symbolic_shape_and_model_training():
    model = keras.Sequential([keras.Input((4,), dtype="int32"), layers.Embedding(6, 3),
                              layers.Flatten(), layers.Dense(1)])
    assert model.output_shape == (None, 1)
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()[0].copy()
    model.fit(IDS, np.ones((2, 1), "float32"), epochs=1, verbose=0)
    after = model.layers[0].get_weights()[0]
    changed = np.any(before != after, axis=1)
    np.testing.assert_array_equal(changed, np.isin(np.arange(6), IDS))  # only rows read


def test_clear_errors_for_out_of_range_ids():
    layer = layers.Embedding(5, 2)
    with pytest.raises(ValueError, match=r"Embedding 'embedding.*token id 7, outside the valid "
                                         r"range \[0, 4\] for input_dim=5"):
        layer(np.array([[1, 7]])).numpy()  # CuPy raises at the next read-back
    with pytest.raises(ValueError, match="token id -1"):
        layer(np.array([[-1, 2]])).numpy()
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        layers.Embedding(3, -2)
