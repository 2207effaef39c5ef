"""The Keras MNIST convnet, on the 5,000 MNIST digits bundled with kerasette.

Conv2D 32 -> Conv2D 64 -> MaxPooling2D -> Dropout -> Flatten -> Dense 128 -> Dense 10,
trained with Adam for 8 epochs; reaches about 0.97 test accuracy on the 1,000 held-out
digits in one to two minutes on two CPU cores, offline:

    python examples/mnist_cnn.py
"""

import kerasette as keras
from kerasette import layers


def build_model() -> keras.Model:
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def main(epochs: int = 8, train_size: int | None = None, verbose: int = 1) -> float:
    """Trains the convnet and returns its test accuracy.

    ``train_size`` keeps only the first images of the training set (a quick run).
    """
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist_5k.load_data()
    x_train = x_train[:train_size, :, :, None].astype("float32") / 255
    y_train = y_train[:train_size]
    x_test = x_test[:, :, :, None].astype("float32") / 255
    print(f"{len(x_train)} training and {len(x_test)} test images")

    model = build_model()
    if verbose:
        model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1,
              verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}  Test accuracy: {accuracy:.4f}")
    return accuracy


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/mnist_cnn.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "mnist_cnn", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
