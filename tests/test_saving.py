"""Saving and loading: real-Keras fixtures both ways, round trips, dialects, bad files."""

import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

import kerasette as keras
from kerasette import layers

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def inputs_outputs(path: Path):
    data = np.load(path)
    xs = [data[k] for k in sorted(data) if k.startswith("x")]
    ys = [data[k] for k in sorted(data) if k.startswith("y")]
    return (xs if len(xs) > 1 else xs[0]), ys


def as_list(outputs):
    return outputs if isinstance(outputs, list) else [outputs]


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
@pytest.mark.parametrize("name", ["mlp", "functional"])
def test_real_keras_files_load_and_predict_the_same(flavour, name):
    model = keras.models.load_model(FIXTURES / flavour / f"{name}.h5")
    x, expected = inputs_outputs(FIXTURES / flavour / f"{name}.npz")
    for got, want in zip(as_list(model.predict(x, verbose=0)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert model.compiled and int(model.optimizer.iterations) > 0


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_optimizer_state_of_real_keras_files_is_restored(flavour):
    path = FIXTURES / flavour / "mlp.h5"
    model = keras.models.load_model(path)
    with h5py.File(path) as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in group.attrs["weight_names"]]
        first_slot = np.asarray(group[names[1 if flavour == "tf_keras" else 2]])
    kernel = model.layers[0].kernel
    slots = [v for v in model.optimizer.variables if v.shape == kernel.shape]
    np.testing.assert_array_equal(slots[0].numpy(), first_slot)
    assert int(model.optimizer.iterations) == 12


def test_weights_only_files_from_real_keras():
    def architecture():
        return keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                 layers.Dropout(0.1), layers.Dense(3, activation="softmax")])

    x, expected = inputs_outputs(FIXTURES / "keras3" / "mlp.npz")
    model = architecture()
    model.load_weights(FIXTURES / "keras3" / "mlp.weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[0], rtol=1e-5, atol=1e-6)
    x, expected = inputs_outputs(FIXTURES / "tf_keras" / "mlp.npz")
    model = architecture()
    model.load_weights(FIXTURES / "tf_keras" / "mlp_weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("flavour,name", [
    ("keras3", "mlp"), ("keras3", "functional"), ("keras3", "residual"),
    ("keras3", "seq2seq_zip"),  # .keras: Keras 3 reads no RNN initial_state from .h5
    ("keras3", "sequences_zip"),
    ("tf_keras", "mlp"), ("tf_keras", "functional"), ("tf_keras", "residual"),
    ("tf_keras", "seq2seq")])
def test_real_keras_loads_kerasette_files_identically(flavour, name):
    """The .npz beside each kerasette file is what real Keras predicted from it
    (tests/fixtures/check_in_keras.py); kerasette must predict the same numbers."""
    here = FIXTURES / "kerasette"
    x, _ = inputs_outputs(here / f"{name}_inputs.npz")
    recorded = np.load(here / f"{name}.{flavour}.npz")
    extension = ".keras" if name.endswith("_zip") else ".h5"
    model = keras.models.load_model(here / (name + extension))
    for index, got in enumerate(as_list(model.predict(x, verbose=0))):
        np.testing.assert_allclose(got, recorded[f"y{index}"], rtol=1e-5, atol=1e-6)
    if name == "mlp" and flavour == "keras3":
        clone = keras.models.clone_model(model)
        clone.load_weights(here / "mlp.weights.h5")
        np.testing.assert_allclose(clone.predict(x, verbose=0), recorded["weights_only"],
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_recurrent_fixture_with_keras2_semantics(flavour):
    if not hasattr(layers, "LSTM"):
        pytest.skip("recurrent layers are not part of kerasette yet")
    model = keras.models.load_model(FIXTURES / flavour / "recurrent.h5")
    x, expected = inputs_outputs(FIXTURES / flavour / "recurrent.npz")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[0], rtol=1e-5, atol=1e-5)


