"""Transfer learning and fine-tuning, the Keras recipe, on the bundled MNIST digits.

1. Train a small convolutional base (with BatchNormalization) on the digits 0-4.
2. Freeze it (``base.trainable = False``), put a new classifier on top, and train only
   that on the digits 5-9: the base does not change, and ``summary()`` lists its weights
   as non-trainable.
3. Unfreeze the base and fine-tune everything with a low learning rate. The base is
   called with ``training=False``, so its BatchNormalization keeps its statistics.

Runs offline in under a minute on two CPU cores:

    python examples/fine_tuning.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers


def load_digits(train_size=None):
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist_5k.load_data()
    x_train = x_train[:train_size, :, :, None].astype("float32") / 255
    x_test = x_test[:, :, :, None].astype("float32") / 255
    return x_train, y_train[:train_size].astype("int64"), x_test, y_test.astype("int64")


def build_base() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.BatchNormalization(momentum=0.9),  # short runs: faster moving statistics
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
    ], name="base")


def main(epochs: int = 4, train_size: int | None = None, verbose: int = 2) -> dict:
    """Runs the three stages; returns the test accuracies and whether the frozen base
    stayed unchanged while the new head trained."""
    keras.utils.set_random_seed(7)
    x_train, y_train, x_test, y_test = load_digits(train_size)
    old, new = y_train < 5, y_train >= 5
    old_test, new_test = y_test < 5, y_test >= 5

    base = build_base()
    pretrain = keras.Sequential([base, layers.Dense(5, activation="softmax")])
    pretrain.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                     metrics=["accuracy"])
    print("1. Training the base on the digits 0-4")
    pretrain.fit(x_train[old], y_train[old], batch_size=64, epochs=epochs, verbose=verbose)
    source = pretrain.evaluate(x_test[old_test], y_test[old_test], verbose=0)[1]

    print("2. Frozen base, new head for the digits 5-9")
    base.trainable = False
    inputs = keras.Input((28, 28, 1))
    features = base(inputs, training=False)  # BatchNormalization stays in inference mode
    outputs = layers.Dense(5, activation="softmax", name="new_head")(features)
    model = keras.Model(inputs, outputs)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = base.get_weights()
    model.fit(x_train[new], y_train[new] - 5, batch_size=64, epochs=epochs, verbose=verbose)
    unchanged = all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))
    frozen = model.evaluate(x_test[new_test], y_test[new_test] - 5, verbose=0)[1]

    print("3. Fine-tuning everything with a low learning rate")
    base.trainable = True
    model.compile(optimizer=keras.optimizers.Adam(1e-4),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[new], y_train[new] - 5, batch_size=64, epochs=max(1, epochs // 2),
              verbose=verbose)
    tuned = model.evaluate(x_test[new_test], y_test[new_test] - 5, verbose=0)[1]
    print(f"Digits 0-4 (base): {source:.4f}; digits 5-9 with the frozen base: "
          f"{frozen:.4f}; after fine-tuning: {tuned:.4f}; base unchanged while frozen: "
          f"{unchanged}")
    return {"source": source, "frozen": frozen, "fine_tuned": tuned,
            "base_unchanged": unchanged}


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/fine_tuning.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "fine_tuning", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
