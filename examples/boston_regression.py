"""Regression of house prices: Boston housing with K-fold validation (bundled data).

The Keras tutorial of "Deep Learning with Python", chapter 3: 404 training rows is too
few for one validation split to say much, so the model is scored by K-fold validation
(train on K-1 folds, score the held-out fold, average), and only then trained on all
the training rows and scored once on the test set. Features are standardized with the
training set's mean and standard deviation (never the test set's). The score is the
mean absolute error (MAE) in $1000s, next to the MAE of always predicting the mean.

    python examples/boston_regression.py [--plot curves.png] [--out DIR]
"""

import os
import tempfile

import numpy as np

import kerasette as keras
from kerasette import layers


def build_model(features: int) -> keras.Model:
    model = keras.Sequential([
        keras.Input((features,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


def k_fold_mae(x, y, folds: int, epochs: int, batch_size: int, verbose: int) -> list:
    """The validation MAE of each of ``folds`` models, each trained on the other folds."""
    size = len(x) // folds
    scores = []
    for fold in range(folds):
        held_out = slice(fold * size, (fold + 1) * size)
        x_rest = np.concatenate([x[:fold * size], x[(fold + 1) * size:]])
        y_rest = np.concatenate([y[:fold * size], y[(fold + 1) * size:]])
        model = build_model(x.shape[1])
        model.fit(x_rest, y_rest, epochs=epochs, batch_size=batch_size, verbose=0)
        _, mae = model.evaluate(x[held_out], y[held_out], verbose=0)
        scores.append(mae)
        if verbose:
            print(f"fold {fold + 1}/{folds}: validation MAE {mae:.2f}")
    return scores


def main(epochs: int = 80, folds: int = 4, batch_size: int = 16, verbose: int = 1,
         plot: str | None = None, out: str | None = None) -> dict:
    """K-fold validation, then a final model; returns the MAEs (in $1000s) and the
    path of the plot.

    ``plot`` names a PNG of the training curves, written inside the folder ``out``
    (default: a fresh temporary folder) unless it is an absolute path.
    """
    keras.utils.set_random_seed(3)
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train = ((x_train - mean) / std).astype("float32")
    x_test = ((x_test - mean) / std).astype("float32")
    y_train, y_test = y_train.astype("float32"), y_test.astype("float32")

    fold_mae = k_fold_mae(x_train, y_train, folds, epochs, batch_size, verbose)
    model = build_model(x_train.shape[1])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_split=0.2, verbose=0)
    _, test_mae = model.evaluate(x_test, y_test, verbose=0)
    baseline = float(np.abs(y_test - y_train.mean()).mean())
    print(f"K-fold validation MAE {np.mean(fold_mae):.2f}; test MAE {test_mae:.2f} "
          f"(predicting the mean: {baseline:.2f})")
    if plot:
        out = out or tempfile.mkdtemp(prefix="kerasette-boston_regression-")
        plot = keras.utils.plot_history(history, os.path.join(out, plot))
        print(f"Saved the training curves to {plot}")
    return {"fold_mae": fold_mae, "test_mae": test_mae, "baseline_mae": baseline,
            "history": history.history, "plot": plot}


def cli(argv: list[str] | None = None) -> dict:
    """The command line: ``python examples/boston_regression.py --help``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    arguments = parser(__doc__, "boston_regression")
    arguments.add_argument("--plot", metavar="PNG", help="save the training curves to "
                           "this file in --out (needs matplotlib: pip install "
                           "\"kerasette[plot]\")")
    arguments.add_argument("--epochs", type=int, default=80, help="epochs of each model")
    arguments.add_argument("--folds", type=int, default=4, help="K of K-fold validation")
    flags = arguments.parse_args(argv)
    return main(epochs=flags.epochs, folds=flags.folds, plot=flags.plot, out=flags.out)


if __name__ == "__main__":
    cli()
