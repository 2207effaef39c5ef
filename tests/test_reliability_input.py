"""Input validation in fit/evaluate/predict, and file modes / stale temps of atomic saves."""

import os
import time

import numpy as np
import pytest

import kerasette as keras


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_empty_data_is_refused(call):
    model = _model()
    x, y = np.zeros((0, 2), np.float32), np.zeros((0, 1), np.float32)
    args = (x,) if call == "predict" else (x, y)
    with pytest.raises(ValueError, match="non-empty"):
        getattr(model, call)(*args, verbose=0)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError),
                                        (2.5, TypeError), (True, TypeError)])
@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_bad_batch_size_is_named(call, bad, error):
    model = _model()
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    args = (x,) if call == "predict" else (x, y)
    with pytest.raises(error, match=rf"batch_size={bad!r}"):
        getattr(model, call)(*args, batch_size=bad, verbose=0)


def test_numpy_integer_batch_size_and_epochs_work():
    model = _model()
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    history = model.fit(x, y, batch_size=np.int64(2), epochs=np.int32(2), verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(x, batch_size=np.int64(3), verbose=0).shape == (4, 1)


def test_negative_epochs_is_refused():
    with pytest.raises(ValueError, match="epochs=-1"):
        _model().fit(np.ones((4, 2)), np.ones((4, 1)), epochs=-1, verbose=0)


def test_nested_lists_train_and_ragged_ones_are_named():
    model = _model()
    model.fit([[1, 2], [3, 4]], [1, 2], verbose=0)
    with pytest.raises(ValueError, match=r"`x`.*different lengths.*pad_sequences"):
        model.fit([[1, 2], [3]], [1, 2], verbose=0)
    with pytest.raises(ValueError, match=r"`y`.*different lengths"):
        model.fit([[1, 2], [3, 4]], [[1], [2, 3]], verbose=0)


def test_none_in_object_array_is_refused_with_position():
    x = np.array([[1.0, 2.0], [3.0, None]], dtype=object)
    with pytest.raises(ValueError, match=r"`x` holds None.*\(1, 1\)"):
        _model().fit(x, np.ones((2, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"`y` holds None.*\(0,\)"):
        _model().fit(np.ones((2, 2)), [None, 1.0], verbose=0)


def test_non_number_that_would_become_nan_is_refused():
    x = np.array([[1.0, "nan"], [3.0, 4.0]], dtype=object)
    with pytest.raises(ValueError, match=r"`x`.*not a number.*\(0, 1\)"):
        _model().fit(x, np.ones((2, 1)), verbose=0)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_saved_files_get_the_umask_mode(tmp_path, mask, mode):
    model = _model()
    old = os.umask(mask)
    try:
        model.save(tmp_path / "m.h5")
        model.save_weights(tmp_path / "w.weights.h5")
        model.save(tmp_path / "m.h5")  # overwriting gives the umask mode too
    finally:
        os.umask(old)
    for name in ("m.h5", "w.weights.h5"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == mode


def test_stale_temp_files_are_removed_on_the_next_save(tmp_path):
    dead = tmp_path / ".m.h5~999999999.abcdefgh.tmp"   # no such pid
    live = tmp_path / f".m.h5~{os.getpid()}.abcdefgh.tmp"  # a writer still alive
    recent = tmp_path / ".m.h5~999999999.zzzzzzzz.tmp"  # touched just now
    other = tmp_path / ".other.h5~999999999.abcdefgh.tmp"  # another target's
    for path in (dead, live, recent, other):
        path.write_bytes(b"partial")
    old = time.time() - 3600
    for path in (dead, live, other):
        os.utime(path, (old, old))
    _model().save(tmp_path / "m.h5")
    assert not dead.exists()
    assert live.exists() and recent.exists() and other.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert sorted(leftovers) == sorted(p.name for p in (live, recent, other))
