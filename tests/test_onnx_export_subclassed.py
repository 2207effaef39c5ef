"""ONNX export of subclassed models: ``call`` is traced once, onnxruntime matches predict."""

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

import kerasette as keras  # noqa: E402
from kerasette import layers, ops  # noqa: E402
from kerasette.export import export_onnx  # noqa: E402
from helpers import run_onnx  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def _randomize(model):
    rng = np.random.default_rng(1)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32")
                       if "variance" in v.name else rng.normal(0, 0.5, w.shape).astype("float32")
                       for w, v in zip(model.get_weights(), model.weights)])


def _check(model, tmp_path, make_input, batches=(1, 4), **export_kwargs):
    """Builds ``model`` on a batch of 3, exports it, compares at two other batch sizes."""
    first = make_input(3)
    model.predict(first if len(first) > 1 else first[0], verbose=0)
    _randomize(model)
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx", **export_kwargs)
    onnx.checker.check_model(onnx.load(str(path)))
    for batch in batches:
        inputs = make_input(batch)
        expected = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        expected = expected if isinstance(expected, (list, tuple)) else [expected]
        got = run_onnx(path, inputs)
        assert len(got) == len(expected)
        for e, o in zip(expected, got):
            assert o.shape == np.shape(e)
            np.testing.assert_allclose(o, np.asarray(e), **TOL)


def _floats(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return lambda batch: [rng.normal(size=(batch,) + s).astype("float32") for s in shapes]


class MLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(16, activation="relu")
        self.drop = layers.Dropout(0.3)
        self.head = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=False):
        return self.head(self.drop(self.hidden(inputs), training=training))


class Residual(keras.Model):
    def __init__(self):
        super().__init__()
        self.first = layers.Dense(6, activation="tanh")
        self.second = layers.Dense(6)
        self.norm = layers.LayerNormalization()
        self.head = layers.Dense(2)

    def call(self, x):
        y = self.second(self.first(x))
        h = ops.relu(x + y) * 0.5 - y / 4.0
        return self.head(self.norm(h + 1.0))


class TwoInputs(keras.Model):
    def __init__(self):
        super().__init__()
        self.a = layers.Dense(5)
        self.b = layers.Dense(5, activation="sigmoid")
        self.head = layers.Dense(2)

    def call(self, inputs):
        left, right = inputs
        da, db = self.a(left), self.b(right)
        merged = ops.concatenate([da * db, da - db, right[:, ::2]], axis=-1)
        return self.head(merged), ops.mean(da, axis=-1, keepdims=True)


