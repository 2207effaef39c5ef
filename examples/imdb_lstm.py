"""Sentiment classification with an LSTM: the Keras ``imdb_lstm`` example.

Reads the IMDB movie reviews through ``keras.datasets.imdb`` when that data set is
available (downloaded or cached); otherwise, offline, it writes its own reviews: filler
words with a few positive and negative words mixed in, labelled by which kind appears
more often. Those texts go through ``preprocessing.text.Tokenizer`` and
``pad_sequences`` as real ones would.

    python examples/imdb_lstm.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers
from kerasette.preprocessing.sequence import pad_sequences
from kerasette.preprocessing.text import Tokenizer

POSITIVE = ("good great excellent superb wonderful loved brilliant enjoyable moving "
            "charming").split()
NEGATIVE = "bad awful boring terrible waste poor dull worst hated weak".split()


def generated_reviews(count: int, rng, max_words: int = 80):
    """``count`` reviews with a learnable rule: the label says whether positive words
    outnumber negative ones (by two or more)."""
    filler = [f"word{i}" for i in range(2000)]
    weights = 1 / np.arange(1, len(filler) + 1)  # Zipf-like: a few words are common
    weights /= weights.sum()
    texts, labels = [], rng.integers(0, 2, count)
    for label in labels:
        length = int(rng.integers(20, max_words + 1))
        words = list(rng.choice(filler, size=length, p=weights))
        majority = int(rng.integers(2, 6))
        minority = int(rng.integers(0, majority - 1))
        strong, weak = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
        sentiment = list(rng.choice(strong, majority)) + list(rng.choice(weak, minority))
        for word in sentiment:
            words[int(rng.integers(0, length))] = word
        texts.append(" ".join(words))
    return texts, labels.astype("float32")


def load_data(max_features: int, samples: int, use_imdb: bool, rng):
    """((x_train, y_train), (x_test, y_test)) as lists of word-index sequences."""
    imdb = getattr(keras.datasets, "imdb", None) if use_imdb else None
    if imdb is not None:
        try:
            return imdb.load_data(num_words=max_features)
        except Exception as error:  # offline and not cached: fall back, say why
            print(f"IMDB is not available ({error}); using generated reviews.")
    texts, labels = generated_reviews(samples, rng)
    tokenizer = Tokenizer(num_words=max_features, oov_token="<unk>")
    split = len(texts) * 4 // 5
    tokenizer.fit_on_texts(texts[:split])
    sequences = tokenizer.texts_to_sequences(texts)
    return (sequences[:split], labels[:split]), (sequences[split:], labels[split:])


def main(samples: int = 10000, epochs: int = 4, max_features: int = 20000, maxlen: int = 80,
         units: int = 128, batch_size: int = 32, use_imdb: bool = True,
         verbose: int = 1) -> float:
    """Trains the classifier; returns the test accuracy."""
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    (x_train, y_train), (x_test, y_test) = load_data(max_features, samples, use_imdb, rng)
    print(f"{len(x_train)} train sequences, {len(x_test)} test sequences")
    x_train = pad_sequences(x_train, maxlen=maxlen)
    x_test = pad_sequences(x_test, maxlen=maxlen)
    print("x_train shape:", x_train.shape)

    model = keras.Sequential([
        keras.Input((maxlen,), dtype="int32"),
        layers.Embedding(max_features, units),
        layers.LSTM(units, dropout=0.2, recurrent_dropout=0.2),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
              validation_data=(x_test, y_test), verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    print(f"Test score: {loss:.4f}  Test accuracy: {accuracy:.4f}")
    return accuracy


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/imdb_lstm.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "imdb_lstm", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
