"""SimpleRNN, LSTM, GRU, their cells and RNN(cell): Keras's equations, options, gradients."""

import numpy as np
import pytest

import contextlib

import kerasette as keras
from kerasette import layers
from kerasette.autograd import Tensor, no_grad
from kerasette.ops import recurrent as recurrent_ops
from helpers import check_gradients, check_layer, check_layer_gradients, host, tensor


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def hard_sigmoid(v):
    return np.clip(v / 6 + 0.5, 0, 1)


def relu(v):
    return np.maximum(v, 0)


def reference(kind, x, weights, states=None, mask=None, go_backwards=False, reset_after=True,
              activation=np.tanh, recurrent_activation=sigmoid):
    """Keras's equations, one step at a time, in Keras's gate order and weight layout.
    Returns (outputs of every processed step, final h, final c)."""
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else np.zeros((2,) + kernel.shape[1:]) \
        if kind == "gru" and reset_after else np.zeros(kernel.shape[1:])
    batch, steps, _ = x.shape
    n = recurrent.shape[0]
    h = np.zeros((batch, n)) if states is None else states[0]
    c = np.zeros((batch, n)) if states is None or len(states) < 2 else states[1]
    outputs = []
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        x_t = x[:, t]
        new_c = c
        if kind == "simple":
            new_h = activation(x_t @ kernel + h @ recurrent + bias)
        elif kind == "lstm":
            z = x_t @ kernel + h @ recurrent + bias
            i, f, g, o = (z[:, k * n:(k + 1) * n] for k in range(4))
            new_c = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
            new_h = recurrent_activation(o) * activation(new_c)
        elif reset_after:
            xz = x_t @ kernel + bias[0]
            hz = h @ recurrent + bias[1]
            z = recurrent_activation(xz[:, :n] + hz[:, :n])
            r = recurrent_activation(xz[:, n:2 * n] + hz[:, n:2 * n])
            candidate = activation(xz[:, 2 * n:] + r * hz[:, 2 * n:])
            new_h = z * h + (1 - z) * candidate
        else:
            xz = x_t @ kernel + bias
            z = recurrent_activation(xz[:, :n] + h @ recurrent[:, :n])
            r = recurrent_activation(xz[:, n:2 * n] + h @ recurrent[:, n:2 * n])
            candidate = activation(xz[:, 2 * n:] + (r * h) @ recurrent[:, 2 * n:])
            new_h = z * h + (1 - z) * candidate
        if mask is not None:
            keep = mask[:, t][:, None]
            new_h, new_c = np.where(keep, new_h, h), np.where(keep, new_c, c)
        h, c = new_h, new_c
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


LAYERS = {"simple": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}
GATES = {"simple": 1, "lstm": 4, "gru": 3}


def random_weights(kind, features, units, rng, reset_after=True):
    width = GATES[kind] * units
    bias_shape = (2, width) if kind == "gru" and reset_after else (width,)
    return [rng.standard_normal((features, width)) * 0.5,
            rng.standard_normal((units, width)) * 0.5, rng.standard_normal(bias_shape) * 0.5]


def built_layer(kind, weights, **kwargs):
    layer = LAYERS[kind](weights[1].shape[0], **kwargs)
    layer.build((None, 4, weights[0].shape[0]))
    layer.set_weights([w.astype(layer.dtype) for w in weights])
    return layer


MASK = np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1]], bool)

OPTIONS = [
    dict(),
    dict(return_sequences=True),
    dict(go_backwards=True, return_sequences=True),
    dict(mask=True),
    dict(mask=True, go_backwards=True, return_sequences=True),
    dict(initial_state=True, return_sequences=True),
]


