"""Building a functional graph runs each layer's ``call`` on zeros to infer shapes; that
trace updates no metric and records no loss, and it runs once when every size is known.
A ``Sequential`` model called directly adds or drops a trailing axis of size 1 as ``fit``
and a functional model do (Keras 3's ``_adjust_input_rank``)."""

import numpy as np
import pytest
from helpers import numpy_sgd_mse

import kerasette as keras
from kerasette import backend, ops

LR = 0.1


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.float32([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return x, y


class SquaredErrorEndpoint(keras.layers.Layer):
    """The endpoint-layer pattern: a loss and a tracker on targets passed as an input."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tracker = keras.metrics.Mean(name="endpoint_mse")

    def call(self, predictions, targets):
        loss = ops.mean(ops.square(predictions - targets))
        self.add_loss(loss)
        self.tracker.update_state(loss)
        return predictions


def _endpoint_model():
    keras.utils.set_random_seed(5)
    inputs = keras.Input((3,), name="x")
    targets = keras.Input((1,), name="targets")
    endpoint = SquaredErrorEndpoint(name="endpoint")
    model = keras.Model([inputs, targets], endpoint(keras.layers.Dense(1)(inputs), targets))
    return model, endpoint


def test_building_the_graph_leaves_the_tracker_and_the_losses_empty():
    model, endpoint = _endpoint_model()
    assert float(backend.to_numpy(endpoint.tracker.count.value)) == 0.0
    assert float(endpoint.tracker.result()) == 0.0
    assert endpoint.losses == [] and model.losses == []


def test_first_real_call_is_the_trackers_only_value():
    model, endpoint = _endpoint_model()
    x, y = _data(8)
    w, b = model.get_weights()
    model([backend.to_device(x), backend.to_device(y)])
    expected = np.mean((x @ w + b - y) ** 2)  # not diluted by two traced zeros
    np.testing.assert_allclose(float(endpoint.tracker.result()), expected, rtol=1e-5)
    assert float(backend.to_numpy(endpoint.tracker.count.value)) == 1.0
    np.testing.assert_allclose([float(t) for t in model.losses], [expected], rtol=1e-5)


def test_logged_tracker_after_fit_is_the_numpy_mean_of_batch_losses():
    model, endpoint = _endpoint_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR))
    x, y = _data()
    w0, b0 = model.get_weights()
    history = model.fit({"x": x, "targets": y}, batch_size=8, epochs=2, shuffle=False,
                        verbose=0)
    _, _, expected = numpy_sgd_mse(w0, b0, x, y, 8, 2, LR)
    np.testing.assert_allclose(history.history["endpoint_mse"], expected, rtol=1e-4)
    np.testing.assert_allclose(history.history["loss"], expected, rtol=1e-4)
    assert float(backend.to_numpy(endpoint.tracker.count.value)) == 3.0  # last epoch


class _ActivityTracker(keras.layers.Layer):
    """Tracks the mean of its input and adds its mean square as a loss."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tracker = keras.metrics.Mean(name="activity")

    def call(self, x):
        self.add_loss(ops.mean(ops.square(x)))
        self.tracker.update_state(ops.mean(x))
        return ops.tile(x, (1, 2))


def test_compute_output_shape_by_trace_updates_nothing():
    layer = _ActivityTracker()
    assert layer.compute_output_shape((None, 4)) == (None, 8)
    assert float(backend.to_numpy(layer.tracker.count.value)) == 0.0
    assert layer.losses == []
    x = np.float32([[1.0, 3.0, 0.0, 4.0]])
    layer(backend.to_device(x))
    np.testing.assert_allclose(float(layer.tracker.result()), 2.0, rtol=1e-6)
    np.testing.assert_allclose([float(t) for t in layer.losses], [6.5], rtol=1e-6)


class _Head(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2, activity_regularizer=keras.regularizers.L2(0.5))

    def call(self, x):
        return self.dense(x)


def test_a_trace_keeps_the_losses_of_the_last_real_call():
    head = _Head()
    x = np.float32([[1.0, 2.0], [0.5, -1.0]])
    out = backend.to_numpy(head(backend.to_device(x)).data)
    penalty = 0.5 * np.sum(out ** 2) / 2  # L2 of the activity over the batch size
    np.testing.assert_allclose([float(t) for t in head.losses], [penalty], rtol=1e-5)
    head(keras.Input((2,)))  # traced on zeros: no loss cleared, none added
    np.testing.assert_allclose([float(t) for t in head.losses], [penalty], rtol=1e-5)


class _Flattening(keras.layers.Layer):
    """Flattens everything, the batch included, and counts its calls."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def call(self, x):
        self.calls += 1
        return ops.reshape(x, (-1,))


@pytest.mark.parametrize("batch_shape, calls, shape", [
    ((4, 3), 1, (12,)),        # every size known: one run tells the shape
    ((None, 3), 2, (None,)),   # an unknown batch: two runs find the size that follows it
])
def test_trace_runs_call_once_when_every_size_is_known(batch_shape, calls, shape):
    layer = _Flattening()
    out = layer(keras.Input(batch_shape=batch_shape))
    assert layer.calls == calls
    assert tuple(out.shape) == shape


def _conv_stack():
    keras.utils.set_random_seed(2)
    return keras.Sequential([keras.Input((6, 1)), keras.layers.Conv1D(2, 3),
                             keras.layers.Flatten(), keras.layers.Dense(1)])


def test_sequential_call_adds_a_missing_trailing_axis():
    model = _conv_stack()
    x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
    short = backend.to_numpy(model(backend.to_device(x)).data)
    explicit = backend.to_numpy(model(backend.to_device(x[..., None])).data)
    assert short.shape == (5, 1)
    np.testing.assert_allclose(short, explicit, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(short, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    kernel, bias = model.layers[0].get_weights()[0][:, 0, :], model.layers[0].get_weights()[1]
    conv = np.stack([x[:, i:i + 3] @ kernel for i in range(4)], axis=1) + bias
    dense_w, dense_b = model.layers[2].get_weights()
    np.testing.assert_allclose(short, conv.reshape(5, -1) @ dense_w + dense_b, rtol=1e-5,
                               atol=1e-6)


def test_sequential_call_drops_an_extra_trailing_axis_and_refuses_others():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    x = np.random.default_rng(2).normal(size=(5, 4)).astype("float32")
    w, b = model.get_weights()
    out = backend.to_numpy(model(backend.to_device(x[..., None])).data)
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"Expected shape \(None, 4\).*\(5, 4, 1, 1\)"):
        model(backend.to_device(x[..., None, None]))
