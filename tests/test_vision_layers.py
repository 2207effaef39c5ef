"""Padding, cropping, upsampling, spatial dropout, noise, rescaling, and fine-tuning a
conv model with frozen layers."""

import os

import numpy as np
import pytest
from helpers import check_gradients, check_layer

import kerasette as keras
from kerasette import layers

SHAPE_CASES = [
    (layers.ZeroPadding1D, {"padding": (1, 2)}, (2, 4, 3), (2, 7, 3)),
    (layers.ZeroPadding2D, {"padding": (1, 2)}, (2, 3, 4, 2), (2, 5, 8, 2)),
    (layers.ZeroPadding2D, {"padding": ((1, 0), (0, 2)), "data_format": "channels_first"},
     (2, 2, 3, 4), (2, 2, 4, 6)),
    (layers.ZeroPadding3D, {"padding": 1}, (1, 2, 2, 2, 1), (1, 4, 4, 4, 1)),
    (layers.Cropping1D, {"cropping": (1, 2)}, (2, 6, 3), (2, 3, 3)),
    (layers.Cropping2D, {"cropping": ((1, 0), (2, 1))}, (2, 4, 5, 2), (2, 3, 2, 2)),
    (layers.Cropping3D, {"cropping": 1}, (1, 3, 4, 3, 2), (1, 1, 2, 1, 2)),
    (layers.UpSampling1D, {"size": 3}, (2, 3, 2), (2, 9, 2)),
    (layers.UpSampling2D, {"size": (2, 3)}, (2, 2, 3, 2), (2, 4, 9, 2)),
    (layers.UpSampling2D, {"size": 2, "interpolation": "bilinear"}, (2, 3, 2, 2),
     (2, 6, 4, 2)),
    (layers.UpSampling2D, {"interpolation": "bilinear", "data_format": "channels_first"},
     (1, 2, 3, 2), (1, 2, 6, 4)),
    (layers.UpSampling3D, {"size": 2}, (1, 2, 1, 2, 1), (1, 4, 2, 4, 1)),
    (layers.Rescaling, {"scale": 0.5, "offset": -1.0}, (2, 3, 3, 2), (2, 3, 3, 2)),
    (layers.Rescaling, {"scale": [1.0, 2.0], "offset": [0.0, 1.0]}, (2, 3, 2), (2, 3, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", SHAPE_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(SHAPE_CASES)])
def test_vision_layers_pass_the_shared_layer_test(cls, kwargs, shape, expected):
    check_layer(cls, kwargs, shape, expected_output_shape=expected)


def test_padding_cropping_upsampling_values():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2)).astype("float32")
    padded = layers.ZeroPadding2D(((1, 2), (0, 1)))(x).numpy()
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (1, 2), (0, 1), (0, 0))))
    cropped = layers.Cropping2D(((1, 0), (1, 2)))(x).numpy()
    np.testing.assert_array_equal(cropped, x[:, 1:, 1:2])
    up = layers.UpSampling2D((2, 3))(x).numpy()
    np.testing.assert_array_equal(up, x.repeat(2, axis=1).repeat(3, axis=2))
    steps = np.arange(6, dtype="float32").reshape(1, 3, 2)
    np.testing.assert_array_equal(layers.UpSampling1D(2)(steps).numpy(),
                                  steps.repeat(2, axis=1))
    np.testing.assert_array_equal(layers.Cropping1D((0, 1))(steps).numpy(), steps[:, :2])


def test_bilinear_upsampling_uses_half_pixel_centres():
    image = np.array([[0.0, 4.0]], "float32")[None, :, :, None]  # (1, 1, 2, 1)
    out = layers.UpSampling2D((1, 2), interpolation="bilinear")(image).numpy()[0, 0, :, 0]
    # Output pixel centres 0.25, 0.75, 1.25, 1.75 of the input grid (clamped at the ends).
    np.testing.assert_allclose(out, [0.0, 1.0, 3.0, 4.0])
    x = np.random.default_rng(1).standard_normal((1, 3, 2, 2))
    check_gradients(lambda t: layers.UpSampling2D(2, interpolation="bilinear",
                                                  dtype="float64")(t), x)


