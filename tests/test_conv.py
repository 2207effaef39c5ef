"""Convolutions: the im2col/col2im kernels, the ops against a direct-loop NumPy
convolution, float64 gradient checks, the layers through the shared layer test, and the
errors for bad input."""

import importlib
import itertools

import numpy as np
import pytest
from helpers import check_gradients, check_layer, run_float32

import kerasette as keras
from kerasette import backend, layers, ops
from kerasette.backend import numpy_kernels


def reference_padding(size, k, s, d, padding):
    """(before, out) of one axis, from TensorFlow's documented rules."""
    extent = (k - 1) * d + 1
    if padding == "valid":
        return 0, (size - extent) // s + 1
    if padding == "causal":
        return extent - 1, (size - 1) // s + 1
    out = -(-size // s)
    return max((out - 1) * s + extent - size, 0) // 2, out


def loop_conv(x, w, strides, padding, dilation, groups=1):
    """Channels-last convolution by direct loops over outputs and kernel offsets."""
    rank = w.ndim - 2
    geometry = [reference_padding(n, k, s, d, padding)
                for n, k, s, d in zip(x.shape[1:-1], w.shape[:rank], strides, dilation)]
    out = np.zeros((x.shape[0],) + tuple(o for _, o in geometry) + (w.shape[-1],))
    cin, cout = w.shape[-2], w.shape[-1] // groups
    for o in itertools.product(*[range(n) for _, n in geometry]):
        for k in itertools.product(*[range(n) for n in w.shape[:rank]]):
            pos = [oi * s + ki * d - before for oi, s, ki, d, (before, _)
                   in zip(o, strides, k, dilation, geometry)]
            if not all(0 <= p < n for p, n in zip(pos, x.shape[1:-1])):
                continue  # a padded position holds zero
            for g in range(groups):
                pixel = x[(slice(None),) + tuple(pos) + (slice(g * cin, (g + 1) * cin),)]
                kernel = w[k][:, g * cout:(g + 1) * cout]
                out[(slice(None),) + o + (slice(g * cout, (g + 1) * cout),)] += pixel @ kernel
    return out


def loop_conv_transpose(x, w, strides, padding, dilation, output_padding=None):
    """Transposed convolution by direct scatter: input pixel ``i`` adds
    ``x[i] @ w[k].T`` at output ``i * stride + k * dilation - before``."""
    rank = w.ndim - 2
    lengths, befores = [], []
    for n, k, s, d, e in zip(x.shape[1:-1], w.shape[:rank], strides, dilation,
                             output_padding or (None,) * rank):
        extent = (k - 1) * d + 1
        if e is None:
            length = n * s if padding == "same" else n * s + max(extent - s, 0)
        else:
            pad = extent // 2 if padding == "same" else 0
            length = (n - 1) * s + extent - 2 * pad + e
        covered = (n - 1) * s + extent
        lengths.append(length)
        befores.append(max(covered - length, 0) // 2 if padding == "same" else 0)
    out = np.zeros((x.shape[0],) + tuple(lengths) + (w.shape[-2],))
    for i in itertools.product(*[range(n) for n in x.shape[1:-1]]):
        for k in itertools.product(*[range(n) for n in w.shape[:rank]]):
            pos = [a * s + b * d - before for a, s, b, d, before
                   in zip(i, strides, k, dilation, befores)]
            if all(0 <= p < n for p, n in zip(pos, lengths)):
                out[(slice(None),) + tuple(pos)] += x[(slice(None),) + i] @ w[k].T
    return out


CONV_CASES = [  # input shape, kernel size, strides, padding, dilation, groups, filters
    ((2, 9, 3), (3,), (1,), "valid", (1,), 1, 4),
    ((2, 9, 3), (3,), (2,), "same", (1,), 1, 4),
    ((2, 9, 3), (2,), (1,), "causal", (3,), 1, 2),
    ((2, 10, 4), (3,), (3,), "causal", (1,), 2, 4),
    ((2, 7, 6, 3), (3, 3), (1, 1), "valid", (1, 1), 1, 4),
    ((2, 7, 6, 3), (3, 2), (2, 3), "same", (1, 1), 1, 4),
    ((2, 8, 7, 2), (2, 3), (1, 1), "same", (2, 2), 1, 3),
    ((2, 8, 7, 2), (3, 2), (2, 1), "valid", (2, 1), 1, 3),
    ((2, 6, 6, 4), (3, 3), (1, 1), "same", (1, 1), 2, 6),
    ((2, 6, 6, 4), (2, 2), (2, 2), "valid", (1, 1), 4, 4),
    ((1, 5, 4, 5, 2), (2, 3, 2), (1, 2, 1), "same", (1, 1, 2), 1, 3),
]


def _case_ids(cases):
    return [f"{len(c[1])}d-{c[3]}-s{c[2]}-d{c[4]}-g{c[5]}" for c in cases]


@pytest.mark.parametrize("shape,ksize,strides,padding,dilation,groups,filters", CONV_CASES,
                         ids=_case_ids(CONV_CASES))
def test_conv_matches_direct_loop_and_gradients(shape, ksize, strides, padding, dilation,
                                                groups, filters):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(ksize + (shape[-1] // groups, filters))
    b = rng.standard_normal(filters)
    got = ops.conv(x, w, strides, padding, dilation_rate=dilation, bias=b).numpy()
    np.testing.assert_allclose(got, loop_conv(x, w, strides, padding, dilation, groups) + b,
                               rtol=1e-10, atol=1e-10)
    check_gradients(lambda t, k, c: ops.conv(t, k, strides, padding, dilation_rate=dilation,
                                             bias=c), x, w, b)


def test_batch_chunks_hold_at_most_the_backends_chunk_of_windows():
    """The MNIST convnet's second convolution (576 windows of 288 values a sample): chunks
    of at most ``kernels.CONV_CHUNK_BYTES`` (the CPU's) and ``CHUNK_BYTES`` of windows,
    covering the batch in order, sizes within one sample, one sample at least."""
    conv_module = importlib.import_module("kerasette.ops.conv")
    per_sample = 576 * 288 * 4
    limit = min(conv_module.CHUNK_BYTES, backend.kernels.CONV_CHUNK_BYTES)
    for batch in (1, 5, 128, 1000):
        chunks = conv_module.batch_chunks(batch, per_sample)
        sizes = [part.stop - part.start for part in chunks]
        assert chunks[0].start == 0 and chunks[-1].stop == batch
        assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:]))
        assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
        assert max(sizes) <= max(1, limit // per_sample)
    assert len(conv_module.batch_chunks(2, 10 * conv_module.CHUNK_BYTES)) == 2


@pytest.mark.parametrize("keep_bytes", [0, 1 << 27], ids=["rebuilt", "kept"])
def test_conv_in_many_batch_chunks_matches_one(monkeypatch, keep_bytes):
    """im2col works on chunks of the batch (bounded memory); one sample per chunk gives
    the same values and gradients, whether the forward keeps the windows for the
    backward or the backward rebuilds them."""
    conv_module = importlib.import_module("kerasette.ops.conv")
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)
    monkeypatch.setattr(conv_module, "KEEP_BYTES", keep_bytes)
    assert len(conv_module.batch_chunks(3, 100)) == 3
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 6, 5, 4))
    w = rng.standard_normal((3, 2, 2, 6))
    b = rng.standard_normal(6)
    got = ops.conv(x, w, (2, 1), "same", bias=b).numpy()
    np.testing.assert_allclose(got, loop_conv(x, w, (2, 1), "same", (1, 1), 2) + b,
                               rtol=1e-10, atol=1e-10)
    fused = ops.conv(x, w, (2, 1), "same", bias=b, relu=True).numpy()  # per chunk too
    np.testing.assert_allclose(fused, np.maximum(got, 0), rtol=1e-12, atol=1e-12)
    check_gradients(lambda t, k, c: ops.conv(t, k, (2, 1), "same", bias=c), x, w, b)


