"""ONNX export: each supported layer family round-trips through onnxruntime."""

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

import kerasette as keras  # noqa: E402
from kerasette import layers  # noqa: E402
from kerasette.export import export_onnx  # noqa: E402
from helpers import run_onnx  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def _check(model, tmp_path, make_input):
    path = tmp_path / "model.onnx"
    export_onnx(model, path)
    onnx.checker.check_model(onnx.load(str(path)))
    for batch in (1, 5):
        inputs = make_input(batch)
        expected = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        expected = expected if isinstance(expected, list) else [expected]
        got = run_onnx(path, inputs)
        for e, o in zip(expected, got):
            np.testing.assert_allclose(o, np.asarray(e), **TOL)


def _floats(*shape):
    rng = np.random.default_rng(0)
    return lambda batch: [rng.normal(size=(batch,) + shape).astype("float32")]


def _randomize(model):
    rng = np.random.default_rng(1)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32")
                       if "variance" in name else rng.normal(0, 0.5, w.shape).astype("float32")
                       for w, name in zip(model.get_weights(),
                                          [v.name for v in model.weights])])


SEQUENTIAL_CASES = {
    "dense": ((6,), lambda: [layers.Dense(8, activation="relu"), layers.Dropout(0.5),
                             layers.Dense(4, activation="softmax")]),
    "activations": ((6,), lambda: [layers.Dense(5, activation=a) for a in
                                   ("sigmoid", "tanh", "elu", "selu", "softplus", "gelu",
                                    "linear")] + [layers.Activation("relu")]),
    "reshape": ((4, 6), lambda: [layers.Reshape((3, 8)), layers.Permute((2, 1)),
                                 layers.Flatten(), layers.Dense(3)]),
    "conv_same": ((9, 9, 3), lambda: [layers.Conv2D(4, 3, padding="same", strides=2,
                                                    activation="relu"),
                                      layers.MaxPooling2D(2, padding="same"),
                                      layers.Flatten()]),
    "conv_valid": ((10, 10, 2), lambda: [layers.Conv2D(3, 3, dilation_rate=2),
                                         layers.AveragePooling2D(2, padding="same"),
                                         layers.GlobalAveragePooling2D()]),
    "conv_even_same": ((8, 8, 2), lambda: [layers.Conv2D(3, 4, padding="same"),
                                           layers.AveragePooling2D(3, strides=2),
                                           layers.Flatten()]),
    "batchnorm": ((5, 5, 3), lambda: [layers.BatchNormalization(epsilon=1e-2),
                                      layers.Flatten(), layers.Dense(2)]),
    "layernorm": ((4, 6), lambda: [layers.LayerNormalization(), layers.Dense(3)]),
    "activation_layers": ((6,), lambda: [layers.Dense(5), layers.ReLU(max_value=0.5),
                                         layers.Dense(5), layers.LeakyReLU(),
                                         layers.Dense(5), layers.ELU(), layers.Softmax()]),
    "conv1d": ((12, 3), lambda: [layers.Conv1D(4, 3, padding="same"),
                                 layers.MaxPooling1D(2), layers.GlobalMaxPooling1D()]),
}


@pytest.mark.parametrize("case", sorted(SEQUENTIAL_CASES))
def test_sequential_families_match_predict(case, tmp_path):
    shape, make_layers = SEQUENTIAL_CASES[case]
    model = keras.Sequential([keras.Input(shape)] + make_layers())
    _randomize(model)
    _check(model, tmp_path, _floats(*shape))


def test_embedding_matches_predict(tmp_path):
    model = keras.Sequential([keras.Input((7,), dtype="int32"), layers.Embedding(20, 4),
                              layers.Flatten(), layers.Dense(2)])
    rng = np.random.default_rng(2)
    _check(model, tmp_path, lambda b: [rng.integers(0, 20, (b, 7)).astype("int32")])


def test_multi_input_functional_merges(tmp_path):
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    da, db = layers.Dense(6)(a), layers.Dense(6, activation="tanh")(b)
    merged = layers.Concatenate()([layers.Add()([da, db]), layers.Multiply()([da, db, a])])
    model = keras.Model([a, b], [layers.Dense(3)(merged), layers.Subtract()([da, db])])
    rng = np.random.default_rng(3)
    _check(model, tmp_path, lambda n: [rng.normal(size=(n, 6)).astype("float32")
                                       for _ in range(2)])


