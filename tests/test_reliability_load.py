"""Damaged files: clear errors naming the file, never a crash, hang or half-loaded model."""

import hashlib
import io
import json
import os
import warnings
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import kerasette as keras
from kerasette import layers
from kerasette.saving.checksums import array_digest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kerasette"


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
    """Sets a root attribute and its checksum, as a hostile (not a damaged) file would:
    the checks behind the checksums must hold on their own."""
    with h5py.File(path, "r+") as f:
        f.attrs[name] = value
        if f"{name}_sha256" in f.attrs:
            f.attrs[f"{name}_sha256"] = hashlib.sha256(value.encode()).hexdigest()


def _edit_config(path, edit):
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config["config"]["layers"])
        text = json.dumps(config)
        f.attrs["model_config"] = text
        f.attrs["model_config_sha256"] = hashlib.sha256(text.encode()).hexdigest()


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
            if item == "metadata.json":  # a hostile file: no digest to give it away
                data = json.dumps({**json.loads(data), "config_sha256": None})
            dst.writestr(item, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="'out' \\(Dense\\)") as info:
            keras.models.load_model(damaged)
    assert damaged in str(info.value)


# Checksums: every file kerasette writes carries them; damage is an error, never numbers.

def _save_all(tmp_path):
    """A trained, compiled model saved in all four ways kerasette writes HDF5."""
    model = _model()
    x = np.random.default_rng(1).normal(size=(4, 8, 3)).astype("float32")
    model.fit(x, np.ones((4, 2), "float32"), epochs=1, verbose=0)
    paths = {kind: str(tmp_path / f"m{kind}") for kind in
             (".h5", ".keras", ".weights.h5", "_legacy_weights.h5")}
    for kind, path in paths.items():
        (model.save if kind in (".h5", ".keras") else model.save_weights)(path)
    return model, x, paths


def _inner_h5(path):
    """An HDF5 file: the path itself, or the weights inside a .keras archive."""
    if not path.endswith(".keras"):
        return h5py.File(path, "r")
    with zipfile.ZipFile(path) as archive:
        return h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")


def test_every_dataset_kerasette_writes_carries_checksums(tmp_path):
    _, _, paths = _save_all(tmp_path)
    for kind, path in paths.items():
        found = []
        with _inner_h5(path) as f:
            assert f.attrs["kerasette_checksums"] == b"sha256-v1"
            f.visititems(lambda n, item: found.append(item) if isinstance(item, h5py.Dataset)
                         else None)
            assert found, kind
            for dataset in found:
                assert len(dataset.attrs["kerasette_sha256"]) == 64, dataset.name
                # scalars (the optimizer's step count) cannot take a filter: digest only
                assert dataset.fletcher32 == (dataset.ndim > 0 and dataset.size > 0)
            assert any(d.ndim == 0 for d in found) == (kind in (".h5", ".keras"))
            if kind == ".h5":
                text = f.attrs["model_config"].decode()  # fixed-length bytes, no heap
                assert f.attrs["model_config_sha256"].decode() == hashlib.sha256(
                    text.encode()).hexdigest()
                assert "training_config_sha256" in f.attrs


def _kernel_name(f):
    return "model_weights/conv/conv/kernel:0" if "model_weights" in f else \
        "layers/conv1d/vars/0"


@pytest.mark.parametrize("kind", [".h5", ".weights.h5"])
def test_a_changed_weight_fails_its_checksum_and_changes_nothing(tmp_path, kind):
    """h5py rewrites the fletcher32 sum with the value: the digest still catches it."""
    _, _, paths = _save_all(tmp_path)
    path = paths[kind]
    with h5py.File(path, "r+") as f:
        name = _kernel_name(f)
        f[name][0, 0, 0] += 1.0
    target = _model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError, match="'conv' fails its checksum") as info:
        target.load_weights(path)
    assert path in str(info.value) and f"'/{name}'" in str(info.value)
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_a_flipped_byte_in_stored_values_fails_fletcher32(tmp_path):
    _, _, paths = _save_all(tmp_path)
    path = paths[".weights.h5"]
    with h5py.File(path, "r") as f:
        start = f[_kernel_name(f)].id.get_chunk_info(0).byte_offset
    data = bytearray(open(path, "rb").read())
    data[start + 2] ^= 0x10
    open(path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match=r"layers/conv1d/vars/0.*damaged") as info:
        _model().load_weights(path)
    assert path in str(info.value)


