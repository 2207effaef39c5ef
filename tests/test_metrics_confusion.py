"""Precision, Recall, AUC and the confusion counts against Keras's definitions in NumPy."""

import numpy as np
import pytest

from kerasette import metrics
from tests.test_metrics import EPS, _batches, _epoch


# ---- confusion metrics ----------------------------------------------------------------

def np_counts(y_true, y_pred, thresholds, weights=None, clip=False):
    """Keras's definition: positive when prediction > threshold and label non-zero."""
    p = np.asarray(y_pred, np.float32).reshape(-1)
    if clip:
        p = np.clip(p, 0, 1)
    y = np.asarray(y_true).reshape(-1) != 0
    w = np.ones_like(p) if weights is None else np.asarray(weights, np.float32).reshape(-1)
    above = p[None, :] > np.asarray(thresholds, np.float32)[:, None]
    return {"tp": (above & y) @ w, "fp": (above & ~y) @ w,
            "tn": (~above & ~y) @ w, "fn": (~above & y) @ w}


def _add(total, counts):
    return counts if total is None else {k: total[k] + counts[k] for k in total}


def _binary_batches(rng, weighted=True):
    make = lambda n, r: (r.integers(0, 2, size=(n, 1)), r.uniform(size=(n, 1)))  # noqa: E731
    return _batches(make, rng, weighted)


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.2, 0.5, 0.9]])
def test_precision_and_recall(thresholds, rng):
    batches = _binary_batches(rng)
    listed = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    total = None
    for t, p, w in batches:
        total = _add(total, np_counts(t, p, listed, w[:, None]))
    precision = metrics.Precision(thresholds=thresholds)
    recall = metrics.Recall(thresholds=thresholds)
    assert precision.name == "precision" and recall.name == "recall"
    expected_p = np.squeeze(total["tp"] / (total["tp"] + total["fp"]))
    expected_r = np.squeeze(total["tp"] / (total["tp"] + total["fn"]))
    np.testing.assert_allclose(np.asarray(_epoch(precision, batches)), expected_p, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(_epoch(recall, batches)), expected_r, rtol=1e-5)
    for cls, name in [(metrics.TruePositives, "tp"), (metrics.FalseNegatives, "fn"),
                      (metrics.FalsePositives, "fp"), (metrics.TrueNegatives, "tn")]:
        np.testing.assert_allclose(np.asarray(_epoch(cls(thresholds), batches)),
                                   np.squeeze(total[name]), rtol=1e-5)


def test_precision_top_k_and_class_id(rng):
    labels = (rng.uniform(size=(10, 5)) > 0.6).astype(np.float32)
    scores = rng.uniform(size=(10, 5)).astype(np.float32)
    weights = rng.uniform(0.5, 1.5, size=10)
    class_counts = np_counts(labels[:, 2], scores[:, 2], [0.5], weights)
    m = metrics.Precision(class_id=2)
    m.update_state(labels, scores, sample_weight=weights)
    np.testing.assert_allclose(float(m.result()), class_counts["tp"][0] / (
        class_counts["tp"][0] + class_counts["fp"][0]), rtol=1e-6)
    top2 = np.argsort(-scores, axis=1)[:, :2]
    kept = np.zeros_like(labels, dtype=bool)
    np.put_along_axis(kept, top2, True, axis=1)
    tp = np.sum(kept & (labels != 0))
    m = metrics.Precision(top_k=2)
    m.update_state(labels, scores)
    np.testing.assert_allclose(float(m.result()), tp / kept.sum(), rtol=1e-6)
    r = metrics.Recall(top_k=2, class_id=1)
    r.update_state(labels, scores)
    np.testing.assert_allclose(float(r.result()),
                               np.sum(kept[:, 1] & (labels[:, 1] != 0)) / labels[:, 1].sum())


def keras_thresholds(num):
    inner = [(i + 1) / (num - 1) for i in range(num - 2)]
    return np.array([-EPS] + inner + [1 + EPS], dtype=np.float32)


def np_auc(c, curve, method):
    """The Riemann sum of Keras's AUC over the counts ``c`` at each threshold."""
    div = lambda a, b: np.where(b == 0, 0, a / np.where(b == 0, 1, b))  # noqa: E731
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    if curve == "PR" and method == "interpolation":
        total = 0.0
        for i in range(len(tp) - 1):   # precision linear in predicted positives P
            p0, p1 = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
            dtp, dp = tp[i] - tp[i + 1], p0 - p1
            slope = dtp / dp if dp > 0 else 0.0
            intercept = tp[i + 1] - slope * p1
            ratio = p0 / p1 if p0 > 0 and p1 > 0 else 1.0
            positives = tp[i + 1] + fn[i + 1]
            if positives > 0:
                total += slope * (dtp + intercept * np.log(ratio)) / positives
        return total
    recall = div(tp, tp + fn)
    x, y = (div(fp, fp + tn), recall) if curve == "ROC" else (recall, div(tp, tp + fp))
    pick = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
            "majoring": np.maximum(y[:-1], y[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * pick)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_against_keras_definition(curve, method, rng):
    batches = _binary_batches(rng)
    thresholds = keras_thresholds(50)
    total = None
    for t, p, w in batches:
        total = _add(total, np_counts(t, p, thresholds, w[:, None], clip=True))
    m = metrics.AUC(num_thresholds=50, curve=curve, summation_method=method)
    assert m.name == "auc" and np.allclose(m.thresholds, thresholds)
    np.testing.assert_allclose(float(_epoch(m, batches)), np_auc(total, curve, method),
                               rtol=1e-5)


def test_auc_approaches_the_exact_roc_area(rng):
    labels = rng.integers(0, 2, size=400)
    scores = np.clip(labels * 0.3 + rng.normal(0.35, 0.2, size=400), 0, 1).astype(np.float32)
    pos, neg = scores[labels == 1], scores[labels == 0]
    exact = np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :]))
    m = metrics.AUC(num_thresholds=1000)
    m.update_state(labels, scores)
    assert abs(float(m.result()) - exact) < 2e-3


def test_auc_options(rng):
    labels = rng.integers(0, 2, size=(12, 3))
    logits = rng.normal(size=(12, 3)).astype(np.float32)
    probs = 1 / (1 + np.exp(-logits))
    thresholds = [0.1, 0.4, 0.8]
    layout = np.array([-EPS, 0.1, 0.4, 0.8, 1 + EPS], np.float32)
    weights = [1.0, 2.0, 0.5]
    per_label = [np_auc(np_counts(labels[:, j], probs[:, j], layout), "ROC", "interpolation")
                 for j in range(3)]
    m = metrics.AUC(thresholds=thresholds, multi_label=True, label_weights=weights,
                    from_logits=True)
    m.update_state(labels, logits)
    np.testing.assert_allclose(float(m.result()), np.dot(per_label, weights) / 3.5, rtol=1e-5)
    assert m.get_config()["thresholds"] == thresholds
    flat = metrics.AUC(thresholds=thresholds, curve="pr")
    flat.update_state(labels, probs)
    np.testing.assert_allclose(float(flat.result()), np_auc(
        np_counts(labels, probs, layout), "PR", "interpolation"), rtol=1e-5)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="ROCK")
    with pytest.raises(ValueError, match="Threshold values must be in \\[0, 1\\]"):
        metrics.Precision(thresholds=[0.5, 1.5])


def test_a_prediction_equal_to_the_threshold_is_negative():
    m = metrics.Precision(thresholds=[0.25, 0.5])
    m.update_state([1, 0, 1], [0.5, 0.75, 0.25])
    np.testing.assert_allclose(np.asarray(m.result()), [0.5, 0.0])