def small_model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([layers.Dense(5, activation="relu", input_shape=(3,)),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["acc"])
    return model


def data():
    x = np.random.default_rng(0).standard_normal((24, 3)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def test_round_trip_keeps_predictions_config_and_compile_state(tmp_path):
    model = small_model()
    x, y = data()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.h5"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.get_config() == model.get_config()
    assert loaded.metrics_names == [] and loaded.compiled
    loaded.evaluate(x, y, verbose=0)
    assert loaded.metrics_names == ["loss", "acc"]
    assert type(loaded.optimizer).__name__ == "Adam"
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_resume_gives_the_same_weights_as_training_straight(tmp_path, suffix):
    x, y = data()
    straight = small_model()
    straight.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    first = small_model()
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / f"half{suffix}")
    resumed = keras.models.load_model(tmp_path / f"half{suffix}")
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_json_and_clone(tmp_path):
    model = small_model()
    rebuilt = keras.models.model_from_json(model.to_json())
    assert rebuilt.get_config() == model.get_config()
    clone = keras.models.clone_model(model)
    assert clone.get_config() == model.get_config()
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x, _ = data()
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("suffix", [".weights.h5", "_weights.h5"])
def test_save_and_load_weights(tmp_path, suffix):
    model = small_model()
    path = tmp_path / f"w{suffix}"
    model.save_weights(path)
    other = small_model()
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_weights_by_name_and_skip_mismatch(tmp_path):
    model = small_model()
    model.save_weights(tmp_path / "w.h5")
    keras.utils.set_random_seed(9)
    other = keras.Sequential([keras.Input((3,)), layers.Dense(5, name=model.layers[0].name),
                              layers.Dense(4, name=model.layers[1].name)])
    with pytest.raises(ValueError, match="weight shapes"):
        other.load_weights(tmp_path / "w.h5", by_name=True)
    before = other.layers[1].get_weights()
    with pytest.warns(UserWarning, match="Skipping"):
        other.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0], model.get_weights()[0])
    np.testing.assert_array_equal(other.layers[1].get_weights()[0], before[0])


def write_legacy_file(path, model_config, weights, training_config=None, version="2.2.4"):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = version.encode()
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode()
        if training_config:
            f.attrs["training_config"] = json.dumps(training_config).encode()
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [name.encode() for name in weights]
        for name, arrays in weights.items():
            layer_group = group.create_group(name)
            names = [f"{name}/w{i}:0".encode() for i in range(len(arrays))]
            layer_group.attrs["weight_names"] = names
            for n, a in zip(names, arrays):
                layer_group.create_dataset(n.decode(), data=a)


def test_keras_2_2_dialect_bare_list_sequential_lr_decay_and_mae(tmp_path):
    rng = np.random.default_rng(1)
    kernel, bias = rng.standard_normal((3, 2)).astype("float32"), np.ones(2, "float32")
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {
            "name": "dense_1", "trainable": True, "batch_input_shape": [None, 3],
            "dtype": "float32", "units": 2, "activation": "hard_sigmoid", "use_bias": True,
            "kernel_initializer": {"class_name": "VarianceScaling", "config": {
                "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}}]}
    training = {"optimizer_config": {"class_name": "SGD", "config": {
        "lr": 0.01, "momentum": 0.0, "decay": 0.0, "nesterov": False}},
        "loss": "mae", "metrics": ["mae"], "sample_weight_mode": None, "loss_weights": None}
    path = tmp_path / "old.h5"
    write_legacy_file(path, config, {"dense_1": [kernel, bias]}, training)
    model = keras.models.load_model(path)
    x = rng.standard_normal((5, 3)).astype("float32") * 4
    expected = np.clip(0.2 * (x @ kernel + bias) + 0.5, 0, 1)  # Keras 2's hard_sigmoid
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.01, rtol=1e-6)
    model.evaluate(x, expected, verbose=0)


def test_keras_2_functional_class_model(tmp_path):
    config = {"class_name": "Model", "config": {
        "name": "model_1",
        "layers": [
            {"name": "input_1", "class_name": "InputLayer", "config": {
                "batch_input_shape": [None, 2], "dtype": "float32", "sparse": False,
                "name": "input_1"}, "inbound_nodes": []},
            {"name": "dense_1", "class_name": "Dense", "config": {
                "name": "dense_1", "units": 1, "activation": "linear", "use_bias": False},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
    path = tmp_path / "model.h5"
    write_legacy_file(path, config, {"input_1": [], "dense_1": [np.array([[2.0], [3.0]],
                                                                         "float32")]})
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(np.array([[1.0, 1.0]]), verbose=0), [[5.0]])


def test_lambda_code_is_never_run_unless_safe_mode_is_off(tmp_path):
    model = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t * 3.0)])
    path = tmp_path / "lambda.h5"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]])