def test_a_damaged_optimizer_slot_is_an_error_not_a_silent_change(tmp_path):
    _, _, paths = _save_all(tmp_path)
    path = paths[".h5"]
    with h5py.File(path, "r+") as f:
        group = f["optimizer_weights"]
        name = next(n for n in group.attrs["weight_names"] if b"momentum" in n).decode()
        group[name][...] = np.asarray(group[name]) + 1.0
    with pytest.raises(ValueError, match="optimizer.*fails its checksum") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


def test_a_dataset_without_its_digest_in_a_checksummed_file_is_an_error(tmp_path):
    _, _, paths = _save_all(tmp_path)
    path = paths["_legacy_weights.h5"]
    with h5py.File(path, "r+") as f:
        del f["out/out/bias:0"].attrs["kerasette_sha256"]
        del f.attrs["kerasette_checksums"]  # the others still carry digests: checked
        good = np.asarray(f["conv/conv/bias:0"])
        f["conv/conv/bias:0"][0] = good[0] + 1.0
    with pytest.raises(ValueError, match="conv/bias:0.*fails its checksum"):
        _model().load_weights(path)
    with h5py.File(path, "r+") as f:
        f.attrs["kerasette_checksums"] = np.bytes_("sha256-v1")
        f["conv/conv/bias:0"][...] = good
    with pytest.raises(ValueError, match="out/bias:0.*has no checksum") as info:
        _model().load_weights(path)
    assert path in str(info.value)


def test_a_config_changed_behind_its_digest_is_an_error(tmp_path):
    model, x, paths = _save_all(tmp_path)
    path = paths[".h5"]
    with h5py.File(path, "r+") as f:
        text = f.attrs["model_config"].decode()
        f.attrs["model_config"] = text.replace('"units": 2', '"units": 3')
    with pytest.raises(ValueError, match="'model_config'.*fails its checksum") as info:
        keras.models.load_model(path)
    assert path in str(info.value)
    with h5py.File(path, "r+") as f:
        del f.attrs["model_config"]  # its digest says it was there
    with pytest.raises(ValueError, match="'model_config'.*fails its checksum"):
        keras.models.load_model(path)


def test_a_damaged_training_config_is_an_error_unless_compile_is_false(tmp_path):
    model, x, paths = _save_all(tmp_path)
    path = paths[".h5"]
    with h5py.File(path, "r+") as f:
        f.attrs["training_config"] = f.attrs["training_config"].decode().replace("adam",
                                                                                 "sgd")
    with pytest.raises(ValueError, match="'training_config'.*checksum.*compile=False"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, compile=False)
    assert not loaded.compiled
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_keras_config_changed_behind_its_digest_is_an_error(tmp_path):
    _, _, paths = _save_all(tmp_path)
    path, damaged = paths[".keras"], str(tmp_path / "d.keras")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "config.json":
                data = data.replace(b'"units": 2', b'"units": 3')
            dst.writestr(item, data)
    with pytest.raises(ValueError, match="'config.json'.*fails its checksum") as info:
        keras.models.load_model(damaged)
    assert damaged in str(info.value)


def test_a_renamed_group_is_an_error_even_where_loading_would_skip_it(tmp_path):
    """A flipped byte in the link name of 'optimizer_weights' hid the optimizer's state:
    the model loaded compiled, with a fresh optimizer and no word (fuzz, seed 1)."""
    _, _, paths = _save_all(tmp_path)
    path = paths[".h5"]
    with h5py.File(path, "r+") as f:
        f.move("optimizer_weights", "opt\rmizer_weights")
    with pytest.raises(ValueError, match="lost or renamed") as info:
        keras.models.load_model(path)
    assert path in str(info.value)


def test_a_digest_of_a_damaged_type_is_refused_unread(tmp_path):
    """Read as a variable-length sequence, a damaged string attribute sends HDF5 after
    a heap pointer that is not one: h5py crashed (SIGSEGV) on such a fuzz copy."""
    _, _, paths = _save_all(tmp_path)
    path = paths[".weights.h5"]
    with h5py.File(path, "r+") as f:
        attrs = f["layers/dense/vars/0"].attrs
        del attrs["kerasette_sha256"]
        sequence = np.empty((), dtype=h5py.vlen_dtype("u1"))
        sequence[()] = np.arange(3, dtype="u1")
        attrs.create("kerasette_sha256", sequence, dtype=h5py.vlen_dtype("u1"))
    with pytest.raises(ValueError, match=r"vars/0.*damaged type \(TypeVlenID") as info:
        _model().load_weights(path)
    assert path in str(info.value)


