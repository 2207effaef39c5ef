"""preprocessing.text (Tokenizer and helpers) and preprocessing.sequence."""

import math

import numpy as np
import pytest

import kerasette as keras
from kerasette.preprocessing import sequence, text

TEXTS = ["The cat sat on the mat.", "The dog ate the cat!", "A dog, a cat; a mat?"]


def test_text_to_word_sequence_filters_lower_and_split():
    assert text.text_to_word_sequence("Hello,  World!\tAgain") == ["hello", "world", "again"]
    assert text.text_to_word_sequence("a-b c", filters="", lower=False) == ["a-b", "c"]
    assert text.text_to_word_sequence("x|y||z", split="|") == ["x", "y", "z"]


def test_word_index_by_frequency_with_ties_in_first_seen_order():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    # the: 4, cat: 3, a: 3, mat: 2, dog: 2, sat/on/ate: 1; ties keep first appearance.
    assert list(tokenizer.word_index) == ["the", "cat", "a", "mat", "dog", "sat", "on", "ate"]
    assert list(tokenizer.word_index.values()) == list(range(1, 9))
    assert tokenizer.index_word[1] == "the"
    assert tokenizer.document_count == 3
    assert tokenizer.word_counts["cat"] == 3 and tokenizer.word_docs["a"] == 1
    assert tokenizer.texts_to_sequences(["the cat ate a fish"]) == [[1, 2, 8, 3]]


def test_num_words_and_oov_token():
    tokenizer = text.Tokenizer(num_words=4, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.word_index["<unk>"] == 1 and tokenizer.word_index["the"] == 2
    # Indices >= num_words (and unknown words) become the OOV index.
    assert tokenizer.texts_to_sequences(["the cat mat fish"]) == [[2, 3, 1, 1]]
    assert tokenizer.sequences_to_texts([[2, 3, 1, 7]]) == ["the cat <unk> <unk>"]
    plain = text.Tokenizer(num_words=3)
    plain.fit_on_texts(TEXTS)
    assert plain.texts_to_sequences(["the cat a mat"]) == [[1, 2]]


def test_texts_to_matrix_modes():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    sample = ["the the cat fish"]
    width = len(tokenizer.word_index) + 1
    binary = tokenizer.texts_to_matrix(sample, mode="binary")
    assert binary.shape == (1, width) and binary[0, 1] == 1 and binary[0, 2] == 1
    assert binary.sum() == 2
    np.testing.assert_allclose(tokenizer.texts_to_matrix(sample, mode="count")[0, :3],
                               [0, 2, 1])
    np.testing.assert_allclose(tokenizer.texts_to_matrix(sample, mode="freq")[0, :3],
                               [0, 2 / 3, 1 / 3])
    tfidf = tokenizer.texts_to_matrix(sample, mode="tfidf")
    idf_the = math.log(1 + 3 / (1 + 2))  # "the" is in 2 of the 3 documents
    assert tfidf[0, 1] == pytest.approx((1 + math.log(2)) * idf_the)
    with pytest.raises(ValueError, match="mode"):
        tokenizer.texts_to_matrix(sample, mode="bm25")
    with pytest.raises(ValueError, match="fit on some text data first"):
        text.Tokenizer().sequences_to_matrix([[1]])


def test_char_level_json_round_trip_and_hashing():
    chars = text.Tokenizer(char_level=True)
    chars.fit_on_texts(["abca"])
    assert chars.word_index == {"a": 1, "b": 2, "c": 3}
    assert chars.texts_to_sequences(["cab"]) == [[3, 1, 2]]
    tokenizer = text.Tokenizer(num_words=5, oov_token="?")
    tokenizer.fit_on_texts(TEXTS)
    restored = text.tokenizer_from_json(tokenizer.to_json())
    assert restored.word_index == tokenizer.word_index
    assert restored.texts_to_sequences(TEXTS) == tokenizer.texts_to_sequences(TEXTS)
    hashed = text.hashing_trick("the cat the", 10, hash_function="md5")
    assert hashed[0] == hashed[2] and all(1 <= i < 10 for i in hashed)
    assert all(1 <= i < 7 for i in text.one_hot("a b c", 7))


def test_pad_sequences_is_reexported():
    assert sequence.pad_sequences is keras.utils.pad_sequences
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    padded = sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post")
    np.testing.assert_array_equal(padded, [[2, 3], [4, 0]])
