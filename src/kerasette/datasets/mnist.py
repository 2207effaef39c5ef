"""MNIST handwritten digits: 60,000 training and 10,000 test images (downloaded once).

The file is Keras's ``mnist.npz`` (11 MB), fetched with ``utils.get_file`` into
``~/.kerasette/datasets`` (or ``$KERASETTE_HOME``); a copy already in Keras's cache
(``~/.keras/datasets/mnist.npz``) is used as it is. For offline work, ``mnist_5k`` has
5,000 of these digits bundled.

Source: the MNIST database, Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0).
"""

from __future__ import annotations

from ..utils.file_utils import get_file
from ._download import ORIGIN_FOLDER, load_npz

__all__ = ["load_data"]

ORIGIN = ORIGIN_FOLDER + "mnist.npz"
"""The URL of the file (a module attribute, so that tests can point it elsewhere)."""
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
"""Its sha256, checked on download and on every cached copy."""


def load_data(path: str = "mnist.npz"):
    """Loads MNIST as Keras does.

    Args:
        path: the file name in the cache (or an absolute path); default ``"mnist.npz"``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shapes
        ``(60000, 28, 28)`` and ``(10000, 28, 28)`` with values 0..255, and uint8
        labels 0..9 of shapes ``(60000,)`` and ``(10000,)``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (10000,))
    """
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    arrays = load_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
