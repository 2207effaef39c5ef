"""Classifying clothes: the Fashion-MNIST MLP with dropout ("Basic classification").

The first tutorial of the Keras/TensorFlow guides: flatten the 28x28 image, one hidden
layer of 128 ReLU units, dropout, ten-way softmax. With ``dataset="auto"`` (the default)
it reads Fashion-MNIST through ``keras.datasets.fashion_mnist`` (from the cache, or a
30 MB download); offline and uncached, that fails within a second and the example falls
back to the 5,000 MNIST digits bundled with kerasette, which train the same way.

    python examples/fashion_mlp.py [--plot curves.png]
"""

import argparse

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
         verbose: int = 1, plot: str | None = None) -> dict:
    """Trains the MLP; returns the test accuracy and the training history."""
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
        keras.utils.plot_history(history, plot)
    return {"dataset": name, "accuracy": accuracy, "history": history.history}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PNG", help="save the training curves there "
                        "(needs matplotlib: pip install \"kerasette[plot]\")")
    main(plot=parser.parse_args().plot)
