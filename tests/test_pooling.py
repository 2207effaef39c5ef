"""Pooling: ops against direct loops, gradients (ties included), the layers through the
shared layer test, global pooling, and errors."""

import itertools

import numpy as np
import pytest
from helpers import check_gradients, check_layer, host, tensor

from kerasette import backend, layers, ops
from kerasette.autograd import Tensor, gradients


def loop_pool(x, pool, strides, padding, kind):
    """Channels-last pooling by loops; "same" windows see only real positions."""
    rank = x.ndim - 2
    geometry = []
    for n, p, s in zip(x.shape[1:-1], pool, strides):
        if padding == "valid":
            geometry.append((0, (n - p) // s + 1))
        else:
            out = -(-n // s)
            geometry.append((max((out - 1) * s + p - n, 0) // 2, out))
    y = np.zeros((x.shape[0],) + tuple(o for _, o in geometry) + (x.shape[-1],))
    for o in itertools.product(*[range(n) for _, n in geometry]):
        values = []
        for k in itertools.product(*[range(n) for n in pool]):
            pos = tuple(oi * s + ki - before for oi, s, ki, (before, _)
                        in zip(o, strides, k, geometry))
            if all(0 <= q < n for q, n in zip(pos, x.shape[1:1 + rank])):
                values.append(x[(slice(None),) + pos])
        values = np.stack(values)
        y[(slice(None),) + o] = values.max(0) if kind == "max" else values.mean(0)
    return y


POOL_CASES = [  # shape, pool, strides, padding
    ((2, 9, 3), (2,), (2,), "valid"),
    ((2, 9, 3), (3,), (2,), "same"),
    ((2, 7, 6, 3), (2, 2), (2, 2), "valid"),
    ((2, 7, 6, 3), (3, 2), (1, 2), "same"),
    ((2, 7, 6, 2), (3, 3), (2, 1), "valid"),
    ((2, 5, 5, 2), (2, 2), (3, 3), "same"),
    ((1, 5, 4, 3, 2), (2, 2, 2), (1, 2, 1), "valid"),
    ((1, 5, 4, 3, 2), (2, 3, 2), (2, 2, 2), "same"),
]


@pytest.mark.parametrize("chunk", ["one-sample-chunks", "whole-batch"])
@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("shape,pool,strides,padding", POOL_CASES)
def test_pooling_matches_loops_and_gradients(kind, shape, pool, strides, padding, chunk,
                                             monkeypatch):
    """Also with the max-pool backward cut into one-sample pieces (as for big inputs)."""
    if chunk == "one-sample-chunks":
        monkeypatch.setattr(backend.kernels, "CACHE_CHUNK_BYTES", 1)
    fn = ops.max_pool if kind == "max" else ops.average_pool
    x = np.random.default_rng(0).standard_normal(shape)  # continuous: no ties
    got = fn(x, pool, strides, padding).numpy()
    np.testing.assert_allclose(got, loop_pool(x, pool, strides, padding, kind[:3]),
                               rtol=1e-12, atol=1e-12)
    check_gradients(lambda t: fn(t, pool, strides, padding), x)


@pytest.mark.parametrize("kind", ["max", "average"])
def test_pooling_channels_first(kind):
    fn = ops.max_pool if kind == "max" else ops.average_pool
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 6))
    got = fn(x, (3, 2), (2, 2), "same", "channels_first").numpy()
    want = loop_pool(np.moveaxis(x, 1, -1), (3, 2), (2, 2), "same", kind[:3])
    np.testing.assert_allclose(got, np.moveaxis(want, -1, 1), rtol=1e-12)
    check_gradients(lambda t: fn(t, (3, 2), (2, 2), "same", "channels_first"), x)


@pytest.mark.parametrize("chunk", [1, 1 << 30], ids=["one-sample-chunks", "whole-batch"])
def test_max_pool_ties_route_the_gradient_to_the_first_maximum(chunk, monkeypatch):
    """Kerasette's documented choice: the whole gradient of a window goes to its first
    maximal position in row-major order (TensorFlow also routes to one argmax)."""
    monkeypatch.setattr(backend.kernels, "CACHE_CHUNK_BYTES", chunk)
    x = np.array([[1.0, 1.0, 0.0, 2.0],
                  [1.0, 1.0, 2.0, 2.0],
                  [0.0, 3.0, 5.0, 5.0],
                  [3.0, 0.0, 5.0, 5.0]])[None, :, :, None]
    x = np.concatenate([x, x[:, ::-1]])  # two samples: two chunks of one
    t = tensor(x, requires_grad=True)
    out = ops.max_pool(t, 2)
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], [[1.0, 2.0], [3.0, 5.0]])
    seed = np.array([[1.0, 2.0], [3.0, 4.0]])[None, :, :, None]
    grad = gradients(out, [t], seed=np.concatenate([seed, seed]))[0]
    np.testing.assert_array_equal(host(grad)[0, :, :, 0], [[1.0, 0.0, 0.0, 2.0],
                                                     [0.0, 0.0, 0.0, 0.0],
                                                     [0.0, 3.0, 4.0, 0.0],
                                                     [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(host(grad)[1, :, :, 0], [[1.0, 0.0, 2.0, 0.0],
                                                     [0.0, 0.0, 0.0, 0.0],
                                                     [3.0, 0.0, 4.0, 0.0],
                                                     [0.0, 0.0, 0.0, 0.0]])
    # Overlapping windows: a position that is the first maximum of several windows
    # collects all their gradients.
    flat = tensor(np.ones((1, 4, 1)), requires_grad=True)
    pooled = ops.max_pool(flat, 2, 1)
    grad = gradients(pooled, [flat], seed=np.ones(pooled.shape))[0]
    np.testing.assert_array_equal(host(grad)[0, :, 0], [1.0, 1.0, 1.0, 0.0])


def test_same_average_pool_ignores_padding_and_max_pool_never_picks_it():
    x = -np.ones((1, 3, 3, 1))
    np.testing.assert_array_equal(ops.average_pool(x, 2, 2, "same").numpy(), -1.0)
    np.testing.assert_array_equal(ops.max_pool(x, 3, 1, "same").numpy(), -1.0)


LAYER_CASES = [
    (layers.MaxPooling1D, {}, (2, 6, 3), (2, 3, 3)),
    (layers.MaxPooling1D, {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 5, 3),
     (2, 5, 3)),
    (layers.MaxPooling2D, {"pool_size": (2, 2)}, (2, 5, 4, 3), (2, 2, 2, 3)),
    (layers.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same",
                           "data_format": "channels_first"}, (2, 3, 5, 4), (2, 3, 3, 2)),
    (layers.MaxPooling3D, {}, (1, 4, 4, 2, 2), (1, 2, 2, 1, 2)),
    (layers.AveragePooling1D, {"pool_size": 2, "strides": 1}, (2, 5, 3), (2, 4, 3)),
    (layers.AveragePooling2D, {"pool_size": (3, 2), "padding": "same"}, (2, 5, 4, 2),
     (2, 2, 2, 2)),
    (layers.AveragePooling3D, {"pool_size": 2}, (1, 4, 2, 2, 2), (1, 2, 1, 1, 2)),
    (layers.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3)),
    (layers.GlobalMaxPooling2D, {"keepdims": True}, (2, 4, 3, 2), (2, 1, 1, 2)),
    (layers.GlobalMaxPooling3D, {}, (1, 3, 2, 2, 2), (1, 2)),
    (layers.GlobalAveragePooling1D, {"data_format": "channels_first"}, (2, 3, 5), (2, 3)),
    (layers.GlobalAveragePooling2D, {}, (2, 4, 3, 2), (2, 2)),
    (layers.GlobalAveragePooling3D, {"keepdims": True}, (1, 3, 2, 2, 2), (1, 1, 1, 1, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", LAYER_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(LAYER_CASES)])
def test_pooling_layers_pass_the_shared_layer_test(cls, kwargs, shape, expected):
    check_layer(cls, kwargs, shape, expected_output_shape=expected)


def test_global_pooling_values_and_aliases():
    x = np.random.default_rng(2).standard_normal((2, 4, 3, 5)).astype("float32")
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)),
                               rtol=1e-5)
    np.testing.assert_allclose(layers.GlobalMaxPool2D()(x).numpy(), x.max(axis=(1, 2)))
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.deserialize({"class_name": "MaxPool2D", "config": {}}).pool_size == (2, 2)


def test_global_average_pooling_1d_respects_the_mask():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    mask = np.array([[True, True, False], [True, False, False]])
    out = layers.GlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_allclose(out, [[1.0, 2.0], [6.0, 7.0]])


def test_pooling_errors_are_clear():
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling2D(pool_size=0)
    with pytest.raises(ValueError, match="strides"):
        layers.AveragePooling1D(strides=-1)
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match=r"MaxPooling2D 'pool'.*larger than the input.*"
                                         r"pool_size=\(4, 4\).*has 3"):
        layers.MaxPooling2D(pool_size=4, name="pool")(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(np.zeros((1, 3, 3), "float32"))