def test_dynamic_batch_axis_is_named(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    export_onnx(model, tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.opset_import[0].version == 17
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in proto.graph.initializer)


def test_unsupported_layer_names_layer_and_keeps_old_file(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.RepeatVector(2, name="rep")])
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match="'rep' \\(RepeatVector\\)"):
        export_onnx(model, path)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_missing_onnx_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "onnx":
            raise ImportError("no onnx")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ImportError, match=r'pip install "kerasette\[onnx\]"'):
        export_onnx(model, "unused.onnx")


def test_model_export_method(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="sigmoid")])
    model.export(tmp_path / "m.onnx", format="onnx")
    x = np.ones((4, 3), "float32")
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", [x])[0],
                               model.predict(x, verbose=0), **TOL)
    with pytest.raises(ValueError, match="format"):
        model.export(tmp_path / "m.saved", format="tf_saved_model")


RECURRENT_CASES = {
    "lstm": lambda seq: layers.LSTM(5, return_sequences=seq),
    "lstm_no_bias": lambda seq: layers.LSTM(5, use_bias=False, return_sequences=seq),
    "gru": lambda seq: layers.GRU(5, return_sequences=seq),
    "gru_reset_before": lambda seq: layers.GRU(5, reset_after=False, return_sequences=seq),
    "simple_rnn": lambda seq: layers.SimpleRNN(5, return_sequences=seq),
    "simple_rnn_relu": lambda seq: layers.SimpleRNN(5, activation="relu",
                                                    return_sequences=seq),
}


def _check_batches(model, tmp_path, make_input, batches=(1, 4)):
    path = tmp_path / "model.onnx"
    export_onnx(model, path)
    onnx.checker.check_model(onnx.load(str(path)))
    for batch in batches:
        inputs = make_input(batch)
        got = run_onnx(path, inputs)[0]
        np.testing.assert_allclose(got, model.predict(inputs[0], verbose=0), **TOL)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("case", sorted(RECURRENT_CASES))
def test_recurrent_layers_match_predict(case, return_sequences, tmp_path):
    model = keras.Sequential([keras.Input((7, 3)), RECURRENT_CASES[case](return_sequences)])
    _randomize(model)
    _check_batches(model, tmp_path, _floats(7, 3))


def test_embedding_lstm_dense_matches_predict(tmp_path):
    model = keras.Sequential([keras.Input((7,), dtype="int32"), layers.Embedding(20, 4),
                              layers.LSTM(5), layers.Dense(2)])
    _randomize(model)
    rng = np.random.default_rng(4)
    _check_batches(model, tmp_path, lambda b: [rng.integers(0, 20, (b, 7)).astype("int32")])


@pytest.mark.parametrize("make_layer, match", [
    (lambda: layers.LSTM(5, go_backwards=True, name="rnn"), "'rnn' \\(LSTM\\).*go_backwards"),
    (lambda: layers.GRU(5, stateful=True, name="rnn"), "'rnn' \\(GRU\\).*stateful"),
    (lambda: layers.LSTM(5, return_state=True, name="rnn"), "'rnn' \\(LSTM\\)"),
    (lambda: layers.LSTM(5, recurrent_activation="hard_sigmoid", name="rnn"),
     "'rnn' \\(LSTM\\).*recurrent_activation='hard_sigmoid'"),
    (lambda: layers.GRU(5, activation="relu", name="rnn"), "'rnn' \\(GRU\\).*activation"),
    (lambda: layers.SimpleRNN(5, activation="sigmoid", name="rnn"),
     "'rnn' \\(SimpleRNN\\).*activation='sigmoid'"),
])
def test_recurrent_refusals_name_the_layer(make_layer, match, tmp_path):
    model = keras.Sequential([keras.Input((7, 3), batch_size=2), make_layer()])  # stateful
    with pytest.raises(ValueError, match=match):
        export_onnx(model, tmp_path / "m.onnx")


def test_masked_lstm_input_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((7,), dtype="int32"),
                              layers.Embedding(20, 4, mask_zero=True, name="emb"),
                              layers.LSTM(5, name="rnn")])
    with pytest.raises(ValueError, match="'rnn' \\(LSTM\\).*masked by 'emb'"):
        export_onnx(model, tmp_path / "m.onnx")