class ConvBlock(layers.Layer):
    """A custom layer with sublayers: conv, batch norm, and a residual 1x1 projection."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(filters, 3, padding="same")
        self.norm = layers.BatchNormalization()
        self.project = layers.Conv2D(filters, 1)

    def call(self, x, training=None):
        y = self.norm(self.conv(x), training=training)
        return ops.relu(y + self.project(x))


class ConvNet(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = ConvBlock(4)
        self.pool = layers.MaxPooling2D(2)
        self.head = layers.Dense(3)

    def call(self, x):
        h = self.pool(self.block(x))
        h = ops.reshape(h, (ops.shape(h)[0], -1))  # the batch size read from the tensor
        return self.head(h)


class Recurrent(keras.Model):
    def __init__(self, rnn=layers.LSTM):
        super().__init__()
        self.embed = layers.Embedding(20, 4)
        self.lstm = rnn(6, return_sequences=True)
        self.head = layers.Dense(2)

    def call(self, tokens):
        sequence = self.lstm(self.embed(tokens))
        last, first = sequence[:, -1, :], sequence[:, 0]
        return self.head(ops.concatenate([last, first], axis=1))


def test_two_layer_mlp(tmp_path):
    _check(MLP(), tmp_path, _floats((7,)))


def test_residual_block_with_tensor_arithmetic(tmp_path):
    _check(Residual(), tmp_path, _floats((6,)))


def test_two_inputs_two_outputs(tmp_path):
    _check(TwoInputs(), tmp_path, _floats((4,), (6,)))


def test_conv_model_with_nested_custom_layer(tmp_path):
    _check(ConvNet(), tmp_path, _floats((6, 6, 3)))


@pytest.mark.parametrize("rnn", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_embedding_recurrent_model(rnn, tmp_path):
    rng = np.random.default_rng(5)
    _check(Recurrent(rnn), tmp_path, lambda b: [rng.integers(0, 20, (b, 7)).astype("int32")])


OP_CASES = {
    "transpose_matmul": lambda h: ops.matmul(h, ops.transpose(h[:, :3, :], (0, 2, 1))),
    "tensor_methods": lambda h: h.reshape((-1, 20)).sum(axis=1) + h.T.mean() + abs(h).max(),
    "reductions": lambda h: ops.concatenate(
        [ops.sum(h, axis=(1, 2))[:, None], ops.max(h, axis=-1)[:, 0:1], ops.min(h, axis=1),
         ops.mean(h, axis=2, keepdims=True)[:, :, 0]], axis=1),
    "axes": lambda h: ops.squeeze(ops.expand_dims(h, 1), 1)[..., None][:, 1, ::-1, 0],
    "stack_swap": lambda h: ops.moveaxis(ops.stack([h, -h], axis=1), 1, -1) + ops.swapaxes(
        ops.stack([h, h * 2], axis=2), 2, 3)[..., ::-1],
    "activations": lambda h: ops.concatenate(
        [ops.sigmoid(h), ops.tanh(h), ops.softmax(h, axis=1), ops.log_softmax(h),
         ops.gelu(h), keras.activations.gelu(h), ops.silu(h), ops.elu(h, 0.5), ops.selu(h),
         ops.leaky_relu(h), ops.relu6(h * 4), ops.relu(h, max_value=0.3),
         ops.softplus(h), ops.softsign(h)], axis=-1),
    "math": lambda h: ops.concatenate(
        [ops.exp(h) - ops.log(ops.square(h) + 1), ops.sqrt(ops.abs(h)), h ** 2, 2.0 ** h,
         ops.maximum(h, 0.1), ops.minimum(h, -h), ops.clip(h, -0.2, 0.3),
         ops.where(h > 0, h, 0.0), ops.erf(h), 1.0 - h, ops.cast(h > 0.1, "float32"),
         ops.reciprocal(ops.abs(h) + 1), ops.zeros_like(h) + ops.full_like(h, 2.0),
         ops.ones_like(h) * h], axis=-1),
}


class OpsModel(keras.Model):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.dense = layers.Dense(20)

    def call(self, x):
        return self.fn(ops.reshape(self.dense(x), (-1, 4, 5)))


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_traced_ops_match_predict(case, tmp_path):
    _check(OpsModel(OP_CASES[case]), tmp_path, _floats((3,)))


class Looped(keras.Model):
    """Python control flow: a shared layer applied in a loop, a branch on the config."""

    def __init__(self, steps, skip):
        super().__init__()
        self.steps, self.skip = steps, skip
        self.inner = layers.Dense(4, activation="tanh")

    def call(self, x):
        for _ in range(self.steps):
            x = self.inner(x) + x if self.skip else self.inner(x)
        return x


def test_python_control_flow_is_traced_for_the_sample(tmp_path):
    _check(Looped(3, skip=True), tmp_path, _floats((4,)))
    proto = onnx.load(str(tmp_path / "model.onnx"))
    assert sum(n.op_type == "MatMul" for n in proto.graph.node) == 3
    assert len(proto.graph.initializer) == 2  # the shared layer's weights, once each


def test_input_signature_builds_an_unbuilt_model(tmp_path):
    model = MLP()
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match="'mlp\\w*' \\(MLP\\).*input shapes are unknown"):
        model.export(path, format="onnx")
    export_onnx(model, path, input_signature=[keras.layers.InputSpec(shape=(None, 7))])
    proto = onnx.load(str(path))
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 7
    x = np.random.default_rng(2).normal(size=(6, 7)).astype("float32")
    np.testing.assert_allclose(run_onnx(path, [x])[0], model.predict(x, verbose=0), **TOL)


def test_model_build_records_the_input_shape(tmp_path):
    model = ConvNet()
    model.build((None, 6, 6, 3))
    model.export(tmp_path / "m.onnx", format="onnx")
    x = np.random.default_rng(3).normal(size=(5, 6, 6, 3)).astype("float32")
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", [x])[0], model.predict(x, verbose=0),
                               **TOL)


def test_named_inputs_from_keras_input(tmp_path):
    model = TwoInputs()
    export_onnx(model, tmp_path / "m.onnx", input_signature=[
        [keras.Input((4,), name="left"), keras.Input((6,), name="right")]])
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert [i.name for i in proto.graph.input] == ["left", "right"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]


class WithOp(keras.Model):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.dense = layers.Dense(3, name="proj")

    def call(self, x):
        return self.fn(self, self.dense(x))


class Untraced(layers.Layer):
    def call(self, x):
        return keras.ops.convert_to_tensor(keras.backend.xp.tanh(x.data))


@pytest.mark.parametrize("fn, match", [
    (lambda m, h: ops.cumsum(h, axis=1), "keras.ops.cumsum, which has no ONNX form"),
    (lambda m, h: layers.RepeatVector(2, name="rep")(h), "'rep' \\(RepeatVector\\)"),
    (lambda m, h: Untraced(name="raw")(h), "'raw' \\(Untraced\\)"),
    (lambda m, h: h[:, ops.convert_to_tensor(np.array([0, 2]))], "only ints, slices"),
])
def test_unsupported_op_or_layer_is_named(fn, match, tmp_path):
    model = WithOp(fn)
    model(np.zeros((2, 4), "float32"))
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match=match):
        model.export(path, format="onnx")
    assert not path.exists()


def test_unused_unsupported_op_is_left_out(tmp_path):
    """Only what the outputs depend on is exported: a dead cumsum is no error."""
    def fn(m, h):
        ops.cumsum(h, axis=1)
        return h
    model = WithOp(fn)
    _check(model, tmp_path, _floats((4,)))


class MaskedLSTM(keras.Model):
    def __init__(self):
        super().__init__()
        self.embed = layers.Embedding(20, 4, mask_zero=True)
        self.lstm = layers.LSTM(3, name="rnn")

    def call(self, tokens):
        return self.lstm(self.embed(tokens))


def test_masked_lstm_is_refused(tmp_path):
    model = MaskedLSTM()
    model(np.ones((2, 5), "int32"))
    with pytest.raises(ValueError, match="'rnn' \\(LSTM\\).*masked"):
        model.export(tmp_path / "m.onnx", format="onnx")


def test_weights_are_not_changed_by_the_trace(tmp_path):
    model = ConvNet()
    model(np.zeros((2, 6, 6, 3), "float32"))
    before = [w.copy() for w in model.get_weights()]
    model.export(tmp_path / "m.onnx", format="onnx")
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert keras.ops.add.__name__ == "add" and keras.activations.relu.__name__ == "relu"


class Failing(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)

    def call(self, x):
        h = self.dense(x) + 1.0
        if getattr(self, "fail", False):
            raise RuntimeError("call failed")
        return h


def test_a_failing_call_leaves_nothing_patched(tmp_path):
    from kerasette.autograd import Tensor
    from kerasette.layers import Layer

    model = Failing()
    model(np.zeros((2, 3), "float32"))
    originals = (Tensor.__add__, Tensor.__getitem__, Layer.__call__, keras.ops.matmul)
    model.fail = True
    with pytest.raises(RuntimeError, match="call failed"):
        model.export(tmp_path / "m.onnx", format="onnx")
    assert (Tensor.__add__, Tensor.__getitem__, Layer.__call__, keras.ops.matmul) == originals
    assert not (tmp_path / "m.onnx").exists()


class Linear(layers.Layer):
    """The custom-layer tutorial's layer: its own weights, ``ops.matmul`` in ``call``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x):
        return ops.matmul(x, self.w) + self.b


