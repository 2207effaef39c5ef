"""The downloaded data sets, end to end against a local HTTP server on 127.0.0.1.

The server serves small files that the tests write in each data set's exact format
(npz, gzipped IDX, tar.gz of Python-2-style pickles, JSON); each loader's ``ORIGIN`` /
``FILE_HASH`` module attributes are pointed at them (with their real hashes) by
monkeypatch, so the loaders' own URLs and hashes stay untouched and the real network is
never reached.
"""

import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile
import time

import numpy as np
import pytest
from test_get_file import closed_port_url, homes, server, sha256  # noqa: F401 (fixtures)

from kerasette.datasets import cifar10, cifar100, fashion_mnist, imdb, mnist, reuters
from kerasette.utils import file_utils

RNG = np.random.default_rng(5)


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def ragged(count: int, vocabulary: int, longest: int) -> np.ndarray:
    """An object array of ``count`` lists of word ranks 1..vocabulary (as in the files)."""
    result = np.empty(count, dtype=object)
    for i in range(count):
        result[i] = RNG.integers(1, vocabulary + 1, RNG.integers(0, longest + 1)).tolist()
    return result


def host(monkeypatch, server, module, name: str, body: bytes, origin="ORIGIN",  # noqa: F811
         hash_name="FILE_HASH"):
    """Serves ``body`` and points ``module``'s origin and hash at it."""
    monkeypatch.setattr(module, origin, server.serve(name, body))
    monkeypatch.setattr(module, hash_name, sha256(body))


# -- MNIST and Fashion-MNIST ---------------------------------------------------------

MNIST = dict(x_train=RNG.integers(0, 256, (12, 28, 28), dtype=np.uint8),
             y_train=RNG.integers(0, 10, 12).astype(np.uint8),
             x_test=RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8),
             y_test=RNG.integers(0, 10, 5).astype(np.uint8))


def test_mnist_downloads_verifies_and_caches(server, homes, monkeypatch):  # noqa: F811
    ours, _ = homes
    host(monkeypatch, server, mnist, "mnist.npz", npz_bytes(**MNIST))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for got, name in [(x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"),
                      (y_test, "y_test")]:
        np.testing.assert_array_equal(got, MNIST[name])
        assert got.dtype == np.uint8
    assert (ours / "mnist.npz").is_file()
    mnist.load_data()
    assert server.requests == ["mnist.npz"]
    (ours / "mnist.npz").write_bytes((ours / "mnist.npz").read_bytes()[:-10])  # truncated
    np.testing.assert_array_equal(mnist.load_data()[0][0], MNIST["x_train"])
    assert server.requests == ["mnist.npz", "mnist.npz"]


def test_mnist_in_keras_cache_is_used_without_request(server, homes,  # noqa: F811
                                                      monkeypatch):
    _, keras = homes
    body = npz_bytes(**MNIST)
    host(monkeypatch, server, mnist, "mnist.npz", body)
    keras.mkdir(parents=True)
    (keras / "mnist.npz").write_bytes(body)
    np.testing.assert_array_equal(mnist.load_data()[1][1], MNIST["y_test"])
    assert server.requests == []


def idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_reads_gzipped_idx_files(server, homes, monkeypatch):  # noqa: F811
    ours, _ = homes
    parts = {"train-labels-idx1-ubyte.gz": MNIST["y_train"],
             "train-images-idx3-ubyte.gz": MNIST["x_train"],
             "t10k-labels-idx1-ubyte.gz": MNIST["y_test"],
             "t10k-images-idx3-ubyte.gz": MNIST["x_test"]}
    bodies = {name: idx_gz(array) for name, array in parts.items()}
    for name, body in bodies.items():
        server.serve(name, body)
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", server.url(""))
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES",
                        {name: sha256(body) for name, body in bodies.items()})
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, MNIST["x_train"])
    np.testing.assert_array_equal(y_test, MNIST["y_test"])
    assert x_train.shape == (12, 28, 28) and y_train.shape == (12,)
    assert x_test.dtype == np.uint8 and x_train.flags.writeable
    assert sorted(os.listdir(ours / "fashion-mnist")) == sorted(bodies)
    fashion_mnist.load_data()
    assert len(server.requests) == 4


def test_a_damaged_idx_file_is_reported(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(gzip.decompress(idx_gz(np.zeros((3, 2, 2))))[:-1]))
    with pytest.raises(ValueError, match="damaged"):
        fashion_mnist.read_idx(path)


# -- CIFAR ----------------------------------------------------------------------------

def pickled_batch(**entries) -> bytes:
    """A batch as the CIFAR archives hold it: a protocol-2 pickle with bytes keys."""
    return pickle.dumps({key.encode(): value for key, value in entries.items()}, protocol=2)


