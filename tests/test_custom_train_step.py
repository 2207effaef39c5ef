"""Keras's "Customizing what happens in fit()": train_step / test_step / predict_step
overrides, tracker metrics, models that bring their own loss, compute_loss overrides."""

import numpy as np
import pytest
from helpers import numpy_sgd_mse

import kerasette as keras
from kerasette import backend, ops

LR = 0.1


def _data(n=32, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
    return x, y


class LinearRegression(keras.Model):
    """The guide's lower-level example: its own loss and its own trackers."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = ops.mean(ops.square(y_pred - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(ops.mean(ops.square(y_pred - y)))
        return {"loss": self.loss_tracker.result()}


def _numpy_sgd(w, b, x, y, batch_size, epochs):
    return numpy_sgd_mse(w, b, x, y, batch_size, epochs, LR)


def test_custom_train_step_matches_numpy_sgd_and_trackers_reset_per_epoch():
    x, y = _data()
    model = LinearRegression()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR))  # no loss
    model.build((None, 3))
    w0, b0 = model.get_weights()
    assert [m.name for m in model.metrics] == ["loss", "mae"]
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    w, b, epoch_losses = _numpy_sgd(w0, b0, x, y, 8, 3)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-4, atol=1e-5)
    # Each epoch's value is that epoch's own mean: the trackers were reset in between.
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-4)
    assert set(history.history) == {"loss", "mae"}


def test_custom_test_step_for_evaluate_and_validation():
    x, y = _data()
    model = LinearRegression()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR))
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x, y))
    assert set(history.history) == {"loss", "mae", "val_loss"}
    w, b = model.get_weights()
    expected = np.mean([np.mean((x[i:i + 8] @ w + b - y[i:i + 8]) ** 2)
                        for i in range(0, 32, 8)])
    result = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    assert set(result) == {"loss"}
    np.testing.assert_allclose(result["loss"], expected, rtol=1e-4)
    np.testing.assert_allclose(history.history["val_loss"][-1], expected, rtol=1e-4)


class GuideModel(keras.Model):
    """The guide's first example: compiled loss and metrics used from train_step."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class TfKerasModel(keras.Model):
    """tf.keras 2's spelling: compiled_loss and compiled_metrics."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _functional(cls, seed=1):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(4, activation="tanh")(inputs))
    model = cls(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR), loss="mse",
                  metrics=["mae"])
    return model


@pytest.mark.parametrize("cls", [GuideModel, TfKerasModel])
def test_functional_style_subclass_matches_builtin_fit(cls):
    x, y = _data()
    custom, builtin = _functional(cls), _functional(keras.Model)
    builtin.set_weights(custom.get_weights())
    assert isinstance(custom, cls)
    h_custom = custom.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_builtin = builtin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(custom.get_weights(), builtin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert set(h_custom.history) == {"loss", "mae"}
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h_custom.history[key], h_builtin.history[key], rtol=1e-5)


def test_predict_step_override():
    class Doubled(keras.Model):
        def predict_step(self, data):
            return self(data, training=False) * 2.0

    x, _ = _data()
    model = _functional(Doubled)
    plain = keras.Model(model.inputs, model.outputs)
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * plain.predict(x, verbose=0),
                               rtol=1e-6)


class AutoEncoder(keras.Model):
    """Its only loss comes from add_loss; fit(x) has no y."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(3)

    def call(self, x):
        out = self.dense(x)
        self.add_loss(ops.mean(ops.square(out - x)))
        return out


def test_add_loss_only_model_fits_without_y():
    x, _ = _data()
    model = AutoEncoder()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR))
    history = model.fit(x, batch_size=8, epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_no_loss_anywhere_is_a_clear_error():
    x, y = _data()
    model = _functional(keras.Model)
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="has no loss"):
        model.fit(x, y, verbose=0)


class Penalized(keras.Model):
    """Knowledge-distillation style: an extra term added in compute_loss."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        kernel = self.layers[-1].kernel
        return loss + 0.5 * ops.sum(ops.square(kernel))


def test_compute_loss_override_is_trained_by_builtin_step():
    x, y = _data()
    penalized, plain = _functional(Penalized), _functional(keras.Model)
    plain.set_weights(penalized.get_weights())
    kernel0 = penalized.layers[-1].get_weights()[0]
    penalized.fit(x, y, batch_size=32, epochs=1, verbose=0)
    plain.fit(x, y, batch_size=32, epochs=1, verbose=0)
    # One SGD step: the extra term's gradient is the kernel itself.
    difference = penalized.layers[-1].get_weights()[0] - plain.layers[-1].get_weights()[0]
    np.testing.assert_allclose(difference, -LR * kernel0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(penalized.layers[1].get_weights()[0],
                               plain.layers[1].get_weights()[0], rtol=1e-5, atol=1e-6)


# ---- trackers held by layers: listed in model.metrics, logged, reset each epoch ---------

class SquaredErrorEndpoint(keras.layers.Layer):
    """The endpoint-layer pattern: the loss and a tracker computed on targets passed in."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_tracker = keras.metrics.Mean(name="endpoint_mse")

    def call(self, predictions, targets=None):
        if targets is not None:
            loss = ops.mean(ops.square(predictions - targets))
            self.add_loss(loss)
            self.error_tracker.update_state(loss)
        return predictions


