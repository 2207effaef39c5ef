"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes, grouped in 20 coarse ones
(downloaded once).

The Python version of the data set (a 161 MB ``.tar.gz`` of pickles), fetched with
``utils.get_file`` into ``~/.kerasette/datasets`` (or ``$KERASETTE_HOME``) and extracted
there; an archive already in Keras's cache (``~/.keras/datasets``) is used as it is.

Source: A. Krizhevsky (2009), "Learning Multiple Layers of Features from Tiny Images",
https://www.cs.toronto.edu/~kriz/cifar.html.
"""

from __future__ import annotations

import os

from ..utils.file_utils import get_file
from .cifar10 import batch_folder, read_batch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
"""The URL of the archive (a module attribute, so that tests can point it elsewhere)."""
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
"""Its sha256, checked on download and on every cached copy."""


def load_data(label_mode: str = "fine"):
    """Loads CIFAR-100 as Keras does (channels last).

    Args:
        label_mode: ``"fine"`` (default: 100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shapes
        ``(50000, 32, 32, 3)`` and ``(10000, 32, 32, 3)`` with values 0..255, and int64
        labels of shapes ``(50000, 1)`` and ``(10000, 1)`` (Keras documents uint8 but
        returns the int64 that the pickled lists become; so does kerasette).

    Example:

    >>> (x_train, y_train), _ = load_data(label_mode="coarse")  # doctest: +SKIP
    >>> int(y_train.max())  # doctest: +SKIP
    19
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of "fine", "coarse". '
                         f"Received: label_mode={label_mode!r}")
    root = get_file(fname="cifar-100-python-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    folder = batch_folder(root, "cifar-100-python", "test")
    x_train, y_train = read_batch(os.path.join(folder, "train"), f"{label_mode}_labels")
    x_test, y_test = read_batch(os.path.join(folder, "test"), f"{label_mode}_labels")
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))
