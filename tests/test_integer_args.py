"""NumPy integers are integers: every layer argument that takes an int takes any NumPy
integer scalar (a class count from ``np.max(y) + 1``), stores a plain Python int (so
``get_config`` is JSON-serialisable), and still refuses floats and bools."""

import json

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers

INTEGER_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                 np.uint64]

# (name, make(n) -> layer, input shape, output shape); ``n`` turns a Python int into the
# NumPy integer type under test.
CASES = [
    ("Dense", lambda n: layers.Dense(n(4)), (2, 3), (2, 4)),
    ("Conv2D", lambda n: layers.Conv2D(n(4), n(3), strides=(n(1), n(1)),
                                       dilation_rate=n(1)), (1, 5, 5, 2), (1, 3, 3, 4)),
    ("Conv1D", lambda n: layers.Conv1D(n(4), (n(3),), strides=n(2)), (1, 7, 2), (1, 3, 4)),
    ("Conv2DTranspose", lambda n: layers.Conv2DTranspose(n(2), n(3), strides=n(2),
                                                         padding="same"),
     (1, 3, 3, 1), (1, 6, 6, 2)),
    ("DepthwiseConv2D", lambda n: layers.DepthwiseConv2D(n(3), depth_multiplier=n(2)),
     (1, 4, 4, 3), (1, 2, 2, 6)),
    ("MaxPooling2D", lambda n: layers.MaxPooling2D(n(2)), (1, 4, 4, 1), (1, 2, 2, 1)),
    ("MaxPooling2D-tuple", lambda n: layers.MaxPooling2D((n(2), n(1)), strides=(n(2), n(1))),
     (1, 4, 4, 1), (1, 2, 4, 1)),
    ("AveragePooling1D", lambda n: layers.AveragePooling1D(n(3)), (1, 6, 2), (1, 2, 2)),
    ("LSTM", lambda n: layers.LSTM(n(4)), (2, 5, 3), (2, 4)),
    ("GRU", lambda n: layers.GRU(n(4), return_sequences=True), (2, 5, 3), (2, 5, 4)),
    ("SimpleRNN", lambda n: layers.SimpleRNN(n(4)), (2, 5, 3), (2, 4)),
    ("Reshape", lambda n: layers.Reshape((n(2), n(6))), (2, 3, 4), (2, 2, 6)),
    ("Permute", lambda n: layers.Permute((n(2), n(1))), (2, 3, 4), (2, 4, 3)),
    ("RepeatVector", lambda n: layers.RepeatVector(n(3)), (2, 4), (2, 3, 4)),
    ("Dropout", lambda n: layers.Dropout(0.5, noise_shape=(None, n(1))), (2, 4), (2, 4)),
    ("Cropping2D", lambda n: layers.Cropping2D(((n(1), n(1)), (n(0), n(1)))),
     (1, 5, 5, 1), (1, 3, 4, 1)),
    ("Cropping1D", lambda n: layers.Cropping1D(n(1)), (1, 5, 2), (1, 3, 2)),
    ("ZeroPadding2D", lambda n: layers.ZeroPadding2D((n(1), n(2))), (1, 5, 5, 1),
     (1, 7, 9, 1)),
    ("ZeroPadding1D", lambda n: layers.ZeroPadding1D((n(0), n(2))), (1, 5, 2), (1, 7, 2)),
    ("UpSampling2D", lambda n: layers.UpSampling2D(n(2)), (1, 2, 3, 1), (1, 4, 6, 1)),
    ("Dense-input_shape", lambda n: layers.Dense(2, input_shape=(n(3),)), (2, 3), (2, 2)),
    ("Dense-input_dim", lambda n: layers.Dense(2, input_dim=n(3)), (2, 3), (2, 2)),
]


def assert_plain(config):
    """Every number in ``config`` is a plain Python int/float/bool, and JSON takes it."""
    json.dumps(config)
    stack = [config]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        else:
            assert not isinstance(value, np.generic), (value, type(value))


@pytest.mark.parametrize("integer", INTEGER_TYPES, ids=lambda t: t.__name__)
@pytest.mark.parametrize("name,make,shape,expected", CASES, ids=[c[0] for c in CASES])
def test_numpy_integers_build_layers(integer, name, make, shape, expected):
    layer = make(integer)
    x = backend.to_device(np.ones(shape, dtype="float32"))
    assert tuple(layer(x).shape) == expected
    assert tuple(layer.compute_output_shape(shape)) == expected
    assert_plain(layer.get_config())
    rebuilt = type(layer).from_config(json.loads(json.dumps(layer.get_config())))
    assert tuple(rebuilt(x).shape) == expected


