"""Fashion-MNIST: 70,000 28x28 grey images of clothing in 10 classes (downloaded once).

A drop-in replacement for MNIST, harder to classify. Four gzipped IDX files (30 MB),
fetched with ``utils.get_file`` into ``~/.kerasette/datasets/fashion-mnist`` (or under
``$KERASETTE_HOME``); copies already in Keras's cache (``~/.keras/datasets/fashion-mnist``)
are used as they are. Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat,
5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

Source: H. Xiao, K. Rasul and R. Vollgraf (2017), Zalando Research (MIT licence).
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from ..utils.file_utils import get_file
from ._download import ORIGIN_FOLDER as _KERAS_FOLDER

__all__ = ["load_data"]

ORIGIN_FOLDER = _KERAS_FOLDER
"""The URL folder of the four files (a module attribute: tests point it elsewhere)."""
FILE_HASHES = {
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
"""The sha256 of each file, checked on download and on every cached copy."""
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")


def load_data():
    """Loads Fashion-MNIST as Keras does.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shapes
        ``(60000, 28, 28)`` and ``(10000, 28, 28)`` with values 0..255, and uint8
        labels 0..9 of shapes ``(60000,)`` and ``(10000,)``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (60000, 28, 28)
    """
    paths = [get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=CACHE_SUBDIR,
                      file_hash=FILE_HASHES[name]) for name in FILE_HASHES]
    y_train, x_train, y_test, x_test = (read_idx(path) for path in paths)
    return (x_train, y_train), (x_test, y_test)


def read_idx(path) -> np.ndarray:
    """A gzipped IDX file (the MNIST format: a big-endian header giving the type code
    and the size of each dimension, then the raw values) as a uint8 array."""
    with gzip.open(path, "rb") as stream:
        content = bytearray(stream.read())  # a writable buffer: writable arrays
    if len(content) < 4 or content[:2] != b"\0\0" or content[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes.")
    ndim = content[3]
    shape = tuple(int(n) for n in np.frombuffer(content, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    if len(content) - offset != int(np.prod(shape)):
        raise ValueError(f"{path} holds {len(content) - offset} values where its header "
                         f"announces {shape}; the file is damaged.")
    return np.frombuffer(content, np.uint8, offset=offset).reshape(shape)
