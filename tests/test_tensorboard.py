"""keras.callbacks.TensorBoard: event files read back by an independent decoder (and by
the tensorboard package where it is installed)."""

import glob
import os
import struct
import warnings

import numpy as np
import pytest

import kerasette as keras


# ---- an independent reader of TFRecord + Event protobuf ------------------------------
def _crc32c_bitwise(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> int:
    crc = _crc32c_bitwise(data)
    return ((crc >> 15 | crc << 17) + 0xA282EAD8) % 2 ** 32


def _records(path):
    blob = open(path, "rb").read()
    offset = 0
    while offset < len(blob):
        header = blob[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", blob[offset + 8:offset + 12])
        assert length_crc == _masked(header), "bad length checksum"
        data = blob[offset + 12:offset + 12 + length]
        (data_crc,) = struct.unpack("<I", blob[offset + 12 + length:offset + 16 + length])
        assert data_crc == _masked(data), "bad data checksum"
        offset += 16 + length
        yield data
    assert offset == len(blob)


def _fields(message: bytes):
    """(field number, value) pairs; length-delimited values as bytes."""
    i, out = 0, []

    def varint():
        nonlocal i
        shift = result = 0
        while True:
            byte = message[i]
            i += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while i < len(message):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out.append((field, varint()))
        elif wire == 1:
            out.append((field, struct.unpack("<d", message[i:i + 8])[0]))
            i += 8
        elif wire == 5:
            out.append((field, struct.unpack("<f", message[i:i + 4])[0]))
            i += 4
        elif wire == 2:
            n = varint()
            out.append((field, message[i:i + n]))
            i += n
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    return out


def _events(path):
    """Each event as a dict: wall_time, step, file_version, graph (nodes), scalars."""
    events = []
    for data in _records(path):
        event = {"step": 0, "scalars": []}
        for field, value in _fields(data):
            if field == 1:
                event["wall_time"] = value
            elif field == 2:
                event["step"] = value
            elif field == 3:
                event["file_version"] = value.decode()
            elif field == 4:
                event["graph"] = [dict_node(node) for _, node in _fields(value)]
            elif field == 5:
                for _, summary_value in _fields(value):
                    parts = dict(_fields(summary_value))
                    if 5 in parts:
                        event.setdefault("histograms", []).append(
                            (parts[1].decode(), _histogram(parts[5])))
                    else:
                        event["scalars"].append((parts[1].decode(), parts[2]))
        events.append(event)
    return events


def _histogram(message: bytes) -> dict:
    fields = dict(_fields(message))
    names = {1: "min", 2: "max", 3: "num", 4: "sum", 5: "sum_squares"}
    out = {name: fields[number] for number, name in names.items()}
    out["bucket_limit"] = np.frombuffer(fields[6], "<f8")  # packed repeated doubles
    out["bucket"] = np.frombuffer(fields[7], "<f8")
    return out


def dict_node(node: bytes):
    fields = _fields(node)
    return (dict(fields)[1].decode(), dict(fields)[2].decode(),
            [v.decode() for f, v in fields if f == 3])


def _scalars(log_dir, kind):
    (path,) = glob.glob(os.path.join(log_dir, kind, "events.out.tfevents.*"))
    events = _events(path)
    assert events[0]["file_version"] == "brain.Event:2"
    table = {}
    for event in events[1:]:
        for tag, value in event["scalars"]:
            table.setdefault(tag, []).append((event["step"], value))
    return events, table


def _data(n=40):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    return x, y


def _model():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="score")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_crc32c_known_value_and_masking():
    from kerasette.callbacks.tensorboard import crc32c, masked_crc32c
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert crc32c(b"") == 0
    for data in (b"", b"a", bytes(range(256))):
        assert crc32c(data) == _crc32c_bitwise(data)
        assert masked_crc32c(data) == _masked(data)


def test_epoch_scalars_equal_history_in_train_and_validation_files(tmp_path):
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(log_dir=tmp_path)])
    events, train = _scalars(tmp_path, "train")
    name = os.path.basename(glob.glob(str(tmp_path / "train" / "*"))[0])
    assert name.startswith("events.out.tfevents.") and name.endswith(".v2")
    assert set(train) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    for key in ("loss", "accuracy"):
        assert [s for s, _ in train[f"epoch_{key}"]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in train[f"epoch_{key}"]],
                                   history.history[key], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], [0.05] * 3,
                               rtol=1e-6)
    _, validation = _scalars(tmp_path, "validation")
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]],
                               history.history["val_loss"], rtol=1e-6)
    # 30 training samples in batches of 10: 3 batches an epoch
    assert [s for s, _ in validation["evaluation_loss_vs_iterations"]] == [3, 6, 9]
    wall_times = [e["wall_time"] for e in events]
    assert wall_times == sorted(wall_times) and wall_times[0] > 1e9


