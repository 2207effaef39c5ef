"""Keras idioms around the data a model is trained on: 1-D targets against ``(N, 1)``
outputs, labels that are strings, misspelt names, tf-keras 2 metrics in ``.h5`` files,
and ``custom_object_scope``."""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

import kerasette as keras
from kerasette import layers, ops

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EPS = 1e-7


def recall_m(y_true, y_pred):
    """The blog-post recall: true positives / possible positives, over a batch."""
    true_positives = ops.sum(ops.round(ops.clip(y_true * y_pred, 0, 1)))
    possible_positives = ops.sum(ops.round(ops.clip(y_true, 0, 1)))
    return true_positives / (possible_positives + keras.backend.epsilon())


def recall_np(y, p) -> float:
    return float(np.sum(np.round(np.clip(y * p, 0, 1))) / (np.sum(y) + EPS))


def binary_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    return x, (x[:, 0] + 0.3 * x[:, 1] > 0).astype("float32")  # y of shape (n,)


def sigmoid_model(**compile_args):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", **compile_args)
    return model


# ------------------------------------------------ 1. ranks of y_true and y_pred aligned
def test_function_metric_on_1d_targets_matches_numpy_in_fit_and_evaluate():
    x, y = binary_data()
    model = sigmoid_model(loss="binary_crossentropy", metrics=[recall_m])
    before = model.predict(x, verbose=0)[:, 0]
    history = model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    # one batch: the logged value is the recall of the forward pass before the update
    np.testing.assert_allclose(history.history["recall_m"][0], recall_np(y, before),
                               rtol=1e-6)
    after = model.predict(x, verbose=0)[:, 0]
    loss, recall = model.evaluate(x, y, batch_size=16, verbose=0)
    per_batch = [recall_np(y[i:i + 16], after[i:i + 16]) for i in range(0, 64, 16)]
    np.testing.assert_allclose(recall, np.mean(per_batch), rtol=1e-6)
    assert 0.0 <= recall <= 1.0


def test_loss_subclass_and_metric_subclass_see_aligned_targets():
    class SquaredError(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_true - y_pred), axis=-1)

    class AbsoluteTotal(keras.metrics.Metric):
        def __init__(self, name="abs_total"):
            super().__init__(name=name)
            self.total = self.add_variable((), "zeros", name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(ops.sum(ops.abs(y_true - y_pred)).data)

        def result(self):
            return self.total.value

    x, y = binary_data(n=32)
    model = sigmoid_model(loss=SquaredError(), metrics=[AbsoluteTotal()])
    p = model.predict(x, verbose=0)[:, 0]
    loss, total = model.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_allclose(loss, np.mean((y - p) ** 2), rtol=1e-5)
    np.testing.assert_allclose(total, np.sum(np.abs(y - p)), rtol=1e-5)


def test_targets_n_by_1_against_rank_1_outputs():
    def abs_error(y_true, y_pred):
        return ops.abs(y_true - y_pred)

    inputs = keras.Input((4,))
    outputs = layers.Reshape(())(layers.Dense(1)(inputs))  # predictions of shape (N,)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse", metrics=[abs_error])
    x, y = binary_data(n=24)
    y = y[:, None]
    p = model.predict(x, verbose=0)
    assert p.shape == (24,)
    loss, error = model.evaluate(x, y, batch_size=24, verbose=0)
    np.testing.assert_allclose(loss, np.mean((y[:, 0] - p) ** 2), rtol=1e-5)
    np.testing.assert_allclose(error, np.mean(np.abs(y[:, 0] - p)), rtol=1e-5)


def test_builtin_metric_objects_and_weighted_metrics_on_1d_targets():
    x, y = binary_data(n=40)
    weights = np.linspace(0.5, 2.0, 40).astype("float32")
    model = sigmoid_model(loss="mse", metrics=[keras.metrics.BinaryAccuracy()],
                          weighted_metrics=["mae"])
    p = model.predict(x, verbose=0)[:, 0]
    logs = model.evaluate(x, y, sample_weight=weights, batch_size=40, verbose=0,
                          return_dict=True)
    np.testing.assert_allclose(logs["binary_accuracy"], np.mean((p > 0.5) == y), rtol=1e-6)
    np.testing.assert_allclose(logs["mae"], np.sum(weights * np.abs(y - p)) / weights.sum(),
                               rtol=1e-5)


# ------------------------------------------------------------ 2. labels that are strings
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "binary_crossentropy"])
@pytest.mark.parametrize("dtype", [str, object])
def test_string_labels_give_an_error_naming_y_and_what_was_expected(loss, dtype):
    x = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    y = np.array(["cat", "dog"] * 4, dtype=dtype)
    units = 2 if loss.startswith("sparse") else 1
    model = keras.Sequential([keras.Input((3,)), layers.Dense(units, activation="sigmoid")])
    model.compile(optimizer="adam", loss=loss)
    with pytest.raises(ValueError) as caught:
        model.fit(x, y, verbose=0)
    message = str(caught.value)
    for part in ("`y`", "'cat'", loss, "integer class ids", "np.unique"):
        assert part in message
    assert "invalid literal" not in message and "could not convert" not in message


