"""Initializers against Keras's documented formulas, on large samples."""

import math

import numpy as np
import pytest

from kerasette import backend, initializers
from kerasette.autograd import Variable

SAMPLE = (400, 500)  # 200,000 draws: the mean is known to ~0.2% of a standard deviation


def draw(initializer, shape=SAMPLE, dtype=None):
    return backend.to_numpy(initializer(shape, dtype=dtype)).astype(np.float64)


def assert_moments(values, mean, std, rel=0.02):
    """Sample mean within 5 standard errors, sample std within ``rel``."""
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=rel)


def truncated_unit_std(a=2.0):
    """Standard deviation of N(0, 1) truncated to [-a, a], from the closed form."""
    density = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(a / math.sqrt(2))
    return math.sqrt(1 - 2 * a * density / mass)


def fans(shape):
    """Keras's fans, written out independently: conv kernels are (*spatial, in, out)."""
    if len(shape) == 2:
        return shape[0], shape[1]
    field = int(np.prod(shape[:-2]))
    return shape[-2] * field, shape[-1] * field


# ---------------------------------------------------------------- constants

def test_zeros_ones_constant():
    assert np.array_equal(draw(initializers.Zeros(), (2, 3)), np.zeros((2, 3)))
    assert np.array_equal(draw(initializers.Ones(), (4,)), np.ones(4))
    assert np.array_equal(draw(initializers.Constant(2.5), (2, 2)), np.full((2, 2), 2.5))
    row = draw(initializers.Constant([1.0, 2.0, 3.0]), (2, 3))
    assert np.array_equal(row, [[1, 2, 3], [1, 2, 3]])


@pytest.mark.parametrize("initializer", [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(3.0),
    initializers.RandomUniform(), initializers.RandomNormal(),
    initializers.TruncatedNormal(), initializers.GlorotUniform(), initializers.HeNormal(),
    initializers.Orthogonal(), initializers.Identity()])
def test_dtypes_and_backend_arrays(initializer):
    out = initializer((6, 6))
    assert isinstance(out, backend.xp.ndarray)
    assert out.dtype == np.float32 and out.shape == (6, 6)
    assert initializer((6, 6), dtype="float64").dtype == np.float64
    assert initializer((6, 6), dtype="float16").dtype == np.float16


def test_random_initializer_refuses_integer_dtype():
    with pytest.raises(ValueError, match="dtype"):
        initializers.RandomNormal()((2, 2), dtype="int32")


# ---------------------------------------------------------------- random distributions

def test_random_uniform():
    values = draw(initializers.RandomUniform(minval=-0.3, maxval=0.7))
    assert values.min() >= -0.3 and values.max() <= 0.7
    assert_moments(values, mean=0.2, std=1.0 / math.sqrt(12))


def test_random_normal():
    assert_moments(draw(initializers.RandomNormal(mean=1.5, stddev=0.4)), mean=1.5, std=0.4)


def test_truncated_normal_redraws_beyond_two_stddev():
    values = draw(initializers.TruncatedNormal(mean=0.5, stddev=0.2))
    assert np.all(np.abs(values - 0.5) <= 2 * 0.2 + 1e-6)
    assert_moments(values, mean=0.5, std=0.2 * truncated_unit_std())


@pytest.mark.parametrize("shape", [(2, 3), (30, 40), (3, 3, 8, 16), (4, 5, 6)])
def test_compute_fans(shape):
    assert initializers.compute_fans(shape) == fans(shape)


def test_compute_fans_small_shapes():
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans(()) == (1, 1)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling(mode, distribution):
    shape, scale = (5, 5, 40, 60), 1.7
    fan_in, fan_out = fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    values = draw(initializers.VarianceScaling(scale, mode, distribution), shape)
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / fan)
        assert np.abs(values).max() <= limit
        assert_moments(values, mean=0.0, std=limit / math.sqrt(3))
    else:
        # The truncated draw is rescaled so its variance is still scale / fan.
        assert_moments(values, mean=0.0, std=math.sqrt(scale / fan))
    if distribution == "truncated_normal":
        stddev = math.sqrt(scale / fan) / 0.87962566103423978
        assert np.abs(values).max() <= 2 * stddev + 1e-6