def test_enable_unsafe_deserialization_turns_safe_mode_off_for_every_load(tmp_path,
                                                                          monkeypatch):
    from kerasette import config

    model = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t * 2.0)])
    path = tmp_path / "lambda.h5"
    model.save(path)
    monkeypatch.setitem(config._flags, "safe_mode", True)  # restored after the test
    config.enable_unsafe_deserialization()
    assert not config.in_safe_mode()
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[2.0, 2.0]])


def test_custom_layer_needs_custom_objects(tmp_path):
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = keras.Sequential([keras.Input((2,)), Scale(5.0)])
    model.save(tmp_path / "custom.h5")
    with pytest.raises(ValueError, match="custom_objects"):
        keras.models.load_model(tmp_path / "custom.h5")
    loaded = keras.models.load_model(tmp_path / "custom.h5", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[5.0, 5.0]])
    keras.saving.register_keras_serializable(package="tests")(Scale)
    assert isinstance(keras.models.load_model(tmp_path / "custom.h5").layers[0], Scale)


def test_bad_files_fail_cleanly(tmp_path):
    good = tmp_path / "good.h5"
    small_model().save(good)
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(ValueError, match="truncated.h5"):
        keras.models.load_model(truncated)
    text = tmp_path / "text.h5"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="not a valid HDF5"):
        keras.models.load_model(text)
    weights_only = tmp_path / "weights.h5"
    small_model().save_weights(weights_only)
    with pytest.raises(ValueError, match="No model config"):
        keras.models.load_model(weights_only)
    other = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"weight shapes .* do not match"):
        other.load_weights(good)
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "missing.h5")


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.h5"
    model = small_model()
    model.save(path)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(h5py.Group, "create_dataset", disk_full)
    with pytest.raises(OSError, match="No space") as info:
        model.save(path)
    assert str(path) in str(info.value) and info.value.errno == 28
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.h5"]  # no temporary left
    keras.models.load_model(path)


def test_model_checkpoint_templates_best_only_and_batches(tmp_path):
    x, y = data()
    model = small_model()
    template = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(template, save_weights_only=True)])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and names[0].startswith("w.01-")
    best = tmp_path / "best.h5"
    checkpoint = keras.callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True,
                                                 initial_value_threshold=-1.0)
    model.fit(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[checkpoint])
    assert not best.exists()  # nothing beats a threshold of -1
    every = keras.callbacks.ModelCheckpoint(tmp_path / "b{batch}.h5", save_freq=2)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[every])
    assert (tmp_path / "b2.h5").exists() and (tmp_path / "b6.h5").exists()
    keras.models.load_model(tmp_path / "b6.h5")


