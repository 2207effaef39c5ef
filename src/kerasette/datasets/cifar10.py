"""CIFAR-10: 60,000 32x32 colour images in 10 classes (downloaded once).

The Python version of the data set (a 163 MB ``.tar.gz`` of pickled batches), fetched
with ``utils.get_file`` into ``~/.kerasette/datasets`` (or ``$KERASETTE_HOME``) and
extracted there; an archive already in Keras's cache (``~/.keras/datasets``) is used as
it is. The pickles are read by an unpickler that can build arrays and nothing else.
Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck.

Source: A. Krizhevsky (2009), "Learning Multiple Layers of Features from Tiny Images",
https://www.cs.toronto.edu/~kriz/cifar.html.
"""

from __future__ import annotations

import os

import numpy as np

from ..utils.file_utils import get_file
from ._download import load_pickle

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
"""The URL of the archive (a module attribute, so that tests can point it elsewhere)."""
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
"""Its sha256, checked on download and on every cached copy."""


def load_data():
    """Loads CIFAR-10 as Keras does (channels last).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shapes
        ``(50000, 32, 32, 3)`` and ``(10000, 32, 32, 3)`` with values 0..255, and uint8
        labels 0..9 of shapes ``(50000, 1)`` and ``(10000, 1)``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    root = get_file(fname="cifar-10-batches-py", origin=ORIGIN, untar=True,
                    file_hash=FILE_HASH)
    folder = batch_folder(root, "cifar-10-batches-py", "test_batch")
    train = [read_batch(os.path.join(folder, f"data_batch_{i}"), "labels")
             for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train]).astype(np.uint8)
    x_test, y_test = read_batch(os.path.join(folder, "test_batch"), "labels")
    y_test = y_test.astype(np.uint8)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))


def batch_folder(root: str, name: str, probe: str) -> str:
    """The folder holding the batch files: ``root/name`` (the archive's own folder), or
    ``root`` itself when the files were put there by hand."""
    for folder in (os.path.join(root, name), root):
        if os.path.isfile(os.path.join(folder, probe)):
            return folder
    raise FileNotFoundError(f"No {probe!r} in {root} nor in {os.path.join(root, name)}: "
                            "the extracted archive is incomplete. Delete that folder to "
                            "extract it again.")


def read_batch(path: str, label_key: str):
    """One pickled batch: images ``(n, 32, 32, 3)`` uint8 (channels last) and the
    labels under ``label_key`` as an int64 array."""
    batch = load_pickle(path)
    data = np.asarray(batch["data"], dtype=np.uint8)
    images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(batch[label_key], dtype=np.int64)
