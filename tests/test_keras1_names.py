"""Keras 1 argument names (``Convolution2D(32, 3, 3, border_mode="same")``) are converted
as Keras 2 converted them, with a warning at the user's line; ambiguous calls are refused;
and every deprecation warning (Keras 1 layer names, the optimizers' ``lr=`` / ``decay=``)
points at the caller's file."""

import json
import warnings

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers


def build(make):
    """``make()`` under a recorder; the layer and the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = make()
    return layer, caught


def keras2_warning(caught, layer_name: str):
    """The one "Update your ... call" warning, checked to point at this file."""
    found = [w for w in caught if "Keras 2 API" in str(w.message)]
    assert len(found) == 1, [str(w.message) for w in caught]
    warning = found[0]
    assert warning.category is UserWarning
    assert warning.filename == __file__
    assert f"Update your `{layer_name}` call to the Keras 2 API: `{layer_name}(" in \
        str(warning.message)
    return str(warning.message)


def images(*shape):
    return backend.to_device(np.ones(shape, dtype="float32"))


# ---- convolutions ---------------------------------------------------------------------

def test_convolution2d_positional_kernel_is_keras1_nb_row_nb_col():
    layer, caught = build(lambda: layers.Convolution2D(32, 3, 3))
    message = keras2_warning(caught, "Conv2D")
    assert "Update your `Conv2D` call to the Keras 2 API: `Conv2D(32, (3, 3))`" in message
    assert "strides" in message  # says what Keras 2/3 would have read
    assert layer.kernel_size == (3, 3) and layer.strides == (1, 1)
    out = layer(images(2, 8, 8, 1))
    assert out.shape == (2, 6, 6, 32)
    assert layer.kernel.shape == (3, 3, 1, 32)


def test_conv2d_positional_legacy_form_as_keras2_accepted_it():
    layer, caught = build(lambda: layers.Conv2D(8, 5, 3))
    assert "`Conv2D(8, (5, 3))`" in keras2_warning(caught, "Conv2D")
    assert layer.kernel_size == (5, 3) and layer.strides == (1, 1)
    assert layer(images(1, 9, 9, 2)).shape == (1, 5, 7, 8)


def test_convolution2d_keywords_match_the_keras2_layer():
    l2 = keras.regularizers.l2(0.1)
    old, caught = build(lambda: layers.Convolution2D(
        nb_filter=4, nb_row=3, nb_col=2, subsample=(2, 2), border_mode="same", init="ones",
        W_regularizer=l2, b_regularizer=l2, dim_ordering="tf", name="old"))
    message = keras2_warning(caught, "Conv2D")
    for note in ("`border_mode` is now `padding`", "`subsample` is now `strides`",
                 "`init` is now `kernel_initializer`", "kernel_size"):
        assert note in message
    new = layers.Conv2D(4, (3, 2), strides=2, padding="same", kernel_initializer="ones",
                        kernel_regularizer=l2, bias_regularizer=l2,
                        data_format="channels_last", name="new")
    old_config, new_config = old.get_config(), new.get_config()
    old_config.pop("name"), new_config.pop("name")
    assert json.dumps(old_config) == json.dumps(new_config)
    out = old(images(1, 5, 4, 1))
    assert out.shape == (1, 3, 2, 4)
    # all-ones kernel over all-ones input, "same" padding: the centre sees 3 x 2 pixels
    np.testing.assert_allclose(out.numpy()[0, 1, 0], np.full(4, 6.0))
    assert float(sum(loss.numpy() for loss in old.losses)) == pytest.approx(0.1 * 24)


def test_convolution2d_dim_ordering_th_is_channels_first():
    layer, caught = build(lambda: layers.Convolution2D(2, 3, 3, dim_ordering="th"))
    keras2_warning(caught, "Conv2D")
    assert layer.data_format == "channels_first"
    assert layer(images(1, 3, 6, 6)).shape == (1, 2, 4, 4)


def test_convolution2d_nb_row_positional_nb_col_keyword():
    layer, caught = build(lambda: layers.Convolution2D(4, 3, nb_col=1))
    assert "`Conv2D(4, (3, 1))`" in keras2_warning(caught, "Conv2D")
    assert layer.kernel_size == (3, 1)


def test_convolution1d_keras1_arguments_and_input_dim():
    def make():
        return layers.Convolution1D(nb_filter=4, filter_length=3, subsample_length=2,
                                    border_mode="valid", input_dim=5, input_length=10)
    layer, caught = build(make)
    message = keras2_warning(caught, "Conv1D")
    assert "input_shape=(10, 5)" in message and "kernel_size=3" in message
    assert layer.kernel_size == (3,) and layer.strides == (2,)
    model = keras.Sequential([layer])
    assert model.output_shape == (None, 4, 4)
    assert layer(images(2, 10, 5)).shape == (2, 4, 4)


def test_convolution3d_positional_kernel():
    layer, caught = build(lambda: layers.Convolution3D(2, 3, 2, 1))
    assert "`Conv3D(2, (3, 2, 1))`" in keras2_warning(caught, "Conv3D")
    assert layer(images(1, 4, 4, 4, 1)).shape == (1, 2, 3, 4, 2)


@pytest.mark.parametrize("make", [
    lambda: layers.Conv2D(32, 3),
    lambda: layers.Conv2D(32, (3, 3), 2),
    lambda: layers.Conv2D(32, 3, (2, 2)),
    lambda: layers.Conv1D(8, 3, 2),
    lambda: layers.Conv3D(8, 3, 2),
])
def test_keras2_calls_are_left_alone(make):
    layer, caught = build(make)
    assert not caught
    assert layer.kernel_size[0] == 3


def test_keras2_positional_strides_keep_their_meaning():
    layer = layers.Conv2D(32, (3, 3), 2)
    assert layer.kernel_size == (3, 3) and layer.strides == (2, 2)


@pytest.mark.parametrize("make", [
    lambda: layers.Conv2D(32, 3, 2, padding="same"),
    lambda: layers.Conv2D(32, 3, 3, strides=1),
    lambda: layers.Convolution2D(32, 3, 3, data_format="channels_last"),
    lambda: layers.Conv2D(32, 3, 1, "same"),
])
def test_ambiguous_positional_kernels_are_refused(make):
    with pytest.raises(ValueError, match="ambiguous"):
        make()


@pytest.mark.parametrize("make,names", [
    (lambda: layers.Conv2D(32, (3, 3), border_mode="same", padding="valid"),
     ("border_mode", "padding")),
    (lambda: layers.Conv2D(4, 3, nb_filter=4), ("nb_filter", "filters")),
    (lambda: layers.Conv2D(4, (3, 3), subsample=2, strides=2), ("subsample", "strides")),
    (lambda: layers.Conv2D(4, 3, nb_row=3, nb_col=3), ("nb_row", "kernel_size")),
    (lambda: layers.Conv2D(4, kernel_size=3, nb_col=3), ("nb_col", "kernel_size")),
    (lambda: layers.Conv1D(4, 3, filter_length=3), ("filter_length", "kernel_size")),
    (lambda: layers.Dense(10, output_dim=5), ("output_dim", "units")),
    (lambda: layers.Dense(10, init="ones", kernel_initializer="zeros"),
     ("init", "kernel_initializer")),
    (lambda: layers.MaxPooling2D(pool_length=2, pool_size=2), ("pool_length", "pool_size")),
    (lambda: layers.LSTM(4, dropout_W=0.1, dropout=0.1), ("dropout_W", "dropout")),
    (lambda: layers.LSTM(4, input_dim=3, input_shape=(5, 3)), ("input_dim", "input_shape")),
])
def test_old_and_new_spelling_together_is_a_type_error(make, names):
    with pytest.raises(TypeError) as error:
        make()
    for name in names:
        assert f"`{name}`" in str(error.value)


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv2D(4, nb_row=3), "nb_col"),
    (lambda: layers.Conv2D(4, 3, nb_row=3), "nb_col"),
    (lambda: layers.Conv1D(4, nb_row=3), "Convolution2D"),
    (lambda: layers.Conv2D(4, filter_length=3), "Convolution1D"),
    (lambda: layers.Conv2D(4, 3, subsample_length=2), "subsample"),
])
def test_incomplete_or_wrong_rank_keras1_kernels_are_refused(make, match):
    with pytest.raises(TypeError, match=match):
        make()


# ---- dense, pooling, recurrent, embedding, dropout -------------------------------------

def test_dense_output_dim_init_and_regularizers():
    l2 = keras.regularizers.l2(0.5)
    layer, caught = build(lambda: layers.Dense(output_dim=3, init="ones", W_regularizer=l2,
                                               b_regularizer=l2, bias=True))
    message = keras2_warning(caught, "Dense")
    assert "`Dense(units=3, use_bias=True, kernel_initializer='ones'" in message
    assert "`output_dim` is now `units`" in message
    out = layer(backend.to_device(np.ones((2, 4), dtype="float32")))
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 4.0))
    assert layer.units == 3 and layer.use_bias
    assert float(sum(loss.numpy() for loss in layer.losses)) == pytest.approx(0.5 * 12)
    config = layer.get_config()
    assert "output_dim" not in config and config["units"] == 3
    rebuilt, caught = build(lambda: layers.Dense.from_config(config))
    assert not caught and rebuilt.units == 3


@pytest.mark.parametrize("cls,kwargs,shape,expected", [
    (layers.MaxPooling1D, {"pool_length": 3}, (1, 9, 2), (1, 3, 2)),
    (layers.MaxPooling1D, {"pool_length": 2, "stride": 1, "border_mode": "same"},
     (1, 5, 2), (1, 5, 2)),
    (layers.MaxPooling2D, {"pool_length": 3}, (1, 6, 6, 1), (1, 2, 2, 1)),
    (layers.AveragePooling2D, {"pool_size": (2, 2), "border_mode": "valid",
                               "dim_ordering": "th"}, (1, 3, 4, 4), (1, 3, 2, 2)),
])
def test_pooling_keras1_arguments(cls, kwargs, shape, expected):
    layer, caught = build(lambda: cls(**kwargs))
    keras2_warning(caught, cls.__name__)
    assert layer(images(*shape)).shape == expected


def test_maxpooling2d_pool_length_names_pool_size():
    layer, caught = build(lambda: layers.MaxPooling2D(pool_length=2))
    message = keras2_warning(caught, "MaxPooling2D")
    assert "`MaxPooling2D(pool_size=2)`" in message
    assert layer.pool_size == (2, 2)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_recurrent_keras1_arguments(cls):
    def make():
        return cls(output_dim=4, init="glorot_uniform", inner_init="orthogonal",
                   dropout_W=0.2, dropout_U=0.1, W_regularizer=keras.regularizers.l2(0.01),
                   input_dim=3, input_length=5)
    layer, caught = build(make)
    message = keras2_warning(caught, cls.__name__)
    assert "`dropout_W` is now `dropout`" in message
    assert "`dropout_U` is now `recurrent_dropout`" in message
    assert layer.units == 4
    assert layer.dropout == pytest.approx(0.2)
    assert layer.recurrent_dropout == pytest.approx(0.1)
    model = keras.Sequential([layer])
    assert model.output_shape == (None, 4)
    out = model.predict(np.ones((2, 5, 3), dtype="float32"), verbose=0)
    assert out.shape == (2, 4)


def test_embedding_and_dropout_keras1_arguments():
    embedding, caught = build(lambda: layers.Embedding(10, 3, init="ones"))
    keras2_warning(caught, "Embedding")
    ids = backend.to_device(np.array([[1, 2]], dtype="int64"))
    np.testing.assert_allclose(embedding(ids).numpy(), np.ones((1, 2, 3)))
    dropout, caught = build(lambda: layers.Dropout(p=0.25))
    assert "`Dropout(rate=0.25)`" in keras2_warning(caught, "Dropout")
    assert dropout.rate == 0.25


def test_warning_points_at_a_user_subclass():
    class Legacy(layers.Dense):
        def __init__(self, **kwargs):
            super().__init__(output_dim=2, **kwargs)

    layer, caught = build(Legacy)
    keras2_warning(caught, "Legacy")
    assert layer.units == 2


# ---- optimizers: deprecation warnings at the caller's line -----------------------------

@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop",
                                  "Adagrad", "Adadelta"])
def test_optimizer_lr_and_decay_warnings_point_at_the_caller(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = getattr(keras.optimizers, name)(lr=0.01, decay=0.5)
    messages = [str(w.message) for w in caught]
    assert any("`lr`" in m for m in messages) and any("`decay`" in m for m in messages)
    for warning in caught:
        assert warning.filename == __file__, (warning.filename, str(warning.message))
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    assert optimizer.decay == 0.5


def test_optimizer_missing_gradient_warning_points_at_the_caller():
    used = keras.Variable(np.ones(2, dtype="float32"))
    unused = keras.Variable(np.ones(2, dtype="float32"), name="unused")
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    gradient = backend.to_device(np.ones(2, dtype="float32"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer.apply([gradient, None], [used, unused])
    (warning,) = caught
    assert warning.filename == __file__
    np.testing.assert_allclose(used.numpy(), [0.5, 0.5])
    np.testing.assert_allclose(unused.numpy(), [1.0, 1.0])
