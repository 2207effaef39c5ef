"""Stop when validation stops improving, keep the best model, load it back.

A deliberately large MLP on few training images (the bundled 8x8 digits) overfits: the
validation loss falls, then rises. ``EarlyStopping`` ends training ``patience`` epochs
after the best epoch, and ``ModelCheckpoint(save_best_only=True)`` has written the model
of that best epoch to an ``.h5`` file; ``keras.models.load_model`` reads it back,
compiled, and it scores exactly the validation loss recorded at that epoch.

    python examples/early_stopping_checkpoint.py [--out DIR]
"""

import os
import tempfile

import numpy as np

import kerasette as keras
from kerasette import layers


def main(train_size: int = 300, max_epochs: int = 200, patience: int = 5,
         folder: str | None = None, verbose: int = 1) -> dict:
    """Trains until early stopping, checkpointing to ``best.h5`` in ``folder`` (default:
    a fresh temporary folder); returns what happened and the reloaded model's scores."""
    keras.utils.set_random_seed(21)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16
    x_val, y_val = x_train[train_size:], y_train[train_size:]
    x_train, y_train = x_train[:train_size], y_train[:train_size]

    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.003),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    folder = folder or tempfile.mkdtemp(prefix="kerasette-early_stopping_checkpoint-")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "best.h5")
    print(f"Checkpoints go to {path}")
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience),
        keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True),
    ]
    history = model.fit(x_train, y_train, epochs=max_epochs, batch_size=32,
                        validation_data=(x_val, y_val), callbacks=callbacks,
                        verbose=verbose)
    val_losses = history.history["val_loss"]
    best_epoch = int(np.argmin(val_losses))
    print(f"Stopped after {len(val_losses)} of {max_epochs} epochs; the best validation "
          f"loss {val_losses[best_epoch]:.4f} was at epoch {best_epoch + 1}.")

    best = keras.models.load_model(path)
    reloaded_val_loss, _ = best.evaluate(x_val, y_val, verbose=0)
    _, test_accuracy = best.evaluate(x_test, y_test, verbose=0)
    _, last_test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Reloaded best model: validation loss {reloaded_val_loss:.4f}, test accuracy "
          f"{test_accuracy:.4f} (the last epoch's model: {last_test_accuracy:.4f}).")
    return {"epochs_run": len(val_losses), "best_epoch": best_epoch + 1,
            "best_val_loss": val_losses[best_epoch], "reloaded_val_loss": reloaded_val_loss,
            "test_accuracy": test_accuracy, "last_test_accuracy": last_test_accuracy,
            "path": path}


def cli(argv: list[str] | None = None) -> dict:
    """The command line: ``python examples/early_stopping_checkpoint.py --help``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    arguments = parser(__doc__, "early_stopping_checkpoint")
    arguments.add_argument("--train-size", type=int, default=300, metavar="N",
                           help="training images; the rest of the training set validates")
    arguments.add_argument("--max-epochs", type=int, default=200, help="at most this many")
    arguments.add_argument("--patience", type=int, default=5,
                           help="epochs without a better validation loss before stopping")
    flags = arguments.parse_args(argv)
    return main(train_size=flags.train_size, max_epochs=flags.max_epochs,
                patience=flags.patience, folder=flags.out)


if __name__ == "__main__":
    cli()
