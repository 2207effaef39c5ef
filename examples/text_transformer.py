"""Text classification with a small Transformer, as in the keras.io Transformer example.

The texts are generated, so the example runs offline: each sentence mixes common filler
words with a few words from one of two topics (sport or science), plus the odd word of
the other topic; the label is the topic. ``TextVectorization`` learns the vocabulary and
turns the sentences into index sequences; a token-and-position embedding, one
Transformer block (``MultiHeadAttention`` and a feed-forward network, each with a
residual connection and ``LayerNormalization``), ``GlobalAveragePooling1D`` and two
``Dense`` layers classify them.

    python examples/text_transformer.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers, ops

FILLER = ("the a an of to and in on at with for it this that was is were be by from "
          "we they he she said about after before then very much more some today new "
          "people year time day week group team work place part").split()
SPORT = ("match goal score league striker coach season tournament referee keeper "
         "stadium penalty").split()
SCIENCE = ("experiment theory molecule physics laboratory genome telescope quantum "
           "neuron particle hypothesis enzyme").split()


def generated_sentences(count: int, rng, min_words: int = 12, max_words: int = 40):
    """``count`` sentences and their topics (0: sport, 1: science), with punctuation
    and capitals for ``TextVectorization`` to standardize away."""
    texts, labels = [], rng.integers(0, 2, count)
    for label in labels:
        own, other = (SCIENCE, SPORT) if label else (SPORT, SCIENCE)
        words = list(rng.choice(FILLER, int(rng.integers(min_words, max_words + 1))))
        for word in list(rng.choice(own, int(rng.integers(2, 5)))) + list(
                rng.choice(other, int(rng.integers(0, 2)))):
            words.insert(int(rng.integers(0, len(words) + 1)), word)
        words[0] = words[0].capitalize()
        texts.append(" ".join(words) + rng.choice([".", "!", "?"]))
    return np.array(texts), labels.astype("int64")


class TokenAndPositionEmbedding(layers.Layer):
    """The sum of a token embedding and a learned embedding of each position."""

    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = self.pos_emb(ops.arange(0, ops.shape(x)[-1], 1))
        return self.token_emb(x) + positions


class TransformerBlock(layers.Layer):
    """Self-attention and a feed-forward network, each added back and normalized."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"),
                                     layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=None):
        attn_output = self.dropout1(self.att(inputs, inputs), training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.dropout2(self.ffn(out1), training=training)
        return self.layernorm2(out1 + ffn_output)


def build_model(maxlen: int, vocab_size: int, embed_dim: int, num_heads: int,
                ff_dim: int):
    inputs = layers.Input(shape=(maxlen,), dtype="int64")
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def main(samples: int = 4000, epochs: int = 3, vocab_size: int = 2000, maxlen: int = 48,
         embed_dim: int = 32, num_heads: int = 2, ff_dim: int = 32, batch_size: int = 32,
         verbose: int = 1) -> float:
    """Trains the classifier; returns the test accuracy."""
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    texts, labels = generated_sentences(samples, rng)
    split = samples * 4 // 5
    vectorize = layers.TextVectorization(max_tokens=vocab_size, output_mode="int",
                                         output_sequence_length=maxlen)
    vectorize.adapt(texts[:split])
    print(f"vocabulary: {vectorize.vocabulary_size()} tokens, e.g. "
          f"{vectorize.get_vocabulary()[:6]}")
    x = vectorize(texts)
    x_train, x_test = x[:split], x[split:]
    y_train, y_test = labels[:split], labels[split:]
    print(f"{len(y_train)} training and {len(y_test)} test sentences")

    model = build_model(maxlen, vectorize.vocabulary_size(), embed_dim, num_heads, ff_dim)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
              validation_data=(x_test, y_test), verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}  Test accuracy: {accuracy:.4f}")
    return accuracy


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/text_transformer.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "text_transformer", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()
