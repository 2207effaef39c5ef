"""Losses against plain-NumPy transcriptions of Keras's documented formulas."""

import numpy as np
import pytest

from kerasette import backend, losses, ops
from kerasette.autograd import Tensor
from tests.helpers import check_gradients, host, tensor

EPS = 1e-7


# ---- independent NumPy references (float64) ----------------------------------------

def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ref_mse(t, p):
    return np.mean((t - p) ** 2, axis=-1)


def ref_mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def ref_mape(t, p):
    return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), axis=-1)


def ref_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2,
                   axis=-1)


def ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    p = np_sigmoid(p) if from_logits else p
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), axis=-1)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    p = np_softmax(p) if from_logits else p / p.sum(axis=-1, keepdims=True)
    return -np.sum(t * np.log(np.clip(p, EPS, 1 - EPS)), axis=-1)


def ref_sparse_cce(labels, p, from_logits=False):
    p = np_softmax(p) if from_logits else p / p.sum(axis=-1, keepdims=True)
    p = np.clip(p, EPS, 1 - EPS)
    return -np.log(np.take_along_axis(p, labels[..., None].astype(int), axis=-1)[..., 0])


def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_hinge(t, p):
    return np.mean(np.maximum(1 - _signed(t) * p, 0), axis=-1)


def ref_squared_hinge(t, p):
    return np.mean(np.maximum(1 - _signed(t) * p, 0) ** 2, axis=-1)


def ref_categorical_hinge(t, p):
    pos = np.sum(t * p, axis=-1)
    neg = np.max((1 - t) * p, axis=-1)
    return np.maximum(neg - pos + 1, 0)


def ref_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def ref_log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def ref_huber(t, p, delta=1.0):
    err = p - t
    small = np.abs(err) <= delta
    return np.mean(np.where(small, 0.5 * err ** 2, delta * np.abs(err) - 0.5 * delta ** 2),
                   axis=-1)


def ref_cosine(t, p):
    tn = t / np.linalg.norm(t, axis=-1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return -np.sum(tn * pn, axis=-1)


# ---- data ---------------------------------------------------------------------------

def _data(kind, rng, shape=(6, 4)):
    """(y_true, y_pred) in float64 for one family of losses, away from kinks."""
    if kind == "regression":
        t = rng.normal(size=shape)
        return t, t + rng.choice([-1, 1], size=shape) * rng.uniform(0.2, 1.5, size=shape)
    if kind == "positive":
        return rng.uniform(0.5, 3, size=shape), rng.uniform(0.5, 3, size=shape)
    if kind == "probabilities":
        return rng.uniform(0.05, 0.95, size=shape), rng.uniform(0.05, 0.95, size=shape)
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.05, 0.95, shape)
    if kind == "onehot":
        t = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
        p = rng.uniform(0.1, 1.0, size=shape)
        return t, p / p.sum(axis=-1, keepdims=True)
    if kind == "hinge":
        t = rng.choice([-1.0, 1.0], size=shape)
        margin = rng.choice([-1, 1], size=shape) * rng.uniform(0.2, 0.8, size=shape)
        return t, t * (1 - margin)   # 1 - t * p = margin, away from the kink at 0
    raise ValueError(kind)


