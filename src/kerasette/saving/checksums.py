"""Checksums in the HDF5 files kerasette writes: damage is an error, never other numbers.

HDF5 checks nothing by default, so a flipped bit in a weight loads as a different
weight. Every dataset kerasette writes is therefore (a) stored with HDF5's standard
``fletcher32`` filter where HDF5 allows a filter (chunked, non-empty, not scalar;
h5py and Keras read it transparently) and (b) given a ``kerasette_sha256`` attribute:
the SHA-256 of its dtype, shape and values, which also covers scalars, empty
datasets and damage to a dataset's header (its type or shape). The JSON configs get a
``<name>_sha256`` attribute beside them, and the root a ``kerasette_checksums`` marker
with the number of datasets written, so that a lost group (the optimizer's state, say)
is an error too. A file with the marker (or any digest) is checked in full; files Keras
wrote carry none and load best-effort, as Keras loads them.
"""

from __future__ import annotations

import hashlib

import numpy as np

import h5py

__all__ = ["MARKER", "seal_file", "is_sealed", "check_complete", "write_dataset",
           "check_dataset", "seal_text", "check_text", "text_digest", "safe_attribute",
           "stored_text"]

MARKER = "kerasette_checksums"
_SCHEME = "sha256-v1"
_DIGEST = "kerasette_sha256"
_COUNT = "kerasette_datasets"
_TREE = "kerasette_tree_sha256"
_ATTRIBUTE_LIMIT = 64 * 2**20


def safe_attribute(obj, name: str):
    """``obj.attrs[name]`` (None when absent), read only once its stored type is a
    string or a number of a sane size. A damaged type message can turn a string into a
    variable-length sequence whose heap pointer HDF5 follows into a crash; refused."""
    if name not in obj.attrs:
        return None
    attribute = h5py.h5a.open(obj.id, name.encode("utf8"))
    kind = attribute.get_type()
    if not isinstance(kind, (h5py.h5t.TypeStringID, h5py.h5t.TypeIntegerID,
                             h5py.h5t.TypeFloatID)) or kind.get_size() > _ATTRIBUTE_LIMIT:
        raise ValueError(f"The attribute '{name}' of '{obj.name}' has a damaged type "
                         f"({type(kind).__name__} of {kind.get_size()} bytes).")
    count = int(np.prod(attribute.shape or (1,), dtype=np.float64))
    if count * kind.get_size() > _ATTRIBUTE_LIMIT:
        raise ValueError(f"The attribute '{name}' of '{obj.name}' declares "
                         f"{attribute.shape} values: the file is damaged.")
    return obj.attrs[name]


def _text(value) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf8", "replace")
    return value if isinstance(value, str) or value is None else str(value)


def array_digest(array: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and values (little-endian, C order)."""
    array = np.ascontiguousarray(array)
    array = array.astype(array.dtype.newbyteorder("<"), copy=False)
    digest = hashlib.sha256(f"{array.dtype.str}|{array.shape}|".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf8")).hexdigest()


def _tree(f) -> tuple[int, str]:
    """(count, digest) of the paths of every dataset in the file."""
    paths = []
    f.visititems(lambda path, item: paths.append(path)
                 if isinstance(item, h5py.Dataset) else None)
    digest = hashlib.sha256("\n".join(sorted(paths)).encode("utf8", "surrogateescape"))
    return len(paths), digest.hexdigest()


def seal_file(f) -> None:
    """Marks a file, once written, as one whose every dataset and config carries a
    checksum, and records the paths of its datasets (a count and a digest)."""
    count, digest = _tree(f)
    f.attrs[MARKER] = np.bytes_(_SCHEME)
    f.attrs[_COUNT] = count
    f.attrs[_TREE] = np.bytes_(digest)


def is_sealed(f) -> bool:
    """True when the file says it carries kerasette's checksums."""
    return MARKER in f.attrs


def check_complete(f, filepath) -> None:
    """Raises a ValueError naming the file when a checksummed file's datasets are not
    those written: a group or dataset was lost, added or renamed."""
    if not is_sealed(f):
        return
    written = safe_attribute(f, _COUNT)
    count, digest = _tree(f)
    if written is None or _text(safe_attribute(f, _TREE)) != digest:
        raise ValueError(f"'{filepath}' is damaged: its datasets are not those kerasette "
                         f"wrote ({count} found, {written} written; a group or dataset "
                         f"was lost or renamed).")


def write_dataset(group, name: str, array) -> None:
    """``group[name] = array`` with fletcher32 where HDF5 allows it, and a digest."""
    array = np.asarray(array)
    filtered = array.ndim > 0 and array.size > 0
    dataset = group.create_dataset(name, data=array, fletcher32=filtered,
                                   chunks=True if filtered else None)
    dataset.attrs[_DIGEST] = np.bytes_(array_digest(array))


def check_dataset(dataset, array: np.ndarray, owner: str) -> None:
    """Raises a ValueError naming the dataset when ``array`` (read from ``dataset``)
    does not match its stored digest, or when a checksummed file lacks the digest."""
    try:
        stored = _text(safe_attribute(dataset, _DIGEST))
        sealed = is_sealed(dataset.file)
    except (OSError, RuntimeError, TypeError, KeyError, ValueError) as error:
        raise ValueError(f"The checksum of the weight '{dataset.name}' of {owner} is "
                         f"unreadable ({error}): the file is damaged.") from None
    if stored is None:
        if sealed:
            raise ValueError(f"The weight '{dataset.name}' of {owner} has no checksum, "
                             f"although the file carries kerasette's checksums: the file "
                             f"is damaged.")
        return
    if stored != array_digest(array):
        raise ValueError(f"The weight '{dataset.name}' of {owner} fails its checksum: the "
                         f"file is damaged (its stored values, type or shape changed).")


def stored_text(text: str):
    """``text`` as a fixed-length byte string when it fits an object header (as tf-keras
    writes configs; Keras and kerasette decode either). A variable-length string lives
    in HDF5's global heap, whose damage can hang HDF5 itself on every string it holds."""
    data = text.encode("utf8")
    return np.bytes_(data) if 0 < len(data) <= 60000 else text


def seal_text(attrs, name: str, text: str) -> None:
    """``attrs[name] = text`` and its digest in ``attrs[name + '_sha256']``."""
    attrs[name] = stored_text(text)
    attrs[f"{name}_sha256"] = np.bytes_(text_digest(text))


def check_text(f, name: str, text, filepath) -> None:
    """Raises a ValueError naming the file and attribute when ``text`` (the value read
    for ``f.attrs[name]``, None when absent) does not match its digest, or a sealed
    file lacks one: a digest without its attribute means the attribute was lost."""
    stored = _text(safe_attribute(f, f"{name}_sha256"))
    if stored is None:
        if text is not None and is_sealed(f):
            raise ValueError(f"The '{name}' attribute of '{filepath}' has no checksum, "
                             f"although the file carries kerasette's checksums: the file "
                             f"is damaged.")
        return
    if not isinstance(text, str) or stored != text_digest(text):
        raise ValueError(f"The '{name}' attribute of '{filepath}' fails its checksum: the "
                         f"file is damaged.")
