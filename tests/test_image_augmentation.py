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


# ---- RandomTranslation, RandomRotation, RandomZoom ------------------------------------

def _shift(**kwargs):
    return layers.RandomTranslation(**{"width_factor": 0.0, **kwargs})


@pytest.mark.parametrize("fill_mode,first_row", [
    ("constant", lambda x: np.full_like(x[:, 0], -1.0)), ("reflect", lambda x: x[:, 0]),
    ("nearest", lambda x: x[:, 0]), ("wrap", lambda x: x[:, -1])])
def test_translation_by_exactly_one_pixel_down(fill_mode, first_row):
    x = _images((2, 4, 5, 3))
    layer = _shift(height_factor=(0.25, 0.25), fill_mode=fill_mode, fill_value=-1.0)
    out = _run(layer, x, True)
    np.testing.assert_allclose(out[:, 1:], x[:, :-1], rtol=1e-6)
    np.testing.assert_allclose(out[:, 0], first_row(x), rtol=1e-6)


def test_translation_two_pixels_left_reflects_and_half_pixel_blends():
    x = _images((1, 3, 8, 2))
    out = _run(layers.RandomTranslation(0.0, (-0.25, -0.25)), x, True)
    np.testing.assert_allclose(out[:, :, :6], x[:, :, 2:], rtol=1e-6)
    np.testing.assert_allclose(out[:, :, 6], x[:, :, 7], rtol=1e-6)  # d c | ... reflect
    np.testing.assert_allclose(out[:, :, 7], x[:, :, 6], rtol=1e-6)
    half = _run(_shift(height_factor=(0.125, 0.125), fill_mode="constant", fill_value=10.0),
                _images((1, 4, 3, 1)), True)
    y = _images((1, 4, 3, 1))
    np.testing.assert_allclose(half[:, 1:], 0.5 * (y[:, 1:] + y[:, :-1]), rtol=1e-5)
    np.testing.assert_allclose(half[:, 0], 0.5 * (y[:, 0] + 10.0), rtol=1e-5)


@pytest.mark.parametrize("factor,turns", [(0.25, 1), (-0.25, -1), (0.5, 2)])
def test_rotation_by_quarter_turns_equals_rot90(factor, turns):
    x = _images((3, 5, 5, 2))
    nearest = layers.RandomRotation((factor, factor), interpolation="nearest", seed=0)
    np.testing.assert_array_equal(_run(nearest, x, True), np.rot90(x, turns, axes=(1, 2)))
    bilinear = layers.RandomRotation((factor, factor), fill_mode="constant")
    np.testing.assert_allclose(_run(bilinear, x, True), np.rot90(x, turns, axes=(1, 2)),
                               atol=1e-3)


def _reference_zoom(image, zoom_y, zoom_x, fill_value):
    """Plain-Python bilinear zoom about the centre with constant filling."""
    h, w = image.shape[:2]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    out = np.zeros_like(image, dtype=np.float64)
    for i in range(h):
        for j in range(w):
            sy, sx = zoom_y * (i - cy) + cy, zoom_x * (j - cx) + cx
            y0, x0 = int(np.floor(sy)), int(np.floor(sx))
            for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                weight = (1 - abs(sy - yy)) * (1 - abs(sx - xx))
                inside = 0 <= yy < h and 0 <= xx < w
                out[i, j] += weight * (image[yy, xx] if inside else fill_value)
    return out


def test_zoom_zero_is_identity_and_zoom_matches_reference():
    x = _images((2, 5, 6, 2))
    np.testing.assert_allclose(_run(layers.RandomZoom(0.0), x, True), x, rtol=1e-6)
    out = _run(layers.RandomZoom((0.5, 0.5), (-0.25, -0.25), fill_mode="constant",
                                 fill_value=3.0), x, True)
    for image, result in zip(x, out):
        np.testing.assert_allclose(result, _reference_zoom(image, 1.5, 0.75, 3.0),
                                   rtol=1e-5)
    kept = _run(layers.RandomZoom((-0.5, -0.5)), x, True)  # width follows the height
    np.testing.assert_allclose(kept[0], _reference_zoom(x[0], 0.5, 0.5, 0.0), rtol=1e-5)