def test_reshaping_errors():
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D(padding=-1)
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D(padding=((1, 2, 3), (0, 0)))
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling2D(size=0)
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match=r"Cropping2D.*removes every position"):
        layers.Cropping2D(((2, 2), (0, 0)))(np.zeros((1, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="removes every position"):
        keras.Sequential([keras.Input((3, 2)), layers.Cropping1D((2, 1))])


@pytest.mark.parametrize("cls,shape,fmt", [
    (layers.SpatialDropout1D, (8, 10, 6), None),
    (layers.SpatialDropout2D, (8, 5, 4, 6), "channels_last"),
    (layers.SpatialDropout2D, (8, 6, 5, 4), "channels_first"),
    (layers.SpatialDropout3D, (4, 3, 3, 2, 6), None),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, fmt):
    kwargs = {"rate": 0.5, "seed": 3}
    if fmt is not None:
        kwargs["data_format"] = fmt
    x = np.ones(shape, "float32")
    out = cls(**kwargs)(x, training=True).numpy()
    channel_axis = 1 if fmt == "channels_first" else -1
    per_map = np.moveaxis(out, channel_axis, -1).reshape(shape[0], -1, shape[channel_axis])
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # one decision per map
    assert set(np.unique(out)) <= {0.0, 2.0} and 0 < (out == 0).mean() < 1
    np.testing.assert_array_equal(cls(**kwargs)(x).numpy(), x)
    check_layer(cls, kwargs, shape, training_differs=True, gradients_check=False)


def test_gaussian_noise_and_dropout_statistics():
    x = np.ones((400, 50), "float32")
    noisy = layers.GaussianNoise(0.5, seed=1)(x, training=True).numpy()
    assert abs(noisy.mean() - 1) < 0.02 and abs(noisy.std() - 0.5) < 0.02
    dropped = layers.GaussianDropout(0.2, seed=1)(x, training=True).numpy()
    assert abs(dropped.mean() - 1) < 0.02 and abs(dropped.std() - 0.5) < 0.02
    for layer in (layers.GaussianNoise(0.5), layers.GaussianDropout(0.2)):
        np.testing.assert_array_equal(layer(x).numpy(), x)
        assert noisy.dtype == np.float32
    check_layer(layers.GaussianNoise, {"stddev": 0.1}, (3, 4), training_differs=True)
    check_layer(layers.GaussianDropout, {"rate": 0.3}, (3, 4), training_differs=True,
                gradients_check=False)
    with pytest.raises(ValueError, match="stddev"):
        layers.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="rate"):
        layers.GaussianDropout(1.0)


def test_rescaling_casts_integer_images_and_activity_regularization():
    pixels = np.array([[0, 255], [51, 102]], dtype="uint8")[None, :, :, None]
    out = layers.Rescaling(1.0 / 255)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy()[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)
    layer = layers.ActivityRegularization(l1=0.1, l2=0.0)
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    assert np.isclose(float(layer.losses[0]), 0.1 * 6 / 2)


def test_fine_tuning_freezes_a_conv_base():
    """The Keras recipe: train, freeze the base with ``trainable = False``, recompile,
    train a new head; the base does not move and ``summary`` counts it as frozen."""
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(2)
    x = rng.random((48, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, 48)
    base = keras.Sequential([keras.Input((8, 8, 1)),
                             layers.Conv2D(4, 3, activation="relu"),
                             layers.BatchNormalization(),
                             layers.MaxPooling2D(),
                             layers.GlobalAveragePooling2D()], name="base")
    model = keras.Sequential([base, layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    base.trainable = False
    assert all(not layer.trainable for layer in base.layers)
    snapshot = [w.copy() for w in base.get_weights()]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for before, after in zip(snapshot, base.get_weights()):
        np.testing.assert_array_equal(before, after)  # BN statistics included
    lines = []
    model.summary(print_fn=lines.append)
    base_params = (3 * 3 * 4 + 4) + 4 * 4
    assert any(f"Non-trainable params: {base_params:,}" in line for line in lines)
    assert any("Trainable params: 15 " in line for line in lines)


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
@pytest.mark.parametrize("name", ["vision", "vision1d"])
def test_real_keras_vision_models_predict_the_same(flavour, name):
    """Files written by Keras 3 and tf-keras (tests/fixtures/make_keras_vision.py):
    convolutions of every kind, BatchNormalization's moving statistics, pooling with
    "same" padding, padding/cropping, bilinear upsampling."""
    folder = os.path.join(os.path.dirname(__file__), "fixtures", flavour)
    model = keras.models.load_model(os.path.join(folder, f"{name}.h5"), compile=False)
    stored = np.load(os.path.join(folder, f"{name}.npz"))
    np.testing.assert_allclose(model.predict(stored["x0"], verbose=0), stored["y0"],
                               rtol=1e-5, atol=1e-6)
