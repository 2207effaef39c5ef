"""The CPU kernels' parts on several cores (backend/cpu_threads.py): the same numbers as
one part after another, OpenBLAS's thread count put back, errors raised, and the cases
that must stay on one thread (a nested region, a foreign Python thread, ``serial()``).

The suite runs OpenBLAS on one thread (conftest.py), where regions run serially; these
tests give OpenBLAS two threads for their duration, so the parallel path really runs.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend
from kerasette.backend import cpu_threads

on_numpy = pytest.mark.skipif(backend.backend() != "numpy",
                              reason="the CPU kernels' threads are the NumPy backend's")


@pytest.fixture
def two_threads():
    """OpenBLAS on two threads for one test, then as before."""
    if cpu_threads._BLAS is None:
        pytest.skip("NumPy's OpenBLAS was not found: regions always run serially here")
    before = cpu_threads._BLAS.get()
    cpu_threads._BLAS.set(2)
    yield
    cpu_threads._BLAS.set(before)


def _record_threads(part, meet=None):
    """A GEMM naming its thread; with ``meet`` (a two-party barrier), parts 0 and 1 wait
    for each other, so a second thread must take one (else the barrier times out)."""
    if meet is not None and part < 2:
        meet.wait(timeout=20)
    a = np.full((64, 64), float(part), dtype=np.float32)
    return part, threading.current_thread().name, float((a @ a)[0, 0])


def _on_two_threads(parts):
    meet = threading.Barrier(2)
    return cpu_threads.run_parts(lambda part: _record_threads(part, meet), parts)


def test_parts_come_back_in_order_from_two_threads(two_threads):
    results = _on_two_threads(range(12))
    assert [r[0] for r in results] == list(range(12))
    assert [r[2] for r in results] == [64.0 * p * p for p in range(12)]
    names = {r[1] for r in results}
    assert len(names) == 2, names  # the caller and one worker
    assert cpu_threads._BLAS.get() == 2  # put back after the region


def test_an_error_in_a_part_is_raised_and_blas_is_put_back(two_threads):
    def work(part):
        if part == 3:
            raise ValueError("part 3 failed")
        return part

    with pytest.raises(ValueError, match="part 3 failed"):
        cpu_threads.run_parts(work, range(8))
    assert cpu_threads._BLAS.get() == 2
    assert cpu_threads.run_parts(lambda p: p * 2, range(4)) == [0, 2, 4, 6]  # still usable


def test_a_region_inside_a_part_runs_on_its_thread(two_threads):
    meet = threading.Barrier(2)

    def outer(part):
        if part < 2:  # both threads inside a part at once
            meet.wait(timeout=20)
        assert cpu_threads.parallel_threads() == 1
        return cpu_threads.run_parts(lambda q: (part, q), range(3))

    results = cpu_threads.run_parts(outer, range(4))
    assert results == [[(p, q) for q in range(3)] for p in range(4)]


@pytest.fixture
def no_region(monkeypatch):
    """Fails the test if a region hands a part to another thread."""
    def refuse(count):
        raise AssertionError("a region started worker threads")

    monkeypatch.setattr(cpu_threads, "_workers", refuse)


def test_a_foreign_thread_keeps_the_parts_on_the_caller(two_threads, no_region):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="user-loader")
    other.start()
    try:
        names = {r[1] for r in cpu_threads.run_parts(_record_threads, range(6))}
    finally:
        stop.set()
        other.join()
    assert names == {threading.current_thread().name}


def test_a_jupyter_kernels_threads_do_not_stop_the_parts(two_threads):
    """ipykernel 7's threads (heartbeat, IOPub, output pipes, ...) never call OpenBLAS:
    a notebook still gets the parts on both cores."""
    class Heartbeat(threading.Thread):
        pass

    Heartbeat.__module__ = "ipykernel.heartbeat"
    stop = threading.Event()

    def watch_pipe():
        stop.wait()

    watch_pipe.__module__ = "ipykernel.iostream"
    others = [Heartbeat(target=stop.wait, name="Heartbeat"),
              threading.Thread(target=watch_pipe)]
    for other in others:
        other.start()
    try:
        names = {r[1] for r in _on_two_threads(range(4))}
    finally:
        stop.set()
        for other in others:
            other.join()
    assert len(names) == 2


def test_serial_block_and_even_slices(two_threads, no_region):
    assert cpu_threads.parallel_threads() == 2
    with cpu_threads.serial():
        assert cpu_threads.parallel_threads() == 1
        names = {r[1] for r in cpu_threads.run_parts(_record_threads, range(6))}
        assert names == {threading.current_thread().name}
    assert cpu_threads.parallel_threads() == 2
    assert cpu_threads.even_slices(10, 3) == [slice(0, 3), slice(3, 6), slice(6, 10)]
    assert cpu_threads.even_slices(2, 4) == [slice(0, 1), slice(1, 2)]


def _conv_net():
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input((20, 20, 3)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
        keras.layers.BatchNormalization(),  # its rows in parts too
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(8, 3, strides=2, use_bias=False),
        keras.layers.MaxPooling2D(2, strides=1),  # overlapping windows
        keras.layers.Flatten(),
        keras.layers.Dense(4),
    ])


def _loss_and_gradients(model, x, y):
    from kerasette.autograd import gradients

    tensors = list(model.trainable_weights)
    out = model(x, training=True)
    loss = keras.ops.mean(keras.ops.square(out - y))
    return float(loss.data), [np.array(backend.to_numpy(g)) for g in gradients(loss, tensors)]


@on_numpy
def test_convolutions_and_pools_in_parts_match_one_thread(two_threads):
    """A batch large enough to split (several chunks, both threads): predictions and every
    weight's gradient (BatchNormalization's in training mode too) as with the parts run
    one after another."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 20, 20, 3)).astype(np.float32)  # BatchNorm: 1.3 MB
    y = rng.standard_normal((64, 4)).astype(np.float32)
    model = _conv_net()
    calls = []
    original = cpu_threads._workers

    def counting(count):
        calls.append(count)
        return original(count)

    # Predictions first: a training-mode call moves BatchNormalization's statistics.
    with cpu_threads.serial():
        expected = model.predict(x, batch_size=64, verbose=0)
    cpu_threads._workers = counting
    try:
        got = model.predict(x, batch_size=64, verbose=0)
        loss_two, grads_two = _loss_and_gradients(model, x, y)
    finally:
        cpu_threads._workers = original
    with cpu_threads.serial():
        loss_one, grads_one = _loss_and_gradients(model, x, y)
    assert calls, "no region ran on a second thread"
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert loss_two == pytest.approx(loss_one, rel=1e-6)
    for one, two in zip(grads_one, grads_two):  # float32 sums in another order
        np.testing.assert_allclose(two, one, rtol=1e-4, atol=1e-5 * np.abs(one).max())


