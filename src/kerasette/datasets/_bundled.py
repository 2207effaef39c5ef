"""Reading the data files shipped inside the package, and Keras's shuffled split."""

from __future__ import annotations

import os
from importlib import resources

import numpy as np

__all__ = ["load_arrays", "shuffle_split"]


def load_arrays(name: str, path=None) -> tuple[np.ndarray, np.ndarray]:
    """Arrays ``x`` and ``y`` of a bundled ``.npz`` file, or of the file at ``path``.

    ``path`` names a file on disk when it exists; otherwise it (or ``name``) is looked
    up among the files bundled in ``kerasette/datasets/data/``, which works from an
    installed wheel as from a source tree.
    """
    if path is not None and os.path.isfile(path):
        with np.load(path, allow_pickle=False) as arrays:
            return arrays["x"], arrays["y"]
    filename = os.path.basename(os.fspath(path)) if path is not None else name
    bundled = resources.files(__package__).joinpath("data", filename)
    if not bundled.is_file():
        raise FileNotFoundError(
            f"No data file {os.fspath(path or name)!r}: it is neither a file on disk nor "
            f"one of the files bundled with kerasette ({name!r}).")
    with bundled.open("rb") as stream, np.load(stream, allow_pickle=False) as arrays:
        return arrays["x"], arrays["y"]


def shuffle_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int | None):
    """Shuffles rows with NumPy's legacy ``RandomState(seed)``, then splits, as Keras.

    The training set is the first ``int(len(x) * (1 - test_split))`` shuffled rows,
    the test set the rest.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``, each a fresh array.
    """
    if not 0 <= test_split < 1:
        raise ValueError("`test_split` must be in [0, 1). "
                         f"Received: test_split={test_split}")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
