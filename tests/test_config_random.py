"""keras.config (settings round trips, bad values) and keras.random (moments, seeds)."""

import math

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend

N = 100_000


@pytest.fixture(autouse=True)
def _restore_settings():
    yield
    keras.config.set_epsilon(1e-7)
    keras.config.set_image_data_format("channels_last")
    keras.config.enable_traceback_filtering()
    keras.config.enable_interactive_logging()
    keras.config._flags["safe_mode"] = True


def host(tensor) -> np.ndarray:
    assert isinstance(tensor, keras.Tensor)
    assert backend.get_array_module(tensor.data) is backend.xp
    return backend.to_numpy(tensor.data)


# keras.config ------------------------------------------------------------------------

@pytest.mark.parametrize("getter, setter, value", [
    ("floatx", "set_floatx", "float64"), ("floatx", "set_floatx", "float16"),
    ("epsilon", "set_epsilon", 1e-4),
    ("image_data_format", "set_image_data_format", "channels_first"),
])
def test_config_round_trip_shares_the_backend_setting(getter, setter, value):
    getattr(keras.config, setter)(value)
    assert getattr(keras.config, getter)() == value
    assert getattr(backend, getter)() == value  # one copy of each setting


@pytest.mark.parametrize("setter, value, words", [
    ("set_floatx", "int32", "floatx"), ("set_floatx", "float8", "floatx"),
    ("set_epsilon", -1.0, "epsilon"), ("set_epsilon", "small", "epsilon"),
    ("set_image_data_format", "channels_middle", "data_format"),
])
def test_config_refuses_bad_values(setter, value, words):
    with pytest.raises(ValueError, match=words):
        getattr(keras.config, setter)(value)


def test_image_data_format_defaults_and_lowercases():
    assert keras.config.image_data_format() == "channels_last"
    keras.config.set_image_data_format("Channels_First")
    assert keras.config.image_data_format() == "channels_first"


def test_set_floatx_changes_new_dense_weights():
    keras.config.set_floatx("float64")
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    assert all(w.dtype == np.float64 for w in layer.weights)


def test_backend_name_and_flags():
    assert keras.config.backend() == backend.backend() in ("numpy", "cupy")
    keras.config.disable_traceback_filtering()
    assert not keras.config.is_traceback_filtering_enabled()
    keras.config.enable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled()
    keras.config.disable_interactive_logging()
    assert not keras.config.is_interactive_logging_enabled()
    keras.config.enable_interactive_logging()
    assert keras.config.is_interactive_logging_enabled()
    assert keras.config.in_safe_mode()
    keras.config.enable_unsafe_deserialization()
    assert not keras.config.in_safe_mode()


# keras.random ------------------------------------------------------------------------

def assert_moments(values, mean, std, rel=0.02):
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=rel)


def test_normal_and_uniform_moments():
    x = host(keras.random.normal((N,), mean=2.0, stddev=3.0, seed=1))
    assert x.dtype == np.float32
    assert_moments(x.astype(np.float64), 2.0, 3.0)
    u = host(keras.random.uniform((N,), minval=-1.0, maxval=3.0, seed=2))
    assert u.min() >= -1.0 and u.max() < 3.0
    assert_moments(u.astype(np.float64), 1.0, 4.0 / math.sqrt(12))


def test_truncated_normal_stays_within_two_std():
    x = host(keras.random.truncated_normal((N,), mean=1.0, stddev=0.5, seed=3))
    assert np.all(np.abs(x - 1.0) <= 1.0 + 1e-6)
    a = 2.0
    density, mass = math.exp(-a * a / 2) / math.sqrt(2 * math.pi), math.erf(a / math.sqrt(2))
    assert_moments(x.astype(np.float64), 1.0, 0.5 * math.sqrt(1 - 2 * a * density / mass))


def test_randint_range_and_dtype():
    x = host(keras.random.randint((N,), 3, 9, seed=4))
    assert x.dtype == np.int32 and x.min() == 3 and x.max() == 8
    counts = np.bincount(x - 3, minlength=6) / N
    np.testing.assert_allclose(counts, 1 / 6, atol=0.01)
    with pytest.raises(ValueError, match="maxval"):
        keras.random.randint((2,), 5, 5)


def test_same_seed_same_numbers_and_generator_advances():
    for draw in (keras.random.normal, keras.random.uniform, keras.random.truncated_normal):
        np.testing.assert_array_equal(host(draw((50,), seed=7)), host(draw((50,), seed=7)))
        assert not np.array_equal(host(draw((50,), seed=7)), host(draw((50,), seed=8)))
    gen_a, gen_b = keras.random.SeedGenerator(11), keras.random.SeedGenerator(11)
    first, second = host(keras.random.normal((50,), seed=gen_a)), host(
        keras.random.normal((50,), seed=gen_a))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, host(keras.random.normal((50,), seed=gen_b)))


def test_global_seed_repeats_runs():
    keras.utils.set_random_seed(5)
    a = host(keras.random.uniform((20,)))
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(a, host(keras.random.uniform((20,))))


def test_dropout_zeroes_rate_and_scales():
    x = keras.ops.convert_to_tensor(backend.to_device(np.ones((N,), np.float32)))
    y = host(keras.random.dropout(x, 0.3, seed=9))
    assert np.mean(y == 0) == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    with pytest.raises(ValueError, match="rate"):
        keras.random.dropout(x, 1.0)


def test_shuffle_is_a_permutation_along_axis():
    data = np.arange(24, dtype=np.float32).reshape(6, 4)
    x = keras.ops.convert_to_tensor(backend.to_device(data))
    rows = host(keras.random.shuffle(x, seed=1))
    assert sorted(map(tuple, rows)) == sorted(map(tuple, data))
    cols = host(keras.random.shuffle(x, axis=1, seed=1))
    np.testing.assert_array_equal(np.sort(cols, axis=1), data)


def test_categorical_frequencies_follow_softmax():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    logits = keras.ops.convert_to_tensor(backend.to_device(np.log(probs).astype(np.float32)))
    draws = host(keras.random.categorical(logits, 50_000, seed=2))
    assert draws.shape == (2, 50_000) and draws.dtype == np.int32
    for row, p in zip(draws, probs):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / row.size, p, atol=0.01)


def test_bad_seed_and_dtype_refused():
    with pytest.raises(ValueError, match="seed"):
        keras.random.normal((2,), seed="x")
    with pytest.raises(ValueError, match="randint"):
        keras.random.uniform((2,), dtype="int32")


def test_set_image_data_format_is_the_default_of_conv_pooling_and_flatten_layers():
    import numpy as np

    keras.config.set_image_data_format("channels_first")
    try:
        model = keras.Sequential([keras.Input((2, 6, 6)), keras.layers.Conv2D(3, 3),
                                  keras.layers.MaxPooling2D(), keras.layers.Flatten()])
        assert [layer.data_format for layer in model.layers] == ["channels_first"] * 3
        assert model.layers[0].output.shape == (None, 3, 4, 4)
        x = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype("float32")
        assert model.predict(x, verbose=0).shape == (1, 12)
    finally:
        keras.config.set_image_data_format("channels_last")
    assert keras.layers.Conv2D(3, 3).data_format == "channels_last"