def test_truncation_constant_is_the_truncated_unit_std():
    assert initializers._TRUNCATED_STDDEV == pytest.approx(truncated_unit_std(), rel=1e-12)


PRESETS = [  # class, uses fan_avg?, scale, uniform?
    (initializers.GlorotUniform, True, 1.0, True),
    (initializers.GlorotNormal, True, 1.0, False),
    (initializers.HeUniform, False, 2.0, True),
    (initializers.HeNormal, False, 2.0, False),
    (initializers.LecunUniform, False, 1.0, True),
    (initializers.LecunNormal, False, 1.0, False),
]


@pytest.mark.parametrize("cls, average, scale, uniform", PRESETS)
@pytest.mark.parametrize("shape", [(300, 700), (3, 3, 64, 96)])
def test_presets(cls, average, scale, uniform, shape):
    fan_in, fan_out = fans(shape)
    fan = (fan_in + fan_out) / 2 if average else fan_in
    values = draw(cls(), shape)
    if uniform:  # e.g. Glorot: limit = sqrt(6 / (fan_in + fan_out))
        limit = math.sqrt(3 * scale / fan)
        assert np.abs(values).max() <= limit
        assert_moments(values, mean=0.0, std=limit / math.sqrt(3))
    else:  # e.g. He: stddev = sqrt(2 / fan_in)
        assert_moments(values, mean=0.0, std=math.sqrt(scale / fan))
        assert np.abs(values).max() <= 2 * math.sqrt(scale / fan) / 0.87962566103423978 + 1e-6


def test_keras2_normal_distribution_means_truncated():
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"


# ---------------------------------------------------------------- orthogonal, identity

@pytest.mark.parametrize("shape", [(64, 64), (20, 50), (50, 20), (3, 3, 4, 16)])
def test_orthogonal(shape):
    gain = 1.5
    w = draw(initializers.Orthogonal(gain=gain), shape).reshape(-1, shape[-1])
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_signs_are_symmetric():
    """Orthogonal matrices are uniformly (Haar) distributed, so W[0, 0] takes both signs."""
    corners = [draw(initializers.Orthogonal(seed=seed), (4, 4))[0, 0] for seed in range(40)]
    assert 10 < sum(c > 0 for c in corners) < 30


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ValueError, match="rank 1"):
        initializers.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(draw(initializers.Identity(gain=2.0), (3, 3)),
                                  2 * np.eye(3))
    np.testing.assert_array_equal(draw(initializers.Identity(), (2, 4)), np.eye(2, 4))
    assert initializers.IdentityInitializer is initializers.Identity
    with pytest.raises(ValueError, match=r"shape=\(2, 2, 2\)"):
        initializers.Identity()((2, 2, 2))


# ---------------------------------------------------------------- determinism

SEEDED = [initializers.RandomUniform, initializers.RandomNormal, initializers.TruncatedNormal,
          initializers.VarianceScaling, initializers.GlorotUniform, initializers.HeNormal,
          initializers.Orthogonal]


@pytest.mark.parametrize("cls", SEEDED)
def test_int_seed_gives_the_same_values_every_call(cls):
    first, again = cls(seed=7)((8, 8)), cls(seed=7)((8, 8))
    np.testing.assert_array_equal(backend.to_numpy(first), backend.to_numpy(again))
    np.testing.assert_array_equal(backend.to_numpy(cls(seed=7)((8, 8))),
                                  backend.to_numpy(cls(seed=7)((8, 8))))
    assert not np.array_equal(backend.to_numpy(first), backend.to_numpy(cls(seed=8)((8, 8))))


@pytest.mark.parametrize("cls", SEEDED)
def test_unseeded_follows_backend_set_seed(cls):
    initializer = cls()
    backend.set_seed(5)
    first, second = draw(initializer, (8, 8)), draw(initializer, (8, 8))
    assert not np.array_equal(first, second)
    backend.set_seed(5)
    np.testing.assert_array_equal(draw(initializer, (8, 8)), first)


def test_variable_accepts_an_initializer():
    v = Variable(initializers.Constant(0.5), shape=(2, 3), name="bias")
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 0.5, dtype=np.float32))