CASES = [
    # name, function, class, reference, data kind
    ("mean_squared_error", losses.mean_squared_error, losses.MeanSquaredError, ref_mse,
     "regression"),
    ("mean_absolute_error", losses.mean_absolute_error, losses.MeanAbsoluteError, ref_mae,
     "regression"),
    ("mean_absolute_percentage_error", losses.mean_absolute_percentage_error,
     losses.MeanAbsolutePercentageError, ref_mape, "positive"),
    ("mean_squared_logarithmic_error", losses.mean_squared_logarithmic_error,
     losses.MeanSquaredLogarithmicError, ref_msle, "positive"),
    ("binary_crossentropy", losses.binary_crossentropy, losses.BinaryCrossentropy, ref_bce,
     "binary"),
    ("categorical_crossentropy", losses.categorical_crossentropy,
     losses.CategoricalCrossentropy, ref_cce, "onehot"),
    ("hinge", losses.hinge, losses.Hinge, ref_hinge, "hinge"),
    ("squared_hinge", losses.squared_hinge, losses.SquaredHinge, ref_squared_hinge, "hinge"),
    ("categorical_hinge", losses.categorical_hinge, losses.CategoricalHinge,
     ref_categorical_hinge, "onehot"),
    ("kl_divergence", losses.kl_divergence, losses.KLDivergence, ref_kld, "probabilities"),
    ("poisson", losses.poisson, losses.Poisson, ref_poisson, "positive"),
    ("log_cosh", losses.log_cosh, losses.LogCosh, ref_log_cosh, "regression"),
    ("huber_loss", losses.huber, losses.Huber, ref_huber, "regression"),
    ("cosine_similarity", losses.cosine_similarity, losses.CosineSimilarity, ref_cosine,
     "regression"),
]
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("name, fn, cls, ref, kind", CASES, ids=IDS)
def test_function_matches_reference(name, fn, cls, ref, kind, rng):
    t, p = _data(kind, rng)
    got = fn(t.astype(np.float32), p.astype(np.float32))
    assert isinstance(got, Tensor) and got.dtype == np.float32 and got.shape == (6,)
    np.testing.assert_allclose(np.asarray(got), ref(t, p), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name, fn, cls, ref, kind", CASES, ids=IDS)
def test_gradients(name, fn, cls, ref, kind, rng):
    t, p = _data(kind, rng, shape=(3, 4))
    check_gradients(lambda a, b: fn(a, b), t, p, wrt=[1])


@pytest.mark.parametrize("name, fn, cls, ref, kind", CASES, ids=IDS)
def test_class_reductions_and_weights(name, fn, cls, ref, kind, rng):
    t, p = _data(kind, rng)
    per_sample = ref(t, p)
    weights = rng.uniform(0, 2, size=6)
    default = cls()
    assert default.name == name and default.reduction == "sum_over_batch_size"
    np.testing.assert_allclose(float(default(t, p)), per_sample.mean(), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(float(default(t, p, sample_weight=weights)),
                               np.sum(per_sample * weights) / 6, rtol=2e-5, atol=1e-6)
    total = cls(reduction="sum")(t, p, sample_weight=weights)
    np.testing.assert_allclose(float(total), np.sum(per_sample * weights), rtol=2e-5, atol=1e-5)
    for none in ("none", None):
        out = cls(reduction=none)(t, p, sample_weight=weights)
        np.testing.assert_allclose(np.asarray(out), per_sample * weights, rtol=2e-5, atol=1e-6)
    by_weight = cls(reduction="mean_with_sample_weight")(t, p, sample_weight=weights)
    np.testing.assert_allclose(float(by_weight), np.sum(per_sample * weights) / weights.sum(),
                               rtol=2e-5, atol=1e-6)
    auto = cls(reduction="auto")(t, p, sample_weight=weights)   # Keras 2's default
    np.testing.assert_allclose(float(auto), float(default(t, p, sample_weight=weights)))


@pytest.mark.parametrize("name, fn, cls, ref, kind", CASES, ids=IDS)
def test_config_round_trip(name, fn, cls, ref, kind):
    loss = cls(reduction="sum", name="custom")
    config = loss.get_config()
    assert config["name"] == "custom" and config["reduction"] == "sum"
    clone = cls.from_config(config)
    assert clone.get_config() == config
    revived = losses.deserialize(losses.serialize(loss))
    assert type(revived) is cls and revived.get_config() == config


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_crossentropies_with_logits_and_smoothing(from_logits, label_smoothing, rng):
    logits = rng.normal(scale=2, size=(5, 3))
    t_bin = rng.integers(0, 2, size=(5, 3)).astype(float)
    p_bin = logits if from_logits else np_sigmoid(logits)
    got = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing,
                                    reduction=None)(t_bin, p_bin)
    np.testing.assert_allclose(np.asarray(got), ref_bce(t_bin, p_bin, from_logits,
                                                        label_smoothing), rtol=1e-5)
    t_cat = np.eye(3)[rng.integers(0, 3, size=5)]
    p_cat = logits if from_logits else np_softmax(logits)
    got = losses.categorical_crossentropy(t_cat, p_cat, from_logits=from_logits,
                                          label_smoothing=label_smoothing)
    np.testing.assert_allclose(np.asarray(got), ref_cce(t_cat, p_cat, from_logits,
                                                        label_smoothing), rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits, rng):
    logits = rng.normal(scale=2, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    p = logits if from_logits else rng.uniform(0.1, 1, size=(6, 4))   # unnormalized too
    expected = ref_sparse_cce(labels, p, from_logits)
    for y in (labels, labels[:, None], labels.astype(np.float32)):
        got = losses.SparseCategoricalCrossentropy(from_logits=from_logits,
                                                   reduction="none")(y, p)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5)
    check_gradients(lambda a, b: losses.sparse_categorical_crossentropy(
        a, b, from_logits=from_logits), labels, p, wrt=[1])


def test_sparse_ignore_class_averages_over_the_rest(rng):
    logits = rng.normal(size=(8, 5))
    labels = np.array([0, 4, 255, 1, 255, 3, 2, 2])
    valid = labels != 255
    per = ref_sparse_cce(np.where(valid, labels, 0), logits, from_logits=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    np.testing.assert_allclose(float(loss(labels, logits)), per[valid].mean(), rtol=1e-5)
    none = losses.sparse_categorical_crossentropy(labels, logits, True, ignore_class=255)
    np.testing.assert_allclose(np.asarray(none), np.where(valid, per, 0), rtol=1e-5)


def test_sparse_labels_out_of_range_raise(rng):
    p = np_softmax(rng.normal(size=(3, 4)))
    with pytest.raises(ValueError, match="label value of 4.*range of \\[0, 3\\]"):
        float(losses.SparseCategoricalCrossentropy()(np.array([0, 4, 1]), p))
    with pytest.raises(ValueError, match="label value of -1"):  # CuPy: at the read-back
        losses.sparse_categorical_crossentropy(np.array([0, -1, 1]), p).numpy()


def test_fused_crossentropies_equal_the_unfused_formula(rng):
    """Probabilities straight out of softmax / sigmoid take the logits path."""
    z = rng.normal(size=(5, 4))
    t_cat = np.eye(4)[rng.integers(0, 4, size=5)]
    probs = ops.softmax(tensor(z, requires_grad=True))
    assert probs._logits is not None
    np.testing.assert_allclose(np.asarray(losses.categorical_crossentropy(t_cat, probs)),
                               ref_cce(t_cat, np_softmax(z)), rtol=1e-10)
    labels = rng.integers(0, 4, size=5)
    np.testing.assert_allclose(
        np.asarray(losses.sparse_categorical_crossentropy(labels, ops.softmax(tensor(z)))),
        ref_sparse_cce(labels, np_softmax(z)), rtol=1e-10)
    t_bin = rng.integers(0, 2, size=(5, 4)).astype(float)
    np.testing.assert_allclose(
        np.asarray(losses.binary_crossentropy(t_bin, ops.sigmoid(tensor(z)))),
        ref_bce(t_bin, np_sigmoid(z)), rtol=1e-10)
    check_gradients(lambda a: losses.categorical_crossentropy(t_cat, ops.softmax(a)), z)
    check_gradients(lambda a: losses.binary_crossentropy(t_bin, ops.sigmoid(a)), z)


def test_labels_of_lower_rank_are_aligned(rng):
    y = rng.integers(0, 2, size=8).astype(np.float32)
    z = rng.normal(size=(8, 1)).astype(np.float32)
    probs = ops.sigmoid(tensor(z))
    got = losses.BinaryCrossentropy()(y, probs)
    np.testing.assert_allclose(float(got), ref_bce(y[:, None], np_sigmoid(z)).mean(),
                               rtol=1e-5)
    mse = losses.MeanSquaredError(reduction="none")(y, z)
    assert mse.shape == (8,)
    np.testing.assert_allclose(np.asarray(mse), (y - z[:, 0]) ** 2, rtol=1e-6)


def test_hinge_keeps_signed_labels_and_converts_binary_ones():
    p = np.array([[0.3, -0.6, 2.0]])
    signed = np.array([[1.0, -1.0, -1.0]])
    binary = (signed + 1) / 2
    expected = np.mean(np.maximum(1 - signed * p, 0), axis=-1)
    np.testing.assert_allclose(np.asarray(losses.hinge(binary, p)), expected)
    np.testing.assert_allclose(np.asarray(losses.hinge(signed, p)), expected)


def test_temporal_losses_take_per_sample_weights(rng):
    t, p = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    weights = np.array([0.5, 2.0])
    got = losses.MeanSquaredError()(t, p, sample_weight=weights)
    np.testing.assert_allclose(float(got), np.sum(ref_mse(t, p) * weights[:, None]) / 6,
                               rtol=1e-5)
    column = losses.MeanSquaredError()(t, p, sample_weight=weights[:, None])
    np.testing.assert_allclose(float(column), float(got), rtol=1e-6)
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(t, p, sample_weight=np.ones(5))


def test_dtypes_and_gradient_through_a_loss_object(rng):
    t, p = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    assert losses.MeanSquaredError()(t, p).dtype == np.float32   # floatx by default
    assert losses.MeanSquaredError(dtype="float64")(t, p).dtype == np.float64
    check_gradients(lambda a: losses.Huber(delta=0.5, dtype="float64")(t, a), p)
    pred = Tensor(backend.to_device(p.astype(np.float32)), requires_grad=True)
    losses.MeanAbsoluteError()(t, pred).backward()
    np.testing.assert_allclose(host(pred.grad), np.sign(p - t) / p.size, rtol=1e-6)


def test_huber_delta_and_cosine_axis(rng):
    t, p = _data("regression", rng)
    np.testing.assert_allclose(np.asarray(losses.Huber(delta=0.3, reduction=None)(t, p)),
                               ref_huber(t, p, 0.3), rtol=1e-5)
    got = losses.cosine_similarity(t, p, axis=0)
    np.testing.assert_allclose(np.asarray(got), ref_cosine(t.T, p.T), rtol=1e-5)


def test_get_serialize_deserialize():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert losses.get("logcosh") is losses.log_cosh
    assert losses.get("MSLE") is losses.mean_squared_logarithmic_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.Hinge()
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    keras2 = {"class_name": "CategoricalCrossentropy",
              "config": {"reduction": "auto", "name": "categorical_crossentropy",
                         "from_logits": True, "label_smoothing": 0.1, "axis": -1}}
    loaded = losses.get(keras2)
    assert isinstance(loaded, losses.CategoricalCrossentropy)
    assert loaded.from_logits and loaded.label_smoothing == 0.1 and loaded.reduction == "auto"
    assert losses.serialize(losses.mse) == "mean_squared_error"
    with pytest.raises(ValueError, match="'not_a_loss'"):
        losses.get("not_a_loss")


def test_wrapper_and_custom_loss(rng):
    def my_loss(y_true, y_pred, scale=1.0):
        return ops.mean(ops.abs(y_true - y_pred), axis=-1) * scale

    wrapper = losses.LossFunctionWrapper(my_loss, name="mine", scale=3.0)
    t, p = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(float(wrapper(t, p)), 3 * ref_mae(t, p).mean(), rtol=1e-5)
    assert wrapper.get_config()["scale"] == 3.0 and wrapper.get_config()["fn"] == "my_loss"
    revived = losses.LossFunctionWrapper.from_config(
        {"fn": "mean_squared_error", "name": "m", "reduction": "sum"})
    np.testing.assert_allclose(float(revived(t, p)), ref_mse(t, p).sum(), rtol=1e-5)

    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_true - y_pred), axis=-1)

    assert Scaled().name == "scaled"
    np.testing.assert_allclose(float(Scaled()(t, p)), ref_mse(t, p).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
