"""Binary classification of a hidden rule, with unbalanced classes: precision and recall.

Ten integer features from 0 to 99; the label is 1 when f0 > 67, f1 < 32, f2 mod 7 < 3 and
f3 mod 30 > 12 all hold (the other six features are noise). About 2.5 % of rows are
positive, so accuracy says little (always answering 0 scores 97.5 %): the example
reports precision (how many predicted positives are right) and recall (how many
positives are found), with ``keras.metrics.Precision`` and ``Recall``.

Two things make it learnable by a small MLP. Each feature is one-hot encoded (a unit
can then pick out any set of values, such as "f2 mod 7 < 3", which a raw number cannot
express linearly), and ``class_weight`` gives the rare class as much weight in the loss
as the common one.

    python examples/binary_rule.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers

FEATURES, VALUES = 10, 100


def make_data(count: int, rng) -> tuple:
    """``count`` rows of integer features and the rule's labels."""
    x = rng.integers(0, VALUES, size=(count, FEATURES))
    y = (x[:, 0] > 67) & (x[:, 1] < 32) & (x[:, 2] % 7 < 3) & (x[:, 3] % 30 > 12)
    return x, y.astype("float32")


def one_hot(x: np.ndarray) -> np.ndarray:
    """(n, 10) integers to (n, 10 * 100) indicators: one block of 100 per feature."""
    encoded = np.zeros((len(x), FEATURES * VALUES), dtype="float32")
    encoded[np.arange(len(x))[:, None], np.arange(FEATURES) * VALUES + x] = 1
    return encoded


def main(samples: int = 40000, epochs: int = 15, verbose: int = 1) -> dict:
    """Trains on 80 % of ``samples`` rows; returns test precision, recall and the
    positive rate."""
    keras.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    x, y = make_data(samples, rng)
    split = samples * 4 // 5
    x_train, y_train = one_hot(x[:split]), y[:split]
    x_test, y_test = one_hot(x[split:]), y[split:]
    positives = float(y_train.mean())
    print(f"{len(x_train)} training rows, {positives:.1%} positive")

    model = keras.Sequential([
        keras.Input((FEATURES * VALUES,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="binary_crossentropy",
                  metrics=[keras.metrics.Precision(name="precision"),
                           keras.metrics.Recall(name="recall")])
    balance = {0: 0.5 / (1 - positives), 1: 0.5 / positives}
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=128,
                        class_weight=balance, verbose=verbose)
    scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print(f"Test precision {scores['precision']:.3f}, recall {scores['recall']:.3f} "
          f"({int(y_test.sum())} positives among {len(y_test)} rows)")
    return {"precision": scores["precision"], "recall": scores["recall"],
            "positive_rate": positives, "history": history.history}


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/binary_rule.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "binary_rule", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
