"""Keras 3's scikit-learn wrappers: ``SKLearnClassifier``, ``SKLearnRegressor``,
``SKLearnTransformer``.

Each wraps a compiled kerasette model, or a callable ``model(X=X, y=y, **model_kwargs)``
that returns one, as a scikit-learn estimator: ``Pipeline``, ``cross_val_score``,
``GridSearchCV`` and ``clone`` work on it. The constructor stores its arguments verbatim,
as scikit-learn's ``BaseEstimator`` rules require; all work happens in ``fit``.
"""

from __future__ import annotations

import numpy as np

from ._sklearn import require_sklearn

require_sklearn("kerasette.wrappers.SKLearnClassifier")

from sklearn.base import (BaseEstimator, ClassifierMixin, RegressorMixin,  # noqa: E402
                          TransformerMixin)
from sklearn.utils.multiclass import type_of_target  # noqa: E402
from sklearn.utils.validation import check_array, check_is_fitted  # noqa: E402

from .. import backend  # noqa: E402

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def _clone_compiled(model):
    """A fresh copy of ``model`` (new weights), compiled as ``model`` was."""
    from ..models import clone_model

    if not model.compiled:
        raise RuntimeError(f"The model '{model.name}' passed to a scikit-learn wrapper must "
                           "be compiled; call `model.compile(...)` before wrapping it.")
    state = model._compile_state
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    clone = clone_model(model)
    clone.compile(optimizer=optimizer, loss=state.loss_spec,
                  loss_weights=state.loss_weights_spec,
                  metrics=_fresh_metrics(state.metrics_spec),
                  weighted_metrics=_fresh_metrics(state.weighted_metrics_spec))
    return clone


def _fresh_metrics(spec):
    """The same metric spec with every stateful ``Metric`` object replaced by a new one."""
    from ..metrics import Metric

    if isinstance(spec, Metric):
        return type(spec).from_config(spec.get_config())
    if isinstance(spec, (list, tuple)):
        return [_fresh_metrics(item) for item in spec]
    if isinstance(spec, dict):
        return {key: _fresh_metrics(value) for key, value in spec.items()}
    return spec


def _loss_name(model) -> str:
    spec = model._compile_state.loss_spec
    if isinstance(spec, str):
        return spec
    return str(getattr(spec, "name", None) or getattr(spec, "__name__", type(spec).__name__))


