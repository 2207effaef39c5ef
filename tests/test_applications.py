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


@pytest.fixture(scope="module")
def resnet50():
    return applications.ResNet50(weights=None)


def test_resnet50_parameter_counts_and_layers_match_keras(resnet50):
    assert resnet50.count_params() == 25636712
    non_trainable = sum(int(np.prod(w.shape)) for w in resnet50.non_trainable_weights)
    assert non_trainable == 53120  # the moving means and variances of 53 BN layers
    assert applications.ResNet50(weights=None, include_top=False).count_params() == 23587712
    names = [layer.name for layer in resnet50.layers]
    assert len(names) == 177 and resnet50.name == "resnet50"
    assert names[1:7] == ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad",
                          "pool1_pool"]
    assert names[-4:] == ["conv5_block3_add", "conv5_block3_out", "avg_pool", "predictions"]
    assert resnet50.get_layer("conv1_conv").kernel.shape == (7, 7, 3, 64)
    assert resnet50.get_layer("conv3_block1_0_conv").kernel.shape == (1, 1, 256, 512)
    assert resnet50.get_layer("conv3_block1_0_conv").strides == (2, 2)
    assert resnet50.get_layer("conv4_block6_2_conv").kernel.shape == (3, 3, 256, 256)
    assert resnet50.get_layer("conv2_block2_1_bn").epsilon == pytest.approx(1.001e-5)
    assert "conv2_block2_0_conv" not in names  # identity shortcuts after the first block
    assert resnet50.get_layer("conv5_block3_out").output.shape == (None, 7, 7, 2048)
    assert resnet50.output_shape == (None, 1000)


def test_resnet_small_inputs_pooling_and_deeper_variants():
    model = applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=5,
                                  classifier_activation=None)
    x = np.random.default_rng(4).random((2, 32, 32, 3)).astype("float32")
    logits = model.predict(x, verbose=0)
    assert logits.shape == (2, 5) and logits.dtype == np.float32
    assert not np.allclose(logits.sum(axis=1), 1.0)  # no softmax when asked for none
    for pooling, kind in (("avg", "GlobalAveragePooling2D"), ("max", "GlobalMaxPooling2D")):
        pooled = applications.resnet50.ResNet50(weights=None, include_top=False,
                                                pooling=pooling, input_shape=(40, 48, 3))
        assert pooled.output_shape == (None, 2048)
        assert type(pooled.layers[-1]).__name__ == kind
        assert pooled.layers[-1].name == f"{pooling}_pool"
    features = applications.ResNet50(weights=None, include_top=False)
    assert features.output_shape == (None, None, None, 2048)
    assert applications.ResNet101(weights=None, include_top=False).count_params() == 42658176
    with pytest.raises(ValueError, match="ResNet50: `pooling` must be"):
        applications.ResNet50(weights=None, include_top=False, pooling="sum")
    with pytest.raises(ValueError, match="downloading the ImageNet weights is not supported"):
        applications.ResNet50(include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="at least 32"):
        applications.ResNet50(weights=None, include_top=False, input_shape=(24, 24, 3))


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_resnet50_layer_order_is_keras(resnet50, flavour):
    """The order weight files are written and read in: real Keras's ResNet50 layer list
    (only the auto-named input layer may differ)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "fixtures" / flavour / "layer_orders.json"
    expected = json.loads(path.read_text())["resnet50"]
    names = [layer.name for layer in resnet50.layers]
    assert names[1:] == expected[1:]
    assert names.index("conv2_block1_0_conv") == expected.index("conv2_block1_0_conv")


def test_resnet_weights_file_round_trip(tmp_path):
    keras.utils.set_random_seed(5)
    source = applications.ResNet50(weights=None, include_top=False, pooling="avg",
                                   input_shape=(32, 32, 3))
    for layer in source.layers:  # non-trivial moving statistics
        if isinstance(layer, keras.layers.BatchNormalization):
            mean, variance = layer.moving_mean.numpy(), layer.moving_variance.numpy()
            layer.moving_mean.assign(mean + 0.1)
            layer.moving_variance.assign(variance * 1.5)
    path = str(tmp_path / "resnet50_notop.h5")
    source.save_weights(path)
    x = np.random.default_rng(6).random((2, 32, 32, 3)).astype("float32")
    expected = source.predict(x, verbose=0)
    loaded = applications.ResNet50(weights=path, include_top=False, pooling="avg",
                                   input_shape=(32, 32, 3))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    fresh = applications.ResNet50(weights=None, include_top=False, pooling="avg",
                                  input_shape=(32, 32, 3))
    fresh.load_weights(path)  # by topology: the file's order is the model's
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_resnet_preprocess_input_is_caffe_mode():
    rgb = np.array([[[[10.0, 20.0, 30.0]]]], "float32")
    np.testing.assert_allclose(applications.resnet.preprocess_input(rgb),
                               [[[[30.0 - 103.939, 20.0 - 116.779, 10.0 - 123.68]]]],
                               rtol=1e-6)
    assert applications.resnet50.preprocess_input is applications.resnet.preprocess_input
