"""``pad_sequences``: variable-length sequences to one rectangular array."""

from __future__ import annotations

import numpy as np

__all__ = ["pad_sequences"]


def _lengths_and_step_shape(sequences) -> tuple[list, tuple]:
    """Every sequence's length, and the shape of one time step (from the first
    non-empty sequence; the others are checked against it while copying)."""
    lengths, step_shape = [], None
    for index, sequence in enumerate(sequences):
        try:
            lengths.append(len(sequence))
        except TypeError:
            raise ValueError(
                "`sequences` must be a list of iterables. "
                f"Found non-iterable: {sequence!r} at position {index}") from None
        if step_shape is None and lengths[-1]:
            step_shape = np.asarray(sequence).shape[1:]
    return lengths, step_shape or ()


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32",
                  padding: str = "pre", truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pads (and truncates) sequences to a common length ``maxlen``.

    Sequences longer than ``maxlen`` lose values at the start (``truncating="pre"``)
    or the end (``"post"``); shorter ones are filled with ``value`` before
    (``padding="pre"``) or after (``"post"``) their values.

    Args:
        sequences: a list of sequences (lists or arrays; each time step may be a
            vector, the same shape in every sequence).
        maxlen: the output length; default ``None`` means the longest sequence.
        dtype: the output dtype; default ``"int32"`` (use ``object`` for strings).
        padding: ``"pre"`` or ``"post"``; default ``"pre"``.
        truncating: ``"pre"`` or ``"post"``; default ``"pre"``.
        value: the padding value; default ``0.0``.

    Returns:
        An array of shape ``(len(sequences), maxlen) + step_shape``.

    Example:

    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2, padding="post")
    array([[2, 3],
           [4, 5],
           [6, 0]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, sample_shape = _lengths_and_step_shape(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text_dtype = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and dtype is not object and not is_text_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable "
                         "length strings.")
    padded = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for index, sequence in enumerate(sequences):
        if not len(sequence) or maxlen == 0:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position "
                             f"{index} is different from expected shape {sample_shape}")
        if padding == "post":
            padded[index, :len(kept)] = kept
        else:
            padded[index, -len(kept):] = kept
    return padded
