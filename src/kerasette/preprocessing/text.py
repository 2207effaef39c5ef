"""Text preprocessing (Keras 2's ``keras.preprocessing.text``): ``Tokenizer`` and friends.

Words are lower-cased, stripped of ``filters`` characters and split on ``split``; a
``Tokenizer`` numbers them by frequency (1 for the most frequent; 0 is left for padding).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict

import numpy as np

__all__ = ["Tokenizer", "text_to_word_sequence", "one_hot", "hashing_trick",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text: str, filters: str = DEFAULT_FILTERS, lower: bool = True,
                          split: str = " ") -> list[str]:
    """Splits a text into words: ``"Hello, world!"`` -> ``["hello", "world"]``.

    Args:
        input_text: the text.
        filters: characters removed (replaced by ``split``); default: punctuation, tabs
            and newlines.
        lower: lower-case the text first (default ``True``).
        split: the word separator (default ``" "``).
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def hashing_trick(text: str, n: int, hash_function=None, filters: str = DEFAULT_FILTERS,
                  lower: bool = True, split: str = " ", analyzer=None) -> list[int]:
    """Each word of ``text`` as an index in ``[1, n)`` given by a hash (collisions happen).

    ``hash_function``: ``None`` (Python's ``hash``: differs between runs unless
    ``PYTHONHASHSEED`` is set), ``"md5"`` (stable), or a function of a string.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(
        text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(input_text: str, n: int, filters: str = DEFAULT_FILTERS, lower: bool = True,
            split: str = " ", analyzer=None) -> list[int]:
    """``hashing_trick`` with Python's ``hash``: word indices in ``[1, n)``."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Turns texts into sequences of word indices (or into bag-of-words matrices).

    Args:
        num_words: keep only the ``num_words - 1`` most frequent words (by index); the
            default ``None`` keeps every word.
        filters: characters removed from the texts (default: punctuation, tab, newline).
        lower: lower-case the texts (default ``True``).
        split: the word separator (default ``" "``).
        char_level: every character is a token (default ``False``).
        oov_token: a token for words outside the vocabulary; it takes index 1 and replaces
            unknown (and, with ``num_words``, rare) words in ``texts_to_sequences``.
        analyzer: optional function ``text -> list of tokens``, replacing the splitting.

    Attributes (after ``fit_on_texts``): ``word_index`` (word -> index, from 1, most
    frequent first), ``index_word``, ``word_counts``, ``word_docs``, ``document_count``.

    Example:
        >>> tokenizer = Tokenizer(num_words=100, oov_token="<unk>")
        >>> tokenizer.fit_on_texts(["the cat sat", "the dog sat down"])
        >>> tokenizer.texts_to_sequences(["the cat ran"])
        [[2, 4, 1]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0,
                 **kwargs):
        kwargs.pop("nb_words", None)  # the Keras 1 name of num_words
        if kwargs:
            raise TypeError(f"Tokenizer: unrecognized keyword arguments {sorted(kwargs)}.")
        if num_words is not None and (isinstance(num_words, bool) or num_words <= 0):
            raise ValueError(f"Tokenizer: `num_words` must be a positive integer or None; "
                             f"received num_words={num_words!r}.")
        self.num_words = num_words
        self.filters, self.lower, self.split = filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.document_count = document_count
        self.word_counts: dict[str, int] = {}
        self.word_docs: dict[str, int] = defaultdict(int)
        self.index_docs: dict[int, int] = defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}

    def _tokens(self, text) -> list[str]:
        if self.char_level or isinstance(text, list):
            tokens = list(text)
            return [t.lower() for t in tokens] if self.lower else tokens
        if self.analyzer is not None:
            return list(self.analyzer(text))
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts) -> None:
        """Counts the words of ``texts`` (strings, or lists of tokens) and numbers them."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for word in tokens:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(tokens):
                self.word_docs[word] += 1
        # A stable sort: words with equal counts keep the order they first appeared in.
        ranked = sorted(self.word_counts, key=self.word_counts.get, reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [
            w for w in ranked if w != self.oov_token]
        self.word_index = {word: index for index, word in enumerate(vocabulary, start=1)}
        self.index_word = {index: word for word, index in self.word_index.items()}
        self.index_docs = defaultdict(int)
        for word, count in self.word_docs.items():
            if word in self.word_index:
                self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences) -> None:
        """Counts in how many sequences each index appears (for ``mode="tfidf"``)."""
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts) -> list[list[int]]:
        """Each text as a list of word indices; unknown words are dropped (or become the
        ``oov_token``'s index), as are words with an index ``>= num_words``."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """``texts_to_sequences`` one text at a time."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            sequence = []
            for word in self._tokens(text):
                index = self.word_index.get(word)
                if index is not None and self.num_words and index >= self.num_words:
                    index = None
                if index is None:
                    index = oov
                if index is not None:
                    sequence.append(index)
            yield sequence

    def sequences_to_texts(self, sequences) -> list[str]:
        """The inverse of ``texts_to_sequences`` (words joined by spaces)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(index)
                if word is not None and self.num_words and index >= self.num_words:
                    word = None
                if word is None and oov is not None:
                    word = self.index_word[oov]
                if word is not None:
                    words.append(word)
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        """A (texts, num_words) bag-of-words matrix; ``mode`` is ``"binary"``,
        ``"count"``, ``"tfidf"`` or ``"freq"``."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """Like ``texts_to_matrix``, from sequences of indices."""
        if mode not in _MODES:
            raise ValueError(f"Tokenizer: unknown vectorization mode {mode!r}; expected one "
                             f"of {_MODES}.")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                             "text data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            counts = Counter(i for i in sequence if i < width)
            for index, count in counts.items():
                matrix[row, index] = self._weight(mode, count, len(sequence), index)
        return matrix

    def _weight(self, mode, count, length, index) -> float:
        if mode == "count":
            return count
        if mode == "freq":
            return count / length
        if mode == "binary":
            return 1.0
        idf = math.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
        return (1 + math.log(count)) * idf

    def get_config(self) -> dict:
        """The settings and the fitted vocabulary (counts as JSON strings, as Keras)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level,
                "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs) -> str:
        """The tokenizer as JSON; ``tokenizer_from_json`` reads it back."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """A ``Tokenizer`` from ``Tokenizer.to_json()``'s output."""
    config = dict(json.loads(json_string).get("config", {}))
    fitted = {key: json.loads(config.pop(key)) for key in
              ("word_counts", "word_docs", "index_docs", "index_word", "word_index")
              if key in config}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = fitted.get("word_counts", {})
    tokenizer.word_docs = defaultdict(int, fitted.get("word_docs", {}))
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in
                                             fitted.get("index_docs", {}).items()})
    tokenizer.index_word = {int(k): v for k, v in fitted.get("index_word", {}).items()}
    tokenizer.word_index = fitted.get("word_index", {})
    return tokenizer
