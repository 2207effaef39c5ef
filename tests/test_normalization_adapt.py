"""Normalization: adapt on arrays, lists and generators, Keras's documented outputs,
epsilon, invert, and a save/load round trip of the adapted statistics."""

import os

import numpy as np
import pytest
from helpers import check_layer, host

import kerasette as keras
from kerasette import backend, layers


def _run(layer, x):
    return host(layer(backend.to_device(np.asarray(x, "float32"))))


def test_keras_documented_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1., 2., 3., 4., 5.], "float32"))
    np.testing.assert_allclose(_run(layer, [1., 2., 3.]), [-1.4142135, -0.70710677, 0.],
                               rtol=1e-6)
    data = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], "float32")
    layer = layers.Normalization(axis=-1)
    layer.adapt(data)
    np.testing.assert_allclose(_run(layer, [[0., 7., 4.]]), [[-1., -1., -1.]], rtol=1e-6)
    np.testing.assert_allclose(host(layer.mean), [1., 8., 5.])
    np.testing.assert_allclose(host(layer.variance), [1., 1., 1.])
    fixed = layers.Normalization(mean=3., variance=2.)
    np.testing.assert_allclose(_run(fixed, [[1.], [2.], [3.]]),
                               [[-1.4142135], [-0.70710677], [0.]], rtol=1e-6)
    inverse = layers.Normalization(axis=-1, invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(_run(inverse, [[-1., -1., -1.]]), [[0., 7., 4.]], atol=1e-6)


def test_generator_adapt_equals_whole_array_statistics():
    rng = np.random.default_rng(0)
    data = rng.normal(3.0, 2.0, (50, 4, 3))
    whole = layers.Normalization(axis=(1, 2))
    whole.adapt(data)
    batched = layers.Normalization(axis=(1, 2))
    batched.adapt(data[i:i + 7] for i in range(0, 50, 7))
    np.testing.assert_allclose(host(whole.mean), data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(host(whole.variance), data.var(axis=0), rtol=1e-5)
    np.testing.assert_allclose(host(batched.mean), host(whole.mean), rtol=1e-5)
    np.testing.assert_allclose(host(batched.variance), host(whole.variance), rtol=1e-5)
    listed = layers.Normalization()
    listed.adapt(data[:, 0, :].tolist())
    np.testing.assert_allclose(host(listed.variance), data[:, 0, :].var(axis=0), rtol=1e-5)


def test_zero_variance_divides_by_epsilon_and_axis_one_of_images():
    layer = layers.Normalization()
    layer.adapt(np.array([[1., 5.], [1., 7.]]))
    out = _run(layer, [[1.5, 6.]])
    np.testing.assert_allclose(out, [[0.5 / keras.backend.epsilon(), 0.]], rtol=1e-5)
    images = np.random.default_rng(1).uniform(0, 255, (6, 4, 4, 3))
    per_channel = layers.Normalization(axis=-1)
    per_channel.adapt(images)
    expected = (images - images.mean((0, 1, 2))) / images.std((0, 1, 2))
    np.testing.assert_allclose(_run(per_channel, images), expected, rtol=1e-4, atol=1e-4)


def test_adapted_statistics_survive_save_and_load(tmp_path):
    data = np.random.default_rng(2).normal(10, 3, (40, 3)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(data)
    model = keras.Sequential([keras.Input((3,)), norm, layers.Dense(2)])
    expected = model.predict(data, verbose=0)
    path = os.path.join(tmp_path, "norm.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(host(loaded.layers[0].mean), data.mean(0), rtol=1e-5)
    assert [w.path for w in norm.weights] == [f"{norm.name}/{w}"
                                              for w in ("mean", "variance", "count")]
    assert int(host(loaded.layers[0].count)) == 40
    assert norm.trainable_weights == []


@pytest.mark.parametrize("kwargs,num_weights", [
    ({"axis": -1}, 3), ({"axis": None}, 3), ({"axis": (1, 2)}, 3),
    ({"mean": [1.0, 2.0, 3.0], "variance": [4.0, 1.0, 0.25]}, 0),
    ({"mean": 0.5, "variance": 2.0, "invert": True, "axis": None}, 0)])
def test_normalization_passes_the_shared_layer_test(kwargs, num_weights):
    check_layer(layers.Normalization, kwargs, input_shape=(2, 4, 3),
                expected_output_shape=(2, 4, 3), num_weights=num_weights, num_trainable=0)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="no data"):
        layers.Normalization().adapt(iter([]))
    with pytest.raises(ValueError, match="cannot change"):
        layers.Normalization(mean=1.0, variance=1.0).adapt(np.ones((3, 2)))
