"""The bundled data sets: shapes, dtypes, counts, determinism and Keras's Boston split."""

from pathlib import Path

import numpy as np
import pytest

from kerasette.datasets import boston_housing, digits, mnist_5k

DATA = Path(boston_housing.__file__).parent / "data"


def read(name):
    with np.load(DATA / name) as arrays:
        return arrays["x"], arrays["y"]


def keras_split(x, y, test_split, seed):
    """Keras's procedure, transcribed: shuffle indices with RandomState(seed), cut."""
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def assert_splits_equal(actual, expected):
    (x_train, y_train), (x_test, y_test) = actual
    (x_train_ref, y_train_ref), (x_test_ref, y_test_ref) = expected
    for got, want in [(x_train, x_train_ref), (y_train, y_train_ref), (x_test, x_test_ref),
                      (y_test, y_test_ref)]:
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_boston_shapes_dtypes_and_keras_split():
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (404, 13) and y_train.shape == (404,)
    assert x_test.shape == (102, 13) and y_test.shape == (102,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype("float64")}
    expected = keras_split(*read("boston_housing.npz"), test_split=0.2, seed=113)
    assert_splits_equal(((x_train, y_train), (x_test, y_test)), expected)


def test_boston_matches_keras_published_first_rows():
    # The first training targets and row that Keras's load_data() prints in tutorials.
    (x_train, y_train), _ = boston_housing.load_data()
    np.testing.assert_allclose(y_train[:10], [15.2, 42.3, 50.0, 21.1, 17.7, 18.5, 11.3,
                                              15.6, 15.6, 14.4])
    np.testing.assert_allclose(x_train[0], [1.23247, 0.0, 8.14, 0.0, 0.538, 6.142, 91.7,
                                            3.9769, 4.0, 307.0, 21.0, 396.9, 18.72])


@pytest.mark.parametrize("test_split, seed", [(0.0, 113), (0.5, 7), (0.33, None)])
def test_boston_other_splits(test_split, seed):
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=test_split,
                                                                    seed=seed)
    assert len(x_train) == int(506 * (1 - test_split)) and len(x_train) + len(x_test) == 506
    if seed is not None:
        expected = keras_split(*read("boston_housing.npz"), test_split, seed)
        assert_splits_equal(((x_train, y_train), (x_test, y_test)), expected)


def test_boston_bad_split_and_path(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        boston_housing.load_data(path="nowhere.npz")
    custom = tmp_path / "mine.npz"
    np.savez(custom, x=np.arange(20.0).reshape(10, 2), y=np.arange(10.0))
    (x_train, _), (x_test, _) = boston_housing.load_data(path=str(custom), test_split=0.3)
    assert x_train.shape == (7, 2) and x_test.shape == (3, 2)
    monkeypatch.chdir(tmp_path)  # the bundled file is found from any working directory
    assert boston_housing.load_data()[0][0].shape == (404, 13)


@pytest.mark.parametrize("module, name, n, image_shape, n_train", [
    (mnist_5k, "mnist_5k.npz", 5000, (28, 28), 4000),
    (digits, "digits_8x8.npz", 1797, (8, 8), 1437),
])
def test_image_sets(module, name, n, image_shape, n_train):
    (x_train, y_train), (x_test, y_test) = module.load_data()
    assert x_train.shape == (n_train,) + image_shape and y_train.shape == (n_train,)
    assert x_test.shape == (n - n_train,) + image_shape and y_test.shape == (n - n_train,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype("uint8")}
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    # Shuffled, not sorted by class as in the file.
    assert np.any(np.diff(y_train.astype(int)) < 0)
    # Every image keeps its own label: per-class pixel sums equal the file's.
    x, y = read(name)
    x_all, y_all = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    for digit in range(10):
        np.testing.assert_array_equal(x_all[y_all == digit].sum(axis=0, dtype=np.int64),
                                      x[y == digit].sum(axis=0, dtype=np.int64))
    assert_splits_equal(module.load_data(), keras_split(x, y, 0.2, 113))


@pytest.mark.parametrize("module", [mnist_5k, digits])
def test_image_sets_are_deterministic_per_seed(module):
    (first, _), _ = module.load_data(seed=1)
    (again, _), _ = module.load_data(seed=1)
    (other, _), _ = module.load_data(seed=2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    (x_train, _), (x_test, _) = module.load_data(test_split=0.5)
    assert abs(len(x_train) - len(x_test)) <= 1


@pytest.mark.parametrize("module", [boston_housing, mnist_5k, digits])
def test_docstrings_state_source_and_licence(module):
    assert "Source" in module.__doc__
    assert "BSD" in module.__doc__ or "CC BY" in module.__doc__
    if module is boston_housing:
        assert "race" in module.__doc__