def test_the_error_names_the_compiled_loss_when_the_adapter_is_told():
    from kerasette.models.data import make_adapter

    with pytest.raises(ValueError, match="the loss 'sparse_categorical_crossentropy' "
                                         "expects integer class ids"):
        make_adapter(np.zeros((4, 2)), np.array(list("abab")),
                     loss="sparse_categorical_crossentropy")


def test_string_inputs_to_a_dense_model_name_x():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"`x` holds non-numeric values \(dtype <U1"):
        model.fit(np.array([["a", "b", "c"]] * 8), np.zeros(8), verbose=0)


def test_object_arrays_of_numbers_still_train():
    x, y = binary_data(n=16)
    model = sigmoid_model(loss="binary_crossentropy")
    expected = model.evaluate(x, y, verbose=0)
    got = model.evaluate(x.astype(object), y.astype(object), verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# -------------------------------------------------------------- 3. misspelt names
def listed(message: str) -> set:
    names = message.split("Expected one of:")[1].split(", or a callable")[0]
    return {n.strip() for n in names.split(",")}


def test_misspelt_optimizer_suggests_the_closest_name():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError) as caught:
        model.compile(optimizer="adm", loss="mse")
    assert str(caught.value).startswith(
        "Could not interpret optimizer identifier: 'adm'. Did you mean 'adam'?")


@pytest.mark.parametrize("get, typo, closest", [
    (keras.losses.get, "binary_crosentropy", "binary_crossentropy"),
    (keras.metrics.get, "acuracy", "accuracy"),
    (keras.activations.get, "rellu", "relu"),
    (keras.initializers.get, "glorot_unifrom", "glorot_uniform"),
    (keras.regularizers.get, "l1_l3", "l1_l2"),
    (keras.constraints.get, "non_negg", "non_neg"),
])
def test_misspelt_names_suggest_and_list_no_internals(get, typo, closest):
    with pytest.raises(ValueError) as caught:
        get(typo)
    message = str(caught.value)
    assert f"identifier: {typo!r}. Did you mean {closest!r}?" in message
    names = listed(message)
    assert closest in names
    assert not names & {"Loss", "LossFunctionWrapper", "Metric", "MeanMetricWrapper"}


def test_compile_with_misspelt_loss_and_metric():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Did you mean 'mean_squared_error'"):
        model.compile(optimizer="adam", loss="mean_sqared_error")
    with pytest.raises(ValueError, match="Did you mean 'mean_absolute_error'"):
        model.compile(optimizer="adam", loss="mse", metrics=["mean_absolut_error"])
    with pytest.raises(ValueError, match="Did you mean 'binary_accuracy'"):
        model.compile(optimizer="adam", loss="mse", weighted_metrics={"dense": "binary_acc"})


def test_misspelt_layer_class_in_a_config():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    config = json.loads(model.to_json())
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "Dense":
            entry["class_name"] = "Dens"
    with pytest.raises(ValueError, match="Unknown layer class 'Dens'. Did you mean 'Dense'?"):
        keras.models.model_from_json(json.dumps(config))


# ------------------------------------------------------- 4. tf-keras 2 metrics in .h5
def labelled_mlp_data():
    data = np.load(FIXTURES / "tf_keras" / "mlp.npz")
    labels = np.random.default_rng(3).integers(0, 3, len(data["x0"]))
    return data["x0"], labels


def test_tf_keras_file_with_metrics_evaluates_and_keeps_training():
    model = keras.models.load_model(FIXTURES / "tf_keras" / "mlp.h5")
    x, labels = labelled_mlp_data()
    predictions = model.predict(x, verbose=0)
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy"]
    np.testing.assert_allclose(logs["accuracy"], np.mean(predictions.argmax(-1) == labels))
    picked = predictions[np.arange(len(labels)), labels]
    np.testing.assert_allclose(logs["loss"], -np.mean(np.log(picked)), rtol=1e-5)
    history = model.fit(x, labels, epochs=2, batch_size=32, verbose=0)
    assert len(history.history["accuracy"]) == 2
    after = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.evaluate(x, labels, verbose=0)[1],
                               np.mean(after.argmax(-1) == labels))


def rewrite_training_config(source: Path, target: Path, **changes) -> None:
    shutil.copy(source, target)
    with h5py.File(target, "r+") as f:
        config = json.loads(f.attrs["training_config"])
        config.update(changes)
        f.attrs["training_config"] = json.dumps(config)


