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


# ---- MultiHeadAttention(attention_axes=...) on inputs of rank above 3 ---------------------

def _ref_mha_axes(q, v, k, weights, key_dim, axes, attention_mask=None, causal=False):
    """Loops over the batch and the non-attention positions, then over heads: each head
    attends from every query position on ``axes`` to every key position (one softmax)."""
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    qp, kp, vp = (np.tensordot(x, w, axes=([-1], [0])) + b
                  for x, w, b in ((q, wq, bq), (k, wk, bk), (v, wv, bv)))
    rank, heads = q.ndim, wq.shape[1]
    others = [a for a in range(1, rank - 1) if a not in axes]
    q_dims, k_dims = [q.shape[a] for a in axes], [k.shape[a] for a in axes]
    context = np.zeros(qp.shape[:-1] + (vp.shape[-1],))
    scores = np.zeros((q.shape[0],) + tuple(q.shape[a] for a in others) + (heads,)
                      + tuple(q_dims) + tuple(k_dims))
    for index in np.ndindex(*scores.shape[:len(others) + 1]):
        select = [slice(None)] * (rank - 1)
        for axis, i in zip([0] + others, index):
            select[axis] = i
        select = tuple(select)
        qb = qp[select].reshape(-1, heads, key_dim)
        kb = kp[select].reshape(-1, heads, key_dim)
        vb = vp[select].reshape(-1, heads, vp.shape[-1])
        keep = np.ones((len(qb), len(kb)))
        if attention_mask is not None:
            keep = keep * attention_mask[index].reshape(len(qb), len(kb))
        if causal:
            keep = keep * np.tri(len(qb), len(kb))
        ctx = np.zeros(qb.shape[:1] + vb.shape[1:])
        for h in range(heads):
            # A masked key scores -1e9 (a query that keeps none attends uniformly).
            w = _softmax(np.where(keep > 0, qb[:, h] @ kb[:, h].T / np.sqrt(key_dim), -1e9))
            ctx[:, h] = w @ vb[:, h]
            scores[index + (h,)] = w.reshape(tuple(q_dims) + tuple(k_dims))
        context[select] = ctx.reshape(context[select].shape)
    return np.einsum("...hd,hdo->...o", context, wo) + bo, scores


def _mha_with_weights(q, v, k, num_heads, key_dim, value_dim=None, **kwargs):
    mha = layers.MultiHeadAttention(num_heads, key_dim, value_dim=value_dim, **kwargs)
    mha(tensor(q), tensor(v), key=tensor(k))
    weights = [_data(*w.shape) * 0.7 for w in mha.get_weights()]
    mha.set_weights(weights)
    return mha, weights


def _any_key(mask, key_axes):
    """``mask`` with every query position keeping at least its first key position."""
    flat = mask.reshape(mask.shape[:mask.ndim - key_axes] + (-1,))
    flat[..., 0] = True
    return flat.reshape(mask.shape)


