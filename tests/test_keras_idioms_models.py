"""Keras idioms at the model level: weight penalties counted once in ``model.losses``,
``layer.input`` / ``layer.output`` in a Sequential built with ``add``, and the Keras 1
argument names (``Model(input=...)``, ``nb_epoch``, ``samples_per_epoch``)."""

import math
import warnings

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers

L2 = 1e-3


def data(n=8, features=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, features)).astype("float32"),
            rng.standard_normal((n, 1)).astype("float32"))


def penalized_dense(units=3, **kwargs):
    return layers.Dense(units, kernel_regularizer=keras.regularizers.l2(L2), **kwargs)


def l2_term(layer) -> float:
    kernel = layer.get_weights()[0].astype("float64")
    return L2 * float(np.sum(kernel ** 2))


def values(losses) -> list[float]:
    return [float(t.numpy()) for t in losses]


# ---------------------------------------------------------------- 1. model.losses, once
def test_sequential_losses_hold_each_weight_penalty_once():
    dense = penalized_dense()
    model = keras.Sequential([keras.Input((4,)), dense, layers.Dense(1)])
    assert len(model.losses) == 1
    np.testing.assert_allclose(values(model.losses), [l2_term(dense)], rtol=1e-5)


def test_sequential_built_with_add_and_input_shape_counts_the_penalty_once():
    model = keras.Sequential()
    model.add(penalized_dense(input_shape=(4,)))
    model.add(penalized_dense(2))
    model.add(layers.Dense(1))
    expected = [l2_term(model.layers[0]), l2_term(model.layers[1])]
    np.testing.assert_allclose(values(model.losses), expected, rtol=1e-5)


def test_functional_model_losses_hold_each_penalty_once():
    inputs = keras.Input((4,))
    dense = penalized_dense()
    model = keras.Model(inputs, layers.Dense(1)(dense(inputs)))
    np.testing.assert_allclose(values(model.losses), [l2_term(dense)], rtol=1e-5)


@pytest.mark.parametrize("outer", ["functional", "sequential"])
def test_nested_model_penalty_counted_once(outer):
    inner = keras.Sequential([keras.Input((4,)), penalized_dense(), layers.Dense(2)])
    last = penalized_dense(1)
    if outer == "functional":
        inputs = keras.Input((4,))
        model = keras.Model(inputs, last(inner(inputs)))
    else:
        model = keras.Sequential([keras.Input((4,)), inner, last])
    expected = [l2_term(inner.layers[0]), l2_term(last)]
    np.testing.assert_allclose(sorted(values(model.losses)), sorted(expected), rtol=1e-5)
    np.testing.assert_allclose(values(inner.losses), expected[:1], rtol=1e-5)


def test_gradient_tape_loop_with_sum_of_losses_gets_the_penalty_gradient_once():
    x, y = data()
    dense = penalized_dense()
    model = keras.Sequential([keras.Input((4,)), dense])
    with keras.GradientTape() as tape:
        penalty = sum(model.losses)
    kernel_gradient = tape.gradient(penalty, [dense.kernel])[0].numpy()
    np.testing.assert_allclose(kernel_gradient, 2 * L2 * dense.get_weights()[0], rtol=1e-5)


def test_fit_loss_includes_the_penalty_once():
    x, y = data()
    model = keras.Sequential()
    model.add(penalized_dense(input_shape=(4,), activation="tanh"))
    model.add(layers.Dense(1))
    kernel, bias, kernel2, bias2 = [w.astype("float64") for w in model.get_weights()]
    prediction = np.tanh(x @ kernel + bias) @ kernel2 + bias2
    expected = np.mean((prediction - y) ** 2) + L2 * np.sum(kernel ** 2)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)


