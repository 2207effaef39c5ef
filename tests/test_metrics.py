"""Metrics against plain-NumPy computations of Keras's definitions, over several batches."""

import numpy as np
import pytest

from kerasette import backend, losses, metrics, ops
from kerasette.autograd import Tensor

EPS = 1e-7
BATCH_SIZES = (5, 3, 7)   # uneven batches: the epoch value is not a mean of batch values


def _batches(make, rng, weighted=True):
    """Three uneven batches of (y_true, y_pred, sample_weight)."""
    out = []
    for n in BATCH_SIZES:
        y_true, y_pred = make(n, rng)
        weights = rng.uniform(0.1, 2.0, size=n) if weighted else None
        out.append((y_true, y_pred, weights))
    return out


def _epoch(metric, batches):
    metric.reset_state()
    for y_true, y_pred, weights in batches:
        metric.update_state(y_true, y_pred, sample_weight=weights)
    return metric.result()


def _weighted_mean(per_sample, batches):
    values = np.concatenate(per_sample)
    weights = np.concatenate([w if w is not None else np.ones(len(v))
                              for v, (_, _, w) in zip(per_sample, batches)])
    return np.sum(values * weights) / np.sum(weights)


def _onehot(n, classes, rng):
    return np.eye(classes)[rng.integers(0, classes, size=n)]


def _scores(n, classes, rng):
    p = rng.uniform(0.01, 1, size=(n, classes))
    return (p / p.sum(axis=-1, keepdims=True)).astype(np.float32)


# ---- Mean, Sum, MeanMetricWrapper -----------------------------------------------------

def test_mean_is_the_weighted_mean_of_everything_seen(rng):
    m = metrics.Mean()
    assert m.name == "mean" and len(m.variables) == 2
    values = [rng.normal(size=n) for n in BATCH_SIZES]
    weights = [rng.uniform(0, 2, size=n) for n in BATCH_SIZES]
    for v, w in zip(values, weights):
        m.update_state(v, sample_weight=w)
    result = m.result()
    assert isinstance(result, Tensor) and result.shape == () and result.dtype == np.float32
    expected = np.sum(np.concatenate(values) * np.concatenate(weights)) / np.sum(
        np.concatenate(weights))
    np.testing.assert_allclose(float(result), expected, rtol=1e-5)
    m.reset_state()
    assert float(m.result()) == 0.0
    m.update_state(3.0, sample_weight=4)    # the loss tracker's call: a scalar per batch
    m.update_state(1.0, sample_weight=2)
    np.testing.assert_allclose(float(m.result()), (3 * 4 + 1 * 2) / 6)


def test_mean_of_rank_2_values_averages_every_element(rng):
    values, weights = rng.normal(size=(4, 3)), rng.uniform(0.5, 2, size=4)
    m = metrics.Mean()
    m.update_state(values, sample_weight=weights)
    expected = np.sum(values * weights[:, None]) / np.sum(np.broadcast_to(weights[:, None],
                                                                          (4, 3)))
    np.testing.assert_allclose(float(m.result()), expected, rtol=1e-5)
    m.reset_state()
    m.update_state(values, sample_weight=np.abs(values))   # one weight per element
    np.testing.assert_allclose(float(m.result()), np.sum(values * np.abs(values))
                               / np.sum(np.abs(values)), rtol=1e-5)


def test_sum(rng):
    m = metrics.Sum()
    values = [rng.normal(size=n) for n in BATCH_SIZES]
    for v in values:
        m.update_state(v, sample_weight=np.full(len(v), 0.5))
    np.testing.assert_allclose(float(m.result()), 0.5 * np.concatenate(values).sum(), rtol=1e-5)