def test_per_output_metric_lists_of_names_and_weighted_metrics(tmp_path):
    path = tmp_path / "mlp.h5"
    weighted = {"class_name": "MeanMetricWrapper",
                "config": {"name": "weighted_acc", "dtype": "float32",
                           "fn": "sparse_categorical_accuracy"}}
    rewrite_training_config(FIXTURES / "tf_keras" / "mlp.h5", path,
                            metrics=[["accuracy"]], weighted_metrics=[[weighted]])
    model = keras.models.load_model(path)
    x, labels = labelled_mlp_data()
    weights = np.linspace(0.1, 1.0, len(labels)).astype("float32")
    hits = model.predict(x, verbose=0).argmax(-1) == labels
    logs = model.evaluate(x, labels, sample_weight=weights, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["accuracy"], np.mean(hits), rtol=1e-6)
    np.testing.assert_allclose(logs["weighted_acc"], np.sum(weights * hits) / weights.sum(),
                               rtol=1e-6)


def test_per_output_metric_lists_of_a_two_output_model(tmp_path):
    path = tmp_path / "functional.h5"
    rewrite_training_config(FIXTURES / "tf_keras" / "functional.h5", path,
                            metrics=[["mae"], ["accuracy"]])
    model = keras.models.load_model(path)
    data = np.load(FIXTURES / "tf_keras" / "functional.npz")
    x = [data["x0"], data["x1"]]
    targets = [np.zeros((32, 1), "float32"), np.arange(32) % 3]
    regression, classes = model.predict(x, verbose=0)
    logs = model.evaluate(x, targets, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["regression_mae"], np.mean(np.abs(regression)), rtol=1e-5)
    np.testing.assert_allclose(logs["classes_accuracy"],
                               np.mean(classes.argmax(-1) == targets[1]), rtol=1e-6)


# ---------------------------------------------------------------- 5. custom object scope
def doubled_relu(x):
    return ops.relu(x) * 2.0


def scaled_mse(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1) * 3.0


class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_scope_is_exported_where_keras_3_has_it():
    assert keras.utils.custom_object_scope is keras.utils.CustomObjectScope
    assert keras.saving.custom_object_scope is keras.saving.CustomObjectScope
    assert keras.utils.CustomObjectScope is keras.saving.CustomObjectScope
    with keras.utils.custom_object_scope({"recall_m": recall_m}) as scope:
        assert scope.custom_objects == {"recall_m": recall_m}
        assert keras.saving.get_registered_object("recall_m") is recall_m
    assert keras.utils.get_registered_object("recall_m") is None


def test_load_model_finds_objects_of_the_scope(tmp_path):
    x, y = binary_data(n=16)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation=doubled_relu),
                              Scale(0.5), layers.Dense(1)])
    model.compile(optimizer="adam", loss=scaled_mse, metrics=[recall_m])
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "custom.h5"
    model.save(path)
    with pytest.raises(ValueError):
        keras.models.load_model(path)
    objects = {"doubled_relu": doubled_relu, "scaled_mse": scaled_mse, "recall_m": recall_m,
               "Scale": Scale}
    with keras.utils.custom_object_scope(objects):
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    p = loaded.predict(x, verbose=0)
    loss, recall = loaded.evaluate(x, y, batch_size=16, verbose=0)
    np.testing.assert_allclose(loss, 3.0 * np.mean((y - p[:, 0]) ** 2), rtol=1e-5)
    np.testing.assert_allclose(recall, recall_np(y, p[:, 0]), rtol=1e-6)
    # custom_objects= reaches the activation inside Dense too
    again = keras.models.load_model(path, custom_objects=objects)
    np.testing.assert_allclose(again.predict(x, verbose=0), p, rtol=1e-6)


def test_scope_reaches_every_deserializer():
    with keras.saving.custom_object_scope({"doubled_relu": doubled_relu,
                                           "scaled_mse": scaled_mse, "recall_m": recall_m,
                                           "Scale": Scale}):
        assert keras.activations.get("doubled_relu") is doubled_relu
        assert keras.losses.get("scaled_mse") is scaled_mse
        assert keras.metrics.get("recall_m") is recall_m
        layer = keras.layers.deserialize({"class_name": "Scale", "config": {"factor": 3.0}})
        dense = layers.Dense(2, activation="doubled_relu")
    assert isinstance(layer, Scale) and layer.factor == 3.0
    assert dense.activation is doubled_relu
    for get, name in ((keras.activations.get, "doubled_relu"),
                      (keras.losses.get, "scaled_mse"), (keras.metrics.get, "recall_m")):
        with pytest.raises(ValueError):
            get(name)


def test_scopes_nest_and_are_undone_after_an_exception():
    def first(y_true, y_pred):
        return y_pred

    def second(y_true, y_pred):
        return y_true

    with keras.utils.CustomObjectScope({"pick": first}):
        with keras.utils.CustomObjectScope({"pick": second}):
            assert keras.losses.get("pick") is second
        assert keras.losses.get("pick") is first
        with pytest.raises(RuntimeError):
            with keras.utils.custom_object_scope({"pick": second, "other": second}):
                raise RuntimeError("boom")
        assert keras.losses.get("pick") is first
        with pytest.raises(ValueError):
            keras.losses.get("other")
    with pytest.raises(ValueError):
        keras.losses.get("pick")
