"""What the downloaded data sets share: reading their files without running code from
them, and the word-index remapping of IMDB and Reuters.

Downloaded files are checked against a hash, but a hash can be changed (a test server,
a mirror), so reading never trusts them either: ``.npz`` members are read with pickle
off, and the pickles that CIFAR batches and ragged ``object`` arrays need go through an
unpickler that can build NumPy arrays, lists, dicts and strings, and nothing else.
"""

from __future__ import annotations

import codecs
import io
import itertools
import pickle
import zipfile

import numpy as np

__all__ = ["ORIGIN_FOLDER", "index_words", "load_npz", "load_pickle"]

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Where Keras's copies of MNIST, Fashion-MNIST, IMDB and Reuters are served."""

try:  # NumPy 2 moved the array-rebuilding function; pickles name either place
    from numpy._core.multiarray import _reconstruct
except ImportError:  # NumPy 1
    from numpy.core.multiarray import _reconstruct

_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("_codecs", "encode"): codecs.encode,  # bytes in protocol-2 pickles written by Python 3
}


class _ArrayUnpickler(pickle.Unpickler):
    """Resolves only the names that rebuilding NumPy arrays needs, from a fixed table."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        raise pickle.UnpicklingError(
            f"Refusing to load {module}.{name} from a data set file: only NumPy arrays, "
            "lists, dicts and strings are expected there. The file is damaged or was "
            "altered; delete it so that it is downloaded again.")


def load_pickle(path) -> dict:
    """A Python 2 pickle (CIFAR's batches) as a dict with ``str`` keys."""
    with open(path, "rb") as stream:
        content = _ArrayUnpickler(stream, encoding="bytes").load()
    if not isinstance(content, dict):
        raise ValueError(f"{path} holds a {type(content).__name__}, not a dict; it is not "
                         "a CIFAR batch file.")
    return {key.decode("utf8") if isinstance(key, bytes) else key: value
            for key, value in content.items()}


def load_npz(path, names) -> dict:
    """The arrays ``names`` of an ``.npz`` file; ``object`` arrays (ragged sequences)
    through the restricted unpickler, every other array with pickle off."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())
        for name in names:
            if f"{name}.npy" not in members:
                raise ValueError(f"{path} has no array {name!r} (it has "
                                 f"{sorted(m[:-4] for m in members)}); it is not the "
                                 "expected data set file.")
            with archive.open(f"{name}.npy") as member:
                arrays[name] = _read_npy(io.BytesIO(member.read()))
    return arrays


def _read_npy(stream) -> np.ndarray:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
    else:  # 2.0 and 3.0 share the header layout
        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = _ArrayUnpickler(stream, encoding="latin1").load()
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError("An object array in the data set file does not match its header.")
    return array


def index_words(sequences, labels, *, num_words, skip_top, maxlen, start_char, oov_char,
                index_from):
    """Keras's remapping of word-index sequences, on one flat array.

    Each sequence gains ``index_from`` on every index and ``start_char`` in front (when
    not None); sequences of ``maxlen`` or more are dropped (when ``maxlen`` is set);
    indices outside ``[skip_top, num_words)`` become ``oov_char``, or are removed when it
    is None. Without ``num_words`` the bound is the largest index, so that one index
    (and ``start_char`` when ``skip_top`` exceeds it) counts as out of vocabulary, as in
    Keras.

    Returns:
        ``(sequences, labels)``: a 1-D ``object`` array of lists of ints, and the kept
        labels.
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    flat = np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.int64,
                       count=int(lengths.sum())) + index_from
    if start_char is not None:
        starts = np.cumsum(lengths) - lengths
        flat = np.insert(flat, starts, start_char)
        lengths = lengths + 1
    if maxlen:
        keep = lengths < maxlen
        flat, lengths, labels = flat[np.repeat(keep, lengths)], lengths[keep], labels[keep]
    if not num_words:
        num_words = int(flat.max()) if flat.size else 0
    in_vocabulary = (flat >= skip_top) & (flat < num_words)
    if oov_char is not None:
        flat = np.where(in_vocabulary, flat, oov_char)
    else:
        owner = np.repeat(np.arange(len(lengths)), lengths)
        lengths = np.bincount(owner[in_vocabulary], minlength=len(lengths))
        flat = flat[in_vocabulary]
    return _as_lists(flat, lengths), labels


def _as_lists(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 1-D object array whose items are the consecutive runs of ``flat`` as lists."""
    values, ends = flat.tolist(), np.cumsum(lengths).tolist()
    result = np.empty(len(lengths), dtype=object)
    for index, (start, end) in enumerate(zip([0] + ends[:-1], ends)):
        result[index] = values[start:end]
    return result