def test_mean_metric_wrapper_and_no_graph(rng):
    def abs_diff(y_true, y_pred, scale=1.0):
        return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1) * scale

    m = metrics.MeanMetricWrapper(abs_diff, scale=2.0)
    assert m.name == "mean_metric_wrapper"
    batches = _batches(lambda n, r: (r.normal(size=(n, 2)), r.normal(size=(n, 2))), rng)
    per = [2 * np.mean(np.abs(t - p), axis=-1) for t, p, _ in batches]
    pred = Tensor(backend.to_device(batches[0][1]), requires_grad=True)
    out = m(batches[0][0], pred, sample_weight=batches[0][2])   # update, then result
    assert not out.requires_grad
    np.testing.assert_allclose(float(_epoch(m, batches)), _weighted_mean(per, batches),
                               rtol=1e-5)
    assert m.get_config() == {"name": "mean_metric_wrapper", "dtype": "float32", "scale": 2.0,
                              "fn": "abs_diff"}


# ---- accuracy -------------------------------------------------------------------------

def _binary(n, rng):
    return rng.integers(0, 2, size=(n, 1)).astype(np.float32), rng.uniform(size=(n, 1))


def _categorical(n, rng):
    return _onehot(n, 4, rng), _scores(n, 4, rng)


def _sparse(n, rng):
    return rng.integers(0, 4, size=n), _scores(n, 4, rng)


def _sparse_column(n, rng):
    labels, scores = _sparse(n, rng)
    return labels[:, None], scores


ACCURACY_CASES = [
    (metrics.BinaryAccuracy(), _binary,
     lambda t, p: ((p > 0.5) == t).astype(float).mean(axis=-1)),
    (metrics.BinaryAccuracy(threshold=0.7), _binary,
     lambda t, p: ((p > 0.7) == t).astype(float).mean(axis=-1)),
    (metrics.CategoricalAccuracy(), _categorical,
     lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(float)),
    (metrics.SparseCategoricalAccuracy(), _sparse,
     lambda t, p: (t == p.argmax(-1)).astype(float)),
    (metrics.SparseCategoricalAccuracy(), _sparse_column,
     lambda t, p: (t[:, 0] == p.argmax(-1)).astype(float)),
    (metrics.Accuracy(), lambda n, r: (r.integers(0, 3, size=n), r.integers(0, 3, size=n)),
     lambda t, p: (t == p).astype(float)),
    (metrics.TopKCategoricalAccuracy(k=2), _categorical,
     lambda t, p: (np.sum(p > p[np.arange(len(p)), t.argmax(-1)][:, None], axis=-1) < 2)
     .astype(float)),
    (metrics.SparseTopKCategoricalAccuracy(k=3), _sparse,
     lambda t, p: (np.sum(p > p[np.arange(len(p)), t][:, None], axis=-1) < 3).astype(float)),
]


@pytest.mark.parametrize("metric, make, ref", ACCURACY_CASES,
                         ids=[f"{c[0].name}-{i}" for i, c in enumerate(ACCURACY_CASES)])
@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_over_uneven_batches(metric, make, ref, weighted, rng):
    batches = _batches(make, rng, weighted)
    per = [ref(np.asarray(t), np.asarray(p, dtype=np.float32)) for t, p, _ in batches]
    result = _epoch(metric, batches)
    assert result.shape == () and result.dtype == np.float32
    np.testing.assert_allclose(float(result), _weighted_mean(per, batches), rtol=1e-6)
    assert 0 < float(result) < 1   # the data give a non-trivial value


def test_top_k_counts_ties_as_hits():
    scores = np.array([[0.3, 0.3, 0.3, 0.1]], dtype=np.float32)
    assert float(metrics.sparse_top_k_categorical_accuracy([2], scores, k=1)[0]) == 1.0
    assert float(metrics.sparse_top_k_categorical_accuracy([3], scores, k=3)[0]) == 0.0
    assert float(metrics.top_k_categorical_accuracy([[0, 0, 0, 1]], scores, k=4)[0]) == 1.0


# ---- regression and probabilistic -----------------------------------------------------

def _regression(n, rng):
    return rng.uniform(0.5, 2, size=(n, 3)), rng.uniform(0.5, 2, size=(n, 3))


