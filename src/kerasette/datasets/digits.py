"""Optical recognition of handwritten digits, 8x8 images (bundled; no download).

1,797 digits written by 43 people, scanned and reduced to 8x8 blocks of counts 0..16.

Source: E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, "Optical
Recognition of Handwritten Digits" (CC BY 4.0); this copy as shipped in scikit-learn
(BSD-3-Clause).
"""

from __future__ import annotations

from ._bundled import load_arrays, shuffle_split

__all__ = ["load_data"]


def load_data(test_split: float = 0.2, seed: int = 113):
    """Loads the 8x8 digits, shuffled with ``seed`` and split.

    Args:
        test_split: the fraction of images kept for the test set; default ``0.2``.
        seed: the seed of the shuffle; default ``113``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 8, 8)``
        with values 0..16 and uint8 labels 0..9; 1,437 / 360 with the defaults.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape
    ((1437, 8, 8), (360, 8, 8))
    """
    x, y = load_arrays("digits_8x8.npz")
    return shuffle_split(x, y, test_split, seed)