@pytest.mark.parametrize("shape,ksize,strides,padding,dilation", [
    ((2, 3, 6, 5), (3, 2), (2, 1), "same", (1, 1)),
    ((2, 3, 7, 6), (2, 2), (1, 2), "valid", (2, 1)),
    ((2, 3, 8), (3,), (2,), "causal", (1,)),
])
def test_conv_channels_first_matches_channels_last(shape, ksize, strides, padding, dilation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(ksize + (shape[1], 4))
    first = ops.conv(x, w, strides, padding, "channels_first", dilation).numpy()
    last = loop_conv(np.moveaxis(x, 1, -1), w, strides, padding, dilation)
    np.testing.assert_allclose(first, np.moveaxis(last, -1, 1), rtol=1e-10, atol=1e-10)
    check_gradients(lambda t, k: ops.conv(t, k, strides, padding, "channels_first", dilation),
                    x, w)


def test_conv_fused_relu_matches_composition_and_stays_float32():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 6, 5, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal(4)
    fused = run_float32(lambda t, k, c: ops.conv(t, k, 1, "same", bias=c, relu=True), x, w, b)
    plain = np.maximum(loop_conv(x, w, (1, 1), "same", (1, 1)) + b, 0)
    np.testing.assert_allclose(fused, plain, rtol=1e-4, atol=1e-4)
    x = np.where(np.abs(x) < 0.05, 0.1, x)
    check_gradients(lambda t, k, c: ops.conv(t, k, 1, "valid", bias=c, relu=True),
                    x, w, b + 0.3)


TRANSPOSE_CASES = [  # input shape, kernel size, strides, padding, dilation, output_padding
    ((2, 4, 3), (3,), (2,), "valid", (1,), None),
    ((2, 4, 3), (3,), (2,), "same", (1,), None),
    ((2, 3, 4, 2), (3, 3), (2, 2), "same", (1, 1), None),
    ((2, 3, 4, 2), (2, 3), (3, 1), "valid", (1, 1), None),
    ((2, 3, 4, 2), (3, 3), (2, 2), "same", (1, 1), (1, 0)),
    ((2, 3, 4, 2), (2, 2), (1, 1), "valid", (2, 2), None),
    ((2, 3, 3, 2), (1, 1), (3, 3), "valid", (1, 1), None),
]


@pytest.mark.parametrize("shape,ksize,strides,padding,dilation,extra", TRANSPOSE_CASES)
def test_conv_transpose_matches_direct_scatter(shape, ksize, strides, padding, dilation,
                                               extra):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(ksize + (3, shape[-1]))
    b = rng.standard_normal(3)
    got = ops.conv_transpose(x, w, strides, padding, extra, dilation_rate=dilation,
                             bias=b).numpy()
    want = loop_conv_transpose(x, w, strides, padding, dilation, extra) + b
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    check_gradients(lambda t, k, c: ops.conv_transpose(t, k, strides, padding, extra,
                                                       dilation_rate=dilation, bias=c), x, w, b)


@pytest.mark.parametrize("case", [0, 3, 4], ids=["1d-same", "output-padding", "dilated"])
def test_conv_transpose_in_many_batch_chunks_matches_the_scatter(monkeypatch, case):
    """One sample per chunk (each spread onto a grid of its own): the direct scatter's
    values, and gradients that pass the check."""
    shape, ksize, strides, padding, dilation, extra = TRANSPOSE_CASES[case]
    conv_module = importlib.import_module("kerasette.ops.conv")
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3,) + shape[1:])
    w = rng.standard_normal(ksize + (3, shape[-1]))
    b = rng.standard_normal(3)
    got = ops.conv_transpose(x, w, strides, padding, extra, dilation_rate=dilation,
                             bias=b).numpy()
    want = loop_conv_transpose(x, w, strides, padding, dilation, extra) + b
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    check_gradients(lambda t, k, c: ops.conv_transpose(t, k, strides, padding, extra,
                                                       dilation_rate=dilation, bias=c), x, w, b)