def _cosine(t, p):
    return np.sum(t * p, -1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)


def _clipped_log(p):
    return np.log(np.clip(p, EPS, 1 - EPS))


MEAN_CASES = [
    (metrics.MeanSquaredError(), _regression, lambda t, p: np.mean((t - p) ** 2, -1)),
    (metrics.MeanAbsoluteError(), _regression, lambda t, p: np.mean(np.abs(t - p), -1)),
    (metrics.MeanAbsolutePercentageError(), _regression,
     lambda t, p: 100 * np.mean(np.abs((t - p) / t), -1)),
    (metrics.MeanSquaredLogarithmicError(), _regression,
     lambda t, p: np.mean((np.log(p + 1) - np.log(t + 1)) ** 2, -1)),
    (metrics.LogCoshError(), _regression, lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    (metrics.CosineSimilarity(), _regression, _cosine),
    (metrics.Poisson(), _regression, lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    (metrics.BinaryCrossentropy(), _binary,
     lambda t, p: -np.mean(t * _clipped_log(p) + (1 - t) * _clipped_log(1 - p), -1)),
    (metrics.CategoricalCrossentropy(), _categorical,
     lambda t, p: -np.sum(t * _clipped_log(p / p.sum(-1, keepdims=True)), -1)),
    (metrics.SparseCategoricalCrossentropy(), _sparse,
     lambda t, p: -_clipped_log(p / p.sum(-1, keepdims=True))[np.arange(len(t)), t.astype(int)]),
    (metrics.KLDivergence(), _categorical,
     lambda t, p: np.sum(np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / p), -1)),
    (metrics.Hinge(), _binary, lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0), -1)),
    (metrics.SquaredHinge(), _binary,
     lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0) ** 2, -1)),
    (metrics.CategoricalHinge(), _categorical,
     lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0)),
]


@pytest.mark.parametrize("metric, make, ref", MEAN_CASES, ids=[c[0].name for c in MEAN_CASES])
def test_mean_metrics_over_uneven_batches(metric, make, ref, rng):
    batches = _batches(make, rng)
    per = [ref(np.asarray(t, dtype=np.float64), np.asarray(p, dtype=np.float64))
           for t, p, _ in batches]
    np.testing.assert_allclose(float(_epoch(metric, batches)), _weighted_mean(per, batches),
                               rtol=2e-5)
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()


def test_root_mean_squared_error_is_the_root_of_the_epoch_mean(rng):
    batches = _batches(_regression, rng)
    squares = [np.mean((t - p) ** 2, axis=-1) for t, p, _ in batches]
    m = metrics.RootMeanSquaredError()
    assert m.name == "root_mean_squared_error"
    np.testing.assert_allclose(float(_epoch(m, batches)),
                               np.sqrt(_weighted_mean(squares, batches)), rtol=1e-5)


# ---- look-up and resolve --------------------------------------------------------------

@pytest.mark.parametrize("identifier, true_shape, pred_shape, loss, expected", [
    ("accuracy", (8, 1), (8, 1), None, metrics.binary_accuracy),
    ("accuracy", (8,), (8, 1), None, metrics.binary_accuracy),
    ("acc", (8,), (8, 5), None, metrics.sparse_categorical_accuracy),
    ("acc", (8, 1), (8, 5), None, metrics.sparse_categorical_accuracy),
    ("accuracy", (8, 5), (8, 5), None, metrics.categorical_accuracy),
    ("accuracy", (8, 5), (8, 5), "binary_crossentropy", metrics.binary_accuracy),
    ("accuracy", (8, 5), (8, 5), losses.sparse_categorical_crossentropy,
     metrics.sparse_categorical_accuracy),
    ("accuracy", (8, 1), (8, 1), losses.CategoricalCrossentropy(),
     metrics.categorical_accuracy),
    ("acc", (8, 1), (8, 1), losses.SparseCategoricalCrossentropy,
     metrics.sparse_categorical_accuracy),
    ("accuracy", (8, 1), (8, 5), "mse", metrics.sparse_categorical_accuracy),
    ("crossentropy", (8, 1), (8, 1), None, losses.binary_crossentropy),
    ("ce", (8,), (8, 5), None, losses.sparse_categorical_crossentropy),
    ("ce", (8, 5), (8, 5), None, losses.categorical_crossentropy),
])
def test_resolve_picks_the_accuracy(identifier, true_shape, pred_shape, loss, expected):
    metric = metrics.resolve(identifier, true_shape, pred_shape, loss=loss)
    assert isinstance(metric, metrics.MeanMetricWrapper)
    assert metric.name == identifier and metric._fn is expected