@pytest.mark.parametrize("integer", INTEGER_TYPES, ids=lambda t: t.__name__)
def test_numpy_integers_for_embedding_input_and_class_counts(integer):
    labels = np.array([0, 3, 5, 2])
    classes = integer(np.max(labels) + 1)  # the idiom that used to be refused
    embedding = layers.Embedding(integer(10), integer(3))
    ids = backend.to_device(np.array([[1, 2, 9]], dtype="int64"))
    assert embedding(ids).shape == (1, 3, 3)
    assert type(embedding.input_dim) is int and type(embedding.output_dim) is int
    inputs = keras.Input(shape=(integer(4),), batch_size=integer(2))
    assert inputs.shape == (2, 4)
    model = keras.Model(inputs, layers.Dense(classes, activation="softmax")(inputs))
    assert model.output_shape == (2, 6)
    assert model.predict(np.ones((2, 4), dtype="float32"), verbose=0).shape == (2, 6)
    assert_plain(model.get_config())
    assert_plain(layers.InputLayer(shape=(integer(4), None)).get_config())


@pytest.mark.parametrize("integer", [np.int8, np.int16, np.int32, np.int64],
                         ids=lambda t: t.__name__)
def test_signed_numpy_minus_one_in_reshape(integer):
    layer = layers.Reshape((integer(-1), integer(3)))
    x = backend.to_device(np.ones((2, 3, 4), dtype="float32"))
    assert layer(x).shape == (2, 4, 3)
    assert layer.get_config()["target_shape"] == (-1, 3)
    assert_plain(layer.get_config())


def test_dropout_numpy_noise_shape_shares_the_mask():
    layer = layers.Dropout(0.5, noise_shape=(None, np.int64(1)), seed=3)
    x = backend.to_device(np.ones((64, 5), dtype="float32"))
    out = layer(x, training=True).numpy()
    for row in out:
        assert np.all(row == row[0]) and row[0] in (0.0, 2.0)


@pytest.mark.parametrize("bad", [3.0, True, np.float32(3.0), np.bool_(True)],
                         ids=["float", "bool", "np.float32", "np.bool_"])
@pytest.mark.parametrize("make,owner,argument", [
    (lambda v: layers.Dense(v), "Dense", "units"),
    (lambda v: layers.Conv2D(v, 3), "Conv2D", "filters"),
    (lambda v: layers.Conv2D(4, v), "Conv2D", "kernel_size"),
    (lambda v: layers.Conv2D(4, (3, v)), "Conv2D", "kernel_size"),
    (lambda v: layers.Conv2D(4, 3, strides=v), "Conv2D", "strides"),
    (lambda v: layers.MaxPooling2D(v), "MaxPooling2D", "pool_size"),
    (lambda v: layers.Embedding(v, 3), "Embedding", "input_dim"),
    (lambda v: layers.Embedding(10, v), "Embedding", "output_dim"),
    (lambda v: layers.LSTM(v), "LSTM", "units"),
    (lambda v: layers.Reshape((2, v)), "Reshape", "target_shape"),
    (lambda v: layers.RepeatVector(v), "RepeatVector", "n"),
    (lambda v: layers.Dropout(0.5, noise_shape=(None, v)), "Dropout", "noise_shape"),
    (lambda v: layers.Cropping2D(v), "Cropping2D", "cropping"),
    (lambda v: layers.ZeroPadding2D((1, v)), "ZeroPadding2D", "padding"),
    (lambda v: layers.UpSampling2D(v), "UpSampling2D", "size"),
    (lambda v: keras.Input(shape=(v,)), "InputLayer", "shape"),
    (lambda v: layers.Dense(2, input_dim=v), "Dense", "input_dim"),
    (lambda v: layers.Dense(2, input_shape=(v,)), "Dense", "input_shape"),
])
def test_floats_and_bools_stay_refused(make, owner, argument, bad):
    with pytest.raises(ValueError) as error:
        make(bad)
    message = str(error.value)
    assert owner in message and f"`{argument}`" in message
