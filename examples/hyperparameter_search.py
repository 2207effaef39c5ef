"""A hyperparameter search over a small grid, every run recorded, and a summary table.

The way experiment-tracking tools for Keras work (tfruns, Guild AI, MLflow's autolog):
each run gets a folder under ``--out`` holding its flags (the hyperparameters),
its final metrics and its whole per-epoch history as JSON, so runs can be compared and
re-read later; ``summary.json`` lists them all, best first, and a table is printed.
The model is an MLP on the bundled 8x8 digits; the grid crosses hidden units, dropout
and learning rate.

    python examples/hyperparameter_search.py --out runs
"""

import argparse
import itertools
import json
import os
import tempfile
import time

import kerasette as keras
from kerasette import layers

GRID = {"units": [32, 128], "dropout": [0.0, 0.3], "learning_rate": [0.001, 0.01]}


def load_digits():
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return ((x_train.reshape(-1, 64).astype("float32") / 16, y_train),
            (x_test.reshape(-1, 64).astype("float32") / 16, y_test))


DEFAULTS = {"units": 64, "dropout": 0.0, "learning_rate": 0.001, "seed": 0}


def train_one(flags: dict, data, epochs: int) -> tuple:
    """Trains one model with ``flags``; returns (metrics, history)."""
    keras.utils.set_random_seed(flags["seed"])
    (x_train, y_train), (x_test, y_test) = data
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(flags["units"], activation="relu"),
        layers.Dropout(flags["dropout"]),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(flags["learning_rate"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32,
                        validation_split=0.2, verbose=0)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    logs = history.history
    metrics = {"val_accuracy": logs["val_accuracy"][-1], "val_loss": logs["val_loss"][-1],
               "test_accuracy": test_accuracy, "test_loss": test_loss,
               "seconds": round(time.perf_counter() - start, 3)}
    return metrics, {key: [float(v) for v in values] for key, values in logs.items()}


def save_run(folder: str, flags: dict, metrics: dict, history: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, content in (("flags", flags), ("metrics", metrics), ("history", history)):
        with open(os.path.join(folder, f"{name}.json"), "w", encoding="utf8") as stream:
            json.dump(content, stream, indent=2)


def summary_table(runs: list) -> str:
    """A fixed-width table of the runs, best validation accuracy first."""
    flag_names = list(runs[0]["flags"])
    columns = ["run"] + flag_names + ["val_accuracy", "test_accuracy", "seconds"]
    rows = [[run["run"]] + [str(run["flags"][n]) for n in flag_names]
            + [f"{run['metrics'][m]:.4f}" for m in ("val_accuracy", "test_accuracy")]
            + [f"{run['metrics']['seconds']:.2f}"] for run in runs]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def main(output: str | None = None, grid: dict | None = None, epochs: int = 20) -> list:
    """Runs every point of ``grid``, recording them in the folder ``output`` (default: a
    fresh temporary folder); returns the runs, best first."""
    grid = grid or GRID
    output = output or tempfile.mkdtemp(prefix="kerasette-hyperparameter_search-")
    os.makedirs(output, exist_ok=True)
    print(f"Recording the runs in {output}")
    data = load_digits()
    runs = []
    for number, values in enumerate(itertools.product(*grid.values()), start=1):
        flags = {**DEFAULTS, **dict(zip(grid, values))}
        metrics, history = train_one(flags, data, epochs)
        name = f"run_{number:03d}"
        save_run(os.path.join(output, name), flags, metrics, history)
        runs.append({"run": name, "flags": flags, "metrics": metrics})
        print(f"{name} {flags}: val_accuracy {metrics['val_accuracy']:.4f}")
    runs.sort(key=lambda run: -run["metrics"]["val_accuracy"])
    with open(os.path.join(output, "summary.json"), "w", encoding="utf8") as stream:
        json.dump(runs, stream, indent=2)
    print(summary_table(runs))
    return runs


def cli(argv: list[str] | None = None) -> list:
    """The command line: ``python examples/hyperparameter_search.py --help``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    arguments = parser(__doc__, "hyperparameter_search")
    arguments.add_argument("--output", dest="out", metavar="DIR",
                           default=argparse.SUPPRESS, help="the former name of --out")
    arguments.add_argument("--epochs", type=int, default=20, help="epochs of each run")
    flags = arguments.parse_args(argv)
    return main(flags.out, epochs=flags.epochs)


if __name__ == "__main__":
    cli()