KILL_SCRIPT = """
import sys, numpy as np, kerasette as keras
from kerasette import layers
x = np.random.default_rng(0).standard_normal((4096, 64)).astype("float32")
model = keras.Sequential([keras.Input((64,)), layers.Dense(512, activation="relu"),
                          layers.Dense(512, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
save = keras.callbacks.ModelCheckpoint(sys.argv[1], save_freq=1)
started = keras.callbacks.LambdaCallback(
    on_train_batch_end=lambda b, logs: b == 1 and print("saving", flush=True))
model.fit(x, x[:, :1], epochs=1000, batch_size=32, verbose=0, callbacks=[save, started])
"""


def test_sigkill_during_checkpoint_saves_leaves_a_loadable_file(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "ckpt.h5"
    script = tmp_path / "train.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, str(script), str(path)],
                               stdout=subprocess.PIPE, env=env)
    try:
        assert process.stdout.readline().strip() == b"saving"
        for delay in (0.05, 0.11, 0.17):  # kill at some point inside the save loop
            time.sleep(delay)
            keras.models.load_model(path)  # readable while the writer keeps saving
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    model = keras.models.load_model(path)
    assert model.layers[0].kernel.shape == (64, 512)


def test_split_attributes_are_joined(tmp_path):
    """tf-keras splits long attributes into layer_names0, layer_names1, ..."""
    model = keras.Sequential([keras.Input((2,))] + [layers.Dense(2, name=f"d{i}")
                                                    for i in range(5)])
    path = tmp_path / "w.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as f:
        names = list(f.attrs["layer_names"])
        del f.attrs["layer_names"]
        f.attrs["layer_names0"] = names[:3]
        f.attrs["layer_names1"] = names[3:]
    other = keras.models.clone_model(model)
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_tensors_passed_as_keyword_arguments_survive_a_round_trip(tmp_path):
    """An LSTM's ``initial_state`` from another layer (written as tf-keras does: extra
    inputs after the sequence) and a mask passed as a keyword (tf-keras's
    ``[layer, node, tensor]`` reference) come back wired the same."""
    keras.utils.set_random_seed(11)
    sequence = keras.Input((5, 3))
    flags = keras.Input((5,), dtype="bool")
    _, h, c = layers.LSTM(4, return_state=True)(sequence)
    resumed = layers.LSTM(4)(sequence, initial_state=[h, c], mask=flags)
    model = keras.Model([sequence, flags], layers.Dense(2)(resumed))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 3)).astype("float32")
    keep = np.ones((3, 5), bool)
    keep[0, 3:] = keep[2, 1:] = False
    path = tmp_path / "wired.h5"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict([x, keep], verbose=0),
                               model.predict([x, keep], verbose=0), rtol=1e-6, atol=1e-6)
    unmasked = model.predict([x, np.ones_like(keep)], verbose=0)
    assert not np.allclose(loaded.predict([x, keep], verbose=0)[0], unmasked[0])


@pytest.mark.parametrize("name", ["rnn", "nest"])
def test_keras3_weights_files_with_nested_layers_both_ways(name, tmp_path):
    """Keras 3 keeps an RNN's weights under its cell, Bidirectional's under forward_layer
    and backward_layer, and keys layers by class (``dense``), not by name. kerasette reads
    Keras 3's file and predicts the same, and writes the very same groups and shapes."""
    import h5py
    from helpers import fixture_module

    models = fixture_module("nested_weight_models")
    model = models.MODELS[name](keras)
    keras3_file = FIXTURES / "keras3" / f"{name}.weights.h5"
    model.load_weights(keras3_file)
    x, expected = inputs_outputs(FIXTURES / "keras3" / f"{name}.npz")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[0], rtol=1e-5,
                               atol=1e-6)

    def datasets(path):
        found = {}
        with h5py.File(path, "r") as f:
            f.visititems(lambda key, item: found.update(
                {key: item.shape} if isinstance(item, h5py.Dataset) else {}))
        return found

    written = tmp_path / f"{name}.weights.h5"
    model.save_weights(written)
    assert datasets(written) == datasets(keras3_file)
    fresh = models.MODELS[name](keras)
    fresh.load_weights(written)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected[0], rtol=1e-5,
                               atol=1e-6)


