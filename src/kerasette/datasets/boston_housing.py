"""Boston housing price regression data (bundled; no download).

506 census tracts of the Boston area in the 1970s, 13 features each (crime rate,
rooms per dwelling, distance to employment centres, ...); the target is the median
value of owner-occupied homes in $1000s. The rows, their order and the split are those
of Keras's ``boston_housing.npz``, so ``load_data()`` gives Keras's 404 / 102 split.

Feature ``B`` (index 11) is ``1000 (Bk - 0.63)^2`` where ``Bk`` is the proportion of
Black residents: the data set encodes race. It is kept for parity with Keras and its
tutorials; do not use it, or models trained on it, for decisions about people.

Source: D. Harrison and D. L. Rubinfeld (1978), "Hedonic prices and the demand for
clean air", J. Environ. Economics & Management; StatLib / UCI Machine Learning
Repository. This copy is the one shipped in mlxtend (BSD-3-Clause).
"""

from __future__ import annotations

from ._bundled import load_arrays, shuffle_split

__all__ = ["load_data"]


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113):
    """Loads the Boston housing data, shuffled and split exactly as Keras does.

    Args:
        path: a bundled file name or a path to an ``.npz`` with arrays ``x`` and ``y``;
            default ``"boston_housing.npz"`` (the bundled copy).
        test_split: the fraction of rows kept for the test set; default ``0.2``.
        seed: the seed of the shuffle before splitting; default ``113``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 arrays of shapes
        ``(404, 13)``, ``(404,)``, ``(102, 13)``, ``(102,)`` with the defaults.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape
    ((404, 13), (102, 13))
    """
    x, y = load_arrays("boston_housing.npz", path)
    return shuffle_split(x, y, test_split, seed)
