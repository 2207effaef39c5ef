"""BatchNormalization, LayerNormalization, UnitNormalization and their ops: values
against NumPy formulas, moving statistics, training vs inference, frozen layers,
gradients in both modes."""

import numpy as np
import pytest
from helpers import check_gradients, check_layer, check_layer_gradients, run_float32

import kerasette as keras
from kerasette import layers, ops
from kerasette.ops.normalization import standardize


def test_batch_normalization_op_and_gradients():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5))
    mean, offset, scale = (rng.standard_normal(5) for _ in range(3))
    variance = rng.random(5) + 0.5
    got = ops.batch_normalization(x, mean, variance, -1, offset, scale, 1e-3).numpy()
    np.testing.assert_allclose(got, (x - mean) / np.sqrt(variance + 1e-3) * scale + offset,
                               rtol=1e-12)
    check_gradients(lambda *t: ops.batch_normalization(t[0], t[1], t[2], -1, t[3], t[4]),
                    x, mean, variance, offset, scale)
    check_gradients(lambda t, m, v: ops.batch_normalization(t, m, v, 1), x, mean[:3],
                    variance[:3])
    out = run_float32(lambda t, m, v: ops.batch_normalization(t, m, v, -1), x, mean, variance)
    assert out.dtype == np.float32


def test_moments_and_standardize_and_normalize():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 5))
    mean, variance = ops.moments(x, axes=(0, 1))
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(variance.numpy(), x.var(axis=(0, 1)), rtol=1e-12)
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    out, mu, var = standardize(x, (0, 1), gamma, beta, 1e-3, param_axes=(2,))
    want = (x - x.mean((0, 1))) / np.sqrt(x.var((0, 1)) + 1e-3) * gamma + beta
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    assert mu.shape == (1, 1, 5) and var.shape == (1, 1, 5)
    check_gradients(lambda t, g, b: standardize(t, (0, 1), g, b, 1e-3, param_axes=(2,))[0],
                    x, gamma, beta)
    check_gradients(lambda t, g, b: standardize(t, (1, 2), g, b, 1e-3)[0], x,
                    rng.standard_normal((3, 5)), rng.standard_normal((3, 5)))
    norm = ops.normalize(x, axis=-1).numpy()
    np.testing.assert_allclose(norm, x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-12)
    check_gradients(lambda t: ops.normalize(t, axis=1), x)


def test_batchnorm_training_uses_batch_statistics_and_updates_moving_ones():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((8, 3, 4)) * 2 + 1).astype("float32")
    layer = layers.BatchNormalization(momentum=0.9, gamma_initializer="ones")
    out = layer(x, training=True).numpy()
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    inferred = layer(x, training=False).numpy()
    moving_mean, moving_var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    np.testing.assert_allclose(inferred, (x - moving_mean) / np.sqrt(moving_var + 1e-3),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), moving_mean)  # inference: no update
    assert out.dtype == np.float32 and layer.moving_mean.dtype == np.float32


def test_batchnorm_weights_defaults_and_config():
    layer = layers.BatchNormalization(name="bn")
    layer(np.zeros((2, 4, 4, 3), "float32"))
    assert [w.path for w in layer.weights] == ["bn/gamma", "bn/beta", "bn/moving_mean",
                                               "bn/moving_variance"]
    assert [w.path for w in layer.trainable_weights] == ["bn/gamma", "bn/beta"]
    assert layer.momentum == 0.99 and layer.epsilon == 1e-3
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(3))
    config = layer.get_config()
    assert config["axis"] == -1 and config["center"] and config["scale"]
    no_affine = layers.BatchNormalization(center=False, scale=False)
    no_affine(np.zeros((2, 3), "float32"))
    assert len(no_affine.weights) == 2 and not no_affine.trainable_weights
    channels_first = layers.BatchNormalization(axis=1)
    channels_first(np.zeros((2, 3, 4, 4), "float32"))
    assert channels_first.gamma.shape == (3,)


def test_frozen_batchnorm_runs_in_inference_mode():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4)).astype("float32") * 3 + 2
    layer = layers.BatchNormalization()
    layer(x, training=True)
    layer.trainable = False
    before = layer.moving_mean.numpy().copy()
    frozen = layer(x, training=True).numpy()
    np.testing.assert_allclose(frozen, layer(x, training=False).numpy())
    np.testing.assert_array_equal(layer.moving_mean.numpy(), before)
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 4