def test_keras_zip_keeps_predictions_and_optimizer_state(tmp_path):
    """``model.save("m.keras")`` (Keras 3's format; resuming is checked with the .h5
    files above): same predictions and optimizer slots; ModelCheckpoint writes it too."""
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    best = tmp_path / "best_model.keras"
    model.fit(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[
        keras.callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True)])
    assert keras.models.load_model(best).count_params() == model.count_params()


@pytest.mark.parametrize("name", ["seq2seq_states", "mlp"])
def test_real_keras3_keras_files_load_compiled(name):
    """.keras files written by Keras 3.15 (tests/fixtures/make_keras_zip.py): the
    lstm_seq2seq model with its initial_state wiring, and a Sequential MLP; same
    predictions, compiled, with Keras's optimizer state."""
    model = keras.models.load_model(FIXTURES / "keras3" / f"{name}.keras")
    stored = np.load(FIXTURES / "keras3" / f"{name}_keras.npz")
    xs = [stored[k] for k in sorted(stored) if k.startswith("x")]
    got = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    np.testing.assert_allclose(got, stored["y0"], rtol=1e-5, atol=1e-6)
    assert model.compiled and int(model.optimizer.iterations.numpy()) == stored["iterations"]


def test_keras_zip_failures_are_clear_and_harmless(tmp_path, monkeypatch):
    import zipfile

    path = tmp_path / "model.keras"
    model = small_model()
    model.save(path)
    before = path.read_bytes()
    original = zipfile.ZipFile.writestr

    def full_disk(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise OSError(28, "No space left on device")
        return original(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(OSError, match="No space"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [
        "model.keras"]
    (tmp_path / "text.keras").write_text("not a zip")
    with pytest.raises(ValueError, match="not a readable .keras file"):
        keras.models.load_model(tmp_path / "text.keras")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match=r"not a Keras model archive.*config.json"):
        keras.models.load_model(tmp_path / "empty.keras")


def test_keras3_weights_keys_are_by_class_and_a_missing_layer_is_an_error(tmp_path):
    """Keras 3 keys layers by class in order: renamed layers still load; a model with a
    layer the file lacks gets an error naming the group it looked for."""
    def stack(count, prefix):
        return keras.Sequential([keras.Input((3,))] + [
            layers.Dense(3, name=f"{prefix}{i}") for i in range(count)])

    source = stack(2, "a")
    path = tmp_path / "two.weights.h5"
    source.save_weights(path)
    renamed = stack(2, "b")
    renamed.load_weights(path)
    x = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(renamed.predict(x, verbose=0), source.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"'b2' has no weights.*'layers/dense_2'"):
        stack(3, "b").load_weights(path)
    by_name = stack(2, "dense_")  # named dense_0, dense_1: only dense_1 is a file key
    by_name.load_weights(path, by_name=True)
    np.testing.assert_array_equal(by_name.layers[1].get_weights()[0],
                                  source.layers[1].get_weights()[0])


def test_keras2_cudnn_layers_load_as_lstm_and_gru():
    """A model saved with CuDNNLSTM and CuDNNGRU (Keras 2 on a GPU) loads as LSTM and GRU
    and predicts what tf-keras predicts after converting the cuDNN weight layout
    (tests/fixtures/make_keras_cudnn.py)."""
    model = keras.models.load_model(FIXTURES / "tf_keras" / "cudnn.h5")
    assert [type(layer).__name__ for layer in model.layers[1:3]] == ["LSTM", "GRU"]
    assert model.layers[2].get_config()["reset_after"]
    assert model.layers[1].get_config()["recurrent_activation"] == "sigmoid"
    x, expected = inputs_outputs(FIXTURES / "tf_keras" / "cudnn.npz")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[0], rtol=1e-5,
                               atol=1e-6)
