"""Resizing, CenterCrop, RandomFlip, RandomCrop, RandomContrast: values against NumPy."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers


def _images(shape=(4, 6, 8, 3), seed=0):
    return np.random.default_rng(seed).uniform(50, 200, shape).astype("float32")


def _run(layer, x, training=False):
    return backend.to_numpy(layer(backend.to_device(x), training=training).data)


RANDOM = [(layers.RandomFlip, {"seed": 1}), (layers.RandomContrast, {"factor": 0.3, "seed": 1}),
          (layers.RandomFlip, {"mode": "horizontal", "seed": 2})]


@pytest.mark.parametrize("cls,kwargs", RANDOM)
def test_random_layers_are_identity_at_inference_and_seeded(cls, kwargs):
    x = _images()
    np.testing.assert_array_equal(_run(cls(**kwargs), x), x)
    a, b = _run(cls(**kwargs), x, True), _run(cls(**kwargs), x, True)
    assert a.shape == x.shape
    np.testing.assert_array_equal(a, b)


def test_random_flip_horizontal_flips_whole_images():
    x = _images((16, 5, 7, 2))
    out = _run(layers.RandomFlip("horizontal", seed=3), x, True)
    flipped = [np.array_equal(o, np.flip(i, axis=1)) for o, i in zip(out, x)]
    kept = [np.array_equal(o, i) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert any(flipped) and any(kept)


def test_center_and_random_crop_are_slices():
    x = _images((2, 7, 9, 3))
    np.testing.assert_array_equal(_run(layers.CenterCrop(3, 5), x), x[:, 2:5, 2:7])
    out = _run(layers.RandomCrop(3, 5, seed=4), x, True)
    windows = [x[:, t:t + 3, s:s + 5] for t in range(5) for s in range(5)]
    assert any(np.array_equal(out, w) for w in windows)
    inference = _run(layers.RandomCrop(3, 5), x)
    expected = _run(layers.Resizing(3, 5, crop_to_aspect_ratio=True), x)
    np.testing.assert_allclose(inference, expected)


def test_resizing_nearest_uses_half_pixel_indices():
    x = _images((2, 5, 7, 2))
    out = _run(layers.Resizing(3, 11, interpolation="nearest"), x)
    rows = np.minimum(np.floor((np.arange(3) + 0.5) * 5 / 3).astype(int), 4)
    cols = np.minimum(np.floor((np.arange(11) + 0.5) * 7 / 11).astype(int), 6)
    np.testing.assert_array_equal(out, x[:, rows][:, :, cols])


def test_resizing_bilinear_matches_hand_computation():
    x = np.array([0.0, 4.0], dtype="float32").reshape(1, 1, 2, 1)
    out = _run(layers.Resizing(1, 4), x)
    # Half-pixel centres sample at -0.25, 0.25, 0.75, 1.25 -> clamped blends.
    np.testing.assert_allclose(out.ravel(), [0.0, 1.0, 3.0, 4.0])
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    out = _run(layers.Resizing(2, 2), x)
    np.testing.assert_allclose(out.ravel(), [2.5, 4.5, 10.5, 12.5])


def test_resizing_crop_to_aspect_ratio():
    x = _images((1, 4, 8, 1))
    out = _run(layers.Resizing(4, 4, crop_to_aspect_ratio=True), x)
    np.testing.assert_array_equal(out, x[:, :, 2:6])


def test_random_contrast_keeps_channel_means():
    x = _images((3, 6, 6, 3))
    out = _run(layers.RandomContrast(0.5, seed=0), x, True)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)), rtol=1e-5)
    assert not np.allclose(out, x)
    assert out.min() >= 0 and out.max() <= 255


@pytest.mark.parametrize("layer", [
    layers.Resizing(4, 5, interpolation="nearest", crop_to_aspect_ratio=True),
    layers.CenterCrop(2, 3), layers.RandomCrop(2, 3, seed=5),
    layers.RandomFlip("vertical", seed=1), layers.RandomContrast((0.1, 0.4), seed=2)])
def test_config_round_trip(layer):
    clone = layers.deserialize(layers.serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="mode"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="height"):
        layers.CenterCrop(0, 2)


def test_in_sequential_before_conv_fit_and_predict():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((10, 10, 3)), layers.RandomFlip(seed=0), layers.RandomCrop(8, 8, seed=0),
        layers.RandomContrast(0.2, seed=0), layers.Resizing(6, 6), layers.Conv2D(2, 3),
        layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = _images((8, 10, 10, 3)), np.zeros((8, 1), dtype="float32")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    assert first.shape == (8, 1)
    np.testing.assert_array_equal(first, second)


def test_random_crop_without_a_seed_follows_set_random_seed():
    images = np.arange(2 * 6 * 6 * 1, dtype="float32").reshape(2, 6, 6, 1)

    def windows():
        keras.utils.set_random_seed(3)
        layer = keras.layers.RandomCrop(3, 3)
        return [keras.backend.to_numpy(layer(images, training=True).data) for _ in range(3)]

    for first, second in zip(windows(), windows()):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("layer_cls, kwargs, output_shape, differs", [
    (layers.Resizing, {"height": 3, "width": 5}, (2, 3, 5, 2), False),
    (layers.Resizing, {"height": 2, "width": 2, "interpolation": "nearest"}, (2, 2, 2, 2),
     False),
    (layers.CenterCrop, {"height": 2, "width": 3}, (2, 2, 3, 2), False),
    (layers.RandomFlip, {"seed": 1}, (2, 4, 4, 2), True),
    (layers.RandomCrop, {"height": 3, "width": 3, "seed": 1}, (2, 3, 3, 2), True),
    (layers.RandomContrast, {"factor": 0.5, "value_range": (-10, 10), "seed": 1},
     (2, 4, 4, 2), True),
])
def test_image_layers_pass_the_shared_layer_test(layer_cls, kwargs, output_shape, differs):
    from helpers import check_layer

    check_layer(layer_cls, kwargs, input_shape=(2, 4, 4, 2),
                expected_output_shape=output_shape, training_differs=differs)
