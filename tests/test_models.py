"""Models end to end: Sequential, functional graphs, compile/fit/evaluate/predict."""


import numpy as np
import pytest

import kerasette as keras
from kerasette import layers


def boston():
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return ((x_train - mean) / std, y_train), ((x_test - mean) / std, y_test)


def test_boston_housing_tutorial_runs_unchanged(capsys):
    (x_train, y_train), (x_test, y_test) = boston()
    model = keras.Sequential()
    model.add(layers.Dense(16, activation="tanh", input_shape=(13,)))
    model.add(layers.Dense(1))
    model.summary()
    printed = capsys.readouterr().out
    assert "224" in printed and "17" in printed
    assert "Total params: 241" in printed and "Trainable params: 241" in printed
    assert "Non-trainable params: 0" in printed
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x_train, y_train, epochs=200, batch_size=32, validation_split=0.2,
                        verbose=0)
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert len(history.history["loss"]) == 200
    assert history.history["loss"][-1] < history.history["loss"][0] / 5
    test_mse, test_mae = model.evaluate(x_test, y_test, verbose=0)
    assert test_mae < 4.0
    predictions = model.predict(x_test, verbose=0)
    assert predictions.shape == (102, 1) and predictions.dtype == np.float32
    np.testing.assert_allclose(np.mean(np.abs(predictions[:, 0] - y_test)), test_mae,
                               rtol=1e-4)
    np.testing.assert_allclose(np.mean((predictions[:, 0] - y_test) ** 2), test_mse, rtol=1e-4)


