"""keras.applications: VGG16 / VGG19 architectures, weights files, preprocess_input."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import applications


def test_vgg16_parameter_counts_match_keras():
    assert applications.VGG16(weights=None).count_params() == 138357544
    assert applications.VGG16(weights=None, include_top=False).count_params() == 14714688
    assert applications.VGG19(weights=None, include_top=False).count_params() == 20024384


def test_vgg_layer_names_shapes_and_pooling():
    model = applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=7)
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["block1_conv1", "block1_conv2", "block1_pool"]
    assert names[-4:] == ["flatten", "fc1", "fc2", "predictions"]
    assert model.name == "vgg16" and model.get_layer("fc1").kernel.shape == (512, 4096)
    assert model.output_shape == (None, 7)
    assert model.get_layer("block1_conv1").kernel.shape == (3, 3, 3, 64)
    x = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    probabilities = model.predict(x, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    features = applications.VGG19(weights=None, include_top=False)
    assert features.output_shape == (None, None, None, 512)
    assert len([n for n in (layer.name for layer in features.layers) if "conv" in n]) == 16
    for pooling, kind in (("avg", "GlobalAveragePooling2D"), ("max", "GlobalMaxPooling2D")):
        pooled = applications.VGG16(weights=None, include_top=False, pooling=pooling,
                                    input_shape=(48, 40, 3))
        assert pooled.output_shape == (None, 512)
        assert type(pooled.layers[-1]).__name__ == kind


def test_vgg_on_an_input_tensor_and_fine_tuning_head():
    inputs = keras.Input((32, 32, 3))
    scaled = keras.layers.Rescaling(1 / 255)(inputs)
    base = applications.VGG16(weights=None, include_top=False, input_tensor=scaled)
    assert base.inputs[0] is inputs
    base.trainable = False
    outputs = keras.layers.Dense(2, activation="softmax")(
        keras.layers.Flatten()(base.output))
    model = keras.Model(inputs, outputs)
    assert len(model.trainable_weights) == 2
    x = np.random.default_rng(1).integers(0, 255, (2, 32, 32, 3)).astype("uint8")
    assert model.predict(x, verbose=0).shape == (2, 2)


def test_vgg_loads_a_local_weights_file(tmp_path):
    keras.utils.set_random_seed(2)
    source = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / "vgg16_notop.h5")
    source.save_weights(path)
    loaded = applications.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))
    x = np.random.default_rng(3).random((1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), source.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_vgg_argument_errors():
    with pytest.raises(ValueError, match="downloading the ImageNet weights is not supported"):
        applications.VGG16(include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="does not exist"):
        applications.VGG16(weights="no/such/file.h5")
    with pytest.raises(ValueError, match="classes"):
        applications.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="pooling"):
        applications.VGG16(weights=None, include_top=False, pooling="median")
    with pytest.raises(ValueError, match="at least 32"):
        applications.VGG16(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="fully known"):
        applications.VGG16(weights=None, input_shape=(None, None, 3))


def test_preprocess_input_is_caffe_mode():
    rgb = np.array([[[[10.0, 20.0, 30.0]]]], "float32")
    expected = [[[[30.0 - 103.939, 20.0 - 116.779, 10.0 - 123.68]]]]
    out = applications.vgg16.preprocess_input(rgb)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_array_equal(rgb, [[[[10.0, 20.0, 30.0]]]])  # not modified in place
    assert out.dtype == np.float32
    pixels = np.array([[[[255, 0, 0]]]], "uint8")
    np.testing.assert_allclose(applications.vgg19.preprocess_input(pixels),
                               [[[[-103.939, -116.779, 255.0 - 123.68]]]], rtol=1e-5)
    first = np.moveaxis(rgb, -1, 1)
    np.testing.assert_allclose(
        applications.vgg16.preprocess_input(first, data_format="channels_first"),
        np.moveaxis(np.asarray(expected), -1, 1), rtol=1e-5)
    tensor = applications.vgg16.preprocess_input(keras.ops.convert_to_tensor(rgb))
    np.testing.assert_allclose(tensor.numpy(), expected, rtol=1e-5)