CONV_CASES = {
    "depthwise_same_stride": ((9, 9, 3), lambda: [layers.DepthwiseConv2D(
        3, strides=2, padding="same", depth_multiplier=2, activation="relu")]),
    "depthwise_valid_dilated": ((10, 11, 2), lambda: [layers.DepthwiseConv2D(
        (3, 2), dilation_rate=2, depth_multiplier=3)]),
    "depthwise_1d": ((12, 3), lambda: [layers.DepthwiseConv1D(3, padding="same",
                                                              depth_multiplier=2)]),
    "separable_same": ((9, 9, 3), lambda: [layers.SeparableConv2D(
        4, 3, strides=2, padding="same", depth_multiplier=2, activation="tanh")]),
    "separable_valid_dilated": ((10, 10, 2), lambda: [layers.SeparableConv2D(
        5, 3, dilation_rate=2)]),
    "separable_1d": ((12, 3), lambda: [layers.SeparableConv1D(4, 3, depth_multiplier=2)]),
    "transpose_same_stride2": ((5, 6, 3), lambda: [layers.Conv2DTranspose(
        4, 3, strides=2, padding="same", activation="relu")]),
    "transpose_same_even_kernel": ((5, 5, 2), lambda: [layers.Conv2DTranspose(
        3, 4, strides=2, padding="same")]),
    "transpose_valid": ((5, 6, 3), lambda: [layers.Conv2DTranspose(4, (3, 2), strides=2)]),
    "transpose_valid_small_kernel": ((4, 4, 2), lambda: [layers.Conv2DTranspose(
        3, 2, strides=3)]),
    "transpose_same_stride1_dilated": ((6, 6, 2), lambda: [layers.Conv2DTranspose(
        3, 3, padding="same", dilation_rate=2)]),
    "transpose_1d": ((7, 3), lambda: [layers.Conv1DTranspose(4, 3, strides=2,
                                                             padding="same")]),
    "transpose_output_padding": ((5, 5, 2), lambda: [layers.Conv2DTranspose(
        3, 3, strides=2, output_padding=1)]),
    "reshaping_2d": ((6, 7, 2), lambda: [layers.ZeroPadding2D(((1, 2), (0, 3))),
                                         layers.Cropping2D(((2, 0), (1, 1))),
                                         layers.UpSampling2D((2, 3)), layers.Conv2D(2, 3)]),
    "upsampling_bilinear": ((4, 5, 2), lambda: [layers.Conv2D(3, 1), layers.UpSampling2D(
        2, interpolation="bilinear")]),
    "reshaping_1d": ((8, 3), lambda: [layers.ZeroPadding1D((2, 1)), layers.Cropping1D((0, 3)),
                                      layers.UpSampling1D(2), layers.Conv1D(2, 3)]),
    "reshaping_3d": ((4, 5, 3, 2), lambda: [layers.ZeroPadding3D(1), layers.Cropping3D(
        ((1, 0), (0, 2), (1, 1))), layers.UpSampling3D((1, 2, 2)), layers.Conv3DTranspose(
        2, 2, strides=2, padding="same")]),
    "channels_first": ((3, 7, 6), lambda: [
        layers.DepthwiseConv2D(3, padding="same", data_format="channels_first"),
        layers.SeparableConv2D(4, 3, data_format="channels_first"),
        layers.Conv2DTranspose(2, 3, strides=2, padding="same", data_format="channels_first"),
        layers.ZeroPadding2D(1, data_format="channels_first"),
        layers.Cropping2D((1, 2), data_format="channels_first"),
        layers.UpSampling2D(2, data_format="channels_first")]),
    "global_max_2d": ((6, 6, 3), lambda: [layers.Conv2D(4, 3),
                                          layers.GlobalMaxPooling2D()]),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_and_spatial_layers_match_predict(case, tmp_path):
    shape, make_layers = CONV_CASES[case]
    model = keras.Sequential([keras.Input(shape)] + make_layers())
    _randomize(model)
    assert all(np.any(w != 0) for w in model.get_weights())  # biases included
    _check_batches(model, tmp_path, _floats(*shape), batches=(1, 3))


def test_depthwise_channel_order_is_channel_times_multiplier(tmp_path):
    """Output channel ``c * mult + m`` reads input channel ``c`` only."""
    model = keras.Sequential([keras.Input((3, 3, 2)),
                              layers.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)])
    model.set_weights([np.array([[[[1, 2], [10, 20]]]], "float32")])
    x = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))], -1)[None].astype("float32")
    export_onnx(model, tmp_path / "m.onnx")
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", [x])[0][0, 0, 0], [1, 2, 20, 40])


def test_transpose_conv_with_unknown_spatial_size_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((None, None, 2)),
                              layers.Conv2DTranspose(3, 3, strides=2, name="up")])
    with pytest.raises(ValueError, match="'up' \\(Conv2DTranspose\\).*known spatial sizes"):
        export_onnx(model, tmp_path / "m.onnx")
