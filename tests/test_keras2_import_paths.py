"""Keras 2 import paths: each module imports and re-exports kerasette's own objects."""

import importlib

import numpy as np
import pytest

import kerasette as keras

_CONV = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Conv2DTranspose",
         "SeparableConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D",
         "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
         "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
         "AveragePooling2D", "AveragePooling3D"]
_POOLING = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
            "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D",
            "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
            "GlobalAveragePooling2D", "GlobalAveragePooling3D", "MaxPool2D", "AvgPool2D"]
_MERGE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
          "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
          "concatenate", "dot"]
_LOSSES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
           "logcosh", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_crossentropy", "kullback_leibler_divergence", "poisson", "mse", "MSE",
           "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "serialize",
           "deserialize", "get"]

# (Keras 2 module path, kerasette namespace holding the originals, names Keras 2 code uses)
CASES = [
    ("kerasette.utils.np_utils", "kerasette.utils", ["to_categorical", "normalize"]),
    ("kerasette.utils.data_utils", "kerasette.utils", ["get_file", "Sequence"]),
    ("kerasette.utils.data_utils", "kerasette.utils.file_utils", ["validate_file"]),
    ("kerasette.layers.core", "kerasette.layers",
     ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
      "Lambda", "Masking", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
      "ActivityRegularization"]),
    ("kerasette.layers.convolutional", "kerasette.layers", _CONV),
    ("kerasette.layers.pooling", "kerasette.layers", _POOLING),
    ("kerasette.layers.recurrent", "kerasette.layers",
     ["RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell",
      "StackedRNNCells"]),
    ("kerasette.layers.embeddings", "kerasette.layers", ["Embedding"]),
    ("kerasette.layers.merge", "kerasette.layers", _MERGE),
    ("kerasette.layers.advanced_activations", "kerasette.layers",
     ["LeakyReLU", "PReLU", "ELU", "Softmax", "ReLU"]),
    ("kerasette.layers.noise", "kerasette.layers", ["GaussianNoise", "GaussianDropout"]),
    ("kerasette.layers.normalization", "kerasette.layers",
     ["BatchNormalization", "LayerNormalization"]),
    ("kerasette.engine", "kerasette.layers", ["Layer", "Input", "InputLayer", "InputSpec"]),
    ("kerasette.engine", "kerasette", ["Model", "Layer", "Input"]),
    ("kerasette.engine.topology", "kerasette.layers",
     ["Layer", "Input", "InputLayer", "InputSpec"]),
    ("kerasette.engine.topology", "kerasette.layers.symbolic", ["Node"]),
    ("kerasette.objectives", "kerasette.losses", _LOSSES),
]


@pytest.mark.parametrize("path, home, names", CASES, ids=[f"{c[0]}<-{c[1]}" for c in CASES])
def test_path_reexports_kerasette_objects(path, home, names):
    module = importlib.import_module(path)
    original = importlib.import_module(home)
    for name in names:
        assert getattr(module, name) is getattr(original, name), f"{path}.{name}"


@pytest.mark.parametrize("path", sorted({c[0] for c in CASES}))
def test_declared_names_exist(path):
    module = importlib.import_module(path)
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{path}.__all__ names missing {name!r}"


def test_attribute_access_after_import():
    import kerasette.layers.merge  # noqa: F401
    import kerasette.utils.np_utils  # noqa: F401

    assert keras.layers.merge.Add is keras.layers.Add
    assert keras.utils.np_utils.to_categorical is keras.utils.to_categorical


def test_np_utils_to_categorical_one_hot():
    from kerasette.utils.np_utils import to_categorical

    got = np.asarray(to_categorical([0, 2, 1, 2], num_classes=3))
    np.testing.assert_array_equal(got, np.eye(3, dtype="float32")[[0, 2, 1, 2]])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(to_categorical([1, 3])), np.eye(4)[[1, 3]])


def test_keras2_style_model_builds_from_old_paths():
    from kerasette.engine.topology import Input
    from kerasette.layers.core import Dense
    from kerasette.layers.merge import concatenate

    x = Input((4,))
    y = Dense(2)(concatenate([Dense(3)(x), Dense(3)(x)]))
    model = keras.Model(x, y)
    assert tuple(model(np.ones((5, 4), "float32")).shape) == (5, 2)