def test_conv_transpose_is_the_adjoint_of_conv():
    """<conv(y, w), x> == <y, conv_transpose(x, w)> for the matching sizes."""
    rng = np.random.default_rng(4)
    for padding in ("valid", "same"):
        y = rng.standard_normal((2, 9, 8, 3))
        w = rng.standard_normal((3, 3, 3, 5))
        forward = ops.conv(y, w, 2, padding).numpy()
        x = rng.standard_normal(forward.shape)
        back = ops.conv_transpose(x, w, 2, padding, output_padding=(0, 1)).numpy()
        assert back.shape == y.shape, (padding, back.shape)
        np.testing.assert_allclose(np.sum(forward * x), np.sum(y * back), rtol=1e-10)


def test_depthwise_and_separable_conv_match_loops():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 5, 3))
    depthwise = rng.standard_normal((3, 2, 3, 2))
    pointwise = rng.standard_normal((1, 1, 6, 4))
    want = np.concatenate([loop_conv(x[..., c:c + 1], depthwise[:, :, c:c + 1, :], (1, 2),
                                     "same", (1, 1)) for c in range(3)], axis=-1)
    got = ops.depthwise_conv(x, depthwise, (1, 2), "same").numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    separable = ops.separable_conv(x, depthwise, pointwise, (1, 2), "same").numpy()
    np.testing.assert_allclose(separable, want @ pointwise[0, 0], rtol=1e-10, atol=1e-10)
    check_gradients(lambda t, d, p: ops.separable_conv(t, d, p, 1, "valid", dilation_rate=2),
                    x, depthwise, pointwise)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 7, 6, 3))
    cols = numpy_kernels.im2col(x, (2, 3), (2, 1), (2, 1))
    assert cols.shape == (2, 3, 4, 2, 3, 3) and cols.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(cols[1, 2, 3, 1, 2], x[1, 2 * 2 + 1 * 2, 3 + 2])
    y = rng.standard_normal(cols.shape)
    back = numpy_kernels.col2im(y, (7, 6), (2, 3), (2, 1), (2, 1))
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * back), rtol=1e-12)
    view = numpy_kernels.sliding_windows(x, (2, 3), (2, 1), (2, 1))
    assert not view.flags["WRITEABLE"] and np.shares_memory(view, x)


