"""TextVectorization against Keras's documented behaviour: the reserved '' and '[UNK]'
entries, vocabulary order (count, then ties by the larger token, as Keras's adapt sorts),
padding and cutting, standardize / split / ngrams, and the bag-of-words modes."""

import numpy as np
import pytest
from helpers import host

import kerasette as keras
from kerasette import layers

EARTH = ["earth", "wind", "and", "fire"]


def test_documented_vocabulary_example_pads_and_cuts():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int",
                                     output_sequence_length=4, vocabulary=EARTH)
    out = layer(np.array([["earth wind and also fire"], ["fire and earth michigan"]]))
    assert out.dtype == np.int64 and out.shape == (2, 4)
    np.testing.assert_array_equal(host(out), [[2, 3, 4, 1], [5, 4, 2, 1]])
    assert layer.get_vocabulary() == ["", "[UNK]"] + EARTH
    np.testing.assert_array_equal(host(layer("wind")), [3, 0, 0, 0])


def test_adapt_orders_by_count_then_larger_token_and_caps_max_tokens():
    layer = layers.TextVectorization()
    layer.adapt(["The cat sat.", "The dog ran!", "the Dog"])
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "dog", "sat", "ran", "cat"]
    ragged = host(layer(["the cat", "a dog ran far"]))
    np.testing.assert_array_equal(ragged, [[2, 6, 0, 0], [1, 3, 5, 1]])
    capped = layers.TextVectorization(max_tokens=4)
    capped.adapt(np.array(["b b a", "c a b", "d"]))
    assert capped.get_vocabulary() == ["", "[UNK]", "b", "a"]
    assert capped.vocabulary_size() == 4


@pytest.mark.parametrize("standardize,expected", [
    ("lower_and_strip_punctuation", ["hello", "world", "its", "me"]),
    ("lower", ["hello,", "world!", "it's", "me"]),
    ("strip_punctuation", ["Hello", "World", "Its", "ME"]),
    (None, ["Hello,", "World!", "It's", "ME"]),
    (lambda text: text.replace("!", " !"), ["Hello,", "World", "!", "It's", "ME"])])
def test_standardize_options(standardize, expected):
    layer = layers.TextVectorization(standardize=standardize)
    layer.adapt(["Hello, World! It's ME"])
    assert sorted(layer.get_vocabulary()[2:]) == sorted(expected)


def test_split_options_and_ngrams():
    chars = layers.TextVectorization(split="character")
    chars.adapt(["ab a"])
    assert chars.get_vocabulary()[2:] == ["a", "b", " "]
    whole = layers.TextVectorization(split=None, standardize=None)
    whole.adapt(["red fox", "blue", "red fox"])
    assert whole.get_vocabulary()[2:] == ["red fox", "blue"]
    np.testing.assert_array_equal(host(whole(["blue", "green"])), [[3], [1]])
    pre_split = host(whole(np.array([["red fox", "blue", ""]], dtype=object)))
    np.testing.assert_array_equal(pre_split, [[2, 3, 0]])
    custom = layers.TextVectorization(standardize=None, split=lambda text: text.split("-"))
    custom.adapt(["x-y-x"])
    assert custom.get_vocabulary()[2:] == ["x", "y"]
    grams = layers.TextVectorization(ngrams=2)
    grams.adapt(["a b c"])
    assert sorted(grams.get_vocabulary()[2:]) == ["a", "a b", "b", "b c", "c"]
    np.testing.assert_array_equal(host(grams(["a b c"])).shape, (1, 5))
    only_bigrams = layers.TextVectorization(ngrams=(2,), vocabulary=["a b", "b c"])
    np.testing.assert_array_equal(host(only_bigrams(["a b c d"])), [[2, 3, 1]])


def test_bag_of_words_modes_and_tf_idf_formula():
    texts = ["the cat sat", "the cat", "a dog"]
    multi = layers.TextVectorization(output_mode="multi_hot")
    multi.adapt(texts)
    vocab = multi.get_vocabulary()
    assert vocab == ["[UNK]", "the", "cat", "sat", "dog", "a"]
    np.testing.assert_array_equal(host(multi(["the the bird"])), [[1, 1, 0, 0, 0, 0]])
    count = layers.TextVectorization(output_mode="count", vocabulary=vocab[1:])
    np.testing.assert_array_equal(host(count(["the the bird cat"])), [[1, 2, 1, 0, 0, 0]])
    tf_idf = layers.TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(texts)
    df = np.array([2.0, 2.0, 1.0, 1.0, 1.0])  # the, cat, sat, dog, a
    idf = np.log(1 + 3 / (1 + df))
    out = host(tf_idf(["the the bird bird bird"]))
    np.testing.assert_allclose(out, [[3 * idf.mean(), 2 * idf[0], 0, 0, 0, 0]], rtol=1e-6)
    padded = layers.TextVectorization(max_tokens=10, output_mode="count",
                                      pad_to_max_tokens=True, vocabulary=["x"])
    assert host(padded(["x x"])).tolist() == [[0, 2] + [0] * 8]
    assert padded.compute_output_shape((None,)) == (None, 10)


def test_set_vocabulary_config_round_trip_and_model_input():
    layer = layers.TextVectorization(output_sequence_length=5)
    layer.adapt(["good film", "bad film", "good good plot"])
    clone = layers.TextVectorization.from_config(layer.get_config())
    texts = np.array(["good plot, bad film!", "unknown words"])
    np.testing.assert_array_equal(host(clone(texts)), host(layer(texts)))
    assert layer.compute_output_shape((None,)) == (None, 5)
    assert layers.deserialize(layers.serialize(layer)).get_vocabulary() == \
        layer.get_vocabulary()
    layer.set_vocabulary(["plot", "film"])
    np.testing.assert_array_equal(host(layer(["film plot x"])), [[3, 2, 1, 0, 0]])
    model = keras.Sequential([keras.Input((5,), dtype="int64"), layers.Embedding(4, 2),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)])
    assert model.predict(layer(texts), verbose=0).shape == (2, 1)


def test_adapt_from_a_generator_of_batches():
    batches = (np.array([f"w{i} w{i % 2}", "common"]) for i in range(4))
    layer = layers.TextVectorization()
    layer.adapt(batches, steps=3)
    vocab = layer.get_vocabulary()
    assert vocab[2:4] == ["w0", "common"] and "w3" not in vocab


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams=0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.TextVectorization(output_mode="one_hot")