# ---------------------------------------------- 2. layer.input / layer.output in a stack
def stack_built_with_add(first_kwargs):
    model = keras.Sequential()
    model.add(layers.Dense(8, activation="relu", **first_kwargs))
    model.add(layers.Dense(6, activation="tanh"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(5))
    model.add(layers.Dense(1))
    return model


@pytest.mark.parametrize("first_kwargs", [{"input_shape": (4,)}, {"input_dim": 4}])
def test_layer_output_shapes_of_a_stack_built_with_add(first_kwargs):
    x, y = data()
    model = stack_built_with_add(first_kwargs)
    shapes = [(None, 8), (None, 6), (None, 6), (None, 5), (None, 1)]
    assert [layer.output.shape for layer in model.layers] == shapes
    assert [layer.input.shape for layer in model.layers] == [(None, 4)] + shapes[:-1]
    assert [layer.output_shape for layer in model.layers] == shapes
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert [layer.output.shape for layer in model.layers] == shapes
    assert model.layers[0].input is model.input


def test_feature_extraction_model_from_a_stack_built_with_add():
    x, y = data(n=16)
    model = stack_built_with_add({"input_shape": (4,)})
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    features = keras.Model(model.layers[0].input, model.layers[3].output)
    assert features.output.shape == (None, 5)
    k1, b1, k2, b2, k3, b3 = model.get_weights()[:6]
    by_hand = np.tanh(np.maximum(x @ k1 + b1, 0) @ k2 + b2) @ k3 + b3  # dropout: inference
    np.testing.assert_allclose(features.predict(x, verbose=0), by_hand, rtol=1e-5, atol=1e-6)


def test_pop_and_add_keep_layer_outputs_defined():
    model = stack_built_with_add({"input_dim": 4})
    model.pop()
    model.add(layers.Dense(3))
    assert [layer.output.shape[-1] for layer in model.layers] == [8, 6, 6, 5, 3]
    assert model.output is model.layers[-1].output


def test_get_output_at_and_get_input_at_node_zero():
    model = stack_built_with_add({"input_shape": (4,)})
    for layer in model.layers:
        assert layer.get_output_at(0) is layer.output
        assert layer.get_input_at(0) is layer.input
    assert model.layers[1].get_input_at(0) is model.layers[0].get_output_at(0)


def test_get_output_at_a_missing_node_names_the_layer():
    model = stack_built_with_add({"input_shape": (4,)})
    dense = model.layers[1]
    with pytest.raises(ValueError, match=dense.name):
        dense.get_output_at(1)
    with pytest.raises(ValueError, match=dense.name):
        dense.get_input_at(3)


# ------------------------------------------------------------ 3. Keras 1 argument names
def recorded(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, caught


def keras1_warnings(caught, new_name: str) -> list:
    found = [w for w in caught if issubclass(w.category, UserWarning)
             and f"{new_name}=" in str(w.message)]
    assert found, [str(w.message) for w in caught]
    return found


def test_model_input_output_keywords_warn_at_the_callers_line():
    x, _ = data()
    inputs = keras.Input((4,))
    outputs = layers.Dense(2)(inputs)
    model, caught = recorded(lambda: keras.Model(input=inputs, output=outputs))
    (warning,) = keras1_warnings(caught, "inputs")
    assert "outputs=" in str(warning.message)
    assert warning.filename == __file__
    reference = keras.Model(inputs=inputs, outputs=outputs)
    np.testing.assert_allclose(model.predict(x, verbose=0), reference.predict(x, verbose=0))


def test_model_with_old_and_new_input_spellings_is_a_type_error():
    inputs = keras.Input((4,))
    outputs = layers.Dense(2)(inputs)
    with pytest.raises(TypeError, match="inputs"):
        keras.Model(inputs=inputs, input=inputs, outputs=outputs)
    with pytest.raises(TypeError, match="outputs"):
        keras.Model(inputs, outputs, output=outputs)


def test_fit_nb_epoch_trains_that_many_epochs_with_a_warning():
    x, y = data()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history, caught = recorded(lambda: model.fit(x, y, nb_epoch=3, verbose=0))
    assert len(history.history["loss"]) == 3
    (warning,) = keras1_warnings(caught, "epochs")
    assert warning.filename == __file__
    with pytest.raises(TypeError, match="epochs"):
        model.fit(x, y, epochs=1, nb_epoch=3, verbose=0)
    with pytest.raises(TypeError, match="epochs"):
        model.fit(x, y, None, 1, nb_epoch=3, verbose=0)  # epochs given by position


class CountingBatches(keras.utils.Sequence):
    """Batches of ``batch_size`` rows; counts how many were read."""

    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size, self.reads = x, y, batch_size, 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        self.reads += 1
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def test_fit_generator_samples_per_epoch_becomes_batches():
    x, y = data(n=40)
    train, validation = CountingBatches(x, y, 4), CountingBatches(x, y, 8)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history, caught = recorded(lambda: model.fit_generator(
        train, samples_per_epoch=10, nb_epoch=2, validation_data=validation,
        nb_val_samples=16, verbose=0))
    assert len(history.history["val_loss"]) == 2
    assert train.reads == 2 * 3 and validation.reads == 2 * 2  # ceil(10/4), 16/8
    (warning,) = keras1_warnings(caught, "steps_per_epoch")
    message = str(warning.message)
    assert "epochs=" in message and "validation_steps=" in message
    assert warning.filename == __file__
    deprecated = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert deprecated and all(w.filename == __file__ for w in deprecated)


def test_fit_generator_samples_per_epoch_without_a_batch_size_is_refused():
    x, y = data()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches = ((x, y) for _ in range(100))
    with pytest.raises(TypeError, match="steps_per_epoch"):
        model.fit_generator(batches, samples_per_epoch=16, verbose=0)
    with pytest.raises(TypeError, match="steps_per_epoch"):
        model.fit_generator(CountingBatches(x, y, 4), steps_per_epoch=2,
                            samples_per_epoch=8, verbose=0)


def test_evaluate_generator_val_samples_becomes_steps():
    x, y = data(n=40)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches = CountingBatches(x, y, 8)
    loss, caught = recorded(lambda: model.evaluate_generator(batches, val_samples=16,
                                                             verbose=0))
    assert batches.reads == 2
    prediction = model.predict(x[:16], verbose=0)
    np.testing.assert_allclose(loss, np.mean((prediction - y[:16]) ** 2), rtol=1e-5)
    (warning,) = keras1_warnings(caught, "steps")
    assert warning.filename == __file__