LAYER_CASES = [  # class, kwargs, input shape, output shape, number of weights
    (layers.Conv1D, {"filters": 3, "kernel_size": 3, "padding": "causal",
                     "dilation_rate": 2, "activation": "tanh"}, (2, 7, 2), (2, 7, 3), 2),
    (layers.Conv1D, {"filters": 4, "kernel_size": 2, "strides": 2, "groups": 2,
                     "use_bias": False}, (2, 7, 2), (2, 3, 4), 1),
    (layers.Conv2D, {"filters": 3, "kernel_size": (2, 3), "strides": (1, 2),
                     "padding": "same", "activation": "relu"}, (2, 5, 6, 2), (2, 5, 3, 3), 2),
    (layers.Conv2D, {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                     "data_format": "channels_first"}, (2, 3, 5, 5), (2, 2, 3, 3), 2),
    (layers.Conv3D, {"filters": 2, "kernel_size": 2, "groups": 2}, (1, 3, 3, 3, 4),
     (1, 2, 2, 2, 2), 2),
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 3),
     (2, 9, 2), 2),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2,
                              "padding": "same"}, (2, 3, 4, 2), (2, 6, 8, 3), 2),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2,
                              "output_padding": 1, "data_format": "channels_first"},
     (2, 3, 2, 3), (2, 2, 5, 7), 2),
    (layers.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 5, 2),
     (2, 3, 3, 4), 2),
    (layers.DepthwiseConv1D, {"kernel_size": 2, "padding": "same"}, (2, 5, 3), (2, 5, 3), 2),
    (layers.SeparableConv2D, {"filters": 3, "kernel_size": 3,
                              "data_format": "channels_first"}, (2, 2, 5, 5), (2, 3, 3, 3), 3),
    (layers.SeparableConv1D, {"filters": 3, "kernel_size": 2, "depth_multiplier": 2,
                              "activation": "relu"}, (2, 5, 2), (2, 4, 3), 3),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected,n_weights", LAYER_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(LAYER_CASES)])
