"""StringLookup and IntegerLookup against the outputs Keras documents: indices, OOV and
mask slots, the adapt order (count, then ties by the larger token), invert, and the
one_hot / multi_hot / count / tf_idf encodings."""

import numpy as np
import pytest
from helpers import check_layer, host

import kerasette as keras
from kerasette import backend, layers

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
INTS = [12, 36, 1138, 42]


def _ints(values):
    return backend.to_device(np.asarray(values, dtype="int64"))


def test_string_lookup_documented_indices_and_adapt_order():
    layer = layers.StringLookup(vocabulary=VOCAB)
    out = layer([["a", "c", "d"], ["d", "z", "b"]])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(host(out), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    assert layer.vocabulary_size() == 5
    adapted = layers.StringLookup()
    adapted.adapt(np.array([["a", "c", "d"], ["d", "z", "b"]]))
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert adapted.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(host(adapted(np.array(["a", "q"]))), [5, 0])


def test_string_lookup_encodings_match_keras_docs():
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")
    np.testing.assert_array_equal(host(one_hot(np.array(["a", "b", "c", "d", "z"]))),
                                  np.eye(5)[[1, 2, 3, 4, 0]])
    np.testing.assert_array_equal(host(one_hot("c")), [0, 0, 0, 1, 0])
    multi = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")
    np.testing.assert_array_equal(host(multi(DATA)), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(host(multi(["b", "b", "q"])), [1, 0, 1, 0, 0])
    count = layers.StringLookup(vocabulary=VOCAB, output_mode="count")
    np.testing.assert_array_equal(host(count(DATA)), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tf_idf = layers.StringLookup(vocabulary=VOCAB, output_mode="tf_idf",
                                 idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(host(tf_idf(DATA)), [[0, 0.25, 0, 0.6, 0.8],
                                                    [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    with_oov = layers.StringLookup(vocabulary=["[UNK]"] + VOCAB, output_mode="tf_idf",
                                   idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(host(with_oov(DATA)), [[0, 0.25, 0, 0.6, 0.8],
                                                      [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    padded = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", max_tokens=7,
                                 pad_to_max_tokens=True)
    assert host(padded(DATA)).shape == (2, 7)


def test_string_lookup_invert_mask_and_oov_buckets():
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    np.testing.assert_array_equal(inverse(np.array([[1, 3, 4], [4, 0, 2]])),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="[MASK]")
    np.testing.assert_array_equal(host(masked([["a", "[MASK]", "z"]])), [[2, 0, 1]])
    assert masked.get_vocabulary()[:2] == ["[MASK]", "[UNK]"]
    dropped = layers.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="count")
    np.testing.assert_array_equal(host(dropped([["a", "", ""]])), [[0, 1, 0, 0, 0]])
    buckets = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    out = host(buckets([["a", "c", "d"], ["d", "z", "b"]]))
    np.testing.assert_array_equal(out[:, [0, 2]], [[2, 5], [5, 3]])
    assert out[1, 1] in (0, 1) and out[0, 1] == 4
    strict = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        strict(["a", "zz"])


def test_string_lookup_tf_idf_adapt_uses_document_frequencies():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt([["x", "x", "y"], ["x", "z", "z"]])
    assert layer.get_vocabulary() == ["[UNK]", "x", "z", "y"]
    idf = np.log(1 + 2 / (1 + np.array([2.0, 1.0, 1.0])))
    out = host(layer([["x", "z", "z", "q"]]))
    np.testing.assert_allclose(out, [[idf.mean(), idf[0], 2 * idf[1], 0]], rtol=1e-6)


def test_integer_lookup_documented_behaviour():
    layer = layers.IntegerLookup(vocabulary=INTS)
    np.testing.assert_array_equal(host(layer(_ints([[12, 1138, 42], [42, 1000, 36]]))),
                                  [[1, 3, 4], [4, 0, 2]])
    adapted = layers.IntegerLookup()
    adapted.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    inverse = layers.IntegerLookup(vocabulary=INTS, invert=True)
    np.testing.assert_array_equal(host(inverse(_ints([[1, 3, 4], [4, 0, 2]]))),
                                  [[12, 1138, 42], [42, -1, 36]])
    masked = layers.IntegerLookup(vocabulary=INTS, mask_token=0)
    np.testing.assert_array_equal(host(masked(_ints([[12, 0, 7]]))), [[2, 0, 1]])
    buckets = layers.IntegerLookup(vocabulary=INTS, num_oov_indices=2)
    np.testing.assert_array_equal(host(buckets(_ints([[12, 7, 8]]))), [[2, 1, 0]])
    multi = layers.IntegerLookup(vocabulary=INTS, output_mode="multi_hot")
    np.testing.assert_array_equal(host(multi(_ints([[12, 12, 5]]))), [[1, 1, 0, 0, 0]])
    strict = layers.IntegerLookup(vocabulary=INTS, num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        strict(_ints([12, 99]))


@pytest.mark.parametrize("kwargs,width", [
    ({"vocabulary": INTS}, 3), ({"vocabulary": INTS, "output_mode": "count"}, 5),
    ({"vocabulary": INTS, "output_mode": "tf_idf", "idf_weights": [1.0, 2.0, 0.5, 0.1]}, 5),
    ({"vocabulary": INTS, "mask_token": 0, "output_mode": "one_hot"}, None),
    ({"vocabulary": INTS, "invert": True}, 3)])
def test_integer_lookup_passes_the_shared_layer_test(kwargs, width):
    data = np.array([[12, 1138, 42], [42, 1000, 36]]) if not kwargs.get("invert") else \
        np.array([[1, 3, 4], [4, 0, 2]])
    expected = (2, 3, 5) if width is None else (2, width)  # the mask has no one_hot slot
    check_layer(layers.IntegerLookup, kwargs, input_shape=(2, 3), input_dtype="int64",
                input_data=data, expected_output_shape=expected, gradients_check=False)


def test_string_lookup_config_round_trip_keeps_adapted_vocabulary():
    layer = layers.StringLookup(output_mode="tf_idf", max_tokens=4)
    layer.adapt([["p", "q", "q"], ["r", "q", "s"], ["p"]])
    clone = layers.deserialize(layers.serialize(layer))
    assert clone.get_vocabulary() == layer.get_vocabulary() == ["[UNK]", "q", "p", "s"]
    np.testing.assert_allclose(host(clone([["q", "zz"]])), host(layer([["q", "zz"]])))
    shape = layer.compute_output_shape((None, 3))
    assert shape == (None, 4) and host(layer([["q", "p", "r"]])).shape == (1, 4)
    symbolic = layers.IntegerLookup(vocabulary=INTS)(keras.Input((3,), dtype="int64"))
    assert symbolic.shape == (None, 3) and symbolic.dtype == "int64"


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="output_mode"):
        layers.StringLookup(output_mode="dense")
    with pytest.raises(ValueError, match="repeats"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="reserved token"):
        layers.StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(vocabulary=VOCAB, output_mode="tf_idf")
    with pytest.raises(ValueError, match="max_tokens"):
        layers.IntegerLookup(vocabulary=INTS, max_tokens=3)
    with pytest.raises(ValueError, match="invert"):
        layers.IntegerLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="cannot adapt"):
        layers.IntegerLookup(vocabulary=INTS).adapt([1, 2])


def test_keras2_experimental_preprocessing_path_re_exports():
    from kerasette.layers.experimental.preprocessing import TextVectorization

    preprocessing = keras.layers.experimental.preprocessing
    assert TextVectorization is layers.TextVectorization
    for name in preprocessing.__all__:
        assert getattr(preprocessing, name) is getattr(layers, name), name