class Head(keras.layers.Layer):
    """A layer whose tracker sits one level down, inside its endpoint sublayer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.endpoint = SquaredErrorEndpoint()

    def call(self, x, targets=None):
        return self.endpoint(self.dense(x), targets)


class EndpointRegression(keras.Model):
    def __init__(self):
        super().__init__()
        self.head = Head()

    def call(self, inputs):
        return self.head(inputs["x"], inputs["targets"])


def test_sublayer_tracker_is_logged_and_reset_each_epoch():
    x, y = _data()
    model = EndpointRegression()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR))
    model({"x": backend.to_device(x[:2]), "targets": backend.to_device(y[:2])})  # builds
    w0, b0 = model.get_weights()
    assert [m.name for m in model.metrics] == ["endpoint_mse"]
    history = model.fit({"x": x, "targets": y}, batch_size=8, epochs=3, shuffle=False,
                        verbose=0)
    w, b, epoch_losses = _numpy_sgd(w0, b0, x, y, 8, 3)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-4, atol=1e-5)
    assert set(history.history) == {"loss", "endpoint_mse"}
    # Each epoch's value is that epoch's mean of batch losses: the tracker was reset.
    np.testing.assert_allclose(history.history["endpoint_mse"], epoch_losses, rtol=1e-4)
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-4)
    result = model.evaluate({"x": x, "targets": y}, batch_size=32, verbose=0,
                            return_dict=True)
    expected = np.mean((x @ w + b - y) ** 2)
    np.testing.assert_allclose(result["endpoint_mse"], expected, rtol=1e-4)


def test_functional_endpoint_with_targets_as_an_input():
    x, y = _data()
    keras.utils.set_random_seed(3)
    inputs = keras.Input((3,), name="x")
    targets = keras.Input((1,), name="targets")
    dense = keras.layers.Dense(1)
    endpoint = SquaredErrorEndpoint(name="endpoint")
    model = keras.Model([inputs, targets], endpoint(dense(inputs), targets))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR))
    assert endpoint.error_tracker in model.metrics
    w0, b0 = model.get_weights()
    history = model.fit({"x": x, "targets": y}, batch_size=16, epochs=2, shuffle=False,
                        verbose=0)
    _, _, epoch_losses = _numpy_sgd(w0, b0, x, y, 16, 2)
    np.testing.assert_allclose(history.history["endpoint_mse"], epoch_losses, rtol=1e-4)


def test_a_nested_models_own_trackers_are_left_to_it():
    inner = LinearRegression()  # its loss_tracker and mae_metric belong to it

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = inner
            self.head = Head()
            self.total = keras.metrics.Sum(name="total")

        def call(self, x):
            return self.head(self.inner(x))

    outer = Outer()
    assert [m.name for m in outer.metrics] == ["total", "endpoint_mse"]
    outer.head.endpoint.error_tracker.update_state(backend.to_device(np.float32([4.0])))
    outer.reset_metrics()
    assert float(outer.head.endpoint.error_tracker.result()) == 0.0
    # The scan is cached; a new tracker or a new layer is still seen.
    outer.head.endpoint.error_tracker = keras.metrics.Mean(name="replaced")
    assert [m.name for m in outer.metrics] == ["total", "replaced"]
    endpoint = SquaredErrorEndpoint()  # made before the scan below: seen as a new layer
    stack = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert stack.metrics == []
    stack.add(endpoint)
    assert [m.name for m in stack.metrics] == ["endpoint_mse"]


def test_metrics_variables_follow_metrics():
    model = EndpointRegression()
    model.compile(optimizer="sgd")
    x, y = _data(8)
    model.fit({"x": x, "targets": y}, batch_size=8, epochs=1, verbose=0)
    variables = model.metrics_variables
    assert [v.path for v in variables] == [v.path for m in model.metrics for v in m.variables]
    tracker = model.head.endpoint.error_tracker
    assert all(a is b for a, b in zip(variables[-2:], tracker.variables))
    x_mse = float(model.evaluate({"x": x, "targets": y}, verbose=0, return_dict=True)[
        "endpoint_mse"])
    assert float(variables[-2].numpy()) == pytest.approx(x_mse)  # total: one batch's loss
    assert float(variables[-1].numpy()) == 1.0  # count: one scalar loss per batch
