"""Metrics: stateful ``Metric`` objects, per-sample metric functions, and look-up by name.

``model.compile(metrics=[...])`` calls ``resolve`` once the shapes of the labels and the
predictions are known: ``"accuracy"`` then becomes binary, categorical or sparse
categorical accuracy, and every string keeps the name the user typed (``"acc"`` logs as
``acc``).
"""

from __future__ import annotations

import inspect

from .. import losses as _losses
from ..naming import lookup, serialize_object
from .accuracy_metrics import *  # noqa: F401,F403
from .accuracy_metrics import __all__ as _accuracy_all
from .auc import AUC
from .base import Mean, MeanMetricWrapper, Metric, Sum
from .confusion import (FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                        TruePositives)
from .probabilistic import *  # noqa: F401,F403
from .probabilistic import __all__ as _probabilistic_all
from .regression import *  # noqa: F401,F403
from .regression import __all__ as _regression_all

# The loss functions double as metric functions, under the same names.
mean_squared_error = mse = MSE = _losses.mean_squared_error
mean_absolute_error = mae = MAE = _losses.mean_absolute_error
mean_absolute_percentage_error = mape = MAPE = _losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = MSLE = _losses.mean_squared_logarithmic_error
binary_crossentropy = bce = BCE = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
kl_divergence = kld = KLD = kullback_leibler_divergence = _losses.kl_divergence
poisson = _losses.poisson
hinge = _losses.hinge
squared_hinge = _losses.squared_hinge
categorical_hinge = _losses.categorical_hinge
log_cosh = logcosh = _losses.log_cosh
acc = accuracy  # noqa: F405 (Keras 2's alias)

_FUNCTION_NAMES = [
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "mean_squared_error", "mse", "MSE",
    "mean_absolute_error", "mae", "MAE", "mean_absolute_percentage_error", "mape", "MAPE",
    "mean_squared_logarithmic_error", "msle", "MSLE", "binary_crossentropy", "bce", "BCE",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "kld",
    "KLD", "kullback_leibler_divergence", "poisson", "hinge", "squared_hinge",
    "categorical_hinge", "log_cosh", "logcosh", "cosine_similarity",
]
_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, AUC, Precision, Recall, TruePositives,
            FalsePositives, TrueNegatives, FalseNegatives]
_CLASSES += [globals()[name] for name in _accuracy_all + _probabilistic_all + _regression_all
             if inspect.isclass(globals()[name])]

ALL: dict = {name: globals()[name] for name in _FUNCTION_NAMES}
ALL.update({cls.__name__: cls for cls in _CLASSES})
ALL.update({"precision": Precision, "recall": Recall, "auc": AUC})

__all__ = sorted(set(ALL) | {"get", "resolve", "serialize", "deserialize"})

_KINDS = {
    _losses.binary_crossentropy: "binary", _losses.BinaryCrossentropy: "binary",
    _losses.categorical_crossentropy: "categorical",
    _losses.CategoricalCrossentropy: "categorical",
    _losses.sparse_categorical_crossentropy: "sparse",
    _losses.SparseCategoricalCrossentropy: "sparse",
}
_BY_KIND = {
    "accuracy": {"binary": binary_accuracy, "sparse": sparse_categorical_accuracy,
                 "categorical": categorical_accuracy},
    "crossentropy": {"binary": binary_crossentropy, "sparse": sparse_categorical_crossentropy,
                     "categorical": categorical_crossentropy},
}
_SHORTHANDS = {"accuracy": "accuracy", "acc": "accuracy", "crossentropy": "crossentropy",
               "ce": "crossentropy"}


def get(identifier):
    """The metric for an identifier: a name, a config dict, a callable or a ``Metric``.

    A function name (``"mae"``, ``"binary_accuracy"``) gives the function; a class name
    (``"AUC"``, also ``"precision"``, ``"recall"``, ``"auc"``) or a config dict gives a
    ``Metric`` instance; callables and instances pass through. ``None`` gives ``None``.

    Raises:
        ValueError: for an unknown name, naming it.
    """
    if identifier is None:
        return None
    found = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if inspect.isclass(found):
        found = found()
    if not callable(found) and not isinstance(found, Metric):
        raise ValueError(f"Could not interpret metric identifier: {identifier!r}. "
                         f"Expected a metric name, a config dict, a callable or a Metric.")
    return found


def _kind_of_loss(loss):
    """``"binary"``, ``"sparse"`` or ``"categorical"`` for a cross-entropy loss, else None."""
    if isinstance(loss, (str, dict)):
        try:
            loss = _losses.get(loss)
        except ValueError:
            return None
    if isinstance(loss, _losses.Loss):
        loss = getattr(loss, "fn", type(loss))
    try:
        return _KINDS.get(loss)
    except TypeError:  # an unhashable callable
        return None


def _kind_of_shapes(y_true_shape: tuple, y_pred_shape: tuple) -> str:
    """Keras 3's choice from the shapes: binary, sparse or categorical."""
    if len(y_pred_shape) <= 1 or y_pred_shape[-1] == 1:
        return "binary"
    if len(y_true_shape) < len(y_pred_shape):
        return "sparse"
    if y_true_shape and y_true_shape[-1] == 1:
        return "sparse"
    return "categorical"


def resolve(identifier, y_true_shape, y_pred_shape, loss=None):
    """The ``Metric`` that ``compile(metrics=[identifier])`` tracks for one output.

    Strings keep exactly the name typed (``"acc"`` logs as ``acc``). ``"accuracy"`` /
    ``"acc"`` and ``"crossentropy"`` / ``"ce"`` pick the binary, sparse categorical or
    categorical variant: from ``loss`` when it is one of those cross-entropies (name,
    function, class or instance), else from the shapes (last axis 1: binary; labels of
    lower rank, or labels ``(..., 1)`` against several classes: sparse; else
    categorical). Functions are wrapped in ``MeanMetricWrapper`` named by
    ``fn.__name__``; ``Metric`` objects pass through.

    Args:
        identifier: a string, config dict, function, ``Metric`` class or instance.
        y_true_shape: the shape of the labels (a tuple).
        y_pred_shape: the shape of the predictions (a tuple).
        loss: the output's loss, as given to ``compile``.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    shorthand = _SHORTHANDS.get(identifier.lower()) if isinstance(identifier, str) else None
    if shorthand is not None:
        kind = _kind_of_loss(loss) or _kind_of_shapes(tuple(y_true_shape),
                                                      tuple(y_pred_shape))
        return MeanMetricWrapper(_BY_KIND[shorthand][kind], name=identifier)
    found = get(identifier)
    if not isinstance(found, Metric):
        name = getattr(found, "name", None) or getattr(found, "__name__", "metric")
        found = MeanMetricWrapper(found, name=name)
    if isinstance(identifier, str):
        found.name = identifier
    return found


def serialize(metric):
    """The Keras config of a metric: a function's name, or a class config dict."""
    return serialize_object(metric)


def deserialize(config, custom_objects=None):
    """The metric for a name or a ``{"class_name", "config"}`` dict (see ``get``)."""
    found = lookup(config, ALL, "metric", custom_objects)
    if inspect.isclass(found):
        found = found()
    return found