class WithConstants(keras.Model):
    def __init__(self):
        super().__init__()
        self.linear = Linear(4)
        self.shared = layers.Dense(4)
        self.offset = ops.convert_to_tensor(np.arange(4, dtype="float32"))

    def call(self, x):
        h = self.linear(x) - self.offset
        return self.shared(self.shared(h)) * ops.ones((4,))


def test_custom_layer_weights_and_stored_constants(tmp_path):
    _check(WithConstants(), tmp_path, _floats((3,)))
    proto = onnx.load(str(tmp_path / "model.onnx"))
    assert len(proto.graph.initializer) == 6  # w, b, offset, ones, shared kernel and bias


class BatchSized(keras.Model):
    """Sizes read from the batch: a reshape keeps them dynamic, a constant is refused."""

    def __init__(self, constant):
        super().__init__()
        self.constant = constant
        self.dense = layers.Dense(6)

    def call(self, x):
        h = self.dense(x)
        n = ops.shape(h)[0]
        h = ops.reshape(ops.reshape(h, (n * 2, 3)), (n, 2, 3))  # batch folded, then back
        if self.constant:
            h = h + ops.zeros((n, 2, 3))
        return h[:, 1]


def test_batch_sized_reshape_stays_dynamic(tmp_path):
    _check(BatchSized(constant=False), tmp_path, _floats((4,)), batches=(1, 5))


