"""Host data as numbers, before any of it reaches the device: strings, ``None`` in object
arrays, ragged nested lists and objects that are not numbers are refused with an error
that names the argument (``x``, ``y``, ...), what it holds and the fix; object arrays of
numbers (a pandas column) become floatx.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..layers.symbolic import flatten, map_structure

__all__ = ["as_numeric", "numeric_parts"]


def _describe_loss(loss):
    """The loss's name and what it wants for labels, for the error on non-numeric ``y``."""
    name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(
        loss, "__name__", None)
    if not isinstance(name, str):
        return ("the loss", "numbers: integer class ids 0..C-1 for "
                "sparse_categorical_crossentropy, 0/1 for binary_crossentropy, one-hot rows "
                "for categorical_crossentropy")
    lowered = name.lower().replace("_", "")
    if "sparse" in lowered:
        return f"the loss {name!r}", "integer class ids 0..C-1"
    if "binary" in lowered or lowered == "bce":
        return f"the loss {name!r}", "numbers 0 or 1"
    if "categorical" in lowered:
        return f"the loss {name!r}", "one-hot rows (keras.utils.to_categorical)"
    return f"the loss {name!r}", "numbers"


def as_numeric(array, what: str, loss=None):
    """``array`` as a numeric host array; strings (and objects that are not numbers)
    raise ``ValueError`` naming ``what`` (``"x"``, ``"y"``, ...), the dtype and the fix.

    Object arrays of numbers (a pandas column) are converted to floatx. ``loss`` (the
    compiled loss, when known) names what the labels should be.
    """
    if backend.is_array(array) and not isinstance(array, np.ndarray):
        return array  # already on the device, so numeric
    array = np.asarray(array)
    if array.dtype.kind == "O":
        _refuse_missing(array, what)
        try:
            converted = array.astype(backend.floatx())
        except (TypeError, ValueError):
            pass
        else:
            _refuse_invented_nan(array, converted, what)
            return converted
    elif array.dtype.kind not in "USV":
        return array
    flat = array.reshape(-1)
    sample = ", ".join(repr(v) for v in flat[:3].tolist())
    found = f"`{what}` holds non-numeric values (dtype {array.dtype}, e.g. {sample})"
    if what == "y":
        named, expected = _describe_loss(loss)
        raise ValueError(f"{found}, but {named} expects {expected}. Map the labels to "
                         f"integer class ids first, e.g. `classes, y = np.unique(y, "
                         f"return_inverse=True)` (a LabelEncoder / StringLookup-style "
                         f"mapping; keep `classes` to decode predictions).")
    if what == "x":
        raise ValueError(f"{found}, but the model's inputs take numbers. Encode them first: "
                         f"text with keras.preprocessing.text.Tokenizer, categories as "
                         f"integer ids (`np.unique(x, return_inverse=True)`) or one-hot "
                         f"vectors.")
    raise ValueError(f"{found}; expected numbers.")


def _refuse_missing(array, what: str) -> None:
    """Refuses an object array holding ``None`` (NumPy would turn it into NaN silently)."""
    missing = np.frompyfunc(lambda v: v is None, 1, 1)(array).astype(bool)
    if missing.any():
        where = tuple(int(i) for i in np.argwhere(missing)[0])
        raise ValueError(f"`{what}` holds None (a missing value) at position {where} (of "
                         f"{int(missing.sum())} missing). Fill or drop the missing values "
                         f"before training, e.g. with `np.nan_to_num` or pandas `fillna` / "
                         f"`dropna`; None would otherwise become NaN and the loss NaN.")


def _refuse_invented_nan(array, converted, what: str) -> None:
    """Refuses objects that are not numbers but that NumPy converted to NaN; a float NaN
    the user put there stays (as it would in a float array)."""
    invented = np.isnan(converted) & ~np.frompyfunc(
        lambda v: isinstance(v, (float, np.floating)) and v != v, 1, 1)(array).astype(bool)
    if invented.any():
        where = tuple(int(i) for i in np.argwhere(invented)[0])
        raise ValueError(f"`{what}` holds a value that is not a number at position {where}: "
                         f"{array[where]!r}. Convert or drop such values before training.")


def _as_array(value, what: str):
    """A list (or tuple) of plain numbers, possibly nested, as one NumPy array; a list
    holding arrays is left as it is (several inputs). Ragged rows raise ``ValueError``."""
    if not isinstance(value, (list, tuple)):
        return value
    if not value:
        return np.zeros((0,))  # `x=[]`: the emptiness check then names it
    leaves = flatten(value)
    if any(isinstance(a, (np.ndarray, Tensor, dict)) or backend.is_array(a)
           or hasattr(a, "__array__") and not isinstance(a, np.generic)
           or hasattr(a, "__next__") for a in leaves):
        return value
    lengths = _row_lengths(value)
    if lengths is not None:
        (first, n), (row, m) = lengths

        def size(k):
            return "a single value" if k is None else f"{k} element{'s' * (k != 1)}"
        raise ValueError(f"`{what}` is a nested list whose rows have different lengths "
                         f"(row {first} has {size(n)}, row {row} has {size(m)}), so it is not "
                         f"an array. Pad the sequences to one length first, e.g. "
                         f"`keras.utils.pad_sequences({what})`, or pass a NumPy array.")
    return np.asarray(value, dtype=object if any(a is None for a in leaves) else None)


def _row_lengths(value, path=()):
    """The first two rows (as index paths) whose lengths differ, or None if none do."""
    if not isinstance(value, (list, tuple)):
        return None
    rows = [(i, len(v)) for i, v in enumerate(value) if isinstance(v, (list, tuple))]
    if rows and (len(rows) != len(value) or len({n for _, n in rows}) > 1):
        first = rows[0]
        if len(rows) != len(value):
            odd = next(i for i, v in enumerate(value) if not isinstance(v, (list, tuple)))
            pair = (first, (odd, None)) if odd > first[0] else ((odd, None), first)
        else:
            pair = (first, next(r for r in rows if r[1] != first[1]))
        return tuple((path + (i,) if path else i, n) for i, n in pair)
    for i, v in enumerate(value):
        found = _row_lengths(v, path + (i,))
        if found is not None:
            return found
    return None


def numeric_parts(x, y, sample_weight, loss=None) -> tuple:
    """``(x, y, sample_weight)`` with every host leaf checked (and objects converted) by
    ``_as_numeric``; Tensors and device arrays pass through."""
    def check(what):
        return lambda a: a if a is None or isinstance(a, Tensor) else as_numeric(
            a, what, loss)

    x, y, sample_weight = (_as_array(x, "x"), _as_array(y, "y"),
                           _as_array(sample_weight, "sample_weight"))
    return (map_structure(check("x"), x), map_structure(check("y"), y),
            map_structure(check("sample_weight"), sample_weight))
