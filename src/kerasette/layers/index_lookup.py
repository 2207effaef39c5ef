"""Vocabulary lookups: ``StringLookup`` and ``IntegerLookup`` (and the shared core that
``TextVectorization`` uses).

A vocabulary lives on the host: learned by ``adapt`` (tokens sorted by count, ties broken
by the larger token first, as Keras does), or given as ``vocabulary=``. Index 0 is the
mask token when there is one and ``output_mode="int"``; then come ``num_oov_indices``
out-of-vocabulary slots (``"[UNK]"`` / ``-1``), then the tokens. Strings are looked up on
the host; integers on the device (a sorted-key search). The outputs are backend arrays:
``int64`` indices, or ``one_hot`` / ``multi_hot`` / ``count`` / ``tf_idf`` rows whose
``tf_idf`` weights are ``log(1 + documents / (1 + documents containing the token))``.
"""

from __future__ import annotations

import collections
import os
import zlib

import numpy as np

from .. import backend
from ..autograd import Tensor
from .base import Layer
from .symbolic import KerasTensor

__all__ = ["StringLookup", "IntegerLookup"]

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def encode_indices(indices, output_mode: str, depth: int, idf_weights=None,
                   dtype="float32"):
    """Device ``int64`` indices as ``one_hot`` / ``multi_hot`` / ``count`` / ``tf_idf``
    rows of width ``depth``; negative indices (dropped mask tokens) count for nothing.

    ``one_hot`` encodes each entry (a trailing axis of size 1 is replaced); the other modes
    treat the last axis as one sample and return ``(..., depth)``.
    """
    xp = backend.xp
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return (indices[..., None] == xp.arange(depth)).astype(dtype)
    if indices.ndim == 0:
        indices = indices.reshape(1)
    leading, length = indices.shape[:-1], indices.shape[-1]
    rows = indices.reshape(-1, length)
    count = rows.shape[0]
    keep = (rows >= 0) & (rows < depth)
    offsets = xp.arange(count, dtype=rows.dtype)[:, None] * depth
    flat = xp.where(keep, rows + offsets, count * depth).ravel()
    counts = xp.bincount(flat, minlength=count * depth + 1)[:count * depth]
    counts = counts.reshape(leading + (depth,)).astype(dtype)
    if output_mode == "multi_hot":
        return (counts > 0).astype(dtype)
    if output_mode == "tf_idf":
        return counts * idf_weights.astype(dtype)
    return counts


