"""``TextVectorization``: strings to token indices or bag-of-words rows, on the host.

Each string is standardized (lower-cased, punctuation removed), split (on whitespace or
into characters), extended with n-grams (joined by a space), then looked up in a
vocabulary (a ``StringLookup`` with mask token ``""``). ``output_mode="int"`` gives
``int64`` index sequences, padded with 0 (``""``) after the tokens and cut to
``output_sequence_length``; index 1 is ``"[UNK]"``. The other modes give one row per
string of width ``vocabulary_size()`` (``"[UNK]"`` first). The result is a backend array,
ready as model input.
"""

from __future__ import annotations

import re
import string

import numpy as np

from .. import backend
from ..autograd import Tensor
from .base import Layer
from .index_lookup import StringLookup
from .symbolic import KerasTensor

__all__ = ["TextVectorization"]

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
MODES = ("int", "multi_hot", "count", "tf_idf")
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")


def _ngram_widths(ngrams):
    if ngrams is None:
        return None
    if isinstance(ngrams, int) and not isinstance(ngrams, bool):
        return tuple(range(1, ngrams + 1))
    return tuple(ngrams)


def ngrams_of(tokens: list, widths) -> list:
    """All n-grams of ``tokens`` for each width in turn, joined by one space."""
    out = []
    for n in widths:
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class TextVectorization(Layer):
    """Turns strings into sequences of token indices or into bag-of-words rows.

    Args:
        max_tokens: the largest vocabulary, ``""`` and ``"[UNK]"`` included; None: no cap.
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"``, None, or a callable from a string to a string.
        split: ``"whitespace"`` (default), ``"character"``, None (each string, or each
            entry of a 2-D input, is one token), or a callable from a string to a list of
            tokens.
        ngrams: None, an int ``n`` (all n-grams of 1..n tokens), or a tuple of widths.
        output_mode: ``"int"`` (default), ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        output_sequence_length: in ``int`` mode, pad or cut every sequence to this length;
            None pads to the longest sequence of the batch.
        pad_to_max_tokens: bag-of-words rows of width ``max_tokens``.
        vocabulary: a list of tokens or a file path; ``idf_weights``: its ``tf_idf``
            weights.
        encoding: how bytes inputs are decoded, default ``"utf-8"``.

    Input: a Python string, a list of strings, or a NumPy string array of shape
    ``(batch,)`` or ``(batch, 1)``. Output: ``(batch, sequence_length)`` ``int64`` or
    ``(batch, vocabulary_size)`` floats (no batch axis for a single string).

    Example:
        >>> layer = TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog ran!"])
        >>> layer(["the cat ran"])  # [[2, 3, 4, 0]]: "the" first (count 2), then by name
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        widths = _ngram_widths(ngrams)
        where = f"TextVectorization '{self.name}'"
        checks = [
            (standardize is None or callable(standardize) or standardize in STANDARDIZE,
             f"`standardize` must be None, a callable or one of {STANDARDIZE}; received "
             f"standardize={standardize!r}"),
            (split is None or callable(split) or split in SPLIT,
             f"`split` must be None, a callable or one of {SPLIT}; received split={split!r}"),
            (output_mode in MODES, f"`output_mode` must be one of {MODES}; received "
                                   f"output_mode={output_mode!r}"),
            (widths is None or (len(widths) > 0 and all(isinstance(n, int) and n > 0
                                                        for n in widths)),
             f"`ngrams` must be None, a positive int or a tuple of positive ints; received "
             f"ngrams={ngrams!r}"),
            (widths is None or split is not None, "`ngrams` needs a `split`"),
            (output_sequence_length is None or output_mode == "int",
             "`output_sequence_length` may only be set when output_mode='int'"),
            (not ragged, "`ragged=True` is not supported: outputs are dense arrays"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"{where}: {message}.")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = tuple(ngrams) if isinstance(ngrams, list) else ngrams
        self._widths = widths
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.sparse, self.ragged = pad_to_max_tokens, sparse, ragged
        self.encoding = encoding
        self._lookup = StringLookup(
            max_tokens=max_tokens, mask_token="", vocabulary=vocabulary,
            idf_weights=idf_weights, output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, encoding=encoding,
            dtype=self.dtype, name=f"{self.name}_lookup")

    # ---- text to tokens ----------------------------------------------------------------
    def _standardize(self, text: str) -> str:
        if callable(self.standardize):
            return self.standardize(text)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def _tokens(self, entry) -> list:
        """The tokens of one input entry: a string, or a row of pre-split strings."""
        if isinstance(entry, (list, tuple)):
            return [self._standardize(self._decode(t)) for t in entry]
        text = self._standardize(self._decode(entry))
        if self.split is None:
            tokens = [text]
        elif callable(self.split):
            tokens = list(self.split(text))
        elif self.split == "whitespace":
            tokens = text.split()
        else:
            tokens = list(text)
        return tokens if self._widths is None else ngrams_of(tokens, self._widths)

    def _decode(self, value) -> str:
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def _documents(self, inputs):
        """``(documents, single)``: the token lists of a batch, and whether the input was
        one string (its output then has no batch axis)."""
        if isinstance(inputs, (str, bytes)):
            return [self._tokens(inputs)], True
        array = np.asarray(inputs, dtype=object)
        if array.ndim == 0:
            return [self._tokens(array.item())], True
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim == 2 and self.split is None:
            return [self._tokens(row) for row in array.tolist()], False
        if array.ndim != 1:
            raise ValueError(f"TextVectorization '{self.name}': expected strings of shape "
                             f"(batch,) or (batch, 1); received shape {array.shape}.")
        return [self._tokens(text) for text in array.tolist()], False

    # ---- the vocabulary ----------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from strings: a list, an array, or an iterable of
        batches (``steps`` limits how many batches are read)."""
        if isinstance(data, (str, bytes, list, tuple, np.ndarray)):
            documents = self._documents(data)[0]
        else:
            batches = data if steps is None else (b for _, b in zip(range(steps), data))
            documents = [doc for batch in batches for doc in self._documents(
                batch[0] if isinstance(batch, tuple) else batch)[0]]
        self._lookup.learn(documents)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    # ---- calling -----------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)

    def call(self, inputs):
        documents, single = self._documents(inputs)
        length = self.output_sequence_length
        if length is None:
            length = max((len(d) for d in documents), default=0)
        if self.output_mode != "int":
            length = max(1, max((len(d) for d in documents), default=0))
        padded = np.full((len(documents), length), -1 if self.output_mode != "int" else 0,
                         dtype=np.int64)
        kept = [document[:length] for document in documents]
        sizes = np.array([len(document) for document in kept], dtype=np.int64)
        indices = self._lookup.lookup_host([token for document in kept for token in document])
        padded[np.arange(length) < sizes[:, None]] = indices  # row by row, in order
        if self.output_mode == "int":
            out = Tensor(backend.to_device(padded))
        else:
            out = self._lookup.encode(backend.to_device(padded))
        return Tensor(out.data[0]) if single else out

    def compute_output_shape(self, input_shape):
        batch = tuple(input_shape)[:1]
        if self.output_mode == "int":
            return batch + (self.output_sequence_length,)
        return batch + (self._lookup._depth(),)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int64" if self.output_mode == "int" else self.dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        lookup = self._lookup.get_config()
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "standardize": self.standardize, "split": self.split, "ngrams": self.ngrams,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse,
                "ragged": self.ragged, "vocabulary": lookup["vocabulary"],
                "idf_weights": lookup["idf_weights"], "encoding": self.encoding,
                "vocabulary_size": self.vocabulary_size()}