def test_batchnorm_in_fit_updates_moving_statistics_and_frozen_model_does_not():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((64, 6, 6, 2)) * 2 + 3).astype("float32")
    y = rng.integers(0, 2, 64)
    model = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3),
                              layers.BatchNormalization(name="bn"), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    bn = model.get_layer("bn")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    moved = bn.moving_mean.numpy().copy()
    assert np.all(np.abs(moved) > 0)
    model.predict(x, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moved)
    bn.trainable = False
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    gamma = bn.gamma.numpy().copy()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moved)
    np.testing.assert_array_equal(bn.gamma.numpy(), gamma)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("Non-trainable params: 12" in line for line in lines)


def test_batchnorm_gradients_in_training_mode():
    rng = np.random.default_rng(5)
    layer = layers.BatchNormalization(axis=1, dtype="float64", beta_initializer="ones",
                                      gamma_initializer="random_normal")
    x = rng.standard_normal((4, 3, 2))
    layer(x)
    check_layer_gradients(layer, x, training=True)


@pytest.mark.parametrize("scale,center", [(True, True), (False, True), (True, False)])
def test_batchnorm_channels_last_in_cache_blocks_matches_the_formula(monkeypatch, scale,
                                                                     center):
    """Channels-last BatchNormalization works on the (rows, channels) view in cache-sized
    blocks (here a few rows each): Keras's formula for the output and the batch
    statistics, and gradients that pass the check."""
    from kerasette import backend

    monkeypatch.setattr(backend.kernels, "CACHE_CHUNK_BYTES", 40)  # blocks of 1-2 rows
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 2, 5, 3)) * 2 + 1
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    out, mu, variance = standardize(ops.convert_to_tensor(x), (0, 1, 2),
                                    gamma if scale else None, beta if center else None,
                                    1e-3, param_axes=(3,))
    want_mu, want_var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    want = (x - want_mu) / np.sqrt(want_var + 1e-3) * (gamma if scale else 1)
    want = want + (beta if center else 0)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(backend.to_numpy(mu)).ravel(), want_mu, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(backend.to_numpy(variance)).ravel(), want_var,
                               rtol=1e-12)
    params = [gamma] * scale + [beta] * center

    def op(t, *p):
        p = list(p)
        return standardize(t, (0, 1, 2), p.pop(0) if scale else None,
                           p.pop(0) if center else None, 1e-3, param_axes=(3,))[0]

    check_gradients(op, x, *params)


NORM_CASES = [
    (layers.BatchNormalization, {}, (4, 3), 4, True),
    (layers.BatchNormalization, {"axis": 1, "center": False}, (3, 2, 4, 2), 3, True),
    (layers.BatchNormalization, {"axis": [1, 2], "momentum": 0.5}, (4, 2, 3, 2), 4, True),
    (layers.LayerNormalization, {}, (3, 5), 2, False),
    (layers.LayerNormalization, {"axis": [1, 2], "scale": False}, (2, 3, 4), 1, False),
    (layers.LayerNormalization, {"rms_scaling": True}, (3, 4), 1, False),
    (layers.UnitNormalization, {"axis": -1}, (3, 4), 0, False),
]


@pytest.mark.parametrize("cls,kwargs,shape,n_weights,differs", NORM_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(NORM_CASES)])
def test_normalization_layers_pass_the_shared_layer_test(cls, kwargs, shape, n_weights,
                                                         differs):
    check_layer(cls, kwargs, shape, expected_output_shape=shape, num_weights=n_weights,
                training_differs=differs)


def test_layer_normalization_values():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    layer = layers.LayerNormalization(axis=[1, 2], gamma_initializer="random_normal",
                                      beta_initializer="random_normal")
    out = layer(x).numpy()
    gamma, beta = layer.get_weights()
    assert gamma.shape == (4, 5)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta,
                               rtol=1e-4, atol=1e-5)
    rms = layers.LayerNormalization(rms_scaling=True)
    got = rms(x).numpy()
    np.testing.assert_allclose(got, x / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-3),
                               rtol=1e-4, atol=1e-5)
    unit = layers.UnitNormalization()(x).numpy()
    np.testing.assert_allclose(np.linalg.norm(unit, axis=-1), 1.0, rtol=1e-5)


def test_normalization_errors():
    with pytest.raises(ValueError, match="invalid axis"):
        layers.BatchNormalization(axis=0)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="invalid axis"):
        layers.LayerNormalization(axis=3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="momentum"):
        layers.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        layers.LayerNormalization(epsilon=0)
    with pytest.raises(ValueError, match="renorm"):
        layers.BatchNormalization(renorm=True)
    layer = layers.BatchNormalization()
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        layer(np.zeros((2, 4), "float32"))