def test_resolve_names_and_objects():
    shapes = ((4, 1), (4, 1))
    for name in ("mae", "mse", "mean_absolute_error", "msle", "mape", "binary_accuracy"):
        assert metrics.resolve(name, *shapes).name == name
    assert metrics.resolve("mae", *shapes)._fn is losses.mean_absolute_error
    for name, cls in [("precision", metrics.Precision), ("recall", metrics.Recall),
                      ("auc", metrics.AUC), ("AUC", metrics.AUC)]:
        metric = metrics.resolve(name, *shapes)
        assert type(metric) is cls and metric.name == name

    def my_metric(y_true, y_pred):
        return ops.abs(ops.subtract(y_true, y_pred))

    assert metrics.resolve(my_metric, *shapes).name == "my_metric"
    instance = metrics.AUC(name="roc")
    assert metrics.resolve(instance, *shapes) is instance
    assert metrics.resolve(metrics.Recall, *shapes).name == "recall"
    assert metrics.resolve(None, *shapes) is None
    with pytest.raises(ValueError, match="'nope'"):
        metrics.resolve("nope", *shapes)


def test_get_and_serialization():
    assert metrics.get("mae") is losses.mean_absolute_error
    assert metrics.get("accuracy") is metrics.accuracy
    assert metrics.get("cosine_similarity") is metrics.cosine_similarity
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    config = metrics.serialize(metrics.Precision(thresholds=[0.2, 0.7], name="p"))
    revived = metrics.deserialize(config)
    assert isinstance(revived, metrics.Precision) and revived.thresholds == [0.2, 0.7]
    assert revived.name == "p"
    wrapper = metrics.MeanMetricWrapper.from_config(
        {"fn": "mean_squared_error", "name": "m", "dtype": "float32"})
    assert wrapper._fn is losses.mean_squared_error
    with pytest.raises(ValueError, match="'bogus'"):
        metrics.get("bogus")


def test_custom_metric_keras2_style(rng):
    class Positives(metrics.Metric):
        def __init__(self, name="positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign_add(ops.sum(ops.cast(ops.greater(y_pred, 0), "float32")))

        def result(self):
            return self.count.value

        def reset_states(self):   # the Keras 2 name of reset_state
            self.count.assign(np.float32(-1.0))

    m = Positives()
    values = rng.normal(size=20)
    np.testing.assert_allclose(float(m(None, values)), np.sum(values > 0))
    m.reset_state()
    assert float(m.result()) == -1.0
    assert [v.name for v in m.variables] == ["count"] and not m.variables[0].trainable


def test_add_weight_takes_keras2_and_keras3_arguments():
    m = metrics.Metric(name="m")
    keras2 = m.add_weight("tp", (2,), initializer="ones")
    keras3 = m.add_weight((3,), "zeros", None, "fp")
    assert (keras2.name, keras2.shape, float(keras2.numpy().sum())) == ("tp", (2,), 2.0)
    assert (keras3.name, keras3.shape, keras3.path) == ("fp", (3,), "m/fp")
    m.reset_state()
    assert float(keras2.numpy().sum()) == 0.0
    assert [v.name for v in m.variables] == ["tp", "fp"]
