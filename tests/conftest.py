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
