"""kerasette.utils against hand-computed expectations."""

import random

import numpy as np
import pytest

from kerasette import backend, utils
from kerasette.autograd import Tensor
from helpers import check_gradients, tensor

# ---------------------------------------------------------------- to_categorical


def one_hot_reference(labels, num_classes):
    return np.eye(num_classes, dtype="float32")[np.asarray(labels)]


def test_to_categorical_values_and_dtype():
    out = utils.to_categorical([0, 2, 1, 2], num_classes=4)
    expected = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0]],
                        dtype="float32")
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32
    inferred = utils.to_categorical(np.array([3, 1], dtype="uint8"))
    np.testing.assert_array_equal(inferred, one_hot_reference([3, 1], 4))
    assert utils.to_categorical([1], 2, dtype="int64").dtype == np.int64


@pytest.mark.parametrize("shape, expected", [
    ((5,), (5, 3)), ((5, 1), (5, 3)), ((2, 4), (2, 4, 3)), ((2, 4, 1), (2, 4, 3)),
    ((1,), (1, 3)), ((), (3,)),
])
def test_to_categorical_shapes(shape, expected):
    labels = np.arange(int(np.prod(shape))).reshape(shape) % 3
    out = utils.to_categorical(labels, num_classes=3)
    assert out.shape == expected
    np.testing.assert_array_equal(out.reshape(-1, 3),
                                  one_hot_reference(labels.reshape(-1), 3))


def test_to_categorical_float_labels_and_tensor_input():
    np.testing.assert_array_equal(utils.to_categorical(np.array([1.0, 0.0])),
                                  one_hot_reference([1, 0], 2))
    out = utils.to_categorical(tensor(np.array([2, 0])), num_classes=3)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), one_hot_reference([2, 0], 3))


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        utils.to_categorical([-1, 2], num_classes=3)
    with pytest.raises(ValueError, match="integer"):
        utils.to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="num_classes"):
        utils.to_categorical([])
    assert utils.to_categorical([], num_classes=2).shape == (0, 2)


# ---------------------------------------------------------------- normalize


def test_normalize_l2_last_axis():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]], dtype="float32")
    out = utils.normalize(x)
    expected = np.array([[0.6, 0.8], [0.0, 0.0], [1 / np.sqrt(2), -1 / np.sqrt(2)]])
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32


def test_normalize_axis_order_and_int_input():
    x = np.array([[1, 2], [3, -6]])
    out = utils.normalize(x, axis=0, order=1)
    np.testing.assert_allclose(out, [[0.25, 0.25], [0.75, -0.75]], rtol=1e-6)
    assert out.dtype == np.float32
    out = utils.normalize(np.array([1.0, -4.0]), order=np.inf)
    np.testing.assert_allclose(out, [0.25, -1.0])
    out = utils.normalize(np.array([[1.0, 2.0], [2.0, 4.0]]), axis=None)
    np.testing.assert_allclose(out, np.array([[1, 2], [2, 4]]) / 5.0)


def test_normalize_tensor_matches_and_differentiates():
    x = np.array([[3.0, 4.0], [1.0, 2.0]], dtype="float32")
    out = utils.normalize(tensor(x))
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), x / np.linalg.norm(x, axis=-1, keepdims=True),
                               rtol=1e-6)
    out = utils.normalize(tensor(x), axis=0, order=1)
    np.testing.assert_allclose(out.numpy(), x / np.abs(x).sum(axis=0), rtol=1e-6)
    rng = np.random.default_rng(0)
    check_gradients(lambda t: utils.normalize(t), rng.standard_normal((3, 4)))
    check_gradients(lambda t: utils.normalize(t, order=3), rng.standard_normal((3, 4)) + 3)


# ---------------------------------------------------------------- pad_sequences


SEQUENCES = [[1, 2, 3, 4], [5, 6], [7]]