def test_conv_layers_pass_the_shared_layer_test(cls, kwargs, shape, expected, n_weights):
    check_layer(cls, kwargs, shape, expected_output_shape=expected, num_weights=n_weights)


def test_conv2d_layer_uses_keras_kernel_layout():
    layer = layers.Conv2D(8, (3, 5), name="c")
    out = layer(np.random.default_rng(7).standard_normal((2, 9, 9, 3)).astype("float32"))
    assert layer.kernel.shape == (3, 5, 3, 8) and layer.bias.shape == (8,)
    assert [w.path for w in layer.weights] == ["c/kernel", "c/bias"]
    assert layer.count_params() == 3 * 5 * 3 * 8 + 8
    kernel, bias = layer.get_weights()
    x = np.random.default_rng(7).standard_normal((2, 9, 9, 3))
    np.testing.assert_allclose(out.numpy(), loop_conv(x, kernel, (1, 1), "valid", (1, 1)) + bias,
                               rtol=1e-4, atol=1e-4)
    assert out.dtype == np.float32
    transposed = layers.Conv2DTranspose(4, 3)
    transposed(np.zeros((1, 5, 5, 3), "float32"))
    assert transposed.kernel.shape == (3, 3, 4, 3)
    depthwise = layers.DepthwiseConv2D(3, depth_multiplier=2)
    depthwise(np.zeros((1, 5, 5, 3), "float32"))
    assert depthwise.kernel.shape == (3, 3, 3, 2)


def test_conv_errors_are_clear():
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_bad'.*rank 4.*\(2, 28, 28\).*"
                                         r"channels axis"):
        layers.Conv2D(4, 3, name="conv2d_bad")(np.zeros((2, 28, 28), "float32"))
    with pytest.raises(ValueError, match=r"window is larger than the input.*spans 5.*"
                                         r"kernel_size=\(5, 5\).*has 3.*smaller kernel"):
        layers.Conv2D(4, 5)(np.zeros((1, 3, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"window is larger than the input"):
        keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(2, 3, dilation_rate=2)])
    for bad in ({"filters": 0, "kernel_size": 3}, {"filters": 4, "kernel_size": -1},
                {"filters": 4, "kernel_size": 3, "strides": 0},
                {"filters": 4, "kernel_size": (3, 0)},
                {"filters": 4, "kernel_size": 3, "dilation_rate": 0}):
        with pytest.raises(ValueError, match="positive integer"):
            layers.Conv2D(**bad)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="divisible by `groups`"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="divisible by groups=2"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    layer = layers.Conv2D(4, 3)
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3.*"
                                         r"\(1, 5, 5, 2\)"):
        layer(np.zeros((1, 5, 5, 2), "float32"))
    with pytest.raises(ValueError, match="data_format"):
        layers.Conv1D(2, 2, data_format="channels_middle")
    with pytest.raises(ValueError, match="not a multiple of the kernel's input channels"):
        ops.conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


def test_conv_model_trains_and_frozen_conv_keeps_its_weights():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((32, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("int64")
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(4, 3, activation="relu", name="features"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    first = model.fit(x, y, epochs=15, batch_size=8, verbose=0).history["loss"]
    assert first[-1] < first[0]
    conv = model.get_layer("features")
    conv.trainable = False
    frozen = [w.copy() for w in conv.get_weights()]
    head = model.layers[-1].get_weights()[0].copy()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for before, after in zip(frozen, conv.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(head, model.layers[-1].get_weights()[0])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    conv_params = 3 * 3 * 1 * 4 + 4
    dense_params = 3 * 3 * 4 * 2 + 2
    assert f"Trainable params: {dense_params:,}" in text
    assert f"Non-trainable params: {conv_params:,}" in text
    assert backend.floatx() == "float32"
