"""Attention layers against files written by real Keras 3.15 (torch backend):
``tests/fixtures/make_keras_attention.py`` saved small functional models with
MultiHeadAttention, Attention, AdditiveAttention and GroupNormalization, their weights
moved off their initial values, with Keras's predictions beside them. kerasette loads
each file, predicts the same numbers and holds the same weights in Keras's order."""

from pathlib import Path

import numpy as np
import pytest
from helpers import check_gradients

import kerasette as keras
from kerasette import backend, layers
from kerasette.autograd import Tensor

FIXTURES = Path(__file__).parent / "fixtures" / "keras3"

CASES = [
    # self-attention, value_dim != key_dim, use_causal_mask
    ("mha_self_causal", "h5"),
    # query/value/key of different lengths and widths, output_shape, use_bias=False,
    # an attention_mask input, return_attention_scores
    ("mha_cross", "h5"),
    # attention_axes=(1, 2) on a rank-4 input, then GroupNormalization(groups=2)
    ("mha_axes", "h5"),
    # Embedding(mask_zero=True) masks reach the attention as query/value/key masks
    ("mha_padding_mask", "h5"),
    # use_gate=True, sliding_window=2 with use_causal_mask (Keras 3.15's options)
    ("mha_gate_window", "h5"),
    # Attention(use_scale) "dot" causal with scores, and "concat" with a key
    ("luong", "h5"),
    ("luong", "keras"),
    # AdditiveAttention with and without scale, causal, Embedding masks on both sides
    ("bahdanau", "keras"),
    # GroupNormalization(groups=2, epsilon=1e-2) on images, groups=-1 on sequences
    ("group_norm", "h5"),
]


def stored(name):
    arrays = np.load(FIXTURES / f"attention_{name}.npz")
    pick = lambda prefix: [arrays[k] for k in sorted(arrays)  # noqa: E731
                           if k[0] == prefix and k[1:].isdigit()]
    return pick("x"), pick("y"), pick("w"), [str(p) for p in arrays["paths"]]


def predict(model, xs):
    got = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return list(got) if isinstance(got, (list, tuple)) else [got]


@pytest.mark.parametrize("name, suffix", CASES, ids=[f"{n}.{s}" for n, s in CASES])
def test_real_keras_attention_models_predict_the_same(name, suffix):
    xs, ys, weights, paths = stored(name)
    model = keras.models.load_model(FIXTURES / f"attention_{name}.{suffix}", compile=False)
    assert [w.path for w in model.weights] == paths
    loaded = model.get_weights()
    assert [w.shape for w in loaded] == [w.shape for w in weights]
    for got, want, path in zip(loaded, weights, paths):
        np.testing.assert_array_equal(got, want, err_msg=path)
    outputs = predict(model, xs)
    assert len(outputs) == len(ys)
    for got, want in zip(outputs, ys):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_the_fixtures_exercise_the_options_they_claim():
    """Guards the fixtures themselves: the masks and windows change Keras's numbers."""
    _, (_, scores), _, _ = stored("mha_cross")
    keep = stored("mha_cross")[0][3]
    assert scores.shape == (3, 2, 5, 7)
    np.testing.assert_array_equal(scores * (1 - keep[:, None]), 0)
    _, (_, dot_scores), _, _ = stored("luong")
    np.testing.assert_array_equal(np.triu(dot_scores, 1), 0)
    model = keras.models.load_model(FIXTURES / "attention_mha_gate_window.h5",
                                    compile=False)
    mha = model.layers[1]
    assert mha.use_gate and mha.sliding_window == 2
    x = stored("mha_gate_window")[0][0]
    full = layers.MultiHeadAttention.from_config({**mha.get_config(), "name": "full",
                                                  "sliding_window": None})
    full(backend.to_device(x), backend.to_device(x))
    full.set_weights(mha.get_weights())
    windowed = mha(backend.to_device(x), backend.to_device(x), use_causal_mask=True)
    causal = full(backend.to_device(x), backend.to_device(x), use_causal_mask=True)
    rows = np.abs(backend.to_numpy(windowed.data) - backend.to_numpy(causal.data)).max(-1)
    assert rows[:, 0].max() < 1e-6 and rows[:, 1].max() < 1e-6  # <= 2 keys: no change
    assert rows[:, 2:].min() > 1e-4


def test_real_keras3_multi_head_attention_keras_file():
    """Keras 3 keeps MultiHeadAttention's weights in sub-layer groups
    (``layers/multi_head_attention/query_dense/vars/0``, ...), as kerasette now does."""
    xs, ys, _, _ = stored("mha_self_causal")
    model = keras.models.load_model(FIXTURES / "attention_mha_self_causal.keras",
                                    compile=False)
    np.testing.assert_allclose(predict(model, xs)[0], ys[0], rtol=1e-5, atol=1e-6)


