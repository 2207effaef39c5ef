"""Long runs keep a flat memory curve: 5,000 ``train_on_batch`` + ``predict`` calls on a
small model leave the resident set size and the number of live autograd tensors where
they were after warm-up (issue 15).

RSS is read from ``/proc/self/statm`` every 50 calls (after ``malloc_trim``); the median of the last window is
compared with the median of the first window after warm-up, with a tolerance that a leak
of 1 KB per call (3.5 MB over the run) breaks, as ``test_the_rss_check_sees_a_small_leak``
shows with a deliberate one.
"""

import ctypes
import gc
import os
import statistics
import sys

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend
from kerasette.autograd import Tensor

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/statm")

CALLS = 5000
WARM_UP = 1000
EVERY = 50  # calls between two RSS samples
WINDOW = 10  # samples per median (500 calls)
TOLERANCE = 1 << 20  # 1 MiB; a 1 KB-per-call leak adds about 3.5 MiB between the windows


def _trimmer():
    """glibc's ``malloc_trim``, or None: freed heap pages go back to the system before each
    sample, so that memory freed by an earlier test, still resident, cannot hide growth."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


_TRIM = _trimmer()


def rss() -> int:
    """The resident set size of this process, in bytes."""
    if _TRIM is not None:
        _TRIM(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_tensors() -> tuple[int, int]:
    """After a collection: how many Tensors are alive, and how many still hold a graph
    node (parents or a backward closure)."""
    gc.collect()
    tensors = [obj for obj in gc.get_objects() if isinstance(obj, Tensor)]
    return len(tensors), sum(1 for t in tensors if t._parents or t._backward is not None)


def growth(samples: list[int]) -> int:
    """Median RSS of the last window minus that of the first window after warm-up."""
    first = samples[WARM_UP // EVERY:WARM_UP // EVERY + WINDOW]
    return int(statistics.median(samples[-WINDOW:]) - statistics.median(first))


def run(step) -> list[int]:
    """Calls ``step(i)`` CALLS times; RSS sampled every EVERY calls."""
    samples = []
    for i in range(CALLS):
        step(i)
        if i % EVERY == EVERY - 1:
            samples.append(rss())
    return samples


def test_the_rss_check_sees_a_small_leak():
    kept = []
    samples = run(lambda i: kept.append(bytearray(1024)))
    assert growth(samples) > TOLERANCE, growth(samples)


def test_five_thousand_train_and_predict_calls_keep_memory_flat():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x_host = rng.standard_normal((16, 8)).astype("float32")
    x, y = backend.to_device(x_host), backend.to_device((x_host[:, 0] > 0).astype("int64"))
    losses, counts = [], {}

    def step(i):
        loss, _ = model.train_on_batch(x, y)
        predictions = model.predict(x, verbose=0)
        if i % 500 == 0:
            losses.append(loss)
            np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
        if i == WARM_UP - 1:
            counts["warm"] = live_tensors()

    samples = run(step)
    counts["end"] = live_tensors()
    assert counts["end"][1] == 0, f"graph nodes left alive: {counts}"
    assert counts["end"][0] <= counts["warm"][0], f"live tensors grew: {counts}"
    assert growth(samples) < TOLERANCE, (
        f"RSS grew by {growth(samples) / 1024:.0f} KiB between the windows; samples (KiB): "
        f"{[s // 1024 for s in samples[::10]]}")
    assert losses[-1] < 0.5 * losses[0]  # it was training all along