class IndexLookup(Layer):
    """The shared core: a vocabulary, ``adapt``, and the mapping to indices or rows."""

    _kind = "token"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, **kwargs):
        kwargs.pop("vocabulary_size", None)  # Keras writes it in configs; it is derived
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(**kwargs)
        output_mode = _ALIASES.get(output_mode, output_mode)
        where = f"{type(self).__name__} '{self.name}'"
        checks = [
            (output_mode in OUTPUT_MODES, f"`output_mode` must be one of {OUTPUT_MODES}; "
                                          f"received output_mode={output_mode!r}"),
            (max_tokens is None or max_tokens > 1, f"`max_tokens` must be greater than 1 "
                                                   f"if set; received max_tokens={max_tokens}"),
            (not pad_to_max_tokens or max_tokens is not None,
             "`pad_to_max_tokens=True` needs `max_tokens`"),
            (num_oov_indices >= 0, f"`num_oov_indices` must be >= 0; received "
                                   f"num_oov_indices={num_oov_indices}"),
            (not invert or output_mode == "int", f"`output_mode` must be 'int' when "
                                                 f"`invert=True`; received {output_mode!r}"),
            (not sparse, "`sparse=True` is not supported: outputs are dense arrays"),
            (idf_weights is None or output_mode == "tf_idf",
             "`idf_weights` may only be set when `output_mode='tf_idf'`"),
            (not (output_mode == "tf_idf" and vocabulary is not None and idf_weights is None),
             "with `vocabulary=` in 'tf_idf' mode, pass `idf_weights=` too"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"{where}: {message}.")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = bool(invert), output_mode
        self.pad_to_max_tokens, self.sparse = bool(pad_to_max_tokens), False
        self._idf = None
        self._set_tokens([])
        self._has_input_vocabulary = vocabulary is not None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- the vocabulary ----------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def _specials(self) -> list:
        return [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The vocabulary's size, mask and OOV entries included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in index order (the mask and OOV entries first, if asked)."""
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def _depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def _convert_token(self, token):
        return token

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replaces the vocabulary (a list, an array, or the path of a file with one token
        a line), with ``idf_weights`` of the same length in ``tf_idf`` mode."""
        where = f"{type(self).__name__} '{self.name}'"
        if (self.output_mode == "tf_idf") != (idf_weights is not None):
            raise ValueError(f"{where}: `idf_weights` must be given exactly when "
                             f"output_mode='tf_idf'; received output_mode="
                             f"{self.output_mode!r}, idf_weights={idf_weights!r}.")
        if isinstance(vocabulary, (str, os.PathLike)):
            if not os.path.exists(vocabulary):
                raise ValueError(f"{where}: vocabulary file {vocabulary} does not exist.")
            with open(vocabulary, encoding="utf-8") as handle:
                vocabulary = handle.read().splitlines()
            while vocabulary and vocabulary[-1] == "":
                vocabulary.pop()
        vocabulary = [self._convert_token(t) for t in np.asarray(vocabulary).tolist()]
        if not vocabulary:
            raise ValueError(f"{where}: cannot set an empty vocabulary.")
        specials = self._specials()
        found = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if found else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{where}: the vocabulary repeats the terms {repeated}; "
                             f"make it unique.")
        for special in (self.mask_token, self.oov_token if self.invert else None):
            if special is not None and special in tokens:
                raise ValueError(f"{where}: the reserved token {special!r} is inside the "
                                 f"vocabulary; leave the mask and OOV tokens out, or put "
                                 f"them first in exactly this order: {specials}.")
        size = len(specials) + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{where}: the vocabulary has {size} entries, more than "
                             f"max_tokens={self.max_tokens}.")
        self._set_tokens(tokens)
        if idf_weights is not None:
            idf = np.asarray(idf_weights, dtype=np.float64).reshape(-1)
            if len(idf) != len(vocabulary):
                raise ValueError(f"{where}: `idf_weights` must be as long as the "
                                 f"vocabulary ({len(vocabulary)}); received {len(idf)}.")
            front = 0 if found else len(specials)
            self._set_idf(idf, front, float(np.mean(idf)))
        self._vocabulary_changed()

    def _set_tokens(self, tokens: list):
        """The learned tokens and the host table from token to index (the mask token
        included: 0 in ``int`` mode, -1, dropped, in the others)."""
        self._tokens = tokens
        self._index = {t: i for i, t in enumerate(tokens, self._token_start())}
        if self.mask_token is not None:
            self._index[self.mask_token] = 0 if self._oov_start() else -1

    def _set_idf(self, idf, front: int, front_value: float):
        back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens else 0
        self._idf = np.concatenate([np.full(front, front_value), idf, np.zeros(back)])

    def _vocabulary_changed(self):
        """A hook for subclasses that keep a device copy of the vocabulary."""

    # ---- adapt -------------------------------------------------------------------------
    def _documents(self, data):
        """The documents (lists of tokens) of ``data``: a 1-D array holds one-token
        documents, a 2-D array one document a row; an iterable yields batches."""
        if isinstance(data, Tensor):
            data = data.data
        if backend.is_array(data) and not isinstance(data, np.ndarray):
            data = backend.to_numpy(data)
        if isinstance(data, (list, tuple)) and data and all(
                isinstance(d, (list, tuple, np.ndarray)) for d in data):
            for document in data:  # rows of any lengths
                yield np.asarray(document, dtype=object).reshape(-1).tolist()
            return
        if isinstance(data, (list, tuple, np.ndarray, str, bytes, int)):
            array = np.asarray(data, dtype=object)
            yield from (array.reshape(-1, 1) if array.ndim < 2 else array).tolist()
            return
        for batch in data:
            yield from self._documents(batch[0] if isinstance(batch, tuple) else batch)

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and in ``tf_idf`` mode the idf weights) from ``data``."""
        self.learn(self._adapt_documents(data, steps))

    def learn(self, documents):
        """Learns the vocabulary from an iterable of documents (lists of tokens)."""
        if self._has_input_vocabulary:
            raise ValueError(f"{type(self).__name__} '{self.name}': cannot adapt after a "
                             f"vocabulary was set with `vocabulary=` or `set_vocabulary`.")
        counts, document_counts, number = collections.Counter(), collections.Counter(), 0
        for document in documents:
            document = [self._convert_token(t) for t in document]
            counts.update(document)
            document_counts.update(set(document))
            number += 1
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if not counts:
            return
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start()]
        tokens = [token for token, _ in ranked]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            df = np.array([document_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1.0 + number / (1.0 + df))
            self._set_idf(idf, self._token_start(), float(np.mean(idf)))
        self._vocabulary_changed()

    def _adapt_documents(self, data, steps):
        if steps is None or isinstance(data, (list, tuple, np.ndarray)):
            return self._documents(data)
        batches = (b for step, b in zip(range(steps), data))
        return self._documents(batches)

    # ---- calling -----------------------------------------------------------------------
    def _oov_error(self, values):
        raise ValueError(f"{type(self).__name__} '{self.name}': with num_oov_indices=0 every "
                         f"input must be in the vocabulary; found {values[:5]}. Set "
                         f"num_oov_indices=1 to map unknown {self._kind}s to an OOV index.")

    def _oov_bucket(self, token) -> int:
        if self.num_oov_indices == 1:
            return self._oov_start()
        if isinstance(token, str):
            # Keras hashes with FarmHash64; CRC32 spreads tokens as well, but the bucket
            # a given unknown string lands in differs from Keras's.
            return self._oov_start() + zlib.crc32(token.encode("utf-8")) % self.num_oov_indices
        return self._oov_start() + int(token) % self.num_oov_indices

    def lookup_host(self, tokens) -> np.ndarray:
        """Host tokens (any shape) to ``int64`` indices; mask tokens give 0 in ``int``
        mode and -1 (dropped) in the others."""
        array = np.asarray(tokens, dtype=object)
        flat = [self._convert_token(t) for t in array.reshape(-1).tolist()]
        found = self._index.get
        out = [found(token, None) for token in flat]
        unknown = [t for t, i in zip(flat, out) if i is None]
        if unknown and self.num_oov_indices == 0:
            self._oov_error(unknown)
        if unknown:
            out = [self._oov_bucket(t) if i is None else i for t, i in zip(flat, out)]
        return np.asarray(out, dtype=np.int64).reshape(array.shape)

    def encode(self, indices):
        """Device indices as the layer's output: a Tensor."""
        if self.output_mode == "int":
            return Tensor(indices)
        if not self._tokens and not self.pad_to_max_tokens:
            raise RuntimeError(f"{type(self).__name__} '{self.name}': in output_mode="
                               f"{self.output_mode!r} the vocabulary must be set (adapt, or "
                               f"vocabulary=) before the layer is called.")
        idf = None if self._idf is None else backend.to_device(self._idf)
        return Tensor(encode_indices(indices, self.output_mode, self._depth(), idf,
                                     self.dtype))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int64" if self.output_mode == "int" and not self.invert else self.dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        vocabulary = list(self._tokens) or None
        idf = None
        if self._idf is not None and vocabulary:
            idf = self._idf[self._token_start():self.vocabulary_size()].tolist()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": vocabulary, "idf_weights": idf,
                "vocabulary_size": self.vocabulary_size()}


class StringLookup(IndexLookup):
    """Maps strings to vocabulary indices (or, with ``invert=True``, indices to strings).

    Args:
        max_tokens: the largest vocabulary, mask and OOV entries included; None: no cap.
        num_oov_indices: how many OOV indices (default 1); 0 makes unknown strings an
            error; several spread unknown strings over them by a hash.
        mask_token: default None; a string that maps to 0 in ``int`` mode and is dropped
            in the other modes.
        oov_token: ``"[UNK]"``, the vocabulary entry of the OOV index.
        vocabulary: a list or a file path; ``idf_weights``: its weights in ``tf_idf`` mode.
        invert: map indices back to strings (``int`` mode only).
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"``, ``"count"`` or
            ``"tf_idf"``.
        pad_to_max_tokens: encode rows of width ``max_tokens`` whatever the vocabulary.
        encoding: ``"utf-8"``: how bytes inputs are decoded.

    Input: Python strings, lists, or NumPy string arrays. Output: an ``int64`` Tensor of
    the input's shape, or float rows (see ``compute_output_shape``); with ``invert``, a
    NumPy array of strings.

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]])  # [[1, 3, 4], [4, 0, 2]]
    """

    _kind = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _convert_token(self, token):
        return token.decode(self.encoding) if isinstance(token, bytes) else token

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, KerasTensor):
            return super().__call__(inputs, *args, **kwargs)
        if self.invert:
            return self._invert(inputs)
        return self.encode(backend.to_device(self.lookup_host(inputs)))

    def _invert(self, indices):
        if isinstance(indices, Tensor):
            indices = indices.data
        indices = np.asarray(backend.to_numpy(indices) if backend.is_array(indices)
                             else indices, dtype=np.int64)
        vocabulary = np.asarray(self.get_vocabulary(), dtype=object)
        inside = (indices >= 0) & (indices < len(vocabulary))
        out = np.where(inside, vocabulary[np.clip(indices, 0, len(vocabulary) - 1)],
                       self.oov_token)
        return out.astype(str)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding,
                "vocabulary_dtype": "string"}


