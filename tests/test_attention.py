"""Attention, AdditiveAttention, MultiHeadAttention and GroupNormalization against plain
NumPy references, gradient checks, config round trips and a functional model."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers
from helpers import check_gradients, host, tensor

RNG = np.random.default_rng(0)


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _data(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _ref_attention(q, v, k, scores, q_mask=None, v_mask=None, causal=False):
    keep = np.ones(scores.shape)
    if v_mask is not None:
        keep = keep * v_mask[:, None, :]
    if causal:
        keep = keep * np.tri(scores.shape[-2], scores.shape[-1])
    w = _softmax(scores - 1e9 * (1 - keep))
    out = w @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, w


@pytest.mark.parametrize("mode", ["dot", "dot_scale", "concat", "additive"])
def test_attention_matches_numpy(mode):
    q, v, k = _data(2, 3, 4), _data(2, 5, 4), _data(2, 5, 4)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    if mode == "additive":
        layer, scale = layers.AdditiveAttention(), _data(4)
        layer([tensor(q), tensor(v), tensor(k)])
        layer.set_weights([scale])
        scores = (scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1)
    elif mode == "concat":
        layer = layers.Attention(use_scale=True, score_mode="concat")
        layer([tensor(q), tensor(v), tensor(k)])
        layer.set_weights([np.float32(0.7), np.float32(1.3)])
        scores = 1.3 * np.tanh(0.7 * (q[:, :, None] + k[:, None])).sum(-1)
    else:
        layer = layers.Attention(use_scale=mode == "dot_scale")
        layer([tensor(q), tensor(v), tensor(k)])
        scale = 1.0
        if mode == "dot_scale":
            scale = 0.5
            layer.set_weights([np.float32(scale)])
        scores = scale * q @ k.transpose(0, 2, 1)
    for masks, causal in ((None, False), ((q_mask, v_mask), False), ((q_mask, v_mask), True),
                          (None, True)):
        kwargs = {"use_causal_mask": causal, "return_attention_scores": True}
        if masks is not None:
            kwargs["mask"] = [tensor(masks[0]), tensor(masks[1])]
        out, w = layer([tensor(q), tensor(v), tensor(k)], **kwargs)
        ref_out, ref_w = _ref_attention(q, v, k, scores, *(masks or (None, None)), causal)
        np.testing.assert_allclose(host(out), ref_out, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(host(w), ref_w, rtol=1e-4, atol=1e-5)
        assert w.shape == (2, 3, 5)
        np.testing.assert_allclose(host(w).sum(-1), 1.0, rtol=1e-5)


def _ref_mha(q, v, k, weights, num_heads, key_dim, attention_mask=None, causal=False):
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    qp = np.einsum("abc,cde->abde", q, wq) + bq
    kp = np.einsum("abc,cde->abde", k, wk) + bk
    vp = np.einsum("abc,cde->abde", v, wv) + bv
    scores = np.einsum("aecd,abcd->acbe", kp, qp) / np.sqrt(key_dim)
    keep = np.ones(scores.shape)
    if attention_mask is not None:
        keep = keep * attention_mask[:, None]
    if causal:
        keep = keep * np.tri(scores.shape[-2], scores.shape[-1])
    w = _softmax(scores - 1e9 * (1 - keep))
    ctx = np.einsum("acbe,aecd->abcd", w, vp)
    return np.einsum("abcd,cde->abe", ctx, wo) + bo, w


def test_multi_head_attention_matches_numpy():
    q, v, k = _data(2, 3, 6), _data(2, 4, 5), _data(2, 4, 7)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)
    mha(tensor(q), tensor(v), key=tensor(k))
    shapes = [(6, 2, 3), (2, 3), (7, 2, 3), (2, 3), (5, 2, 2), (2, 2), (2, 2, 6), (6,)]
    assert [w.shape for w in mha.get_weights()] == shapes
    assert [w.path.split("/", 1)[1] for w in mha.weights][::2] == [
        "query/kernel", "key/kernel", "value/kernel", "attention_output/kernel"]
    weights = [_data(*s) for s in shapes]
    mha.set_weights(weights)
    mask = RNG.random((2, 3, 4)) > 0.3
    mask[..., 0] = True
    for attention_mask, causal in ((None, False), (mask, False), (mask, True), (None, True)):
        out, scores = mha(tensor(q), tensor(v), key=tensor(k), return_attention_scores=True,
                          use_causal_mask=causal,
                          attention_mask=None if attention_mask is None else tensor(
                              attention_mask))
        ref_out, ref_w = _ref_mha(q, v, k, weights, 2, 3, attention_mask, causal)
        np.testing.assert_allclose(host(out), ref_out, rtol=1e-4, atol=1e-4)
        assert scores.shape == (2, 2, 3, 4)
        np.testing.assert_allclose(host(scores), ref_w, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(host(scores).sum(-1), 1.0, rtol=1e-5)


def test_multi_head_attention_output_shape_and_no_bias():
    mha = layers.MultiHeadAttention(2, 4, use_bias=False, output_shape=5)
    out = mha(tensor(_data(2, 3, 6)), tensor(_data(2, 4, 6)))
    assert out.shape == (2, 3, 5) and len(mha.weights) == 4
    assert mha.compute_output_shape((None, 3, 6)) == (None, 3, 5)


@pytest.mark.parametrize("groups,axis,shape", [(2, -1, (2, 3, 4)), (3, 1, (2, 6, 2, 2)),
                                               (-1, -1, (2, 5, 3)), (1, -1, (3, 4))])
def test_group_normalization_matches_numpy(groups, axis, shape):
    x = _data(*shape)
    layer = layers.GroupNormalization(groups=groups, axis=axis, epsilon=1e-3)
    layer(tensor(x))
    channels = shape[axis]
    gamma, beta = _data(channels), _data(channels)
    layer.set_weights([gamma, beta])
    moved = np.moveaxis(x, axis, -1)
    g = channels if groups == -1 else groups
    grouped = moved.reshape(moved.shape[:-1] + (g, channels // g))
    axes = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
    mean, var = grouped.mean(axes, keepdims=True), grouped.var(axes, keepdims=True)
    ref = ((grouped - mean) / np.sqrt(var + 1e-3)).reshape(moved.shape) * gamma + beta
    np.testing.assert_allclose(host(layer(tensor(x))), np.moveaxis(ref, -1, axis),
                               rtol=1e-4, atol=1e-4)


def test_group_normalization_rejects_bad_groups():
    with pytest.raises(ValueError, match="divide"):
        layers.GroupNormalization(groups=3)(tensor(_data(2, 4)))


@pytest.mark.parametrize("make", [
    lambda: layers.Attention(use_scale=True), lambda: layers.Attention(
        use_scale=True, score_mode="concat"), lambda: layers.AdditiveAttention()])
def test_attention_gradients(make):
    q, v = RNG.standard_normal((2, 3, 2)), RNG.standard_normal((2, 4, 2))
    mask = tensor(np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool))

    def fn(q_t, v_t, *weights):
        layer = make()
        layer([q_t, v_t])
        for variable, w in zip(layer.weights, weights):
            setattr(layer, _attr(layer, variable), w)
        assert all(getattr(layer, _attr(layer, w), None) is w for w in weights)
        return layer([q_t, v_t], mask=[None, mask], use_causal_mask=True)

    template = make()
    template([tensor(q), tensor(v)])
    init = [0.5 + RNG.random(w.shape) for w in template.get_weights()]
    check_gradients(fn, q, v, *init)


def _attr(layer, variable):
    return next(name for name, value in vars(layer).items() if value is variable)


def test_multi_head_attention_gradients():
    q, v = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 2, 4))
    template = layers.MultiHeadAttention(2, 2, dtype="float64")
    template(tensor(q), tensor(v))
    init = [RNG.standard_normal(w.shape) * 0.5 for w in template.get_weights()]

    def fn(q_t, v_t, *weights):
        mha = layers.MultiHeadAttention(2, 2, dtype="float64")
        mha.build(q.shape, v.shape)
        mha._query, mha._key, mha._value, mha._out = (
            tuple(weights[i:i + 2]) for i in range(0, 8, 2))
        return mha(q_t, v_t, use_causal_mask=True)

    check_gradients(fn, q, v, *init)


def test_group_normalization_gradients():
    x = RNG.standard_normal((2, 3, 4))
    gamma, beta = RNG.standard_normal(4), RNG.standard_normal(4)

    def fn(x_t, g_t, b_t):
        layer = layers.GroupNormalization(groups=2, dtype="float64")
        layer.build(x.shape)
        layer.gamma, layer.beta = g_t, b_t
        return layer(x_t)

    check_gradients(fn, x, gamma, beta)


@pytest.mark.parametrize("layer", [
    layers.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=3),
    layers.AdditiveAttention(use_scale=False), layers.MultiHeadAttention(
        4, 8, value_dim=3, dropout=0.2, output_shape=(5,)),
    layers.GroupNormalization(groups=4, axis=1, epsilon=1e-5, center=False)])
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = layer.__class__.from_config(config)
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"}
    assert layers.deserialize(layers.serialize(layer)).get_config() == config


def test_functional_model_trains_and_saves():
    keras.utils.set_random_seed(0)
    inp = keras.Input((6, 8))
    x = layers.MultiHeadAttention(2, 4, name="mha")(inp, inp, use_causal_mask=True)
    x = layers.GroupNormalization(groups=4)(x)
    x = layers.Attention(use_scale=True)([x, inp])
    x = layers.AdditiveAttention()([x, inp])
    out = layers.Dense(1)(layers.Flatten()(x))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="mse")
    data = RNG.standard_normal((32, 6, 8)).astype(np.float32)
    target = data[:, :, :2].sum((1, 2))[:, None]
    history = model.fit(data, target, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    expected = model.predict(data, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "attention.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def test_symbolic_return_attention_scores():
    query, value = keras.Input((3, 4)), keras.Input((5, 4))
    out, scores = layers.Attention()([query, value], return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4) and tuple(scores.shape) == (None, 3, 5)
    out, scores = layers.MultiHeadAttention(2, 2)(query, value,
                                                  return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4) and tuple(scores.shape) == (None, 2, 3, 5)
    assert backend.floatx() == "float32"


def test_group_normalization_passes_the_shared_layer_test():
    from helpers import check_layer

    check_layer(keras.layers.GroupNormalization, {"groups": 2}, input_shape=(2, 3, 4),
                expected_output_shape=(2, 3, 4), num_weights=2)
