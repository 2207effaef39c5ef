"""Accuracy metrics: per-sample match functions and the classes that average them.

Each function returns a float Tensor of 1 (match) and 0 (miss) per sample (or per
element); the classes are ``MeanMetricWrapper``s, so an epoch's value is the weighted
fraction of matches over every sample seen.
"""

from __future__ import annotations

from .. import backend, ops
from ..autograd import Tensor
from ..losses.loss import squeeze_or_expand_to_same_rank
from .base import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy"]


def _matches(a, b) -> Tensor:
    """1.0 where ``a == b``, else 0.0, in floatx."""
    return Tensor((a == b).astype(backend.floatx()))


def _as_tensors(y_true, y_pred) -> tuple[Tensor, Tensor]:
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def accuracy(y_true, y_pred) -> Tensor:
    """``y_true == y_pred`` elementwise, as 1.0 / 0.0."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    return _matches(y_true.data, y_pred.data)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> Tensor:
    """``y_true == (y_pred > threshold)`` elementwise, as 1.0 / 0.0.

    Args:
        threshold: predictions above it count as 1 (default 0.5).
    """
    y_true, y_pred = _as_tensors(y_true, y_pred)
    predicted = (y_pred.data > threshold).astype(y_true.dtype)
    return _matches(y_true.data, predicted)


def categorical_accuracy(y_true, y_pred) -> Tensor:
    """``argmax(y_true, -1) == argmax(y_pred, -1)`` per sample (one-hot labels)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    xp = backend.xp
    return _matches(xp.argmax(y_true.data, axis=-1), xp.argmax(y_pred.data, axis=-1))


def _sparse_labels(y_true, y_pred: Tensor):
    """Integer labels as an array, without the trailing axis of size 1 Keras allows."""
    labels = ops.convert_to_tensor(y_true).data
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    return labels


def sparse_categorical_accuracy(y_true, y_pred) -> Tensor:
    """``y_true == argmax(y_pred, -1)`` per sample, for integer labels.

    Labels of shape ``(batch,)`` or ``(batch, 1)`` against predictions
    ``(batch, num_classes)``.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    predicted = backend.xp.argmax(y_pred.data, axis=-1)
    return _matches(labels.astype(y_pred.dtype), predicted.astype(y_pred.dtype))


def _in_top_k(labels, predictions, k: int):
    """Whether each label's score is at least the k-th largest score of its row.

    Ties at the k-th score count as in the top k, as in Keras.
    """
    xp = backend.xp
    classes = predictions.shape[-1]
    rows = predictions.reshape(-1, classes)
    flat = labels.reshape(-1).astype("int64")
    if k >= classes:
        return xp.ones(flat.shape, dtype=bool).reshape(labels.shape)
    kth = xp.partition(rows, classes - k, axis=-1)[:, classes - k]
    scores = rows[xp.arange(flat.size), flat]
    return (scores >= kth).reshape(labels.shape)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> Tensor:
    """Whether the true class (``argmax(y_true)``) is among the ``k`` top predictions.

    Args:
        k: how many top predictions count (default 5).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = backend.xp.argmax(ops.convert_to_tensor(y_true).data, axis=-1)
    return Tensor(_in_top_k(labels, y_pred.data, k).astype(backend.floatx()))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> Tensor:
    """Whether the integer label is among the ``k`` top predictions.

    Args:
        k: how many top predictions count (default 5).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    return Tensor(_in_top_k(labels, y_pred.data, k).astype(backend.floatx()))


class Accuracy(MeanMetricWrapper):
    """How often predictions equal the labels: the mean of ``y_true == y_pred``.

    Args:
        name: the metric name (default ``"accuracy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` equals the binary labels.

    Args:
        name: the metric name (default ``"binary_accuracy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        threshold: predictions above it count as 1 (default 0.5).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals ``argmax(y_true)`` (one-hot labels).

    Args:
        name: the metric name (default ``"categorical_accuracy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals the integer label.

    Args:
        name: the metric name (default ``"sparse_categorical_accuracy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the true class (one-hot) is among the ``k`` top predictions.

    Args:
        k: how many top predictions count (default 5).
        name: the metric name (default ``"top_k_categorical_accuracy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` top predictions.

    Args:
        k: how many top predictions count (default 5).
        name: the metric name (default ``"sparse_top_k_categorical_accuracy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
