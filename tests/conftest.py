import os

# One BLAS thread for the tests: they measure numbers, not speed, and two OpenBLAS threads
# on a shared 2-core machine can make a small matrix product 80x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pytest

from kerasette import backend


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seed and the default float type."""
    backend.set_seed(1234)
    backend.set_floatx("float32")
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