@on_numpy
@pytest.mark.parametrize("vocabulary", [50, 5000])  # with and without the projected table
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("mask_zero", [False, True])
def test_lstm_predict_in_parts_matches_one_thread(two_threads, vocabulary, return_sequences,
                                                  mask_zero):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((12,), dtype="int32"),
        keras.layers.Embedding(vocabulary, 16, mask_zero=mask_zero),
        keras.layers.LSTM(8, return_sequences=return_sequences),
    ])
    ids = np.random.default_rng(1).integers(0, vocabulary, size=(1024, 12)).astype("int32")
    ids[::5, 3:6] = 0  # padding inside some sequences
    with cpu_threads.serial():
        expected = model.predict(ids, batch_size=512, verbose=0)
    got = model.predict(ids, batch_size=512, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # and both equal the graph's forward (the training path's numbers)
    graph = model(ids[:256], training=False)
    np.testing.assert_allclose(got[:256], np.asarray(graph.data), rtol=1e-5, atol=1e-6)


@on_numpy
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gru_predict_in_parts_matches_one_thread(two_threads, monkeypatch, reset_after,
                                                 return_sequences):
    regions = []
    real = cpu_threads._region

    def counted(work, parts, threads):
        regions.append(len(parts))
        return real(work, parts, threads)

    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((12, 6)),
        keras.layers.GRU(8, reset_after=reset_after, return_sequences=return_sequences),
    ])
    x = np.random.default_rng(2).standard_normal((512, 12, 6)).astype("float32")
    with cpu_threads.serial():
        expected = model.predict(x, batch_size=256, verbose=0)
    monkeypatch.setattr(cpu_threads, "_region", counted)
    got = model.predict(x, batch_size=256, verbose=0)
    assert regions == [2, 2]  # each batch of 256: two halves, one per core
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    graph = model(x[:256], training=False)  # the training path's numbers
    np.testing.assert_allclose(got[:256], np.asarray(graph.data), rtol=1e-5, atol=1e-6)


