"""IMDB movie reviews: 50,000 reviews labelled positive (1) or negative (0), as word
indices (downloaded once).

Words are indexed by how often they occur in the training set (index 1 is the most
frequent word), so ``num_words`` and ``skip_top`` keep a band of the vocabulary. After
loading, index 0 is padding, ``start_char`` (1) opens each review, ``oov_char`` (2) marks
a word cut from the vocabulary, and real words start at ``index_from`` (3).
The file is Keras's ``imdb.npz`` (17 MB), fetched with ``utils.get_file`` into
``~/.kerasette/datasets`` (or ``$KERASETTE_HOME``); a copy already in Keras's cache
(``~/.keras/datasets``) is used as it is.

Source: A. L. Maas et al. (2011), "Learning Word Vectors for Sentiment Analysis",
https://ai.stanford.edu/~amaas/data/sentiment/.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from ..utils.file_utils import get_file
from ._download import ORIGIN_FOLDER, index_words, load_npz

__all__ = ["get_word_index", "load_data"]

ORIGIN = ORIGIN_FOLDER + "imdb.npz"
"""The URL of the reviews (a module attribute, so that tests can point it elsewhere)."""
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
"""Its sha256, checked on download and on every cached copy."""
WORD_INDEX_ORIGIN = ORIGIN_FOLDER + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"
"""The md5 of the word index."""


def load_data(path: str = "imdb.npz", num_words=None, skip_top: int = 0, maxlen=None,
              seed: int = 113, start_char=1, oov_char=2, index_from: int = 3, **kwargs):
    """Loads the IMDB reviews as Keras does: shuffled with ``seed``, then remapped.

    Args:
        path: the file name in the cache (or an absolute path); default ``"imdb.npz"``.
        num_words: keep the ``num_words`` most frequent words (indices below it, counting
            the ``index_from`` offset); others become ``oov_char``. Default ``None``: all.
        skip_top: the most frequent words to treat as out of vocabulary; default ``0``.
        maxlen: drop the reviews of ``maxlen`` or more indices (``start_char``
            included); default ``None``.
        seed: the seed of the shuffle; default ``113``.
        start_char: the index that opens each review, or ``None``; default ``1``.
        oov_char: the index of out-of-vocabulary words, or ``None`` to drop them;
            default ``2``.
        index_from: the offset added to every word index; default ``3``.
        **kwargs: Keras 2's ``nb_words`` (``num_words``), with a warning.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists of ints
        (25,000 reviews each without ``maxlen``) and int64 labels 0 or 1.

    Example:

    >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
    >>> max(max(review) for review in x_train)  # doctest: +SKIP
    9999
    """
    num_words = _legacy_num_words(num_words, kwargs)
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    arrays = load_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)  # one generator: train, then test
    shuffled = {}
    for split in ("train", "test"):
        order = np.arange(len(arrays[f"x_{split}"]))
        rng.shuffle(order)
        shuffled[split] = arrays[f"x_{split}"][order], arrays[f"y_{split}"][order]
    n_train = len(shuffled["train"][0])
    x_all = np.concatenate([shuffled["train"][0], shuffled["test"][0]])
    y_all = np.concatenate([shuffled["train"][1], shuffled["test"][1]])
    # The vocabulary bound is taken over both splits together, as in Keras; the
    # positions that survive `maxlen` tell where the training reviews end.
    sequences, kept = index_words(x_all, np.arange(len(x_all)), num_words=num_words,
                                  skip_top=skip_top, maxlen=maxlen, start_char=start_char,
                                  oov_char=oov_char, index_from=index_from)
    cut = int(np.count_nonzero(kept < n_train))
    if maxlen and (cut == 0 or cut == len(kept)):
        raise ValueError(f"No {'training' if cut == 0 else 'test'} review is shorter than "
                         f"maxlen={maxlen}: all were dropped. Pass a larger `maxlen`.")
    labels = y_all[kept]
    return (sequences[:cut], labels[:cut]), (sequences[cut:], labels[cut:])


def _legacy_num_words(num_words, kwargs: dict):
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument of imdb.load_data is now `num_words`.",
                      stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"imdb.load_data got unexpected arguments {sorted(kwargs)}.")
    return num_words


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """The dict from each word to its frequency rank (1 = the most frequent).

    In ``load_data``'s sequences a word of rank ``r`` appears as ``r + index_from``.

    Example:

    >>> index = get_word_index()  # doctest: +SKIP
    >>> words = {rank + 3: word for word, rank in index.items()}  # doctest: +SKIP
    """
    path = get_file(fname=path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH)
    with open(path, encoding="utf8") as stream:
        return json.load(stream)
