"""Quick start: the Keras MNIST MLP, on the 5,000 MNIST digits bundled with kerasette.

Runs offline in well under a minute on two CPU cores:

    python examples/quickstart.py
"""

import kerasette as keras


def main(epochs: int = 10) -> float:
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist_5k.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    print(f"{len(x_train)} training and {len(x_test)} test images")

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}  Test accuracy: {accuracy:.4f}")
    return accuracy


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/quickstart.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "quickstart", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