def test_fit_logs_are_sample_weighted_means_over_the_epoch():
    """Keras averages the loss over the epoch weighting each batch by its size."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 3)).astype("float32")
    y = rng.standard_normal((10, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse",
                  metrics=["mae"])
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    p = model.predict(x, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean((p - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"][0], np.mean(np.abs(p - y)), rtol=1e-5)


def test_functional_two_inputs_two_outputs_shared_layer():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((256, 4)).astype("float32")
    b = rng.standard_normal((256, 4)).astype("float32")
    y_reg = (a.sum(1, keepdims=True) - b.sum(1, keepdims=True)).astype("float32")
    y_cls = (a[:, 0] > b[:, 0]).astype("int64")
    in_a, in_b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(8, activation="tanh", name="shared")
    merged = layers.concatenate([shared(in_a), shared(in_b)])
    reg = layers.Dense(1, name="reg")(merged)
    cls = layers.Dense(2, activation="softmax", name="cls")(merged)
    model = keras.Model([in_a, in_b], [reg, cls])
    assert len(shared._inbound_nodes) == 2
    assert [layer.name for layer in model.layers][:2] == ["a", "b"]
    model.compile(optimizer="adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
    history = model.fit([a, b], [y_reg, y_cls], epochs=30, batch_size=32, verbose=0)
    keys = set(history.history)
    assert {"loss", "reg_loss", "cls_loss", "cls_accuracy"} <= keys
    h = history.history
    np.testing.assert_allclose(h["loss"][-1], h["reg_loss"][-1] + 0.5 * h["cls_loss"][-1],
                               rtol=1e-3)
    assert h["loss"][-1] < h["loss"][0] / 2
    assert h["cls_accuracy"][-1] > 0.85
    outputs = model.predict({"a": a, "b": b}, verbose=0)
    assert [o.shape for o in outputs] == [(256, 1), (256, 2)]


def test_feature_extraction_from_intermediate_layer():
    model = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation="relu"),
                              layers.Dense(3), layers.Dense(1)])
    extractor = keras.Model(model.input, model.layers[1].output)
    x = np.random.default_rng(0).standard_normal((6, 5)).astype("float32")
    features = extractor.predict(x, verbose=0)
    kernel0, bias0 = model.layers[0].get_weights()
    kernel1, bias1 = model.layers[1].get_weights()
    np.testing.assert_allclose(features, np.maximum(x @ kernel0 + bias0, 0) @ kernel1 + bias1,
                               rtol=1e-5, atol=1e-6)
    assert extractor.layers[1] is model.layers[0]


def test_sequential_deferred_build_add_pop():
    model = keras.Sequential()
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert not model.built
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 5), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert model.built and model.layers[0].kernel.shape == (5, 3)
    assert model.count_params() == 5 * 3 + 3 + 3 * 2 + 2
    popped = model.pop()
    assert popped.name.startswith("dense") and len(model.layers) == 1
    assert model.output.shape == (None, 3)


def test_gradient_tape_matches_fit_step():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1)])
    start = model.get_weights()
    loss_fn = keras.losses.MeanSquaredError()
    with keras.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    lr = 0.1
    expected = [w - lr * g.numpy() for w, g in zip(start, grads)]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.train_on_batch(x, y)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_custom_training_loop_with_apply_gradients():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((64, 2)).astype("float32")
    y = (x @ np.array([[2.0], [-1.0]], "float32") + 0.5).astype("float32")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    optimizer = keras.optimizers.Adam(learning_rate=0.1)
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(200):
        with keras.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [2.0, -1.0], atol=0.05)
    np.testing.assert_allclose(bias, [0.5], atol=0.05)


def test_subclassed_model_trains():
    class TwoLayer(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    rng = np.random.default_rng(5)
    x = rng.standard_normal((128, 3)).astype("float32")
    y = np.abs(x).sum(1, keepdims=True).astype("float32")
    model = TwoLayer()
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert len(model.trainable_weights) == 4
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_sample_weight_and_class_weight_scale_the_loss():
    x = np.ones((4, 2), "float32")
    y = np.array([[1.0], [0.0], [1.0], [0.0]], "float32")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    weights = np.array([1.0, 0.0, 3.0, 0.0], "float32")
    loss = model.evaluate(x, y, sample_weight=weights, verbose=0)
    np.testing.assert_allclose(loss, np.sum(weights * y[:, 0] ** 2) / 4, rtol=1e-6)
    history = model.fit(x, y, class_weight={0: 1.0, 1: 2.0}, epochs=1, verbose=0,
                        shuffle=False)
    np.testing.assert_allclose(history.history["loss"][0], (2 + 2) / 4, rtol=1e-6)


def test_generators_sequences_and_legacy_spellings():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((40, 3)).astype("float32")
    y = x.sum(1, keepdims=True).astype("float32")

    def generator():
        while True:
            for i in range(0, 40, 10):
                yield x[i:i + 10], y[i:i + 10]

    class Batches(keras.utils.Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return x[index * 10:(index + 1) * 10], y[index * 10:(index + 1) * 10]

    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.fit(generator(), steps_per_epoch=4, epochs=3, verbose=0).history["loss"]) == 3
    model.fit(Batches(), epochs=2, verbose=0)
    with pytest.warns(DeprecationWarning, match="fit_generator"):
        model.fit_generator(generator(), steps_per_epoch=2, epochs=1, verbose=0)
    with pytest.warns(DeprecationWarning):
        model.evaluate_generator(Batches(), verbose=0)
    with pytest.warns(DeprecationWarning):
        assert model.predict_generator(Batches(), verbose=0).shape == (40, 1)
    classifier = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="softmax")])
    with pytest.warns(DeprecationWarning, match="predict_classes"):
        classes = classifier.predict_classes(x)
    np.testing.assert_array_equal(classes, classifier.predict(x, verbose=0).argmax(-1))


def test_initial_epoch_and_history_epochs():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=5, initial_epoch=3,
                        verbose=0)
    assert history.epoch == [3, 4]


def test_validation_data_and_batch_methods():
    x = np.random.default_rng(7).standard_normal((20, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
    history = model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    loss, acc = model.train_on_batch(x, y)
    test_loss, test_acc = model.test_on_batch(x, y)
    assert 0 <= acc <= 1 and test_loss < loss + 1
    assert model.predict_on_batch(x).shape == (20, 1)
    assert model.metrics_names == ["loss", "acc"]


def test_bad_input_errors_are_clear():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 3)), np.ones((2,)))
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss"):
        model.compile(optimizer="adam", loss="msee")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"(?s)cardinality.*'x' sizes: 5.*'y' sizes: 4"):
        model.fit(np.ones((5, 3)), np.zeros((4,)), verbose=0)
    with pytest.raises(ValueError, match=r"label value of 7.*\[0, 1\]"):
        model.fit(np.ones((4, 3)), np.array([0, 1, 7, 1]), verbose=0)
    with pytest.raises(ValueError, match=r'"dense.*expected axis -1.*value 3'):
        model.fit(np.ones((4, 5)), np.zeros((4,)), verbose=0)


def test_terminate_on_nan_stops_training():
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e30), loss="mse")
    x = np.full((64, 1), 1e10, "float32")
    history = model.fit(x, x, epochs=5, batch_size=8, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1
    assert not np.isfinite(history.history["loss"][0])


def test_early_stopping_with_restore_best_weights_in_fit():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((32, 2)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=2.5), loss="mse")
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1,
                                            restore_best_weights=True)
    snapshots = []
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    history = model.fit(x, y, epochs=50, batch_size=32, verbose=0,
                        callbacks=[recorder, stopper])
    assert len(history.history["loss"]) < 50
    best = int(np.argmin(history.history["loss"]))
    for got, want in zip(model.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(got, want)


def test_flat_memory_over_many_epochs():
    import gc

    from kerasette.autograd import Tensor
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.1), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.ones((32, 4), "float32")

    def live_tensors():
        gc.collect()
        return sum(isinstance(o, Tensor) for o in gc.get_objects())

    model.fit(x, x[:, :1], epochs=5, batch_size=8, verbose=0)
    before = live_tensors()
    model.fit(x, x[:, :1], epochs=200, batch_size=8, verbose=0)
    assert live_tensors() - before < 20


def test_progress_bar_shows_keras_postfix(capsys):
    pytest.importorskip("tqdm")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=1)
    err = capsys.readouterr()
    text = err.out + err.err
    assert "Epoch 1/2" in text and "loss: " in text and "mae: " in text
    model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=2)
    text = "".join(capsys.readouterr())
    assert "2/2" in text and "loss: " in text


def test_same_seed_gives_bitwise_identical_weights():
    def run():
        keras.utils.set_random_seed(123)
        model = keras.Sequential([keras.Input((3,)), layers.Dense(5, activation="relu"),
                                  layers.Dropout(0.5), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        x = np.random.default_rng(0).standard_normal((40, 3))
        model.fit(x, x[:, :1], epochs=3, batch_size=8, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_keras2_backend_helpers_on_the_optimizer():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    keras.backend.set_value(model.optimizer.learning_rate, 0.001)
    assert np.isclose(keras.backend.get_value(model.optimizer.lr), 0.001)
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_fractional_steps_and_steps_beyond_a_sequence():
    class Batches(keras.utils.Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            x = np.full((4, 2), index, "float32")
            return x, x[:, :1]

    seen = []
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    model.fit(Batches(), steps_per_epoch=10 / 4, epochs=1, verbose=0, callbacks=[counter])
    assert seen == [0, 1, 2]  # ceil(2.5) steps, cycling past the Sequence's 2 batches
    with pytest.raises(ValueError, match="positive"):
        model.fit(Batches(), steps_per_epoch=0, verbose=0)


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_functional_layers_follow_keras_order(flavour):
    """``model.layers`` (and so the layer order of saved .h5 files) is Keras's: by depth
    from the inputs, ties by first meeting from the outputs. Orders written by real Keras
    3.15 and tf-keras 2.21 (tests/fixtures/make_keras_layer_orders.py)."""
    import json

    from helpers import FIXTURES, fixture_module

    build = fixture_module("layer_order_models").build
    expected = json.loads((FIXTURES / flavour / "layer_orders.json").read_text())
    for name, model in build(keras).items():
        assert [layer.name for layer in model.layers] == expected[name], name


def test_keras2_lstm_tutorial_summary_and_unbuilt_summary(capsys):
    """The classic Keras 2 LSTM tutorial: ``Embedding(..., input_length=)`` first builds the
    model, so ``summary()`` shows tf-keras's shapes and counts; without a known input the
    table is Keras 3's unbuilt one instead of an error."""
    model = keras.Sequential()
    model.add(keras.layers.Embedding(100, 8, input_length=10))
    model.add(keras.layers.LSTM(4))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.summary()
    text = capsys.readouterr().out
    for row in ("(None, 10, 8)", "800", "(None, 4)", "208", "(None, 1)", "Total params: 1,013"):
        assert row in text
    keras.Sequential([keras.layers.Embedding(100, 8), keras.layers.LSTM(4)]).summary()
    text = capsys.readouterr().out
    assert text.count("0 (unbuilt)") == 2 and "Total params: 0 " in text


