"""Reuters newswires: 11,228 short news stories labelled with 46 topics, as word indices
(downloaded once).

Words are indexed by frequency (index 1 is the most frequent word); after loading, 0 is
padding, ``start_char`` (1) opens each story, ``oov_char`` (2) marks a word cut from the
vocabulary and real words start at ``index_from`` (3). The file is Keras's
``reuters.npz`` (2 MB), fetched with ``utils.get_file`` into ``~/.kerasette/datasets``
(or ``$KERASETTE_HOME``); a copy already in Keras's cache (``~/.keras/datasets``) is used
as it is.

Source: the Reuters-21578 collection (D. D. Lewis), as preprocessed for Keras.
"""

from __future__ import annotations

import json

import numpy as np

from ..utils.file_utils import get_file
from ._download import ORIGIN_FOLDER, index_words, load_npz

__all__ = ["get_label_names", "get_word_index", "load_data"]

ORIGIN = ORIGIN_FOLDER + "reuters.npz"
"""The URL of the stories (a module attribute, so that tests can point it elsewhere)."""
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
"""Its sha256, checked on download and on every cached copy."""
WORD_INDEX_ORIGIN = ORIGIN_FOLDER + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
"""The md5 of the word index."""

_LABELS = (
    "cocoa grain veg-oil earn acq wheat copper housing money-supply coffee sugar trade "
    "reserves ship cotton carcass crude nat-gas cpi money-fx interest gnp meal-feed alum "
    "oilseed gold tin strategic-metal livestock retail ipi iron-steel rubber heat jobs "
    "lei bop zinc orange pet-chem dlr gas silver wpi hog lead").split()


def load_data(path: str = "reuters.npz", num_words=None, skip_top: int = 0, maxlen=None,
              test_split: float = 0.2, seed: int = 113, start_char=1, oov_char=2,
              index_from: int = 3):
    """Loads the Reuters newswires as Keras does: shuffled, remapped, then split.

    Args:
        path: the file name in the cache (or an absolute path); default ``"reuters.npz"``.
        num_words: keep the ``num_words`` most frequent words (indices below it, counting
            the ``index_from`` offset); others become ``oov_char``. Default ``None``: all.
        skip_top: the most frequent words to treat as out of vocabulary; default ``0``.
        maxlen: drop the stories of ``maxlen`` or more indices; default ``None``.
        test_split: the fraction of stories kept for the test set; default ``0.2``.
        seed: the seed of the shuffle; default ``113``.
        start_char: the index that opens each story, or ``None``; default ``1``.
        oov_char: the index of out-of-vocabulary words, or ``None`` to drop them;
            default ``2``.
        index_from: the offset added to every word index; default ``3``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists of ints
        (8,982 and 2,246 stories with the defaults) and int64 topic labels 0..45.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data(num_words=10000)  # doctest: +SKIP
    >>> len(x_train), len(x_test)  # doctest: +SKIP
    (8982, 2246)
    """
    if not 0 <= test_split < 1:
        raise ValueError("`test_split` must be in [0, 1). "
                         f"Received: test_split={test_split}")
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    arrays = load_npz(path, ("x", "y"))
    order = np.arange(len(arrays["x"]))
    np.random.RandomState(seed).shuffle(order)
    sequences, labels = index_words(arrays["x"][order], arrays["y"][order],
                                    num_words=num_words, skip_top=skip_top, maxlen=maxlen,
                                    start_char=start_char, oov_char=oov_char,
                                    index_from=index_from)
    cut = int(len(sequences) * (1 - test_split))
    return (sequences[:cut], labels[:cut]), (sequences[cut:], labels[cut:])


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """The dict from each word to its frequency rank (1 = the most frequent); in
    ``load_data``'s sequences a word of rank ``r`` appears as ``r + index_from``."""
    path = get_file(fname=path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH)
    with open(path, encoding="utf8") as stream:
        return json.load(stream)


def get_label_names() -> tuple:
    """The 46 topic names, in label order (``get_label_names()[3] == "earn"``)."""
    return tuple(_LABELS)
