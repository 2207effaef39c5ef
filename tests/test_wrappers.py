"""Bidirectional and TimeDistributed: values against plain NumPy, masks, configs, errors."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers
from helpers import check_layer, check_layer_gradients
from test_recurrent import reference

MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)


def _halves(layer):
    weights = layer.get_weights()
    half = len(weights) // 2
    return [w.astype(float) for w in weights[:half]], [w.astype(float) for w in weights[half:]]


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merges_forward_and_reversed_backward(merge_mode):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    layer = layers.Bidirectional(layers.LSTM(4, return_sequences=True), merge_mode=merge_mode)
    got = layer(x, mask=MASK)
    forward_weights, backward_weights = _halves(layer)
    forward, _, _ = reference("lstm", x.astype(float), forward_weights, mask=MASK)
    backward, _, _ = reference("lstm", x.astype(float), backward_weights, mask=MASK,
                               go_backwards=True)
    keep = MASK[:, :, None]
    forward, backward = forward * keep, backward[:, ::-1] * keep  # masked steps output 0
    want = {"concat": np.concatenate([forward, backward], -1), "sum": forward + backward,
            "mul": forward * backward, "ave": (forward + backward) / 2}.get(merge_mode)
    if merge_mode is None:
        np.testing.assert_allclose(got[0].numpy(), forward, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got[1].numpy(), backward, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(got._keras_mask.numpy(), MASK)


def test_bidirectional_last_output_and_states():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    layer = layers.Bidirectional(layers.GRU(3, return_state=True))
    output, forward_h, backward_h = layer(x)
    forward_weights, backward_weights = _halves(layer)
    _, want_forward, _ = reference("gru", x.astype(float), forward_weights)
    _, want_backward, _ = reference("gru", x.astype(float), backward_weights, go_backwards=True)
    np.testing.assert_allclose(output.numpy(), np.concatenate([want_forward, want_backward], -1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(backward_h.numpy(), want_backward, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(forward_h.numpy(), want_forward, rtol=1e-5, atol=1e-6)
    symbolic = layers.Bidirectional(layers.LSTM(3, return_state=True))(keras.Input((5, 3)))
    assert [t.shape for t in symbolic] == [(None, 6)] + [(None, 3)] * 4


def test_bidirectional_shared_test_names_and_config():
    check_layer(layers.Bidirectional, {"layer": layers.SimpleRNN(2, return_sequences=True),
                                       "merge_mode": "ave"}, (2, 4, 3),
                expected_output_shape=(2, 4, 2), num_weights=6)
    keras.backend.clear_session()
    layer = layers.Bidirectional(layers.LSTM(2))
    layer(np.zeros((1, 3, 2), "float32"))
    assert [w.path for w in layer.weights[:1] + layer.weights[3:4]] == [
        "bidirectional/forward_lstm/lstm_cell/kernel",
        "bidirectional/backward_lstm/lstm_cell/kernel"]
    config = layer.get_config()
    assert config["layer"]["config"]["name"] == "forward_lstm"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = layers.Bidirectional.from_config(config)
    assert clone.forward_layer.name == "forward_lstm"
    assert clone.backward_layer.name == "backward_lstm"


def test_bidirectional_in_a_model_trains_with_masks():
    model = keras.Sequential([keras.Input((6,), dtype="int32"),
                              layers.Embedding(12, 4, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
                              layers.Bidirectional(layers.GRU(2)),
                              layers.Dense(1, activation="sigmoid")])
    rng = np.random.default_rng(2)
    x = rng.integers(0, 12, (16, 6))
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, (x[:, -1] > 5).astype("float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="recurrent layer instance"):
        layers.Bidirectional(layers.Dense(3))
    with pytest.raises(ValueError, match="invalid merge mode"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3))


def test_time_distributed_applies_the_layer_at_every_step():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    check_layer(layers.TimeDistributed, {"layer": layers.Dense(5)}, (2, 4, 3),
                expected_output_shape=(2, 4, 5), num_weights=2, gradients_check=False,
                input_data=x)
    wide = layers.TimeDistributed(layers.Dense(2, activation="tanh", dtype="float64"),
                                  dtype="float64")
    wide(x.astype(float))
    check_layer_gradients(wide, x.astype(float))
    dense = layers.Dense(5)
    layer = layers.TimeDistributed(dense)
    got = layer(x).numpy()
    kernel, bias = dense.get_weights()
    want = np.stack([x[:, t] @ kernel + bias for t in range(4)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert layer.weights[0].path == f"{layer.name}/{dense.name}/kernel"
    images = layers.TimeDistributed(layers.Flatten())(np.ones((2, 3, 4, 5), "float32"))
    assert images.shape == (2, 3, 20)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3), "float32"))


def test_seq2seq_stack_shapes_and_mask_pass_through():
    model = keras.Sequential([keras.Input((5, 4)), layers.LSTM(8), layers.RepeatVector(3),
                              layers.LSTM(8, return_sequences=True),
                              layers.TimeDistributed(layers.Dense(6, activation="softmax"))])
    out = model.predict(np.zeros((2, 5, 4), "float32"), verbose=0)
    assert out.shape == (2, 3, 6)
    np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-5)
    masked = layers.TimeDistributed(layers.Dense(2))
    y = masked(keras.ops.convert_to_tensor(np.ones((1, 3, 2), "float32")),
               mask=np.array([[True, False, True]]))
    assert y._keras_mask is not None


def test_time_distributed_hands_each_step_its_mask():
    """An LSTM over an inner time axis: the (batch, outer, inner) mask reaches it folded,
    so each outer step's LSTM stops at its own padding, as when run step by step."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    mask = np.ones((2, 3, 4), bool)
    mask[0, 1, 2:] = False
    mask[1, 2, 1:] = False
    lstm = layers.LSTM(3)
    wrapped = layers.TimeDistributed(lstm)
    got = wrapped(x, mask=mask).numpy()
    want = np.stack([lstm(x[:, t], mask=mask[:, t]).numpy() for t in range(3)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    unmasked = wrapped(x).numpy()
    assert not np.allclose(got[0, 1], unmasked[0, 1])  # the padding was really skipped
    with pytest.raises(ValueError, match=r"mask must start with.*\(2, 3\).*\(2, 4\)"):
        wrapped(x, mask=np.ones((2, 4), bool))
