"""Every example's command line: ``--help`` shows ``--out`` and the defaults, and an
example that writes files puts all of them under ``--out`` (by default a fresh temporary
folder), never into the current directory."""

import importlib.util
import os
import subprocess
import sys

import pytest
from test_examples import EXAMPLES, load

import kerasette

NAMES = sorted(path.stem for path in EXAMPLES.glob("[!_]*.py"))

# The files each example writes at a tiny size, and the options that ask for that size.
WRITERS = {
    "boston_regression": (["--plot", "curves.png", "--epochs", "1", "--folds", "2"],
                          {"curves.png"}),
    "fashion_mlp": (["--plot", "curves.png", "--epochs", "1", "--train-size", "200",
                     "--dataset", "mnist_5k"], {"curves.png"}),
    "early_stopping_checkpoint": (["--train-size", "200", "--max-epochs", "3",
                                   "--patience", "1"], {"best.h5"}),
    "hyperparameter_search": (["--epochs", "1"], {"summary.json"} | {
        f"run_{run:03d}/{name}.json" for run in range(1, 9)
        for name in ("flags", "metrics", "history")}),
    "convnet_filters": (["--epochs", "1", "--train-size", "200", "--model", "cnn.h5"],
                        {"cnn.h5", "input.png", "filters_conv1.png",
                         "activations_conv1.png", "activations_conv2.png",
                         "patterns_conv2.png"}),
    "sklearn_onnx": (["--epochs", "1", "--units", "8"], {"boston_regressor.onnx"}),
    "vae_digits": (["--epochs", "1", "--train-size", "64"], {"generated.npy"}),
}


def files_under(folder) -> set:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file()}


@pytest.fixture
def cli(monkeypatch):
    """``cli(name, argv)`` runs an example's command line in this process, finding
    ``examples/_cli.py`` as the script would; without matplotlib, ``plot_history``
    writes a stand-in file, so that where it writes is still checked."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    if importlib.util.find_spec("matplotlib") is None:
        def fake_plot_history(history, path):
            os.makedirs(os.path.dirname(path), exist_ok=True)  # as plot_history does
            with open(path, "wb") as stream:
                stream.write(b"png")
            return str(path)

        monkeypatch.setattr(kerasette.utils, "plot_history", fake_plot_history)
    return lambda name, argv: load(name).cli(argv)


def test_every_example_with_a_command_line_is_listed():
    assert len(NAMES) == 16 and set(WRITERS) < set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_help_shows_out_and_the_defaults(name, cli, capsys):
    with pytest.raises(SystemExit) as stop:
        cli(name, ["--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "--out DIR" in text and "(default: " in text
    description = load(name).__doc__.strip().splitlines()[0]
    assert " ".join(description.split()) in " ".join(text.split())
    assert ("writes no files" in text) == (name not in WRITERS)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_files_go_under_out_not_the_current_directory(name, cli, tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    options, expected = WRITERS[name]
    cli(name, ["--out", str(tmp_path / "out" / "new")] + options)
    assert os.listdir(tmp_path / "cwd") == []
    assert files_under(tmp_path / "out" / "new") == expected


def test_the_default_out_is_a_fresh_temporary_folder(cli, tmp_path, monkeypatch, capsys):
    (tmp_path / "cwd").mkdir()
    (tmp_path / "temp").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "temp"))
    for _ in range(2):
        cli("early_stopping_checkpoint", WRITERS["early_stopping_checkpoint"][0])
    folders = sorted((tmp_path / "temp").iterdir())
    assert len(folders) == 2 and os.listdir(tmp_path / "cwd") == []
    printed = capsys.readouterr().out
    for folder in folders:
        assert folder.name.startswith("kerasette-early_stopping_checkpoint-")
        assert files_under(folder) == {"best.h5"} and str(folder) in printed


def test_a_script_run_from_another_folder_keeps_the_old_output_option(tmp_path):
    """``python examples/x.py`` finds ``_cli.py`` from any folder; ``--output``, the
    former name of ``--out``, still works."""
    script = EXAMPLES / "hyperparameter_search.py"
    # This process's import path, made absolute: the CuPy stand-in stays on it elsewhere.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(os.path.abspath(p) for p in sys.path
                                                       if p)}
    done = subprocess.run([sys.executable, str(script), "--output", "runs", "--epochs", "1"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert files_under(tmp_path / "runs") == WRITERS["hyperparameter_search"][1]
    assert "Recording the runs in runs" in done.stdout