def test_the_fuzz_copy_that_crashed_h5py_is_a_clean_error():
    """tests/fixtures/kerasette/damaged_attribute_type.weights.h5: a fuzz copy (its root
    checksum marker removed) whose digest attribute's type a flipped byte made a
    variable-length sequence; loading it killed the process. Loaded in a subprocess."""
    import subprocess
    import sys

    fixture = FIXTURES / "damaged_attribute_type.weights.h5"
    script = ("import kerasette as keras\nfrom kerasette import layers\n"
              "m = keras.Sequential([keras.Input((8, 3)), layers.Conv1D(4, 3), "
              "layers.LSTM(5), layers.BatchNormalization(), layers.Dense(2)])\n"
              "try:\n    m.load_weights(%r)\nexcept ValueError as e:\n    print(e)\n"
              % str(fixture))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "damaged type" in done.stdout and str(fixture) in done.stdout


@pytest.mark.parametrize("name", ["mlp.h5", "mlp.weights.h5", "functional.h5", "residual.h5",
                                  "seq2seq.h5", "seq2seq_zip.keras", "sequences_zip.keras"])
def test_files_real_keras_read_in_the_interop_tests_carry_checksums(name):
    """tests/test_saving.py checks that Keras 3 and tf-keras predict from these kerasette
    files what kerasette predicts: files with fletcher32 and digests, as written now."""
    with _inner_h5(str(FIXTURES / name)) as f:
        assert f.attrs["kerasette_checksums"] == b"sha256-v1"
        found = []
        f.visititems(lambda n, item: found.append(item) if isinstance(item, h5py.Dataset)
                     else None)
        assert all(d.fletcher32 for d in found if d.ndim and d.size)


def test_a_flipped_byte_in_a_weights_type_header_is_an_error(tmp_path):
    """Fuzz copy #903 of a .weights.h5 (before checksums): one byte of the kernel's float
    type message (exponent bias 127 -> 16) made HDF5 convert the same bytes into other
    numbers (float64, 1e32), loaded without a word. The digest covers type and values."""
    _, _, paths = _save_all(tmp_path)
    path = paths[".weights.h5"]
    with h5py.File(path, "r") as f:
        header = h5py.h5o.get_info(f["layers/dense/vars/0"].id).addr
    data = bytearray(open(path, "rb").read())
    float32_le = bytes([0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 0x20, 0, 0x17, 0x08, 0,
                        0x17, 0x7f, 0, 0, 0])
    at = data.find(float32_le, header)
    assert at > 0
    data[at + 16] = 16
    open(path, "wb").write(bytes(data))
    target = _model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError, match="layers/dense/vars/0.*fails its checksum") as info:
        target.load_weights(path)
    assert path in str(info.value)
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_a_config_too_long_for_a_header_is_stored_and_checked_all_the_same(tmp_path):
    """Configs over 60,000 bytes cannot be fixed-length attributes (HDF5's 64 KB object
    header): they are variable-length strings, still digested and verified."""
    model = keras.Sequential([keras.Input((2,))] + [layers.Dense(2) for _ in range(160)])
    path = str(tmp_path / "long.h5")
    model.save(path)
    with h5py.File(path, "r+") as f:
        text = f.attrs["model_config"]
        assert isinstance(text, str) and len(text) > 60000
        short = h5py.File(_save_all(tmp_path)[2][".h5"], "r")
        assert isinstance(short.attrs["model_config"], bytes)
        short.close()
    x = np.ones((3, 2), "float32")
    np.testing.assert_array_equal(keras.models.load_model(path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = text.replace('"units": 2', '"units": 3', 1)
    with pytest.raises(ValueError, match="'model_config'.*fails its checksum"):
        keras.models.load_model(path)


def test_an_optimizer_state_that_does_not_fit_is_dropped_whole_with_a_warning(tmp_path):
    """A hostile file (digests updated) with one optimizer slot of the wrong shape: the
    optimizer starts fresh, as the warning says, with no slot taken from the file."""
    model, x, paths = _save_all(tmp_path)
    path = paths[".h5"]
    with h5py.File(path, "r+") as f:
        group = f["optimizer_weights"]
        names = [n.decode() for n in group.attrs["weight_names"]]
        last = names[-1]  # a slot after others that would fit
        shape = group[last].shape
        del group[last]
        bad = np.ones(tuple(s + 1 for s in shape), "float32")
        group.create_dataset(last, data=bad)
        group[last].attrs["kerasette_sha256"] = np.bytes_(array_digest(bad))
    with pytest.warns(UserWarning, match="optimizer state .* starts fresh"):
        loaded = keras.models.load_model(path)
    fresh = keras.optimizers.Adam()
    fresh.build(loaded.trainable_weights)
    for got, want in zip(loaded.optimizer.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
