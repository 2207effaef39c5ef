"""Sequence to sequence: an LSTM learns to add two numbers given as text.

The Keras example: ``"535+61"`` -> ``"596"``, one character at a time. An LSTM encoder
reads the question (reversed, which shortens the paths between the digits that interact),
``RepeatVector`` hands its summary to every output step, and an LSTM decoder with a
``TimeDistributed`` softmax writes the answer. Reaches more than 95% per-character
validation accuracy in a few minutes on two CPU cores:

    python examples/addition_rnn.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers

CHARS = "0123456789+ "


class CharacterTable:
    """One-hot encodes strings over ``CHARS`` and decodes probabilities back."""

    def __init__(self, chars: str):
        self.chars = sorted(set(chars))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def encode(self, strings: list[str], length: int) -> np.ndarray:
        codes = np.array([[self.index[c] for c in s.ljust(length)] for s in strings])
        return np.eye(len(self.chars), dtype="float32")[codes]

    def decode(self, probabilities: np.ndarray) -> list[str]:
        return ["".join(self.chars[i] for i in row) for row in probabilities.argmax(-1)]


def make_questions(count: int, digits: int, rng) -> tuple[list[str], list[str]]:
    """``count`` distinct questions ``a+b`` (1 to ``digits`` digits each), padded with
    spaces to ``2 * digits + 1`` characters, and their answers."""
    seen, questions, answers = set(), [], []
    while len(questions) < count:
        a, b = (int(rng.integers(0, 10 ** int(rng.integers(1, digits + 1)))) for _ in "ab")
        if (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        questions.append(f"{a}+{b}".ljust(2 * digits + 1))
        answers.append(str(a + b))
    return questions, answers


def build_model(hidden: int, classes: int, digits: int) -> keras.Model:
    return keras.Sequential([
        keras.Input((2 * digits + 1, classes)),
        layers.LSTM(hidden),  # the encoder: the question -> one vector
        layers.RepeatVector(digits + 1),  # the sum may carry into one more digit
        layers.LSTM(hidden, return_sequences=True),  # the decoder: one state per digit
        layers.TimeDistributed(layers.Dense(classes, activation="softmax")),
    ])


def main(training_size: int = 50000, epochs: int = 12, hidden: int = 128,
         batch_size: int = 64, digits: int = 3, learning_rate: float = 0.003,
         verbose: int = 2) -> float:
    """Trains the adder of numbers of up to ``digits`` digits; returns the per-character
    validation accuracy."""
    keras.utils.set_random_seed(1337)
    rng = np.random.default_rng(1337)
    table = CharacterTable(CHARS)
    questions, answers = make_questions(training_size, digits, rng)
    x = table.encode([q[::-1] for q in questions], 2 * digits + 1)  # reversed input
    y = table.encode(answers, digits + 1)
    split = len(x) - len(x) // 10
    (x_train, x_val), (y_train, y_val) = (x[:split], x[split:]), (y[:split], y[split:])
    print(f"{len(x_train)} training and {len(x_val)} validation questions, "
          f"e.g. {questions[0]!r} = {answers[0]!r}")

    model = build_model(hidden, len(table.chars), digits)
    # A fast start, then smaller steps each epoch: late spikes of Adam do not undo the fit.
    steps_per_epoch = -(-len(x_train) // batch_size)
    schedule = keras.optimizers.schedules.ExponentialDecay(
        learning_rate, decay_steps=steps_per_epoch, decay_rate=0.75)
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.Adam(learning_rate=schedule),
                  metrics=["accuracy"])
    if verbose:
        model.summary()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_val, y_val), verbose=verbose)
    guesses = table.decode(model.predict(x_val[:5], verbose=0))
    for question, answer, guess in zip(questions[split:split + 5], answers[split:], guesses):
        mark = "ok" if guess.strip() == answer else "wrong"
        print(f"{question.strip():>8} = {answer:<4} guess {guess.strip():<4} {mark}")
    accuracy = history.history["val_accuracy"][-1]
    print(f"Validation accuracy per character: {accuracy:.4f}")
    return accuracy


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/addition_rnn.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "addition_rnn", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