# Under ``no_grad`` (predict, evaluate) the ops take their inference path
# (ops/recurrent_inference.py); with a graph, the path that keeps what BPTT needs.
PATHS = {"graph": contextlib.nullcontext, "inference": no_grad}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True),
                                              ("gru", True), ("gru", False)])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_forward_matches_step_by_step_reference(kind, reset_after, options, path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    extra = {"reset_after": reset_after} if kind == "gru" else {}
    weights = random_weights(kind, 4, 6, rng, reset_after)
    options = dict(options)
    mask = MASK if options.pop("mask", False) else None
    states = None
    if options.pop("initial_state", False):
        states = [rng.standard_normal((3, 6)) for _ in range(2 if kind == "lstm" else 1)]
    layer = built_layer(kind, weights, return_state=True, **extra, **options)
    with PATHS[path]():
        got = layer(x, mask=mask, initial_state=None if states is None else [
            s.astype("float32") for s in states])
    outputs, h, c = reference(kind, x.astype(float), weights, states, mask,
                              options.get("go_backwards", False), reset_after)
    want = outputs if options.get("return_sequences") else outputs[:, -1]
    assert got[0].dtype == np.float32
    np.testing.assert_allclose(got[0].numpy(), want, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(got[1].numpy(), h, rtol=2e-5, atol=2e-5)
    if kind == "lstm":
        np.testing.assert_allclose(got[2].numpy(), c, rtol=2e-5, atol=2e-5)
    assert len(got) == (3 if kind == "lstm" else 2)


@pytest.mark.parametrize("kind,activation,recurrent_activation", [
    ("simple", "relu", None), ("lstm", "relu", "hard_sigmoid"),
    ("gru", "linear", "hard_sigmoid"), ("lstm", "softsign", "sigmoid"),
    ("gru", "tanh", "softsign")])
@pytest.mark.parametrize("path", PATHS)
def test_other_activations_fused_and_composed(kind, activation, recurrent_activation, path):
    """Fusable activations run in the fused op, the others step by step; both follow the
    reference."""
    functions = {"relu": relu, "hard_sigmoid": hard_sigmoid, "linear": lambda v: v,
                 "softsign": lambda v: v / (1 + np.abs(v)), "tanh": np.tanh,
                 "sigmoid": sigmoid}
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    weights = random_weights(kind, 3, 4, rng)
    kwargs = {"activation": activation, "return_sequences": True}
    if recurrent_activation:
        kwargs["recurrent_activation"] = recurrent_activation
    layer = built_layer(kind, weights, **kwargs)
    expected_fused = activation in recurrent_ops.FUSED_ACTIVATIONS and (
        recurrent_activation in recurrent_ops.FUSED_ACTIVATIONS + (None,))
    assert layer.cell.fusable == expected_fused
    outputs, _, _ = reference(kind, x.astype(float), weights, mask=MASK[:2],
                              activation=functions[activation],
                              recurrent_activation=functions[recurrent_activation or "sigmoid"])
    with PATHS[path]():
        got = layer(x, mask=MASK[:2])
    np.testing.assert_allclose(got.numpy(), outputs, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_saturated_gates_reach_their_limits_quietly(kind, path):
    """Pre-activations far past float32's ``exp`` range (|z| in the hundreds) give the
    gates' limits 0, 1 and -1, with no overflow warning (the sigmoids through ``exp``)."""
    import warnings

    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    weights = [w * 400 for w in random_weights(kind, 4, 6, rng)]
    layer = built_layer(kind, weights, return_sequences=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with PATHS[path]():
            got = layer(x).numpy()
    with np.errstate(over="ignore"):
        want, _, _ = reference(kind, x.astype(float), weights)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def _run(fn, *arrays):
    return fn(*[Tensor(a) for a in arrays])


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True),
                                              ("gru", True), ("gru", False)])
@pytest.mark.parametrize("mask", [None, MASK[:2, :4]], ids=["unmasked", "masked"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
def test_fused_op_gradients_every_option(kind, reset_after, mask, go_backwards):
    """Float64 central differences through the fused node: inputs, weights and initial
    states, with every output (sequence, h, c) weighted differently."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 3))
    weights = random_weights(kind, 3, 3, rng, reset_after)
    count = 2 if kind == "lstm" else 1
    states = [rng.standard_normal((2, 3)) for _ in range(count)]
    op = {"simple": recurrent_ops.simple_rnn, "lstm": recurrent_ops.lstm,
          "gru": recurrent_ops.gru}[kind]
    extra = {"reset_after": reset_after} if kind == "gru" else {}
    drop = rng.random((2, 3)) + 0.5  # a fixed recurrent dropout mask

    def fn(x, kernel, recurrent, bias, *initial):
        out = op(x, kernel, recurrent, bias, list(initial), mask=mask,
                 go_backwards=go_backwards, return_sequences=True, return_state=True,
                 recurrent_dropout_mask=drop, **extra)
        total = out[0].sum(axis=1) * 0.5 + out[1] * 2.0
        return total + out[2] * 3.0 if kind == "lstm" else total

    check_gradients(fn, x, *weights, *states)
    check_gradients(lambda x, k, r, b: op(x, k, r, b, mask=mask, go_backwards=go_backwards,
                                          **extra), x, *weights)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("activation,recurrent_activation",
                         [("linear", "sigmoid"), ("sigmoid", "tanh")])
def test_fused_op_gradients_other_activations(kind, activation, recurrent_activation):
    """The fused node off its default activations (the LSTM's one-exp path is then
    skipped): float64 central differences, masked, with every output weighted."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 3))
    weights = random_weights(kind, 3, 3, rng)
    op = {"simple": recurrent_ops.simple_rnn, "lstm": recurrent_ops.lstm,
          "gru": recurrent_ops.gru}[kind]
    extra = {} if kind == "simple" else {"recurrent_activation": recurrent_activation}

    def fn(x, kernel, recurrent, bias):
        out = op(x, kernel, recurrent, bias, mask=MASK[:2, :4], return_sequences=True,
                 activation=activation, **extra)
        return out.sum(axis=1) * 0.5 + out[:, -1] * 2.0

    check_gradients(fn, x, *weights)


def test_fused_op_without_bias_and_float32_stays_float32():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3))
    kernel, recurrent, _ = random_weights("lstm", 3, 2, rng)
    check_gradients(lambda x, k, r: recurrent_ops.lstm(x, k, r, return_sequences=True),
                    x, kernel, recurrent)
    from helpers import run_float32
    run_float32(lambda x, k, r: recurrent_ops.gru(x, k, r, reset_after=False), x, kernel[:, :6],
                recurrent[:, :6])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_fused_matches_its_composed_twin(kind, path, monkeypatch):
    """The same layer through the fused node and through the cell step by step (training
    with both dropouts and a mask, so the per-sequence masks must agree too); under
    ``no_grad`` the fused op takes its inference path, dropouts and mask included."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 4))
    weights = random_weights(kind, 4, 3, rng)
    results = []
    for fused in (True, False):
        layer = built_layer(kind, weights, return_sequences=True, dropout=0.3,
                            recurrent_dropout=0.4, seed=7, dtype="float64")
        if not fused:
            monkeypatch.setattr(type(layer.cell), "fusable", property(lambda self: False))
        inputs = tensor(x, requires_grad=True)
        with PATHS[path]():
            out = layer(inputs, mask=MASK, training=True)
        if path == "inference":
            results.append([out.numpy()])
        else:
            (out * np.arange(out.size).reshape(out.shape)).sum().backward()
            results.append([out.numpy(), host(inputs.grad)]
                           + [host(w.grad) for w in layer.weights])
        monkeypatch.undo()
    for fused_value, composed_value in zip(*results):
        np.testing.assert_allclose(fused_value, composed_value, rtol=1e-9, atol=1e-10)


LAYER_CASES = [
    (layers.SimpleRNN, {"units": 3}, (2, 3)),
    (layers.SimpleRNN, {"units": 3, "return_sequences": True, "go_backwards": True},
     (2, 4, 3)),
    (layers.LSTM, {"units": 3}, (2, 3)),
    (layers.LSTM, {"units": 3, "return_sequences": True, "unit_forget_bias": False,
                   "use_bias": False}, (2, 4, 3)),
    (layers.GRU, {"units": 3, "return_sequences": True}, (2, 4, 3)),
    (layers.GRU, {"units": 3, "reset_after": False, "go_backwards": True}, (2, 3)),
    (layers.RNN, {"cell": layers.LSTMCell(2)}, (2, 2)),
]


@pytest.mark.parametrize("cls,kwargs,expected", LAYER_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(LAYER_CASES)])
def test_shared_layer_test(cls, kwargs, expected):
    weights = 2 if kwargs.get("use_bias") is False else 3
    shared_cell = "cell" in kwargs  # one cell instance: the float64 twin cannot be made
    check_layer(cls, kwargs, (2, 4, 2), expected_output_shape=expected, num_weights=weights,
                gradients_check=not shared_cell)
    if shared_cell:
        wide = layers.RNN(layers.GRUCell(2, dtype="float64"), return_sequences=True,
                          dtype="float64")
        x = np.random.default_rng(0).standard_normal((2, 4, 2))
        wide(x)
        check_layer_gradients(wide, x)


def test_dropout_changes_training_only_and_gradients_hold():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5, 3)).astype("float32")
    check_layer(layers.LSTM, {"units": 3, "dropout": 0.5, "recurrent_dropout": 0.5},
                (4, 5, 3), input_data=x, num_weights=3, training_differs=True,
                gradients_check=False)
    layer = layers.GRU(3, dropout=0.5, recurrent_dropout=0.5)
    np.testing.assert_array_equal(layer(x).numpy(), layer(x, training=False).numpy())
    assert not np.allclose(layer(x, training=True).numpy(), layer(x).numpy())
    # Inference mode ignores dropout: the gradient check holds.
    wide = layers.LSTM(2, dropout=0.5, recurrent_dropout=0.5, dtype="float64")
    wide(x.astype(float))
    check_layer_gradients(wide, x.astype(float))


def test_keras_weight_layout_names_and_defaults():
    keras.backend.clear_session()
    lstm = layers.LSTM(4)
    lstm(np.zeros((1, 2, 3), "float32"))
    assert [w.path for w in lstm.weights] == ["lstm/lstm_cell/kernel",
                                              "lstm/lstm_cell/recurrent_kernel",
                                              "lstm/lstm_cell/bias"]
    kernel, recurrent, bias = lstm.get_weights()
    assert kernel.shape == (3, 16) and recurrent.shape == (4, 16) and bias.shape == (16,)
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)  # orthogonal
    np.testing.assert_array_equal(bias, [0] * 4 + [1] * 4 + [0] * 8)  # unit_forget_bias
    gru = layers.GRU(4)
    gru(np.zeros((1, 2, 3), "float32"))
    assert [w.shape for w in gru.weights] == [(3, 12), (4, 12), (2, 12)]
    old = layers.GRU(4, reset_after=False)
    old(np.zeros((1, 2, 3), "float32"))
    assert old.weights[2].shape == (12,)
    assert lstm.units == 4 and lstm.recurrent_activation is keras.activations.sigmoid
    config = lstm.get_config()
    assert config["units"] == 4 and config["unit_forget_bias"] and "cell" not in config
    assert layers.LSTM.from_config(config).get_config() == config


def test_masking_from_embedding_skips_padding():
    """Pre- and post-padded sequences give the output of the unpadded sequence."""
    model = keras.Sequential([keras.Input((6,), dtype="int32"),
                              layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)])
    short = model.predict(np.array([[3, 5, 7]]), verbose=0)
    pre = model.predict(np.array([[0, 0, 0, 3, 5, 7]]), verbose=0)
    post = model.predict(np.array([[3, 5, 7, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(pre, short, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(post, short, rtol=1e-5, atol=1e-6)
    sequences = keras.Sequential([keras.Input((4, 2)), layers.Masking(0.0),
                                  layers.GRU(3, return_sequences=True)])
    x = np.ones((1, 4, 2), "float32")
    x[0, 2] = 0
    out = sequences(x)
    np.testing.assert_allclose(out.numpy()[0, 2], out.numpy()[0, 1])  # carried through
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, True, False, True]])


def test_stateful_carries_states_between_batches():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    whole = layers.LSTM(4)
    expected = whole(x).numpy()
    stateful = layers.LSTM(4, stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), expected, rtol=1e-5, atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, :3]).numpy(), whole(x[:, :3]).numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="stateful.*batches of 2.*batch of 1"):
        stateful(x[:1])


def test_initial_state_gradients_and_encoder_decoder_states():
    """return_state feeds initial_state (the seq2seq idiom), gradients reach the encoder."""
    encoder_inputs = keras.Input((5, 3))
    _, h, c = layers.LSTM(4, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input((2, 3))
    decoded = layers.LSTM(4, return_sequences=True)(decoder_inputs, initial_state=[h, c])
    model = keras.Model([encoder_inputs, decoder_inputs], layers.Dense(2)(decoded))
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((8, 5, 3)), rng.standard_normal((8, 2, 3))
    model.compile("adam", "mse")
    encoder = model.layers[1] if isinstance(model.layers[1], layers.LSTM) else model.layers[2]
    before = [w.copy() for w in encoder.get_weights()]
    model.fit([a, b], rng.standard_normal((8, 2, 2)), epochs=1, verbose=0)
    assert all(not np.allclose(x, y) for x, y in zip(before, encoder.get_weights()))


def test_cells_one_step_and_custom_cell_in_rnn():
    rng = np.random.default_rng(8)
    cell = layers.LSTMCell(3)
    x_t = rng.standard_normal((2, 4)).astype("float32")
    h, c = (rng.standard_normal((2, 3)).astype("float32") for _ in range(2))
    out, (h1, c1) = cell(x_t, [h, c])
    _, want_h, want_c = reference("lstm", x_t[:, None].astype(float), cell.get_weights(),
                                  [h, c])
    np.testing.assert_allclose(out.numpy(), want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c1.numpy(), want_c, rtol=1e-5, atol=1e-6)

    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            output = keras.ops.matmul(inputs, self.kernel) + keras.ops.matmul(
                states[0], self.recurrent_kernel)
            return output, [output]

    keras.backend.clear_session()
    layer = layers.RNN(MinimalRNNCell(2), return_sequences=True, return_state=True)
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    sequence, state = layer(x, mask=MASK[:2])
    kernel, recurrent = layer.get_weights()
    want, _, _ = reference("simple", x.astype(float), [kernel, recurrent], mask=MASK[:2],
                           activation=lambda v: v)
    np.testing.assert_allclose(sequence.numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.numpy(), want[:, -1], rtol=1e-5, atol=1e-6)
    assert [w.path for w in layer.weights] == ["rnn/minimal_rnn_cell/kernel",
                                               "rnn/minimal_rnn_cell/recurrent_kernel"]
    stacked = layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)], return_state=True)
    outputs = stacked(x)
    assert [tuple(t.shape) for t in outputs] == [(2, 2), (2, 3), (2, 2)]
    clone = layers.RNN.from_config(stacked.get_config())
    clone(x)
    clone.set_weights(stacked.get_weights())
    np.testing.assert_allclose(clone(x)[0].numpy(), outputs[0].numpy(), rtol=1e-6)


def test_symbolic_shapes_and_return_state_masks():
    inputs = keras.Input((7, 3))
    out, h, c = layers.LSTM(5, return_sequences=True, return_state=True)(inputs)
    assert out.shape == (None, 7, 5) and h.shape == (None, 5) and c.shape == (None, 5)
    layer = layers.GRU(2, return_sequences=True, return_state=True)
    outputs = layer(np.ones((1, 3, 2), "float32"), mask=np.array([[True, False, True]]))
    assert outputs[0]._keras_mask is not None and outputs[1]._keras_mask is None


def test_conv1d_then_lstm_stack_trains():
    model = keras.Sequential([keras.Input((12, 2)), layers.Conv1D(4, 3, activation="relu"),
                              layers.LSTM(3), layers.Dense(1)])
    rng = np.random.default_rng(9)
    history = model.compile("adam", "mse") or model.fit(
        rng.standard_normal((16, 12, 2)), rng.standard_normal((16, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_clear_errors():
    with pytest.raises(ValueError, match=r"LSTM layer 'lstm.*expects inputs of shape \(batch, "
                                         r"timesteps, features\).*\(2, 5\)"):
        layers.LSTM(3)(np.zeros((2, 5), "float32"))
    layer = layers.LSTM(3)
    x = np.zeros((2, 4, 5), "float32")
    with pytest.raises(ValueError, match=r"initial_state\[1\] must have shape \(batch_size, "
                                         r"3\) = \(2, 3\); received \(2, 4\)"):
        layer(x, initial_state=[np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match="expects 2 initial state"):
        layer(x, initial_state=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = "
                                         r"\(2, 4\).*\(2, 3\)"):
        layer(x, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 5"):
        layer(np.zeros((2, 4, 6), "float32"))
    with pytest.raises(ValueError, match="units"):
        layers.GRU(0)
    with pytest.raises(ValueError, match="recurrent_dropout"):
        layers.SimpleRNN(2, recurrent_dropout=1.5)
    with pytest.raises(TypeError, match="unrecognized"):
        layers.LSTM(2, no_such_argument=1)


@pytest.mark.parametrize("name", ["sequences", "seq2seq"])
def test_real_keras3_models_predict_the_same(name):
    """Files written by Keras 3 (tests/fixtures/make_keras_sequences.py): an
    Embedding(mask_zero) -> Bidirectional(LSTM) -> GRU(go_backwards) -> SimpleRNN stack on
    padded ids, and an encoder-decoder whose LSTM states start the decoder."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "fixtures" / "keras3"
    model = keras.models.load_model(folder / f"{name}.h5")
    data = np.load(folder / f"{name}.npz")
    inputs = [data[k] for k in sorted(data) if k.startswith("x")]
    got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    np.testing.assert_allclose(got, data["y0"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("options", [{}, {"return_sequences": True}, {"go_backwards": True},
                                     {"mask_zero": True, "return_sequences": True}],
                         ids=["last", "sequences", "backwards", "masked"])
def test_predict_through_a_projected_embedding_table_matches_the_graph(layer, options,
                                                                       monkeypatch):
    """``predict`` of Embedding -> a recurrent layer projects the embedding table through
    the layer's input kernel once per call (``E[ids] @ K == (E @ K)[ids]``, on the CPU);
    the numbers are those of the graph path."""
    from kerasette import backend
    from kerasette.ops import recurrent_inference

    used = []
    real = recurrent_inference._projections

    def spy(*args):
        result = real(*args)
        used.append(isinstance(result, backend.kernels.LookedUpGates))
        return result

    monkeypatch.setattr(recurrent_inference, "_projections", spy)
    keras.utils.set_random_seed(4)
    options = dict(options)
    embedding = layers.Embedding(50, 8, mask_zero=options.pop("mask_zero", False))
    model = keras.Sequential([keras.Input((6,), dtype="int32"), embedding,
                              getattr(layers, layer)(5, **options)])
    x = np.random.default_rng(5).integers(0, 50, (40, 6)).astype("int32")
    x[::3, 2:4] = 0  # padding inside some sequences: masked steps there
    got = model.predict(x, batch_size=16, verbose=0)
    want = host(model(x))  # weights need gradients here: the graph path
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert used == [backend.kernels.PROJECTION_TABLES] * 3  # never on the GPU
    few = model.predict(x[:2], verbose=0)  # 2 * 50 words > 2 * 6 tokens: no table
    np.testing.assert_allclose(few, want[:2], rtol=1e-5, atol=1e-6)
    assert used[3:] == [False]
