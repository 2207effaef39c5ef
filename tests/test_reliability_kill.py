"""Processes that die or run out of room while saving: the old file survives, no crash.

A checkpointing process is SIGKILLed at random moments while it saves ``.keras`` and
``.weights.h5`` files (``.h5``: tests/test_saving.py); the file loads every time. A save
that hits a full disk midway (here a file-size limit, ``RLIMIT_FSIZE``, with SIGXFSZ
ignored, so that writes fail with EFBIG as on a full disk) raises an ``OSError`` naming
the path; the process goes on, and the previous file is intact.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers


def _env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def checkpointed_model():
    return keras.Sequential([keras.Input((64,)), layers.Dense(256, activation="relu"),
                             layers.Dense(256, activation="relu"), layers.Dense(1)])


KILL_SCRIPT = """
import sys, numpy as np, kerasette as keras
from kerasette import layers
x = np.random.default_rng(0).standard_normal((4096, 64)).astype("float32")
model = keras.Sequential([keras.Input((64,)), layers.Dense(256, activation="relu"),
                          layers.Dense(256, activation="relu"), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
path = sys.argv[1]
save = keras.callbacks.ModelCheckpoint(path, save_freq=1,
                                       save_weights_only=path.endswith(".weights.h5"))
started = keras.callbacks.LambdaCallback(
    on_train_batch_end=lambda b, logs: b == 1 and print("saving", flush=True))
model.fit(x, x[:, :1], epochs=1000, batch_size=32, verbose=0, callbacks=[save, started])
"""


def _load(path):
    if str(path).endswith(".weights.h5"):
        model = checkpointed_model()
        model.load_weights(path)
        return model
    return keras.models.load_model(path)


@pytest.mark.parametrize("name", ["ckpt.keras", "ckpt.weights.h5"])
def test_sigkill_at_random_moments_of_checkpointing_leaves_a_loadable_file(tmp_path, name):
    path = tmp_path / name
    script = tmp_path / "train.py"
    script.write_text(KILL_SCRIPT)
    rng = np.random.default_rng(7)
    for _ in range(2):  # two writers, each killed at its own random moment
        process = subprocess.Popen([sys.executable, str(script), str(path)],
                                   stdout=subprocess.PIPE, env=_env())
        try:
            assert process.stdout.readline().strip() == b"saving"
            for _ in range(3):
                time.sleep(float(rng.uniform(0.01, 0.15)))
                _load(path)  # readable while the writer keeps replacing it
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        model = _load(path)
        assert model.layers[0].kernel.shape == (64, 256)
        assert np.all(np.isfinite(model.layers[0].kernel.numpy()))
    names = [p.name for p in tmp_path.iterdir()]
    assert name in names and all(n == name or n.endswith(".tmp") or n == "train.py"
                                 for n in names)


DISK_FULL_SCRIPT = """
import json, resource, shutil, signal, sys
import numpy as np, kerasette as keras
from kerasette import layers
folder = sys.argv[1]
model = keras.Sequential([keras.Input((16,)), layers.Dense(128), layers.Dense(4)])
model.compile(optimizer="adam", loss="mse")
x = np.ones((8, 16), "float32")
model.train_on_batch(x, np.zeros((8, 4), "float32"))
paths = [folder + "/" + name for name in ("m.h5", "m.keras", "m.weights.h5", "w.h5")]
def save(path):
    if path.endswith(("m.h5", ".keras")):
        model.save(path)
    else:
        model.save_weights(path)
for path in paths:  # the previous, good files
    save(path)
    shutil.copyfile(path, path + ".before")
model.train_on_batch(x, np.ones((8, 4), "float32"))  # new weights to save
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # writes past 8 KB: EFBIG
for path in paths:
    try:
        save(path)
        print(json.dumps({"path": path, "saved": True}), flush=True)
    except Exception as error:
        print(json.dumps({"path": path, "type": type(error).__name__,
                          "errno": getattr(error, "errno", None),
                          "message": str(error)}), flush=True)
print(json.dumps({"done": True}), flush=True)
"""


def test_a_save_that_runs_out_of_room_raises_naming_the_path_and_keeps_the_old_file(
        tmp_path):
    """h5py used to segfault in its file close when a write failed: now the HDF5 file is
    built in memory and written with Python's write, which raises."""
    import errno

    script = tmp_path / "full.py"
    script.write_text(DISK_FULL_SCRIPT)
    folder = tmp_path / "saves"
    folder.mkdir()
    done = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True,
                          text=True, env=_env(), timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies[-1] == {"done": True}
    assert len(replies) == 5
    for reply in replies[:-1]:
        path = reply["path"]
        assert reply.get("type") == "OSError" and reply["errno"] == errno.EFBIG, reply
        assert path in reply["message"] and "previous file" in reply["message"], reply
        with open(path, "rb") as now, open(path + ".before", "rb") as before:
            assert now.read() == before.read(), f"{path} changed"
    for name in ("m.h5", "m.keras"):
        keras.models.load_model(folder / name)
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(["m.h5", "m.keras", "m.weights.h5", "w.h5"] +
                          [n + ".before" for n in ("m.h5", "m.keras", "m.weights.h5",
                                                   "w.h5")]), left