class IntegerLookup(IndexLookup):
    """Maps integers to vocabulary indices (or back, with ``invert=True``), on the device.

    Args:
        max_tokens, num_oov_indices, vocabulary, idf_weights, invert, output_mode,
            pad_to_max_tokens: as in ``StringLookup`` (several OOV indices take
            ``value % num_oov_indices``).
        mask_token: default None; an int that maps to 0 in ``int`` mode.
        oov_token: ``-1``, the value ``invert`` gives unknown indices.

    Input: an integer array or Tensor. Output: as ``StringLookup``.

    Example:
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))  # [[1, 3, 4], [4, 0, 2]]
    """

    _kind = "integer"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _convert_token(self, token):
        return int(token)

    def _vocabulary_changed(self):
        order = np.argsort(np.asarray(self._tokens, dtype=np.int64), kind="stable")
        self._device = (backend.to_device(np.asarray(self._tokens, np.int64)[order]),
                        backend.to_device((order + self._token_start()).astype(np.int64)),
                        backend.to_device(np.asarray(self.get_vocabulary(), np.int64)))

    def _indices(self, values):
        xp = backend.xp
        values = values.astype(xp.int64)
        if not self._tokens:
            found, indices = xp.zeros(values.shape, dtype=bool), xp.zeros_like(values)
        else:
            keys, positions, _ = self._device
            at = xp.clip(xp.searchsorted(keys, values), 0, len(keys) - 1)
            found = keys[at] == values
            indices = positions[at]
        if self.num_oov_indices == 0:
            if not bool(found.all()):
                self._oov_error(backend.to_numpy(values[~found]).tolist())
            oov = indices
        else:
            oov = values % self.num_oov_indices + self._oov_start()
        out = xp.where(found, indices, oov)
        if self.mask_token is not None:
            out = xp.where(values == self.mask_token, 0 if self._oov_start() else -1, out)
        return out

    def call(self, inputs):
        values = inputs.data
        if self.invert:
            table = self._device[2] if self._tokens else backend.to_device(
                np.asarray(self._specials(), np.int64))
            inside = (values >= 0) & (values < len(table))
            picked = table[backend.xp.clip(values, 0, len(table) - 1).astype(backend.xp.int64)]
            return Tensor(backend.xp.where(inside, picked, self.oov_token))
        return self.encode(self._indices(values))

    def get_config(self):
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}
