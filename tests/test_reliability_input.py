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


# ---- arguments and labels checked before any weight changes ------------------------------
def _classifier(units=10, loss="sparse_categorical_crossentropy", metrics=None):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units,
                                                                    activation="softmax")])
    model.compile("sgd", loss, metrics=metrics)
    return model


def _unchanged(model, call):
    """Runs ``call`` (which must raise) and checks that no weight moved."""
    before = [w.copy() for w in model.get_weights()]
    call()
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("split, error", [(1.0, ValueError), (1.5, ValueError),
                                          (-0.1, ValueError), ("0.2", TypeError),
                                          (True, TypeError)])
def test_validation_split_outside_zero_one_is_named(split, error):
    model = _classifier()
    x, y = np.ones((10, 4), np.float32), np.zeros(10)
    with pytest.raises(error, match=rf"validation_split.*\[0, 1\).*"
                                    rf"validation_split={split!r}"):
        _unchanged(model, lambda: model.fit(x, y, validation_split=split, verbose=0))


@pytest.mark.parametrize("call", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
@pytest.mark.parametrize("label, hint", [(10, "at least 11 units"),
                                         (-1, "cannot be negative")])
def test_label_outside_the_class_range_is_refused(call, label, hint):
    model = _classifier()
    model.fit(np.ones((4, 4)), np.arange(4), verbose=0)  # built, with slots
    x, y = np.ones((6, 4), np.float32), np.array([0, 3, label, 9, 1, 2])
    kwargs = {"verbose": 0} if call in ("fit", "evaluate") else {}
    with pytest.raises(ValueError, match=rf"label value of {label} in `y`.*valid range "
                                         rf"of \[0, 10\).*10 units.*{hint}"):
        _unchanged(model, lambda: getattr(model, call)(x, y, **kwargs))


def test_one_based_labels_get_a_hint():
    with pytest.raises(ValueError, match=r"label value of 10.*1-based.*y - 1"):
        _classifier().fit(np.ones((10, 4)), np.arange(1, 11), verbose=0)


def test_labels_in_range_train_and_float_labels_are_read_as_ids():
    model = _classifier(metrics=["accuracy"])
    x = np.random.default_rng(0).standard_normal((20, 4)).astype("float32")
    history = model.fit(x, np.arange(20) % 10, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    loss = model.evaluate(x, (np.arange(20) % 10).astype("float32"), verbose=0)
    assert np.isfinite(loss).all()


def test_sparse_accuracy_checks_labels_with_any_loss():
    def mean_output(y_true, y_pred):
        return keras.ops.mean(y_pred, axis=-1)

    model = _classifier(loss=mean_output,
                        metrics=[keras.metrics.SparseCategoricalAccuracy()])
    with pytest.raises(ValueError, match=r"label value of 12.*'sparse_categorical_accuracy'"):
        _unchanged(model, lambda: model.fit(np.ones((3, 4)), np.array([0, 12, 1]),
                                            verbose=0))
    model = _classifier(loss=mean_output, metrics=["accuracy"])  # sparse from the shapes
    with pytest.raises(ValueError, match=r"label value of 10.*'accuracy'"):
        model.fit(np.ones((3, 4)), np.array([[0], [10], [1]]), verbose=0)


def test_one_hot_labels_for_a_sparse_loss_are_named():
    model = _classifier(loss="categorical_crossentropy",
                        metrics=["sparse_categorical_accuracy"])
    y = np.eye(10, dtype="float32")[[0, 3, 5]]
    with pytest.raises(ValueError, match=r"`y` has shape \(3, 10\).*"
                                         r"'sparse_categorical_accuracy'.*one-hot.*argmax"):
        model.fit(np.ones((3, 4)), y, verbose=0)


def _kind_and_size_model():
    """A model with two named outputs: ``kind`` (3 classes) and ``size`` (a number)."""
    inputs = keras.Input((4,))
    outputs = {"kind": keras.layers.Dense(3, activation="softmax", name="kind")(inputs),
               "size": keras.layers.Dense(1, name="size")(inputs)}
    model = keras.Model(inputs, outputs)
    model.compile("sgd", {"kind": "sparse_categorical_crossentropy", "size": "mse"})
    return model


def test_labels_of_several_outputs_are_named_by_output():
    model = _kind_and_size_model()
    x = np.ones((4, 4), np.float32)
    y = {"kind": np.array([0, 1, 2, 3]), "size": np.full((4, 1), 7.0)}  # 7: not a class
    with pytest.raises(ValueError, match=r"label value of 3 in `y\['kind'\]`.*\[0, 3\).*"
                                         r"output 'kind' with 3 units"):
        model.fit(x, y, verbose=0)
    y["kind"] = np.array([0, 1, 2, 2])
    assert np.isfinite(model.fit(x, y, verbose=0).history["loss"]).all()


# ---- the shape and the keys of `x` against the model's inputs ----------------------------
@pytest.mark.parametrize("call", ["fit", "evaluate", "predict", "train_on_batch"])
def test_one_dimensional_x_for_a_two_dimensional_input_is_named(call):
    model = _classifier()
    args = (np.ones(8),) if call == "predict" else (np.ones(8), np.zeros(8))
    kwargs = {"verbose": 0} if call in ("fit", "evaluate", "predict") else {}
    with pytest.raises(ValueError, match=r"expects arrays of shape \(None, 4\).*`x` has "
                                         r"shape \(8,\).*reshape it to \(samples, 4\)"):
        _unchanged(model, lambda: getattr(model, call)(*args, **kwargs))


def test_one_sample_without_its_batch_axis_gets_a_hint():
    with pytest.raises(ValueError, match=r"`x` has shape \(4,\).*single sample.*x\[None\]"):
        _classifier().predict(np.ones(4), verbose=0)


def test_a_missing_or_extra_trailing_axis_of_one_is_adjusted_as_keras_does():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.linspace(-1, 1, 6).astype("float32")
    expected = model.predict(x[:, None], verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    assert np.isfinite(model.fit(x, np.ones((6, 2)), verbose=0).history["loss"]).all()
    wide = _classifier()
    x4 = np.random.default_rng(1).standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(wide.predict(x4[..., None], verbose=0),
                               wide.predict(x4, verbose=0), rtol=1e-6)


def _two_inputs():
    first, second = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    merged = keras.layers.Concatenate()([first, second])
    model = keras.Model({"a": first, "b": second}, keras.layers.Dense(1)(merged))
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_a_dict_key_that_matches_no_input_is_named(call):
    model = _two_inputs()
    x = {"a": np.ones((4, 2)), "bb": np.ones((4, 3))}
    args = (x,) if call == "predict" else (x, np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"key\(s\) \['bb'\].*inputs are named "
                                         r"\['a', 'b'\].*no data for \['b'\]"):
        _unchanged(model, lambda: getattr(model, call)(*args, verbose=0))


def test_an_extra_dict_key_is_ignored_with_a_warning():
    model = _two_inputs()
    x = {"a": np.ones((4, 2)), "b": np.full((4, 3), 0.5)}
    expected = model.predict(x, verbose=0)
    with pytest.warns(UserWarning, match=r"keys \['extra'\] which did not match any input"):
        got = model.predict({**x, "extra": np.zeros((4, 9))}, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("call, bad", [
    (call, bad) for call in ("fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                             "predict_on_batch")
    for bad in ("x", "y") if bad == "x" or not call.startswith("predict")])
def test_string_and_object_data_never_give_numpys_words(call, bad):
    model = _classifier()
    x, y = np.ones((3, 4), np.float32), np.array([0, 1, 2])
    if bad == "x":
        x = np.array([["a", "b", "c", "d"]] * 3)
    else:
        y = np.array(["cat", "dog", "cat"], dtype=object)
    args = (x,) if call.startswith("predict") else (x, y)
    kwargs = {"verbose": 0} if call in ("fit", "evaluate", "predict") else {}
    with pytest.raises(ValueError, match=rf"`{bad}` holds non-numeric values") as caught:
        _unchanged(model, lambda: getattr(model, call)(*args, **kwargs))
    assert "could not convert" not in str(caught.value)
    assert "invalid literal" not in str(caught.value)


# ---- NaN and inf: one warning per fit, on host data --------------------------------------
def _nan_warnings(record):
    return [str(w.message) for w in record if "NaN and" in str(w.message)]


def test_fit_warns_once_about_nan_and_inf_naming_x_and_y():
    import warnings

    model = _model()
    x = np.ones((8, 2), np.float32)
    x[1, 0], x[5, 1], x[6, 0] = np.nan, np.nan, np.inf
    y = np.ones((8, 1), np.float32)
    y[3, 0] = -np.inf
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=2, epochs=3, verbose=0)
    found = _nan_warnings(record)
    assert len(found) == 1, found
    assert "`x` holds 2 NaN and 1 infinite" in found[0]
    assert "`y` holds 0 NaN and 1 infinite" in found[0]
    assert "TerminateOnNaN" in found[0]


def test_clean_data_gives_no_nan_warning():
    import warnings

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _model().fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
    assert not _nan_warnings(record)


def test_terminate_on_nan_still_stops_on_nan_data():
    model = _model()
    x = np.ones((8, 2), np.float32)
    x[0, 0] = np.nan  # the first batch's loss is NaN
    with pytest.warns(UserWarning, match=r"`x` holds 1 NaN"):
        history = model.fit(x, np.ones((8, 1)), batch_size=2, epochs=5, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN()])
    assert model.stop_training
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])


def test_data_already_on_the_device_is_not_read_back_for_nan():
    import warnings

    from kerasette import backend

    x = np.ones((8, 2), np.float32)
    x[0, 0] = np.nan
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _model().fit(backend.to_device(x), backend.to_device(np.ones((8, 1), np.float32)),
                     verbose=0)
    # NumPy arrays are host data and checked; device arrays are skipped (no device read).
    assert len(_nan_warnings(record)) == (1 if backend.backend() == "numpy" else 0)


def test_a_single_number_where_an_array_belongs_is_named():
    with pytest.raises(ValueError, match=r"`y` holds a single number.*batch axis"):
        _model().fit(np.ones((4, 2)), 1.0, verbose=0)
    model = _two_inputs()
    with pytest.raises(ValueError, match=r"`x` holds a single number"):
        model.predict({"a": np.ones((2, 2)), "b": np.ones((2, 3)), "c": 1}, verbose=0)


def test_validation_data_is_checked_before_the_first_epoch():
    import warnings

    model = _classifier()
    x, y = np.ones((6, 4), np.float32), np.arange(6)
    with pytest.raises(ValueError, match=r"label value of 10 in `validation_data\[1\]`"):
        _unchanged(model, lambda: model.fit(x, y, validation_data=(x, np.full(6, 10)),
                                            verbose=0))
    with pytest.raises(ValueError, match=r"`validation_data\[0\]` has shape \(6,\)"):
        _unchanged(model, lambda: model.fit(x, y, validation_data=(np.ones(6), y),
                                            verbose=0))
    bad = x.copy()
    bad[2, 1] = np.nan
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = model.fit(x, y, validation_data=(bad, y), epochs=2, verbose=0)
    found = _nan_warnings(record)
    assert len(found) == 1 and "`validation_data[0]` holds 1 NaN" in found[0], found
    assert np.isnan(history.history["val_loss"]).all()
    assert np.isfinite(history.history["loss"]).all()


def test_generator_batches_are_checked_on_the_host_too():
    model = _classifier()

    def batches():
        yield np.ones((3, 4), np.float32), np.array([0, 1, 2])
        yield np.ones((3, 4), np.float32), np.array([0, 10, 2])

    with pytest.raises(ValueError, match=r"label value of 10 in `y`"):
        model.fit(batches(), steps_per_epoch=2, verbose=0)
    flat = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    flat.compile("sgd", "mse")
    one_d = (np.linspace(0, 1, 4).astype("float32"), np.ones((4, 1), np.float32))
    history = flat.fit(iter([one_d, one_d]), steps_per_epoch=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_nan_counts_span_the_scan_chunks():
    from kerasette.models import data_checks

    x = np.zeros(data_checks._CHUNK * 2 + 5, np.float64)
    x[[0, data_checks._CHUNK - 1, data_checks._CHUNK + 3]] = np.nan
    x[-1] = -np.inf
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match=r"`x` holds 3 NaN and 1 infinite"):
        model.fit(x, np.zeros(x.size, np.float32), epochs=0, verbose=0)  # 1-D x: (None, 1)


def test_dict_targets_go_to_their_outputs_whatever_their_order():
    model = _kind_and_size_model()
    x = np.random.default_rng(2).standard_normal((4, 4)).astype("float32")
    kind, size = np.array([0, 1, 2, 2]), np.full((4, 1), 2.0)
    ordered = model.evaluate(x, {"kind": kind, "size": size}, verbose=0, return_dict=True)
    swapped = model.evaluate(x, {"size": size, "kind": kind}, verbose=0, return_dict=True)
    assert ordered == pytest.approx(swapped, rel=1e-6)
    predictions = model.predict(x, verbose=0)[model.output_names.index("size")]
    expected = float(np.mean((predictions - 2.0) ** 2))
    assert swapped["size_loss"] == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match=r"`y` is a dict.*outputs \['kind', 'size'\]; "
                                         r"\['sizes'\] match no output; no entry for "
                                         r"\['size'\]"):
        _unchanged(model, lambda: model.fit(x, {"kind": kind, "sizes": size}, verbose=0))


def test_the_checks_read_nothing_back_from_the_device(monkeypatch):
    from kerasette import backend
    from kerasette.models import data as data_module

    if backend.backend() != "cupy":
        pytest.skip("counts device reads on the CuPy stand-in")
    import standin

    model = _classifier(metrics=["accuracy"])
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 4)).astype("float32")
    x[5, 2] = np.nan
    y = rng.integers(0, 10, 64)
    model.fit(x[:16], y[:16], batch_size=16, verbose=0)  # built, with slots

    def reads(data):
        with standin.counting() as seen:
            model.fit(*data, batch_size=16, validation_data=data, verbose=0)
        return sum(seen.reads.values())

    for data in ((x, y), (backend.to_device(x), backend.to_device(y))):
        checked = reads(data)
        with monkeypatch.context() as patch:  # the same fit without the checks
            patch.setattr(data_module, "_against_model", lambda model, x, y, w, *a: (x, y, w))
            patch.setattr(data_module, "warn_non_finite", lambda *a, **k: None)
            unchecked = reads(data)
        assert checked == unchecked