def tar_gz(members: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar_images(count: int) -> np.ndarray:
    """Rows of 3072 values, red plane then green then blue, as in the files."""
    return RNG.integers(0, 256, (count, 3072), dtype=np.uint8)


def channels_last(rows: np.ndarray) -> np.ndarray:
    images = np.zeros((len(rows), 32, 32, 3), np.uint8)
    for n in range(len(rows)):
        for c in range(3):
            for row in range(32):
                images[n, row, :, c] = rows[n, c * 1024 + row * 32:c * 1024 + row * 32 + 32]
    return images


def test_cifar10_extracts_pickled_batches(server, homes, monkeypatch):  # noqa: F811
    ours, _ = homes
    data = [cifar_images(2) for _ in range(6)]
    labels = [RNG.integers(0, 10, 2).tolist() for _ in range(6)]
    members = {f"cifar-10-batches-py/data_batch_{i + 1}":
               pickled_batch(data=data[i], labels=labels[i], batch_label=b"training")
               for i in range(5)}
    members["cifar-10-batches-py/test_batch"] = pickled_batch(data=data[5],
                                                              labels=labels[5])
    members["cifar-10-batches-py/batches.meta"] = pickled_batch(label_names=[b"airplane"])
    host(monkeypatch, server, cifar10, "cifar-10-python.tar.gz", tar_gz(members))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(x_train, channels_last(np.concatenate(data[:5])))
    np.testing.assert_array_equal(y_train[:, 0], np.concatenate(labels[:5]))
    np.testing.assert_array_equal(x_test, channels_last(data[5]))
    assert (ours / "cifar-10-batches-py" / "cifar-10-batches-py" / "test_batch").is_file()
    cifar10.load_data()
    assert server.requests == ["cifar-10-python.tar.gz"]


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_label_modes(server, homes, monkeypatch, label_mode):  # noqa: F811
    train, test = cifar_images(4), cifar_images(3)
    fine = [RNG.integers(0, 100, n).tolist() for n in (4, 3)]
    coarse = [RNG.integers(0, 20, n).tolist() for n in (4, 3)]
    members = {"cifar-100-python/train": pickled_batch(data=train, fine_labels=fine[0],
                                                       coarse_labels=coarse[0]),
               "cifar-100-python/test": pickled_batch(data=test, fine_labels=fine[1],
                                                      coarse_labels=coarse[1])}
    host(monkeypatch, server, cifar100, "cifar-100-python.tar.gz", tar_gz(members))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    expected = fine if label_mode == "fine" else coarse
    np.testing.assert_array_equal(y_train[:, 0], expected[0])
    np.testing.assert_array_equal(y_test[:, 0], expected[1])
    assert y_train.shape == (4, 1) and y_train.dtype == np.int64
    np.testing.assert_array_equal(x_test, channels_last(test))
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


class Exploit:
    """Unpickling this would run a command: the loaders must refuse it."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_a_pickle_that_would_run_code_is_refused(server, homes, monkeypatch):  # noqa: F811
    members = {f"cifar-10-batches-py/{name}": pickle.dumps({b"data": Exploit()}, 2)
               for name in ("data_batch_1", "test_batch")}
    host(monkeypatch, server, cifar10, "cifar-10-python.tar.gz", tar_gz(members))
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        cifar10.load_data()
    x = np.empty(1, dtype=object)
    x[0] = Exploit()
    host(monkeypatch, server, reuters, "reuters.npz", npz_bytes(x=x, y=np.zeros(1, int)))
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        reuters.load_data()


# -- IMDB and Reuters -------------------------------------------------------------------

def reference_remap(xs, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Keras's documented procedure, one word at a time (``xs`` already shuffled)."""
    head = [] if start_char is None else [start_char]
    xs = [head + [w + index_from for w in x] for x in xs]
    kept = [i for i, x in enumerate(xs) if not maxlen or len(x) < maxlen]
    xs = [xs[i] for i in kept]
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is None:
        return [[w for w in x if skip_top <= w < num_words] for x in xs], kept
    return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs], kept


def shuffled(arrays, seed, rng=None):
    rng = rng or np.random.RandomState(seed)
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [a[order] for a in arrays]


IMDB = dict(x_train=ragged(40, 60, 30), y_train=RNG.integers(0, 2, 40),
            x_test=ragged(30, 60, 30), y_test=RNG.integers(0, 2, 30))
OPTIONS = [dict(), dict(num_words=30), dict(num_words=30, skip_top=5), dict(maxlen=20),
           dict(start_char=None, oov_char=None, index_from=0, num_words=40),
           dict(seed=7, start_char=None, index_from=2, skip_top=4)]