def test_graph_event_lists_layers_and_their_inputs(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    events, _ = _scalars(tmp_path, "train")
    (graph,) = [e["graph"] for e in events if "graph" in e]
    assert graph == [("features", "InputLayer", []), ("hidden", "Dense", ["features"]),
                     ("score", "Dense", ["hidden"])]
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path / "nograph", write_graph=False)])
    events, _ = _scalars(tmp_path / "nograph", "train")
    assert not any("graph" in e for e in events)


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6]), (2, [2, 4, 6])])
def test_batch_scalars_at_global_batch_steps(tmp_path, update_freq, steps):
    x, y = _data(30)
    model = _model()
    batch_losses = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_losses.append(float(logs["loss"])))
    model.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq=update_freq),
                         record])
    _, train = _scalars(tmp_path, "train")
    assert [s for s, _ in train["batch_loss"]] == steps
    np.testing.assert_allclose([v for _, v in train["batch_loss"]],
                               [batch_losses[s - 1] for s in steps], rtol=1e-6)
    assert [s for s, _ in train["epoch_loss"]] == [0, 1]


def test_tensorflow_only_arguments_warn_and_bad_update_freq_is_refused(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.callbacks.TensorBoard(tmp_path)  # defaults: no warning
    with pytest.warns(UserWarning, match="write_images, profile_batch"):
        keras.callbacks.TensorBoard(tmp_path, write_images=True, profile_batch=2)
    with pytest.raises(ValueError, match="histogram_freq"):
        keras.callbacks.TensorBoard(tmp_path, histogram_freq=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras 2's batch_size, as old tutorials pass it
        keras.callbacks.TensorBoard(tmp_path, batch_size=32, write_grads=False)
    with pytest.warns(UserWarning, match="write_grads"):
        keras.callbacks.TensorBoard(tmp_path, write_grads=True)
    with pytest.raises(TypeError, match="log_folder"):
        keras.callbacks.TensorBoard(log_folder=tmp_path)
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(tmp_path, update_freq="sometimes")


def test_weight_histograms_every_histogram_freq_epochs(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=2)])
    events, _ = _scalars(tmp_path, "train")
    written = [(e["step"], tag, h) for e in events for tag, h in e.get("histograms", [])]
    assert [(step, tag) for step, tag, _ in written] == [
        (step, f"{layer}/{weight}/histogram") for step in (0, 2)
        for layer in ("hidden", "score") for weight in ("kernel", "bias")]
    kernel = model.get_layer("hidden").get_weights()[0].astype(np.float64)
    (last,) = [h for step, tag, h in written if (step, tag) == (2, "hidden/kernel/histogram")]
    assert (last["min"], last["max"], last["num"]) == (kernel.min(), kernel.max(), 20)
    np.testing.assert_allclose([last["sum"], last["sum_squares"]],
                               [kernel.sum(), (kernel ** 2).sum()], rtol=1e-12)
    counts, edges = np.histogram(kernel, bins=30)
    np.testing.assert_array_equal(last["bucket"], counts)
    np.testing.assert_allclose(last["bucket_limit"], edges[1:])


def test_steps_per_second_is_written_when_asked(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, batch_size=20, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, write_steps_per_second=True)])
    _, train = _scalars(tmp_path, "train")
    assert [s for s, _ in train["epoch_steps_per_second"]] == [0, 1]
    assert all(v > 0 for _, v in train["epoch_steps_per_second"])


def test_the_tensorboard_package_reads_the_scalars(tmp_path):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=5)])
    reader = accumulator.EventAccumulator(str(tmp_path / "train"))
    reader.Reload()
    losses = reader.Scalars("epoch_loss")
    assert [e.step for e in losses] == [0, 1]
    np.testing.assert_allclose([e.value for e in losses], history.history["loss"], rtol=1e-6)
    assert reader.Tags()["graph"]
    (histogram,) = [e for e in reader.Histograms("hidden/kernel/histogram")]
    assert histogram.step == 0 and histogram.histogram_value.num == 20