def test_gate_and_sliding_window_config_and_errors():
    mha = layers.MultiHeadAttention(2, 3, use_gate=True, sliding_window=3)
    config = mha.get_config()
    assert config["use_gate"] is True and config["sliding_window"] == 3
    again = layers.MultiHeadAttention.from_config(config)
    assert again.use_gate and again.sliding_window == 3
    x = backend.to_device(np.ones((1, 4, 5), np.float32))
    again(x, x)
    assert [w.path.split("/", 1)[1] for w in again.weights][4:6] == [
        "gate/kernel", "gate/bias"]
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="sliding_window must be None or a positive"):
            layers.MultiHeadAttention(2, 3, sliding_window=bad)
    rank4 = backend.to_device(np.ones((1, 2, 3, 5), np.float32))
    with pytest.raises(ValueError, match="sliding_window needs attention over one axis"):
        layers.MultiHeadAttention(2, 3, sliding_window=2)(rank4, rank4)


def test_gate_and_sliding_window_gradients():
    rng = np.random.default_rng(3)
    q, v = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3))
    template = layers.MultiHeadAttention(2, 2, value_dim=3, use_gate=True,
                                         sliding_window=2, dtype="float64")
    template(Tensor(backend.to_device(q)), Tensor(backend.to_device(v)))
    init = [rng.standard_normal(w.shape) * 0.5 for w in template.get_weights()]

    def fn(q_t, v_t, *weights):
        mha = layers.MultiHeadAttention(2, 2, value_dim=3, use_gate=True,
                                        sliding_window=2, dtype="float64")
        mha.build(q.shape, v.shape)
        mha._query, mha._key, mha._gate, mha._value, mha._out = (
            tuple(weights[i:i + 2]) for i in range(0, 10, 2))
        return mha(q_t, v_t)

    check_gradients(fn, q, v, *init)


def _attention_model():
    keras.utils.set_random_seed(0)
    query, value = keras.Input((5, 8), name="query"), keras.Input((7, 6), name="value")
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(query, value)
    model = keras.Model([query, value], layers.Dense(3)(attended))
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((2, 5, 8)).astype("float32"),
          rng.standard_normal((2, 7, 6)).astype("float32")]
    return model, xs


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_kerasette_multi_head_attention_files_round_trip(tmp_path, suffix):
    """``mha(query, value)`` saved by kerasette loads back: the .h5 node keeps ``value``
    among the call's keyword arguments (tf-keras's form; it was lost before), and the
    .keras weights sit in Keras 3's sub-layer groups, which Keras 3.15 reads."""
    model, xs = _attention_model()
    want = model.predict(xs, verbose=0)
    path = tmp_path / f"mha{suffix}"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(xs, verbose=0), want, rtol=1e-6, atol=1e-6)
    if suffix == ".keras":
        import zipfile

        import h5py

        with zipfile.ZipFile(path) as archive:
            archive.extract("model.weights.h5", tmp_path)
        with h5py.File(tmp_path / "model.weights.h5", "r") as f:
            group = f["layers/multi_head_attention"]
            assert {"query_dense", "key_dense", "value_dense", "output_dense"} <= set(group)


def test_multi_head_attention_in_the_flat_layout_of_earlier_kerasette_files(tmp_path,
                                                                           monkeypatch):
    """.keras files kerasette wrote before kept MultiHeadAttention's eight weights in one
    ``vars`` group; they still load."""
    from kerasette.saving import hdf5

    model, xs = _attention_model()
    want = model.predict(xs, verbose=0)
    monkeypatch.setattr(hdf5, "_attention_groups",
                        lambda layer, path: [(path, list(layer._own_weights))])
    model.save(tmp_path / "flat.keras")
    monkeypatch.undo()
    loaded = keras.models.load_model(tmp_path / "flat.keras")
    np.testing.assert_allclose(loaded.predict(xs, verbose=0), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras3_mask_operations_in_a_functional_config(tmp_path, suffix):
    """Keras 3 records its mask logic as graph ops (``NotEqual``, ``LogicalOr``) when a
    masked sequence meets attention, a merge and pooling
    (tests/fixtures/make_keras_mask_ops.py); kerasette rebuilds them as ``KerasOperation``
    layers, predicts Keras's numbers (the padded steps left out of the mean), and saves
    and reloads the result."""
    stored = np.load(FIXTURES / "mask_ops.npz")
    model = keras.models.load_model(FIXTURES / f"mask_ops{suffix}", compile=False)
    kinds = {layer.keras_class for layer in model.layers
             if isinstance(layer, layers.KerasOperation)}
    assert kinds == {"NotEqual", "LogicalOr"}
    got = model.predict(stored["x"], verbose=0)
    np.testing.assert_allclose(got, stored["y"], rtol=1e-5, atol=1e-6)
    model.save(tmp_path / f"again{suffix}")
    again = keras.models.load_model(tmp_path / f"again{suffix}", compile=False)
    np.testing.assert_allclose(again.predict(stored["x"], verbose=0), got, rtol=1e-6,
                               atol=1e-7)


def test_an_unknown_keras_operation_names_itself(tmp_path):
    from kerasette.saving.model_config import layer_from_config

    with pytest.raises(ValueError, match="Keras op 'Einsum'.*no kerasette counterpart"):
        layer_from_config({"class_name": "Einsum", "module": "keras.src.ops.numpy",
                           "config": {"name": "einsum"}}, {})