@pytest.mark.parametrize("padding, truncating, expected", [
    ("pre", "pre", [[2, 3, 4], [0, 5, 6], [0, 0, 7]]),
    ("post", "pre", [[2, 3, 4], [5, 6, 0], [7, 0, 0]]),
    ("pre", "post", [[1, 2, 3], [0, 5, 6], [0, 0, 7]]),
    ("post", "post", [[1, 2, 3], [5, 6, 0], [7, 0, 0]]),
])
def test_pad_sequences_padding_and_truncating(padding, truncating, expected):
    out = utils.pad_sequences(SEQUENCES, maxlen=3, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int32


def test_pad_sequences_defaults_value_dtype_and_empty():
    out = utils.pad_sequences(SEQUENCES + [[]])
    np.testing.assert_array_equal(out, [[1, 2, 3, 4], [0, 0, 5, 6], [0, 0, 0, 7],
                                        [0, 0, 0, 0]])
    out = utils.pad_sequences([[0.5], [1.5, 2.5]], dtype="float32", value=-1.0,
                              padding="post")
    np.testing.assert_array_equal(out, np.array([[0.5, -1.0], [1.5, 2.5]], "float32"))
    assert out.dtype == np.float32
    assert utils.pad_sequences([]).shape == (0, 0)
    assert utils.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_pad_sequences_vector_steps_and_strings():
    steps = [np.ones((3, 2)), np.full((1, 2), 2.0)]
    out = utils.pad_sequences(steps, maxlen=2, dtype="float32")
    expected = np.array([[[1, 1], [1, 1]], [[0, 0], [2, 2]]], dtype="float32")
    np.testing.assert_array_equal(out, expected)
    out = utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        utils.pad_sequences(SEQUENCES, padding="middle")
    with pytest.raises(ValueError, match='Truncating type "middle" not understood'):
        utils.pad_sequences(SEQUENCES, truncating="middle")
    with pytest.raises(ValueError, match="non-iterable: 5"):
        utils.pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="must be iterable"):
        utils.pad_sequences(iter([[1]]))
    with pytest.raises(ValueError, match="position 1"):
        utils.pad_sequences([np.ones((2, 3)), np.ones((2, 4))], dtype="float32")
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences([["a"]], value="x")


# ---------------------------------------------------------------- PyDataset


class Squares(utils.PyDataset):
    def __init__(self, n, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = np.arange(n)
        self.batch_size = batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        part = self.x[index * self.batch_size:(index + 1) * self.batch_size]
        return part, part**2

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset_protocol():
    data = Squares(7, 3, workers=4, use_multiprocessing=True, max_queue_size=2)
    assert len(data) == 3 and data.num_batches == 3
    x, y = data[2]
    np.testing.assert_array_equal(x, [6])
    np.testing.assert_array_equal(y, [36])
    batches = list(data)
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    data.on_epoch_end()
    assert data.epochs_ended == 1
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (4, True, 2)


def test_sequence_is_py_dataset_and_keras2_subclasses_work():
    assert utils.Sequence is utils.PyDataset

    class Old(utils.Sequence):
        def __init__(self):  # Keras 2 code often skips super().__init__()
            self.n = 2

        def __len__(self):
            return self.n

        def __getitem__(self, index):
            return index

    old = Old()
    assert (old.workers, old.use_multiprocessing, old.max_queue_size) == (1, False, 10)
    assert list(old) == [0, 1]
    with pytest.raises(AttributeError, match="missing"):
        old.missing


def test_py_dataset_base_methods_explain_what_is_missing():
    class NoLength(utils.PyDataset):
        def __getitem__(self, index):
            return index

    assert NoLength().num_batches is None
    with pytest.raises(NotImplementedError, match="__getitem__"):
        utils.PyDataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(utils.PyDataset())


# ---------------------------------------------------------------- set_random_seed


def draws():
    backend_draw = float(backend.to_numpy(backend.rng().random()))
    return random.random(), np.random.rand(), backend_draw


def test_set_random_seed_repeats_every_generator():
    utils.set_random_seed(812)
    first = draws()
    utils.set_random_seed(812)
    assert draws() == first
    utils.set_random_seed(813)
    assert all(a != b for a, b in zip(draws(), first))


@pytest.mark.parametrize("seed", [1.5, "1", None, True])
def test_set_random_seed_needs_an_integer(seed):
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(seed)
