"""The tutorial examples run at a reduced size and reach their learning outcome; the
bars are stated here, well inside what each run reaches (see each example's docstring
for the full-size run)."""

import json
import os
import sys

import numpy as np
import pytest
from test_examples import load
from test_get_file import closed_port_url

from kerasette.datasets import fashion_mnist
from kerasette.utils import plot_history


def falls(losses, factor: float = 0.7) -> bool:
    return losses[-1] < factor * losses[0]


def test_boston_regression_beats_the_mean_predictor():
    result = load("boston_regression").main(epochs=20, folds=2, verbose=0)
    assert len(result["fold_mae"]) == 2
    assert result["test_mae"] < 4.5 and result["test_mae"] < 0.7 * result["baseline_mae"]
    assert falls(result["history"]["loss"], 0.2)


def test_fashion_mlp_on_the_bundled_digits():
    result = load("fashion_mlp").main(epochs=3, train_size=2000, dataset="mnist_5k",
                                      verbose=0)
    assert result["dataset"] == "mnist_5k" and result["accuracy"] >= 0.8
    assert falls(result["history"]["loss"], 0.5)


def test_fashion_mlp_falls_back_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "kerasette"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", closed_port_url(""))
    result = load("fashion_mlp").main(epochs=1, train_size=500, verbose=0)
    assert result["dataset"] == "mnist_5k"


def test_binary_rule_finds_the_rare_positives():
    result = load("binary_rule").main(samples=20000, epochs=6, verbose=0)
    assert 0.01 < result["positive_rate"] < 0.05
    assert result["precision"] >= 0.7 and result["recall"] >= 0.7
    assert falls(result["history"]["loss"], 0.1)


def test_binary_rule_one_hot_blocks():
    example = load("binary_rule")
    x = np.array([[0, 99, 5, 0, 0, 0, 0, 0, 0, 7]])
    encoded = example.one_hot(x)
    assert encoded.shape == (1, 1000) and encoded.sum() == 10
    assert encoded[0, 0] == encoded[0, 199] == encoded[0, 205] == encoded[0, 907] == 1


def test_early_stopping_keeps_and_reloads_the_best_model(tmp_path):
    result = load("early_stopping_checkpoint").main(train_size=200, patience=3,
                                                    folder=str(tmp_path), verbose=0)
    assert result["epochs_run"] < 200
    assert result["epochs_run"] == result["best_epoch"] + 3
    assert os.path.isfile(tmp_path / "best.h5")
    assert result["reloaded_val_loss"] == pytest.approx(result["best_val_loss"], abs=1e-5)
    assert result["test_accuracy"] >= 0.85


def test_hyperparameter_search_records_every_run(tmp_path, capsys):
    grid = {"units": [16, 64], "learning_rate": [0.01]}
    runs = load("hyperparameter_search").main(str(tmp_path), grid=grid, epochs=4)
    assert len(runs) == 2 and runs[0]["metrics"]["val_accuracy"] >= 0.85
    assert runs[0]["metrics"]["val_accuracy"] >= runs[1]["metrics"]["val_accuracy"]
    for run in runs:
        folder = tmp_path / run["run"]
        flags = json.loads((folder / "flags.json").read_text())
        history = json.loads((folder / "history.json").read_text())
        metrics = json.loads((folder / "metrics.json").read_text())
        assert flags == run["flags"] and metrics == run["metrics"]
        assert len(history["loss"]) == 4 and falls(history["loss"])
        assert metrics["val_accuracy"] == history["val_accuracy"][-1]
    assert json.loads((tmp_path / "summary.json").read_text()) == runs
    table = capsys.readouterr().out
    assert "val_accuracy" in table and all(run["run"] in table for run in runs)


HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
           "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.6, 0.7]}


def test_plot_history_saves_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = plot_history(HISTORY, tmp_path / "curves" / "history.png")
    with open(path, "rb") as stream:
        assert stream.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no metric"):
        plot_history(HISTORY, tmp_path / "x.png", metrics=["mae"])


def test_plot_history_without_matplotlib_says_how_to_install(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(ImportError, match=r"kerasette\[plot\]"):
        plot_history(HISTORY, tmp_path / "history.png")
    assert not (tmp_path / "history.png").exists()
