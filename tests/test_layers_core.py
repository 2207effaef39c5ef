"""Core, activation and merging layers through the shared layer test, plus their math."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers
from helpers import check_layer, dodge_kinks

CASES = [
    (layers.Dense, {"units": 4}, (3, 5), (3, 4), 2),
    (layers.Dense, {"units": 4, "activation": "tanh", "use_bias": False}, (3, 5), (3, 4), 1),
    (layers.Dense, {"units": 2, "activation": "sigmoid"}, (2, 3, 5), (2, 3, 2), 2),
    (layers.Dense, {"units": 3, "activation": "relu"}, (4, 5), (4, 3), 2),
    (layers.Activation, {"activation": "softplus"}, (3, 4), (3, 4), 0),
    (layers.Flatten, {}, (2, 3, 4), (2, 12), 0),
    (layers.Reshape, {"target_shape": (2, -1)}, (2, 3, 4), (2, 2, 6), 0),
    (layers.Permute, {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3), 0),
    (layers.RepeatVector, {"n": 3}, (2, 4), (2, 3, 4), 0),
    (layers.Identity, {}, (2, 4), (2, 4), 0),
    (layers.ReLU, {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, (3, 4),
     (3, 4), 0),
    (layers.LeakyReLU, {"negative_slope": 0.2}, (3, 4), (3, 4), 0),
    (layers.PReLU, {"alpha_initializer": "ones"}, (3, 4), (3, 4), 1),
    (layers.PReLU, {"shared_axes": [1]}, (3, 2, 4), (3, 2, 4), 1),
    (layers.ELU, {"alpha": 0.5}, (3, 4), (3, 4), 0),
    (layers.Softmax, {"axis": -1}, (3, 4), (3, 4), 0),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected,n_weights", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_shared_layer_test(cls, kwargs, shape, expected, n_weights):
    data = dodge_kinks(np.random.default_rng(1).standard_normal(shape), (0.0, 0.2, 1.0))
    check_layer(cls, kwargs, shape, expected_output_shape=expected, num_weights=n_weights,
                input_data=data.astype("float32"))


def test_dropout_layer_modes_and_scaling():
    x = np.ones((200, 50), dtype="float32")
    check_layer(layers.Dropout, {"rate": 0.3}, (200, 50), input_data=x,
                training_differs=True, gradients_check=False)
    y = layers.Dropout(0.3)(x, training=True).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(layers.Dropout(0.3)(x).numpy(), x)


def test_dense_math_matches_numpy():
    layer = layers.Dense(3, activation="relu")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32


def test_dense_keras2_input_dim_and_wrong_width_error():
    model = keras.Sequential([layers.Dense(4, input_dim=3), layers.Dense(1)])
    assert model.layers[0].kernel.shape == (3, 4)
    with pytest.raises(ValueError, match=r'layer "dense.*expected axis -1 of input shape '
                                         r'to have value 3.*\(2, 5\)'):
        model.predict(np.zeros((2, 5), "float32"), verbose=0)


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="activation"):
        layers.Dense(3, activation="no_such_thing")


def test_merge_layers_values_and_gradients():
    rng = np.random.default_rng(2)
    a, b, c = (rng.standard_normal((3, 4)) for _ in range(3))
    expected = {layers.Add: a + b + c, layers.Multiply: a * b * c,
                layers.Average: (a + b + c) / 3, layers.Maximum: np.maximum(np.maximum(a, b), c),
                layers.Minimum: np.minimum(np.minimum(a, b), c)}
    for cls, want in expected.items():
        got = cls()([a.astype("float32"), b.astype("float32"), c.astype("float32")]).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=cls.__name__)
    np.testing.assert_allclose(layers.Subtract()([a, b]).numpy(), a - b, rtol=1e-5)
    np.testing.assert_allclose(layers.Concatenate(axis=1)([a, b]).numpy(),
                               np.concatenate([a, b], axis=1), rtol=1e-6)


@pytest.mark.parametrize("axes,shapes", [(1, [(3, 4), (3, 4)]), ((2, 2), [(2, 3, 4), (2, 5, 4)]),
                                          ((1, 1), [(2, 3, 4), (2, 3, 5)])])
def test_dot_layer_matches_einsum(axes, shapes):
    rng = np.random.default_rng(3)
    x, y = (rng.standard_normal(s).astype("float32") for s in shapes)
    got = layers.Dot(axes=axes)([x, y]).numpy()
    a, b = (axes, axes) if isinstance(axes, int) else axes
    want = np.stack([np.tensordot(x[i], y[i], axes=(a - 1, b - 1)) for i in range(len(x))])
    want = want.reshape(len(x), -1) if want.ndim == 1 else want
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    sym = layers.Dot(axes=axes)([layers.Input(s[1:]) for s in shapes])
    assert sym.shape[1:] == got.shape[1:]


def test_dot_normalize_is_cosine():
    x = np.array([[3.0, 4.0]], "float32")
    y = np.array([[4.0, 3.0]], "float32")
    np.testing.assert_allclose(layers.Dot(axes=1, normalize=True)([x, y]).numpy(), [[24 / 25]],
                               rtol=1e-6)


def test_merge_gradients_float64():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 3))
    from helpers import check_gradients
    for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                layers.Minimum, layers.Concatenate):
        check_gradients(lambda p, q, cls=cls: cls(dtype="float64")([p, q]), a, b)
    check_gradients(lambda p, q: layers.Dot(axes=1, normalize=True, dtype="float64")([p, q]),
                    a, b)


def test_merge_shape_errors_name_the_layer():
    with pytest.raises(ValueError, match="add.*incompatible"):
        layers.Add(name="add_x")([layers.Input((3,)), layers.Input((4,))])
    with pytest.raises(ValueError, match="Concatenate"):
        layers.Concatenate(axis=-1)([layers.Input((3, 2)), layers.Input((4, 2))])
    with pytest.raises(ValueError, match="list"):
        layers.Add()(layers.Input((3,)))


def test_lambda_layer_and_masking():
    out = layers.Lambda(lambda t: t * 2 + 1)(np.ones((2, 3), "float32"))
    np.testing.assert_allclose(out.numpy(), 3.0)
    sym = layers.Lambda(lambda t: keras.ops.sum(t, axis=-1, keepdims=True))(layers.Input((5,)))
    assert sym.shape == (None, 1)
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
    masked = layers.Masking(0.0)(x)
    np.testing.assert_array_equal(masked._keras_mask.numpy(), [[True, False, True]])


def test_weights_bookkeeping_and_trainable_flag():
    layer = layers.Dense(3, name="d")
    layer(np.zeros((1, 2), "float32"))
    assert [w.path for w in layer.weights] == ["d/kernel", "d/bias"]
    assert layer.count_params() == 9
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert len(layer.trainable_weights) == 2
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match="not compatible"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(3)])


def test_auto_names_are_unique():
    names = [layers.Dense(1).name for _ in range(3)]
    assert len(set(names)) == 3 and all(n.startswith("dense") for n in names)


def test_unknown_kwarg_is_rejected():
    with pytest.raises(TypeError, match="unrecognized keyword"):
        layers.Dense(3, no_such_argument=1)


def test_activity_regularizer_adds_loss():
    layer = layers.Dense(2, kernel_initializer="ones", activity_regularizer="l2",
                         kernel_regularizer=keras.regularizers.L1(0.5))
    out = layer(np.ones((4, 3), "float32"))
    values = [float(v) for v in layer.losses]
    expected_activity = 0.01 * np.sum(out.numpy() ** 2) / 4
    assert np.isclose(values[0], expected_activity, rtol=1e-5)
    assert np.isclose(values[1], 0.5 * 6, rtol=1e-6)