def test_the_environment_variable_keeps_every_kernel_on_one_thread():
    import os
    import subprocess
    import sys

    code = ("from kerasette.backend import cpu_threads as c; "
            "print(c._BLAS is None, c.parallel_threads())")
    env = dict(os.environ, KERASETTE_CPU_THREADS="1", OPENBLAS_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["True", "1"]


@on_numpy
@pytest.mark.parametrize("layer", [
    lambda: keras.layers.Conv1D(12, 5, strides=2, padding="same", groups=2),
    lambda: keras.layers.DepthwiseConv2D(3, depth_multiplier=2),
    lambda: keras.layers.SeparableConv2D(6, 3, dilation_rate=2),
    lambda: keras.layers.Conv3D(4, 2),
    lambda: keras.layers.Conv2DTranspose(6, 3, strides=2, padding="same"),
], ids=["conv1d-groups", "depthwise", "separable", "conv3d", "transpose"])
def test_other_convolutions_in_parts_match_one_thread(two_threads, layer):
    rng = np.random.default_rng(2)
    shapes = {"conv1d-groups": (64, 300, 8), "depthwise": (32, 24, 24, 8),
              "separable": (32, 24, 24, 8), "conv3d": (16, 12, 12, 12, 4),
              "transpose": (48, 12, 12, 8)}
    built = layer()
    name = {"Conv1D": "conv1d-groups", "DepthwiseConv2D": "depthwise",
            "SeparableConv2D": "separable", "Conv3D": "conv3d",
            "Conv2DTranspose": "transpose"}[type(built).__name__]
    x = rng.standard_normal(shapes[name]).astype(np.float32)
    model = keras.Sequential([keras.Input(x.shape[1:]), built, keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    y = rng.standard_normal((x.shape[0], 3)).astype(np.float32)
    with cpu_threads.serial():
        loss_one, grads_one = _loss_and_gradients(model, x, y)
    loss_two, grads_two = _loss_and_gradients(model, x, y)
    assert loss_two == pytest.approx(loss_one, rel=1e-6)
    for one, two in zip(grads_one, grads_two):
        np.testing.assert_allclose(two, one, rtol=1e-4, atol=1e-6)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_runs_regions(two_threads):
    """The parent's pool threads do not exist in a forked child (multiprocessing's fork
    start method): the child must get a fresh pool instead of waiting on dead threads."""
    import multiprocessing

    assert len({r[1] for r in _on_two_threads(range(6))}) == 2
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        result = pool.apply_async(_child_region)
        names, values = result.get(timeout=60)
    assert values == [64.0 * p * p for p in range(6)]
    assert len(names) == 2  # the child used two threads of its own


def _child_region():
    results = _on_two_threads(range(6))
    return {r[1] for r in results}, [r[2] for r in results]


@on_numpy
@pytest.mark.parametrize("foreign_thread", [False, True], ids=["region", "pool"])
def test_adam_on_a_big_variable_in_parts_matches_one_pass(two_threads, foreign_thread):
    """Adam's pieces run in a region, or (a foreign thread alive) on the pool without
    touching OpenBLAS: the same numbers as one pass either way."""
    from kerasette.backend import numpy_kernels

    rng = np.random.default_rng(4)
    size = numpy_kernels._PARALLEL_MIN + 777
    variable, gradient = (rng.standard_normal(size).astype("float32") for _ in range(2))
    m, v = rng.standard_normal(size).astype("float32"), rng.random(size).astype("float32")
    plain = [a.copy() for a in (variable, m, v)]
    numpy_kernels._adam_pass(np, plain[0], gradient, plain[1], plain[2], None,
                             np.empty(size, "float32"), 1e-3, 0.9, 0.999, 1e-7)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="user-loader")
    if foreign_thread:
        other.start()
    try:
        numpy_kernels.adam_update(variable, gradient, m, v, 1e-3, 0.9, 0.999, 1e-7)
    finally:
        stop.set()
        if foreign_thread:
            other.join()
    for got, want in zip((variable, m, v), plain):
        np.testing.assert_array_equal(got, want)
    assert cpu_threads._BLAS.get() == 2