class _SKLBase(BaseEstimator):
    """What the three wrappers share: model construction, input checks, ``fit``."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _check_X(self, X, reset: bool) -> np.ndarray:
        X = check_array(X, dtype=[np.float32, np.float64], ensure_2d=False, allow_nd=True)
        if reset:
            self.n_features_in_ = X.shape[1] if X.ndim > 1 else 1
        elif X.ndim > 1 and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} was "
                             f"fitted with {self.n_features_in_} features.")
        return X.astype(backend.floatx(), copy=False)

    def _get_model(self, X, y):
        """The model to train: the previous one (warm start), the callable's, or a clone."""
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        from ..models import Model

        if not isinstance(self.model, Model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        elif self.warm_start:
            model = self.model
        else:
            model = _clone_compiled(self.model)
        if not getattr(model, "compiled", False):
            raise RuntimeError(f"{type(self).__name__}: the model must be compiled; make "
                               "the `model` callable return `model` after "
                               "`model.compile(...)`.")
        return model

    def _fit_model(self, model, X, target, kwargs):
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)  # arguments given to fit() win, as in Keras
        self.history_ = model.fit(X, target, **fit_kwargs).history
        self.model_ = model
        return self

    def _predict_raw(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict(self._check_X(X, reset=False), verbose=0)


class SKLearnClassifier(ClassifierMixin, _SKLBase):
    """scikit-learn classifier around a compiled Keras model.

    Labels may be anything ``np.unique`` sorts (strings included); ``classes_`` holds
    them. The model trains on the encoding its loss expects: integer codes for a
    ``sparse_*`` loss, a 0/1 column for a single (sigmoid) output, one-hot otherwise.
    A ``model`` callable receives ``X`` and the one-hot ``y``, as in Keras 3.

    Args:
        model: a compiled ``Model`` (cloned, with fresh weights, at every ``fit`` unless
            ``warm_start``), or a callable ``model(X=X, y=y, **model_kwargs)`` returning one.
        warm_start: bool (default False): reuse ``model_`` and its weights on the next fit.
        model_kwargs: dict (default None): keyword arguments for a ``model`` callable.
        fit_kwargs: dict (default None): keyword arguments for ``model.fit``; those given
            to ``fit`` itself take precedence.

    Attributes: ``model_`` (the fitted model), ``history_`` (``History.history``),
    ``classes_``, ``n_features_in_``. ``score`` is the mean accuracy.

    Example:

    >>> clf = SKLearnClassifier(make_model, model_kwargs={"units": 8},
    ...                         fit_kwargs={"epochs": 20, "verbose": 0})  # doctest: +SKIP
    >>> clf.fit(X, y).predict(X[:3])  # doctest: +SKIP
    """

    def fit(self, X, y, **kwargs):
        X = self._check_X(X, reset=True)
        y = np.asarray(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"SKLearnClassifier supports binary and multiclass targets; "
                             f"received a {kind!r} target of shape {y.shape}.")
        classes, codes = np.unique(y.reshape(-1), return_inverse=True)
        if len(classes) < 2:
            raise ValueError("SKLearnClassifier can't train on a target with only one "
                             f"class ({classes[0]!r}).")
        if not (self.warm_start and hasattr(self, "model_")):
            self.classes_ = classes
        elif not np.array_equal(classes, self.classes_):
            raise ValueError(f"warm_start fit saw classes {classes.tolist()} but the model "
                             f"was trained on {self.classes_.tolist()}.")
        onehot = np.eye(len(classes), dtype=backend.floatx())[codes]
        model = self._get_model(X, onehot)
        return self._fit_model(model, X, self._target(model, X, codes, onehot), kwargs)

    def _target(self, model, X, codes, onehot) -> np.ndarray:
        if "sparse" in _loss_name(model).lower():
            return codes.astype("int32")
        width = np.shape(model.predict(X[:1], verbose=0))[-1]
        if width == onehot.shape[1]:
            return onehot
        if width == 1 and onehot.shape[1] == 2:
            return codes[:, None].astype(backend.floatx())
        raise ValueError(f"The model's output has {width} units but the target has "
                         f"{onehot.shape[1]} classes; use {onehot.shape[1]} output units "
                         "(softmax), or 1 (sigmoid) for two classes.")

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        proba = self._predict_raw(X)
        if proba.ndim == 1 or proba.shape[-1] == 1:
            proba = proba.reshape(-1, 1)
            proba = np.hstack([1 - proba, proba])
        return proba

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample, in the original label type."""
        proba = self.predict_proba(X)  # checks fitted before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]


class SKLearnRegressor(RegressorMixin, _SKLBase):
    """scikit-learn regressor around a compiled Keras model; ``score`` is R^2.

    Takes the same arguments as ``SKLearnClassifier``. A 1-D ``y`` trains as one column
    and ``predict`` returns 1-D again.
    """

    def fit(self, X, y, **kwargs):
        X = self._check_X(X, reset=True)
        y = np.asarray(y, dtype=backend.floatx())
        self._y_ndim = y.ndim
        target = y.reshape(-1, 1) if y.ndim == 1 else y
        return self._fit_model(self._get_model(X, target), X, target, kwargs)

    def predict(self, X) -> np.ndarray:
        output = self._predict_raw(X)
        return output.reshape(-1) if self._y_ndim == 1 else output


class SKLearnTransformer(TransformerMixin, _SKLBase):
    """scikit-learn transformer: ``transform(X)`` is the fitted model's ``predict(X)``.

    Takes the same arguments as ``SKLearnClassifier``. ``fit(X, y)`` trains the model on
    ``(X, y)``; with ``y=None`` it trains on ``(X, X)``, as an autoencoder.
    """

    def fit(self, X, y=None, **kwargs):
        X = self._check_X(X, reset=True)
        target = X if y is None else np.asarray(y, dtype=backend.floatx())
        return self._fit_model(self._get_model(X, target), X, target, kwargs)

    def transform(self, X) -> np.ndarray:
        return self._predict_raw(X)