@pytest.mark.parametrize("options", OPTIONS)
def test_imdb_matches_keras_procedure(server, homes, monkeypatch, options):  # noqa: F811
    host(monkeypatch, server, imdb, "imdb.npz", npz_bytes(**IMDB))
    (x_train, y_train), (x_test, y_test) = imdb.load_data(**options)
    settings = dict(num_words=None, skip_top=0, maxlen=None, start_char=1, oov_char=2,
                    index_from=3)
    settings.update({k: v for k, v in options.items() if k != "seed"})
    rng = np.random.RandomState(options.get("seed", 113))
    train = shuffled([IMDB["x_train"], IMDB["y_train"]], None, rng)
    test = shuffled([IMDB["x_test"], IMDB["y_test"]], None, rng)
    xs, kept = reference_remap(list(train[0]) + list(test[0]), **settings)
    labels = np.concatenate([train[1], test[1]])[kept]
    cut = sum(1 for i in kept if i < len(train[0]))
    assert list(x_train) == xs[:cut] and list(x_test) == xs[cut:]
    np.testing.assert_array_equal(y_train, labels[:cut])
    np.testing.assert_array_equal(y_test, labels[cut:])
    assert x_train.dtype == object and x_train.ndim == 1 and y_train.dtype == np.int64


def test_imdb_maxlen_that_keeps_nothing_and_legacy_arguments(server, homes,  # noqa: F811
                                                             monkeypatch):
    host(monkeypatch, server, imdb, "imdb.npz", npz_bytes(**IMDB))
    with pytest.raises(ValueError, match="maxlen=1"):
        imdb.load_data(maxlen=1)
    with pytest.warns(UserWarning, match="num_words"):
        (x_train, _), (x_test, _) = imdb.load_data(nb_words=20)
    assert max(max(x) for x in list(x_train) + list(x_test) if x) < 20
    with pytest.raises(TypeError, match="num_word"):
        imdb.load_data(num_word=20)


@pytest.mark.parametrize("options", [dict(), dict(num_words=25, test_split=0.3),
                                     dict(maxlen=15, skip_top=3, oov_char=None)])
def test_reuters_matches_keras_procedure(server, homes, monkeypatch, options):  # noqa: F811
    x, y = ragged(50, 40, 25), RNG.integers(0, 46, 50)
    host(monkeypatch, server, reuters, "reuters.npz", npz_bytes(x=x, y=y))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(**options)
    test_split = options.pop("test_split", 0.2)
    settings = dict(num_words=None, skip_top=0, maxlen=None, start_char=1, oov_char=2,
                    index_from=3)
    settings.update(options)
    xs_shuffled, ys_shuffled = shuffled([x, y], 113)
    xs, kept = reference_remap(list(xs_shuffled), **settings)
    cut = int(len(xs) * (1 - test_split))
    assert list(x_train) == xs[:cut] and list(x_test) == xs[cut:]
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), ys_shuffled[kept])
    assert reuters.get_label_names()[3] == "earn" and len(reuters.get_label_names()) == 46


@pytest.mark.parametrize("module", [imdb, reuters])
def test_word_index_is_fetched_and_read(server, homes, monkeypatch, module):  # noqa: F811
    body = json.dumps({"the": 1, "film": 2, "économie": 3}).encode()
    monkeypatch.setattr(module, "WORD_INDEX_ORIGIN", server.serve("index.json", body))
    monkeypatch.setattr(module, "WORD_INDEX_HASH", hashlib.md5(body).hexdigest())
    assert module.get_word_index() == {"the": 1, "film": 2, "économie": 3}


# -- offline ----------------------------------------------------------------------------

LOADERS = {
    "mnist": (mnist, "ORIGIN", mnist.load_data),
    "fashion_mnist": (fashion_mnist, "ORIGIN_FOLDER", fashion_mnist.load_data),
    "cifar10": (cifar10, "ORIGIN", cifar10.load_data),
    "cifar100": (cifar100, "ORIGIN", cifar100.load_data),
    "imdb": (imdb, "ORIGIN", imdb.load_data),
    "imdb_word_index": (imdb, "WORD_INDEX_ORIGIN", imdb.get_word_index),
    "reuters": (reuters, "ORIGIN", reuters.load_data),
    "reuters_word_index": (reuters, "WORD_INDEX_ORIGIN", reuters.get_word_index),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_every_loader_fails_offline_within_a_second(homes, monkeypatch, name):  # noqa: F811
    ours, _ = homes
    module, attribute, load = LOADERS[name]
    url = closed_port_url(os.path.basename(getattr(module, attribute)))
    monkeypatch.setattr(module, attribute, url)
    start = time.perf_counter()
    with pytest.raises(file_utils.DownloadError) as error:
        load()
    assert time.perf_counter() - start < 1.0
    message = str(error.value)
    assert str(ours) in message and "127.0.0.1" in message and "offline" in message
