"""Damaged files: clear errors naming the file, never a crash, hang or half-loaded model."""

import json
import warnings

import h5py
import numpy as np
import pytest

import kerasette as keras
from kerasette import layers


def _model():
    model = keras.Sequential([
        keras.Input((8, 3)),
        layers.Conv1D(4, 3, name="conv"),
        layers.LSTM(5, return_sequences=True, name="lstm"),
        layers.BatchNormalization(name="bn"),
        layers.Flatten(name="flat"),
        layers.Dense(2, name="out"),
    ])
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.fixture
def saved(tmp_path):
    model = _model()
    x = np.random.default_rng(0).normal(size=(4, 8, 3)).astype("float32")
    model.fit(x, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    return path, model, x


def _set_attr(path, name, value):
    with h5py.File(path, "r+") as f:
        f.attrs[name] = value


def _edit_config(path, edit):
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config["config"]["layers"])
        f.attrs["model_config"] = json.dumps(config)


def _layer_entry(entries, name):
    return next(e for e in entries if e["config"].get("name") == name)


@pytest.mark.parametrize("value", ["{not json", "null", "[]", "5", '"text"'])
def test_damaged_model_config_names_file_and_attribute(saved, value):
    path, _, _ = saved
    _set_attr(path, "model_config", value)
    with pytest.raises(ValueError, match="model_config") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


def test_model_config_of_wrong_types(saved):
    path, _, _ = saved
    _set_attr(path, "model_config", json.dumps({"class_name": "Sequential", "config": 5}))
    with pytest.raises(ValueError, match="model_config") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


@pytest.mark.parametrize("value", ["{not json", "null", "[]", json.dumps({"loss": 5,
                                                                        "metrics": 3})])
def test_damaged_training_config_loads_uncompiled_with_warning(saved, value):
    path, model, x = saved
    _set_attr(path, "training_config", value)
    with pytest.warns(UserWarning, match="training config is unreadable.*compile=False"):
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_missing_constructor_argument_names_layer_and_file(saved):
    path, _, _ = saved
    _edit_config(path, lambda entries: _layer_entry(entries, "conv")["config"].pop(
        "kernel_size"))
    with pytest.raises(ValueError, match=r"'conv' \(Conv1D\).*kernel_size") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


def test_huge_units_fail_fast_naming_layer(saved):
    path, _, _ = saved
    _edit_config(path, lambda entries: _layer_entry(entries, "out")["config"].update(
        units=10**9))
    with pytest.raises(ValueError, match="'out' \\(Dense\\)") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


def _replace_dataset(path, layer, index, make):
    """Replaces the ``index``-th weight of ``layer`` by ``make(old array)``."""
    with h5py.File(path, "r+") as f:
        group = f["model_weights"][layer]
        name = [n.decode() for n in group.attrs["weight_names"]][index]
        old = np.asarray(group[name])
        del group[name]
        make(group, name, old)


@pytest.mark.parametrize("make", [
    lambda g, n, old: g.create_dataset(n, data=np.full(old.shape, b"0.5")),
    lambda g, n, old: g.create_dataset(n, data=np.zeros(old.shape, [("a", "f4"),
                                                                      ("b", "i4")])),
    lambda g, n, old: g.create_dataset(n, data=np.zeros(old.shape[:-1] + (old.shape[-1] + 1,),
                                                        "float32")),
], ids=["bytes", "compound", "shape"])
def test_bad_weights_leave_model_untouched(saved, make):
    path, model, _ = saved
    _replace_dataset(path, "bn", 0, make)
    target = _model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError, match="bn") as info:
        target.load_weights(path)
    assert path in str(info.value)
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)
    with pytest.raises(ValueError):
        keras.models.load_model(path)


def test_huge_declared_dataset_refused_unread(saved):
    path, _, _ = saved
    # 2 GiB declared, never written: a damaged header in a small file
    _replace_dataset(path, "out", 1, lambda g, n, old: g.create_dataset(
        n, shape=(2**29,), dtype="float32"))
    with pytest.raises(ValueError, match="declares shape") as info:
        _model().load_weights(path)
    assert path in str(info.value)


def test_missing_layer_group_names_file_and_piece(saved):
    path, _, _ = saved
    with h5py.File(path, "r+") as f:
        del f["model_weights"]["lstm"]
    for load in (keras.models.load_model, _model().load_weights):
        with pytest.raises(ValueError, match="lstm") as info:
            load(path)
        assert path in str(info.value)


def test_missing_weight_dataset_names_file(saved):
    path, _, _ = saved
    with h5py.File(path, "r+") as f:
        group = f["model_weights"]["out"]
        del group[group.attrs["weight_names"][0].decode()]
    with pytest.raises(ValueError, match="'out'") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


def test_keras_zip_and_weights_h5_refuse_string_weights(tmp_path):
    model = _model()
    model(np.zeros((1, 8, 3), "float32"))
    weights = str(tmp_path / "m.weights.h5")
    model.save_weights(weights)
    with h5py.File(weights, "r+") as f:
        group = f["layers/dense/vars"]
        shape = group["0"].shape
        del group["0"]
        group.create_dataset("0", data=np.full(shape, b"0.5"))
    target = _model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError, match="float or integer") as info:
        target.load_weights(weights)
    assert weights in str(info.value)
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_keras_zip_huge_units(tmp_path):
    import zipfile

    model = _model()
    model(np.zeros((1, 8, 3), "float32"))
    path = str(tmp_path / "m.keras")
    model.save(path)
    damaged = str(tmp_path / "d.keras")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "config.json":
                config = json.loads(data)
                entry = next(e for e in config["config"]["layers"]
                             if e["config"].get("name") == "out")
                entry["config"]["units"] = 10**9
                data = json.dumps(config)
            dst.writestr(item, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="'out' \\(Dense\\)") as info:
            keras.models.load_model(damaged)
    assert damaged in str(info.value)