# ---------------------------------------------------------------- configs and get

CONFIGURED = [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(0.3),
    initializers.RandomUniform(-1.0, 2.0, seed=3), initializers.RandomNormal(0.1, 0.2, seed=3),
    initializers.TruncatedNormal(0.1, 0.2, seed=3),
    initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3),
    initializers.GlorotUniform(seed=3), initializers.GlorotNormal(seed=3),
    initializers.HeUniform(seed=3), initializers.HeNormal(seed=3),
    initializers.LecunUniform(seed=3), initializers.LecunNormal(seed=3),
    initializers.Orthogonal(gain=0.5, seed=3), initializers.Identity(gain=0.5),
]


@pytest.mark.parametrize("initializer", CONFIGURED, ids=lambda i: type(i).__name__)
def test_config_round_trip(initializer):
    config = initializer.get_config()
    rebuilt = type(initializer).from_config(config)
    assert rebuilt.get_config() == config
    np.testing.assert_array_equal(draw(rebuilt, (5, 5)), draw(initializer, (5, 5)))
    again = initializers.deserialize(initializers.serialize(initializer))
    assert type(again) is type(initializer) and again.get_config() == config


def test_presets_config_holds_only_the_seed():
    assert initializers.HeNormal(seed=4).get_config() == {"seed": 4}


def test_from_config_ignores_tf1_dtype():
    config = {"class_name": "GlorotUniform", "config": {"seed": None, "dtype": "float32"}}
    assert isinstance(initializers.get(config), initializers.GlorotUniform)


NAMES = {
    "zeros": initializers.Zeros, "ones": initializers.Ones, "constant": initializers.Constant,
    "uniform": initializers.RandomUniform, "random_uniform": initializers.RandomUniform,
    "normal": initializers.RandomNormal, "random_normal": initializers.RandomNormal,
    "truncated_normal": initializers.TruncatedNormal,
    "variance_scaling": initializers.VarianceScaling,
    "glorot_uniform": initializers.GlorotUniform, "glorot_normal": initializers.GlorotNormal,
    "he_uniform": initializers.HeUniform, "he_normal": initializers.HeNormal,
    "lecun_uniform": initializers.LecunUniform, "lecun_normal": initializers.LecunNormal,
    "orthogonal": initializers.Orthogonal, "identity": initializers.Identity,
    "IdentityInitializer": initializers.Identity,
}


@pytest.mark.parametrize("name, cls", list(NAMES.items()))
def test_get_by_name(name, cls):
    assert type(initializers.get(name)) is cls
    assert type(initializers.get(cls.__name__)) is cls


def test_get_other_identifiers():
    he = initializers.HeNormal(seed=1)
    assert initializers.get(he) is he
    assert initializers.get(None) is None
    assert type(initializers.get(initializers.Ones)) is initializers.Ones

    def custom(shape, dtype=None):
        return np.zeros(shape, dtype)

    assert initializers.get(custom) is custom
    config = {"class_name": "VarianceScaling",
              "config": {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform"}}
    assert initializers.get(config).get_config()["scale"] == 2.0


def test_get_unknown_name_names_it():
    with pytest.raises(ValueError, match="not_an_initializer"):
        initializers.get("not_an_initializer")
    with pytest.raises(ValueError, match="initializer"):
        initializers.get(42)


@pytest.mark.parametrize("make, argument", [
    (lambda: initializers.RandomNormal(stddev=0.0), "stddev"),
    (lambda: initializers.TruncatedNormal(stddev=-1.0), "stddev"),
    (lambda: initializers.RandomUniform(minval=1.0, maxval=0.0), "maxval"),
    (lambda: initializers.VarianceScaling(scale=-1.0), "scale"),
    (lambda: initializers.VarianceScaling(mode="fan_sum"), "mode"),
    (lambda: initializers.VarianceScaling(distribution="cauchy"), "distribution"),
    (lambda: initializers.GlorotUniform(seed="abc"), "seed"),
    (lambda: initializers.Orthogonal(gain="big"), "gain"),
])
def test_bad_arguments_name_the_argument(make, argument):
    with pytest.raises(ValueError, match=f"`{argument}`.*received .*{argument}="):
        make()
