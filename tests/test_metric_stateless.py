"""Keras 3's stateless metric methods: ``stateless_update_state``, ``stateless_result``,
``stateless_reset_state`` give the numbers of the stateful path without touching the metric."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend

BATCH_SIZES = (5, 3, 7)


def _dev(a):
    return backend.to_device(np.asarray(a, dtype="float32"))


def _binary_batches(rng):
    out = []
    for n in BATCH_SIZES:
        y_true = rng.integers(0, 2, size=(n, 1))
        y_pred = rng.uniform(size=(n, 1))
        weights = rng.uniform(0.1, 2.0, size=n)
        out.append((_dev(y_true), _dev(y_pred), _dev(weights)))
    return out


def _host(values):
    return [backend.to_numpy(v.data if hasattr(v, "data") else v) for v in values]


def _stateless_epoch(metric, batches, **kwargs):
    state = metric.stateless_reset_state()
    for batch in batches:
        state = metric.stateless_update_state(state, *batch, **kwargs)
    return state, metric.stateless_result(state)


def _stateful_epoch(metric, batches):
    metric.reset_state()
    for batch in batches:
        metric.update_state(*batch)
    return metric.result()


METRICS = {
    "mean": (lambda: keras.metrics.Mean(), lambda b: (b[1], b[2])),
    "accuracy": (lambda: keras.metrics.BinaryAccuracy(), lambda b: b),
    "mae": (lambda: keras.metrics.MeanAbsoluteError(), lambda b: b),
    "precision": (lambda: keras.metrics.Precision(thresholds=[0.3, 0.6]), lambda b: b),
    "recall": (lambda: keras.metrics.Recall(), lambda b: b),
}


@pytest.mark.parametrize("name", sorted(METRICS))
def test_stateless_path_matches_the_stateful_one_and_leaves_the_metric_alone(name, rng):
    make, args = METRICS[name]
    batches = [args(b) for b in _binary_batches(rng)]
    stateful = make()
    expected = backend.to_numpy(_stateful_epoch(stateful, batches).data)
    expected_state = _host(stateful.variables)

    metric = make()
    metric.update_state(*batches[0])  # its own state must survive the stateless calls
    own_before = _host(metric.variables)
    state, result = _stateless_epoch(metric, batches)
    np.testing.assert_allclose(backend.to_numpy(result.data), expected, rtol=1e-6)
    for got, want in zip(_host(state), expected_state):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for got, want in zip(_host(metric.variables), own_before):
        np.testing.assert_array_equal(got, want)
    assert len(state) == len(metric.variables)


def test_mean_state_values_are_total_and_count(rng):
    m = keras.metrics.Mean()
    assert [v.name for v in m.variables] == ["total", "count"]
    zeros = m.stateless_reset_state()
    np.testing.assert_array_equal(_host(zeros), [0.0, 0.0])
    state = m.stateless_update_state(zeros, _dev([1.0, 3.0, 5.0]), sample_weight=_dev(
        [1.0, 1.0, 2.0]))
    np.testing.assert_allclose(_host(state), [14.0, 4.0])
    state = m.stateless_update_state(state, _dev([2.0]))
    np.testing.assert_allclose(_host(state), [16.0, 5.0])
    assert float(m.stateless_result(state)) == pytest.approx(16.0 / 5.0)
    # The inputs are not updated in place: the first state still reads (14, 4).
    np.testing.assert_allclose(_host(m.stateless_update_state(zeros, _dev([7.0]))), [7.0, 1.0])
    np.testing.assert_array_equal(_host(zeros), [0.0, 0.0])
    np.testing.assert_array_equal(_host(m.variables), [0.0, 0.0])
    assert float(m.result()) == 0.0


def test_stateless_reset_state_leaves_the_state_and_gives_zeros(rng):
    m = keras.metrics.Mean()
    m.update_state(_dev([2.0, 4.0]))
    fresh = m.stateless_reset_state()
    np.testing.assert_array_equal(_host(fresh), [0.0, 0.0])
    assert float(m.result()) == pytest.approx(3.0)


def test_a_custom_metric_and_a_custom_reset_go_through_the_stateless_doors():
    class Largest(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="largest")
            self.best = self.add_variable((), "zeros", name="best")

        def update_state(self, values):
            self.best.assign(keras.ops.maximum(keras.ops.max(values), self.best.value))

        def result(self):
            return self.best.value

        def reset_state(self):
            self.best.assign(backend.xp.full((), -1.0, dtype="float32"))

    m = Largest()
    state = m.stateless_reset_state()
    assert float(state[0]) == -1.0
    state = m.stateless_update_state(state, _dev([-3.0, -2.0]))
    assert float(m.stateless_result(state)) == -1.0
    state = m.stateless_update_state(state, _dev([4.0, 2.5]))
    assert float(m.stateless_result(state)) == 4.0
    assert float(m.result()) == 0.0  # never updated


def test_wrong_state_is_refused_with_the_counts_and_shapes():
    m = keras.metrics.Mean()
    with pytest.raises(ValueError, match="one value per variable, 2"):
        m.stateless_update_state([_dev(0.0)], _dev([1.0]))
    with pytest.raises(ValueError, match=r"shape \(2,\) for variable 'total'"):
        m.stateless_result([_dev([0.0, 0.0]), _dev(0.0)])