def test_batch_sized_constant_is_refused(tmp_path):
    model = BatchSized(constant=True)
    model(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="keras.ops.add change with the batch size"):
        model.export(tmp_path / "m.onnx", format="onnx")


class DataDependent(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)

    def call(self, x):
        h = self.dense(x)
        return ops.relu(h) if ops.shape(h)[0] > 2 else h


def test_path_that_changes_with_the_batch_is_refused(tmp_path):
    model = DataDependent()
    model(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="another path for a batch of 3"):
        model.export(tmp_path / "m.onnx", format="onnx")


class NestedModels(keras.Model):
    """Dict inputs and outputs; a nested Sequential, a nested functional model with tensor
    arithmetic, and a Lambda layer are traced through."""

    def __init__(self):
        super().__init__()
        self.body = keras.Sequential([layers.Dense(5, activation="relu"), layers.Dense(5)])
        a = keras.Input((5,))
        self.func = keras.Model(a, layers.Dense(2)(a) * 2.0 + a[:, :2])
        self.lam = layers.Lambda(lambda t: ops.tanh(t) * 3)

    def call(self, inputs):
        h = self.body(inputs["x"]) + inputs["y"]
        return {"out": self.func(self.lam(h)), "aux": ops.sum(h, axis=-1)}


def test_nested_models_lambda_and_dicts(tmp_path):
    model = NestedModels()
    rng = np.random.default_rng(6)
    data = lambda b: {"x": rng.normal(size=(b, 4)).astype("float32"),  # noqa: E731
                      "y": rng.normal(size=(b, 5)).astype("float32")}
    model.predict(data(3), verbose=0)
    _randomize(model)
    path = tmp_path / "m.onnx"
    model.export(path, format="onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x", "y"]
    assert [o.name for o in session.get_outputs()] == ["out", "aux"]
    for batch in (1, 4):
        inputs = data(batch)
        got = session.run(None, inputs)
        expected = model.predict(inputs, verbose=0)
        for e, o in zip(expected, got):
            np.testing.assert_allclose(o, np.asarray(e), **TOL)
