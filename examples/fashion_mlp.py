"""Classifying clothes: the Fashion-MNIST MLP with dropout ("Basic classification").

The first tutorial of the Keras/TensorFlow guides: flatten the 28x28 image, one hidden
layer of 128 ReLU units, dropout, ten-way softmax. With ``dataset="auto"`` (the default)
it reads Fashion-MNIST through ``keras.datasets.fashion_mnist`` (from the cache, or a
30 MB download); offline and uncached, that fails within a second and the example falls
back to the 5,000 MNIST digits bundled with kerasette, which train the same way.

    python examples/fashion_mlp.py [--plot curves.png] [--out DIR]
"""

import os
import tempfile

import numpy as np

import kerasette as keras
from kerasette import layers

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                   "Shirt", "Sneaker", "Bag", "Ankle boot"]


def load(dataset: str):
    """(name, ((x_train, y_train), (x_test, y_test))) for "fashion_mnist", "mnist_5k"
    or "auto" (the first when it can be read, else the second)."""
    if dataset in ("auto", "fashion_mnist"):
        try:
            return "fashion_mnist", keras.datasets.fashion_mnist.load_data()
        except OSError as error:
            if dataset == "fashion_mnist":
                raise
            print(f"Fashion-MNIST is not available ({error}).\nUsing the bundled MNIST "
                  "digits instead.")
    return "mnist_5k", keras.datasets.mnist_5k.load_data()


def main(epochs: int = 10, train_size: int | None = None, dataset: str = "auto",
         verbose: int = 1, plot: str | None = None, out: str | None = None) -> dict:
    """Trains the MLP; returns the test accuracy, the training history and the path of
    the plot.

    ``plot`` names a PNG of the training curves, written inside the folder ``out``
    (default: a fresh temporary folder) unless it is an absolute path.
    """
    keras.utils.set_random_seed(11)
    name, ((x_train, y_train), (x_test, y_test)) = load(dataset)
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_train = x_train.astype("float32") / 255  # pixel values to [0, 1]
    x_test = x_test.astype("float32") / 255
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images")

    model = keras.Sequential([
        keras.Input((28, 28)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32,
                        validation_split=0.1, verbose=verbose)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {accuracy:.4f}")
    predicted = np.argmax(model.predict(x_test[:5], verbose=0), axis=1)
    names = FASHION_CLASSES if name == "fashion_mnist" else [str(d) for d in range(10)]
    print("First test images:", [names[k] for k in predicted],
          "(truth:", [names[k] for k in y_test[:5]], ")")
    if plot:
        out = out or tempfile.mkdtemp(prefix="kerasette-fashion_mlp-")
        plot = keras.utils.plot_history(history, os.path.join(out, plot))
        print(f"Saved the training curves to {plot}")
    return {"dataset": name, "accuracy": accuracy, "history": history.history,
            "plot": plot}


def cli(argv: list[str] | None = None) -> dict:
    """The command line: ``python examples/fashion_mlp.py --help``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    arguments = parser(__doc__, "fashion_mlp")
    arguments.add_argument("--plot", metavar="PNG", help="save the training curves to "
                           "this file in --out (needs matplotlib: pip install "
                           "\"kerasette[plot]\")")
    arguments.add_argument("--epochs", type=int, default=10, help="training epochs")
    arguments.add_argument("--train-size", type=int, default=None, metavar="N",
                           help="train on the first N images only; None: all of them")
    arguments.add_argument("--dataset", default="auto",
                           choices=["auto", "fashion_mnist", "mnist_5k"],
                           help="auto: Fashion-MNIST when it can be read, else mnist_5k")
    flags = arguments.parse_args(argv)
    return main(epochs=flags.epochs, train_size=flags.train_size, dataset=flags.dataset,
                plot=flags.plot, out=flags.out)


if __name__ == "__main__":
    cli()
