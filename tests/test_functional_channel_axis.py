"""A functional model adds a missing trailing axis of size 1, or drops an extra one, as
Keras 3 does (``(batch, 8)`` data into an ``Input((8, 1))``); other rank mismatches are
refused with the input's name and both shapes."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend


def _conv_model(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8, 1), name="signal")
    x = keras.layers.Conv1D(3, 3, activation="tanh")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, :3].sum(axis=1, keepdims=True) * 0.5).astype("float32")
    return x, y


def test_missing_channel_axis_is_added_in_fit_evaluate_and_predict():
    x, y = _data()
    short, explicit = _conv_model(), _conv_model()
    np.testing.assert_array_equal(short.get_weights()[0], explicit.get_weights()[0])
    h_short = short.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_explicit = explicit.fit(x[..., None], y, batch_size=8, epochs=2, shuffle=False,
                              verbose=0)
    np.testing.assert_allclose(h_short.history["loss"], h_explicit.history["loss"], rtol=1e-6)
    for a, b in zip(short.get_weights(), explicit.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(short.predict(x, verbose=0),
                               explicit.predict(x[..., None], verbose=0), rtol=1e-6)
    assert short.evaluate(x, y, verbose=0) == pytest.approx(
        explicit.evaluate(x[..., None], y, verbose=0), rel=1e-6)
    # From a generator (no array checks before the model) and called directly, too.
    batches = (x[i:i + 8] for i in range(0, len(x), 8))
    np.testing.assert_allclose(short.predict(batches, steps=3, verbose=0),
                               explicit.predict(x[..., None], verbose=0), rtol=1e-6)
    direct = short(backend.to_device(x[:5]))
    np.testing.assert_allclose(backend.to_numpy(direct.data),
                               short.predict(x[:5, :, None], verbose=0), rtol=1e-6)


def test_extra_trailing_axis_of_size_1_is_dropped():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    x = np.random.default_rng(1).normal(size=(6, 4)).astype("float32")
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x[..., None], verbose=0), x @ kernel + bias,
                               rtol=1e-5, atol=1e-6)


def test_each_input_of_a_dict_model_is_adjusted_on_its_own():
    keras.utils.set_random_seed(2)
    a = keras.Input((3, 1), name="a")
    b = keras.Input((2,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Flatten()(a), b])
    model = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(merged))
    rng = np.random.default_rng(2)
    xa = rng.normal(size=(5, 3)).astype("float32")
    xb = rng.normal(size=(5, 2)).astype("float32")
    kernel, bias = model.get_weights()
    expected = np.concatenate([xa, xb], axis=1) @ kernel + bias
    got = model.predict({"a": xa, "b": xb[..., None]}, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(4, 8, 1, 1, 1), (4,), (4, 8, 2, 2)])
def test_other_rank_mismatches_are_refused_naming_the_input(shape):
    # Called directly (``fit`` and ``predict`` check array data before the model does).
    model = _conv_model()
    x = backend.to_device(np.zeros(shape, "float32"))
    with pytest.raises(ValueError, match=r"input 'signal'.*Expected shape \(None, 8, 1\).*"
                                         + r"incompatible shape " + repr(shape).replace(
                                             "(", r"\(").replace(")", r"\)")):
        model(x)


def test_the_declared_last_size_must_be_1_to_add_an_axis():
    inputs = keras.Input((3, 2), name="pairs")
    model = keras.Model(inputs, keras.layers.Flatten()(inputs))
    with pytest.raises(ValueError, match=r"input 'pairs'.*\(None, 3, 2\).*\(4, 3\)"):
        model(backend.to_device(np.zeros((4, 3), "float32")))
    # Same rank, wrong size: the layer that cannot take it says so.
    dense_in = keras.Input((3,))
    dense = keras.Model(dense_in, keras.layers.Dense(1)(dense_in))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        dense(backend.to_device(np.zeros((4, 5), "float32")))