@pytest.mark.parametrize("axes, q_shape, kv_shape", [
    ((1, 2), (2, 3, 4, 5), (2, 2, 3, 5)),       # an image: attention over h and w jointly
    ((2,), (2, 3, 4, 5), (2, 3, 6, 5)),         # axis 1 acts as a batch axis
    ((1, 3), (2, 2, 3, 2, 4), (2, 3, 3, 1, 4)),  # axes 1 and 3 of a rank-5 input
    ((-2,), (2, 3, 4, 5), (2, 3, 2, 5)),        # counted from the end, on the input
])
def test_multi_head_attention_axes_match_numpy(axes, q_shape, kv_shape):
    q, v = _data(*q_shape), _data(*kv_shape)
    k = _data(*kv_shape[:-1], 3)
    mha, weights = _mha_with_weights(q, v, k, 2, 3, value_dim=2, attention_axes=axes)
    rank = len(q_shape)
    positive = tuple(a % rank for a in axes)
    others = [a for a in range(1, rank - 1) if a not in positive]
    mask_shape = (q_shape[0],) + tuple(q_shape[a] for a in others) + tuple(
        q_shape[a] for a in positive) + tuple(kv_shape[a] for a in positive)
    mask = _any_key(RNG.random(mask_shape) > 0.4, len(axes))
    for attention_mask in (None, mask):
        out, scores = mha(tensor(q), tensor(v), key=tensor(k), return_attention_scores=True,
                          attention_mask=None if attention_mask is None else tensor(
                              attention_mask))
        ref_out, ref_scores = _ref_mha_axes(q, v, k, weights, 3, positive, attention_mask)
        assert out.shape == q_shape and scores.shape == ref_scores.shape
        np.testing.assert_allclose(host(out), ref_out, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(host(scores), ref_scores, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_axes_with_a_causal_mask_on_one_axis():
    q, v = _data(2, 3, 4, 5), _data(2, 3, 4, 5)
    mha, weights = _mha_with_weights(q, v, v, 2, 3, attention_axes=2)
    out = mha(tensor(q), tensor(v), use_causal_mask=True)
    ref_out, _ = _ref_mha_axes(q, v, v, weights, 3, (2,), causal=True)
    np.testing.assert_allclose(host(out), ref_out, rtol=1e-4, atol=1e-4)


def test_default_axes_of_a_rank_4_input_are_all_but_batch_and_features():
    q, v = _data(2, 3, 4, 5), _data(2, 2, 2, 5)
    default, weights = _mha_with_weights(q, v, v, 2, 3)
    explicit = layers.MultiHeadAttention(2, 3, attention_axes=(1, 2))
    explicit(tensor(q), tensor(v))
    explicit.set_weights(weights)
    out, scores = default(tensor(q), tensor(v), return_attention_scores=True)
    assert scores.shape == (2, 2, 3, 4, 2, 2)
    np.testing.assert_allclose(host(out), host(explicit(tensor(q), tensor(v))), rtol=1e-6)
    ref_out, _ = _ref_mha_axes(q, v, v, weights, 3, (1, 2))
    np.testing.assert_allclose(host(out), ref_out, rtol=1e-4, atol=1e-4)
    # On a rank-3 input, attention_axes=1 is the default sequence axis.
    q3, v3 = _data(2, 3, 5), _data(2, 4, 5)
    seq, weights3 = _mha_with_weights(q3, v3, v3, 2, 3, attention_axes=1)
    ref3, _ = _ref_mha(q3, v3, v3, weights3, 2, 3)
    np.testing.assert_allclose(host(seq(tensor(q3), tensor(v3))), ref3, rtol=1e-4, atol=1e-4)


def test_multi_head_attention_axes_keras_masks_from_masking():
    q = _data(2, 3, 2, 4)
    q[0, 1, 0] = 0.0  # masked positions: every feature 0
    q[1, 2, 1] = 0.0
    mha, weights = _mha_with_weights(q, q, q, 2, 2, attention_axes=(1, 2))
    masked = layers.Masking()(tensor(q))
    out = mha(masked, masked)
    keep = np.any(q != 0, axis=-1).reshape(2, -1)
    pair = keep[:, :, None] & keep[:, None, :]
    ref_out, _ = _ref_mha_axes(q, q, q, weights, 2, (1, 2), pair.reshape(2, 3, 2, 3, 2))
    np.testing.assert_allclose(host(out), ref_out, rtol=1e-4, atol=1e-4)


def test_multi_head_attention_axes_gradients():
    q, v = RNG.standard_normal((2, 2, 3, 4)), RNG.standard_normal((2, 2, 2, 4))
    for axes, causal in (((1, 2), False), ((2,), True)):
        template = layers.MultiHeadAttention(2, 2, attention_axes=axes, dtype="float64")
        template(tensor(q), tensor(v if axes == (1, 2) else q))
        init = [RNG.standard_normal(w.shape) * 0.5 for w in template.get_weights()]

        def fn(q_t, v_t, *weights, axes=axes, causal=causal):
            mha = layers.MultiHeadAttention(2, 2, attention_axes=axes, dtype="float64")
            mha.build(q_t.shape, v_t.shape)
            mha._query, mha._key, mha._value, mha._out = (
                tuple(weights[i:i + 2]) for i in range(0, 8, 2))
            return mha(q_t, v_t, use_causal_mask=causal)

        check_gradients(fn, q, v if axes == (1, 2) else q.copy(), *init)


def test_multi_head_attention_axes_errors():
    q = tensor(_data(2, 3, 4, 5))
    with pytest.raises(ValueError, match="attention_axes must be None, an int"):
        layers.MultiHeadAttention(2, 2, attention_axes="rows")
    for axes in ((0,), (3,), (1, 1), (-4,)):
        with pytest.raises(ValueError, match=r"does not fit an input of rank 4.*\[1, 2\]"):
            layers.MultiHeadAttention(2, 2, attention_axes=axes)(q, q)
    with pytest.raises(ValueError, match="use_causal_mask needs attention over one axis"):
        layers.MultiHeadAttention(2, 2)(q, q, use_causal_mask=True)
    with pytest.raises(ValueError, match=r"non-attention axes \[1\]"):
        layers.MultiHeadAttention(2, 2, attention_axes=2)(q, tensor(_data(2, 2, 4, 5)))
    with pytest.raises(ValueError, match="attention_mask"):
        layers.MultiHeadAttention(2, 2)(q, q, attention_mask=tensor(np.ones((2, 12, 5))))


def test_multi_head_attention_axes_in_a_saved_functional_model():
    keras.utils.set_random_seed(0)
    inp = keras.Input((3, 4, 5))
    out, scores = layers.MultiHeadAttention(2, 3, attention_axes=(1, 2), name="mha")(
        inp, inp, return_attention_scores=True)
    assert tuple(scores.shape) == (None, 2, 3, 4, 3, 4)
    model = keras.Model(inp, out)
    assert model.get_layer("mha").get_config()["attention_axes"] == [1, 2]
    data = RNG.standard_normal((4, 3, 4, 5)).astype(np.float32)
    expected = model.predict(data, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "axes.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    assert loaded.get_layer("mha").attention_axes == (1, 2)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


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