GEOMETRIC = [(layers.RandomTranslation, {"height_factor": 0.2, "width_factor": (-0.3, 0.1),
                                         "seed": 1}),
             (layers.RandomRotation, {"factor": 0.1, "fill_mode": "wrap", "seed": 1}),
             (layers.RandomZoom, {"height_factor": (-0.2, 0.4), "fill_mode": "nearest",
                                  "interpolation": "nearest", "seed": 1})]


@pytest.mark.parametrize("cls,kwargs", GEOMETRIC)
def test_geometric_layers_identity_at_inference_seeded_in_training(cls, kwargs):
    x = _images((4, 6, 6, 3))
    np.testing.assert_array_equal(_run(cls(**kwargs), x), x)
    first, second = _run(cls(**kwargs), x, True), _run(cls(**kwargs), x, True)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, x)
    per_image = [np.allclose(first[0], image) for image in first[1:]]
    assert not any(per_image) or cls is layers.RandomZoom  # one map per image


@pytest.mark.parametrize("cls,kwargs", GEOMETRIC)
def test_geometric_layers_pass_the_shared_layer_test(cls, kwargs):
    from helpers import check_layer

    check_layer(cls, kwargs, input_shape=(2, 5, 5, 2), expected_output_shape=(2, 5, 5, 2),
                training_differs=True)


def test_pinned_rotation_gradient_and_channels_first():
    from helpers import check_layer_gradients

    x = np.random.default_rng(0).standard_normal((2, 4, 5, 2))
    layer = layers.RandomRotation((0.05, 0.05), fill_mode="constant", fill_value=0.5,
                                  dtype="float64")
    check_layer_gradients(layer, x, training=True)
    images = _images((2, 4, 4, 3))
    last = _run(layers.RandomZoom((0.3, 0.3)), images, True)
    first = _run(layers.RandomZoom((0.3, 0.3), data_format="channels_first"),
                 images.transpose(0, 3, 1, 2), True)
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=1e-6)


def test_geometric_bad_arguments_raise():
    with pytest.raises(ValueError, match="fill_mode"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="height_factor"):
        layers.RandomTranslation(1.5, 0.1)
    with pytest.raises(ValueError, match="lower >= -1"):
        layers.RandomZoom((-1.5, 0.0))
    with pytest.raises(ValueError, match="interpolation"):
        layers.RandomZoom(0.1, interpolation="cubic")


def test_geometric_augmentation_trains_in_fit_and_is_identity_in_predict():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1)), layers.RandomTranslation(0.1, 0.1, seed=0),
        layers.RandomRotation(0.05, seed=0), layers.RandomZoom(0.1, seed=0),
        layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = _images((8, 8, 8, 1)) / 255.0, np.ones((8, 1), dtype="float32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    bare = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(), layers.Dense(1)])
    bare.layers[-1].set_weights(model.layers[-1].get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), bare.predict(x, verbose=0),
                               rtol=1e-5)


def test_a_direct_call_augments_and_predict_does_not():
    """Keras 3's augmentation layers default to ``training=True``: calling the layer (or a
    Sequential of them) on images augments, as the keras.io tutorials show; ``predict``
    passes ``training=False`` and returns the images unchanged."""
    keras.utils.set_random_seed(3)
    images = backend.to_device(np.arange(32, dtype="float32").reshape(2, 4, 4, 1))
    host = backend.to_numpy
    augment = keras.Sequential([keras.Input((4, 4, 1)),
                                keras.layers.RandomFlip("horizontal_and_vertical"),
                                keras.layers.RandomRotation(0.5)])
    original = host(images)
    changed = [not np.array_equal(host(augment(images).data), original) for _ in range(4)]
    assert any(changed)
    flip = keras.layers.RandomFlip("horizontal")
    flips = [host(flip(images).data) for _ in range(8)]
    assert any(np.array_equal(f, original[:, :, ::-1]) for f in flips)
    np.testing.assert_array_equal(augment.predict(original, verbose=0), original)
    np.testing.assert_array_equal(host(flip(images, training=False).data), original)
