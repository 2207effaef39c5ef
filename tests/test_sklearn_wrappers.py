"""scikit-learn wrappers: Keras 3's SKLearn* and Keras 2's KerasClassifier/KerasRegressor
inside Pipeline, cross_val_score, GridSearchCV and clone, with real numbers."""

import importlib
import sys

import numpy as np
import pytest

import kerasette as keras

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score  # noqa
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from kerasette.wrappers import (SKLearnClassifier, SKLearnRegressor,  # noqa: E402
                                SKLearnTransformer)
from kerasette.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402

QUIET = {"epochs": 30, "batch_size": 16, "verbose": 0}


def blobs(n=150, classes=3, seed=0):
    """Separable Gaussian blobs, centred far from the origin so the scaler matters."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (classes, 4)) + 10
    y = np.arange(n) % classes
    x = centres[y] + rng.normal(0, 0.6, (n, 4))
    return x.astype("float32"), y


def make_classifier(X, y, units=8, loss="categorical_crossentropy"):
    keras.utils.set_random_seed(0)  # every fit starts alike, whatever ran before
    width = 1 if loss == "binary_crossentropy" else y.shape[1]  # y arrives one-hot
    model = keras.Sequential([keras.Input((X.shape[1],)),
                              keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(width, activation="softmax" if width > 1
                                                 else "sigmoid")])
    model.compile(keras.optimizers.Adam(0.05), loss, metrics=["accuracy"])
    return model


def classifier(**model_kwargs):
    return SKLearnClassifier(make_classifier, model_kwargs=model_kwargs or None,
                             fit_kwargs=dict(QUIET))


def test_pipeline_with_scaler_separates_blobs():
    X, y = blobs()
    pipe = make_pipeline(StandardScaler(), classifier()).fit(X, y)
    assert pipe.score(X, y) >= 0.95
    proba = pipe.predict_proba(X[:5])
    assert proba.shape == (5, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(pipe[-1].classes_, [0, 1, 2])
    assert pipe[-1].n_features_in_ == 4 and isinstance(pipe[-1].history_, dict)


def test_cross_val_score_equals_accuracy_of_each_fold_by_hand():
    X, y = blobs()
    clf = make_pipeline(StandardScaler(), classifier(units=4))
    scores = cross_val_score(clf, X, y, cv=3)
    by_hand = []
    for train, test in StratifiedKFold(3).split(X, y):
        fold = clone(clf).fit(X[train], y[train])
        by_hand.append(np.mean(fold.predict(X[test]) == y[test]))
    np.testing.assert_allclose(scores, by_hand)
    assert scores.mean() > 0.9


def test_grid_search_picks_the_larger_model_and_averages_its_folds():
    X, y = blobs(n=90)
    grid = GridSearchCV(classifier(), cv=3, param_grid=[
        {"model_kwargs": [{"units": 1}], "fit_kwargs": [{"epochs": 1, "verbose": 0}]},
        {"model_kwargs": [{"units": 16}], "fit_kwargs": [dict(QUIET)]},
    ]).fit(StandardScaler().fit_transform(X), y)
    assert grid.best_params_["model_kwargs"] == {"units": 16}
    best = grid.best_index_
    folds = [grid.cv_results_[f"split{i}_test_score"][best] for i in range(3)]
    assert grid.best_score_ == pytest.approx(np.mean(folds))
    assert grid.best_score_ > 0.9


def test_string_labels_round_trip_and_sparse_loss_gets_integer_codes():
    X, y = blobs()
    names = np.array(["emu", "cat", "dog"])[y]
    clf = SKLearnClassifier(make_classifier, fit_kwargs=dict(QUIET),
                            model_kwargs={"loss": "sparse_categorical_crossentropy"})
    clf.fit(StandardScaler().fit_transform(X), names)
    assert clf.model_._compile_state.loss_spec == "sparse_categorical_crossentropy"
    X = StandardScaler().fit_transform(X)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    predicted = clf.predict(X)
    assert predicted.dtype.kind == "U" and set(predicted) <= set(names)
    assert clf.score(X, names) >= 0.9


def test_binary_sigmoid_classifier_gives_two_probability_columns():
    X, y = blobs(classes=2)
    labels = np.where(y == 1, "yes", "no")
    clf = SKLearnClassifier(make_classifier, fit_kwargs=dict(QUIET),
                            model_kwargs={"loss": "binary_crossentropy"})
    clf.fit(StandardScaler().fit_transform(X), labels)
    proba = clf.predict_proba(StandardScaler().fit_transform(X))
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert clf.score(StandardScaler().fit_transform(X), labels) >= 0.95


def test_model_instance_is_cloned_unless_warm_start():
    X, y = blobs()
    X = StandardScaler().fit_transform(X)
    model = make_classifier(X, np.eye(3)[y])
    before = [w.copy() for w in model.get_weights()]
    clf = SKLearnClassifier(model, fit_kwargs=dict(QUIET)).fit(X, y)
    assert clf.model_ is not model and clf.score(X, y) >= 0.9
    assert clone(clf).fit(X, y).score(X, y) == pytest.approx(clf.score(X, y))
    assert sklearn.base.is_classifier(clf)
    assert sklearn.base.is_regressor(SKLearnRegressor(model))
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    warm = SKLearnClassifier(model, warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0})
    warm.fit(X, y)
    assert warm.model_ is model
    first = warm.model_
    warm.fit(X, y)
    assert warm.model_ is first


def test_regressor_fits_a_linear_problem():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)).astype("float32")
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.1 * rng.normal(size=200)

    def linear(X, y):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.Adam(0.1), "mse")
        return model

    reg = SKLearnRegressor(linear, fit_kwargs={"epochs": 40, "batch_size": 32, "verbose": 0})
    reg.fit(X, y)
    assert reg.predict(X).shape == (200,)
    assert reg.score(X, y) > 0.9


def test_transformer_output_is_the_model_prediction():
    X, _ = blobs(n=60)
    X = StandardScaler().fit_transform(X)

    def encoder(X, y):
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(2),
                                  keras.layers.Dense(y.shape[1])])
        model.compile("adam", "mse")
        return model

    tf = SKLearnTransformer(encoder, fit_kwargs={"epochs": 2, "verbose": 0})
    out = tf.fit_transform(X)  # y=None: trained as an autoencoder
    assert out.shape == (60, 4)
    np.testing.assert_allclose(out, tf.model_.predict(X.astype("float32"), verbose=0))
    assert tf.fit(X, X[:, :3]).transform(X).shape == (60, 3)


def test_get_params_set_params_and_clone():
    clf = classifier(units=5)
    params = clf.get_params()
    assert params == {"model": make_classifier, "warm_start": False,
                      "model_kwargs": {"units": 5}, "fit_kwargs": QUIET}
    clf.set_params(model_kwargs={"units": 7}, warm_start=True)
    copy = clone(clf)
    assert copy.get_params()["model_kwargs"] == {"units": 7} and copy.warm_start
    assert copy.model_kwargs is not clf.model_kwargs
    assert not hasattr(copy, "model_")
    with pytest.raises(sklearn.exceptions.NotFittedError):
        copy.predict(np.zeros((1, 4)))


def keras2_model(units=8, activation="relu"):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_keras2_classifier_routes_sk_params():
    X, y = blobs()
    X = StandardScaler().fit_transform(X)
    labels = np.array(["a", "b", "c"])[y]
    clf = KerasClassifier(build_fn=keras2_model, units=6, **QUIET)
    history = clf.fit(X, labels)
    assert len(history.history["loss"]) == 30  # epochs went to fit
    assert clf.model.layers[0].units == 6  # units went to build_fn
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    assert clf.predict_proba(X).shape == (len(X), 3)
    accuracy = clf.model.evaluate(X, np.eye(3)[y], verbose=0, return_dict=True)["accuracy"]
    assert clf.score(X, labels) == pytest.approx(accuracy) and accuracy >= 0.9
    assert clf.get_params() == {"build_fn": keras2_model, "units": 6, **QUIET}
    assert sklearn.base.is_classifier(clf)
    assert clone(clf).set_params(units=3).get_params()["units"] == 3
    with pytest.raises(ValueError, match="nonsense is not a legal parameter"):
        KerasClassifier(build_fn=keras2_model, nonsense=1)
    scores = cross_val_score(KerasClassifier(build_fn=keras2_model, **QUIET), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85


def test_keras2_binary_proba_and_regressor_score():
    X, y = blobs(classes=2)
    X = StandardScaler().fit_transform(X)

    def binary():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, "sigmoid")])
        model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy",
                      metrics=["accuracy"])
        return model

    clf = KerasClassifier(binary, **QUIET)
    clf.fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 2) and clf.score(X, y) >= 0.95
    reg = KerasRegressor(build_fn=lambda: _linear_model(), **QUIET)
    reg.fit(X, X.sum(axis=1))
    loss = reg.model.evaluate(X, X.sum(axis=1), verbose=0)
    assert reg.score(X, X.sum(axis=1)) == pytest.approx(-loss)
    assert reg.predict(X).shape == (len(X),)


def _linear_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    return model


def test_missing_sklearn_names_the_extra(monkeypatch):
    import kerasette.wrappers as wrappers

    monkeypatch.setitem(sys.modules, "sklearn", None)
    for name in ("sklearn_wrapper", "scikit_learn"):
        monkeypatch.delitem(sys.modules, f"kerasette.wrappers.{name}", raising=False)
        monkeypatch.delattr(wrappers, name, raising=False)
    monkeypatch.delattr(wrappers, "SKLearnClassifier", raising=False)
    with pytest.raises(ImportError, match=r'pip install "kerasette\[sklearn\]"'):
        wrappers.SKLearnClassifier
    with pytest.raises(ImportError, match=r"kerasette\[sklearn\]"):
        importlib.import_module("kerasette.wrappers.scikit_learn")