def test_model_reset_states_clears_stateful_layers():
    """Keras 2's stateful time-series loop: fit on consecutive batches, then
    ``model.reset_states()`` so the next pass starts from zero states again."""
    rng = np.random.default_rng(3)
    x, y = rng.random((8, 5, 1)).astype("float32"), rng.random(8).astype("float32")
    model = keras.Sequential([keras.Input(batch_shape=(4, 5, 1)),
                              keras.layers.LSTM(3, stateful=True), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=4, shuffle=False, epochs=1, verbose=0)
    lstm = model.layers[0]
    assert lstm.states is not None
    model.reset_states()
    assert lstm.states is None
    from_zero = model.predict(x[:4], batch_size=4, verbose=0)
    carried = model.predict(x[:4], batch_size=4, verbose=0)  # starts where the last ended
    assert not np.allclose(from_zero, carried)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x[:4], batch_size=4, verbose=0), from_zero,
                               rtol=1e-6)


def test_inputs_are_cast_to_the_dtype_of_their_input_layer():
    """As Keras does: the text-generation tutorial's boolean one-hot arrays reach an LSTM
    as float32, and floats fed to an int32 Input become ids."""
    rng = np.random.default_rng(4)
    one_hot = np.eye(6, dtype=bool)[rng.integers(0, 6, (4, 5))]
    model = keras.Sequential([keras.Input((5, 6)), keras.layers.LSTM(3),
                              keras.layers.Dense(6, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    model.fit(one_hot, one_hot[:, 0], epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(one_hot, verbose=0),
                                  model.predict(one_hot.astype("float32"), verbose=0))
    ids = keras.Input((3,), dtype="int32")
    lookup = keras.Model(ids, keras.layers.Embedding(10, 2)(ids))
    np.testing.assert_array_equal(lookup.predict(np.array([[1.0, 2.0, 9.0]]), verbose=0),
                                  lookup.predict(np.array([[1, 2, 9]]), verbose=0))
