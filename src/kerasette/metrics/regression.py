"""Regression metrics: the epoch means of the regression losses, RMSE and cosine similarity."""

from __future__ import annotations

from .. import backend, losses, ops
from ..autograd import Tensor
from ..losses.functions import _prepare, l2_normalize
from .base import Mean, MeanMetricWrapper, divide_no_nan

__all__ = ["cosine_similarity", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "CosineSimilarity", "LogCoshError"]


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: 1 means aligned.

    (The loss of the same name is the negative of this.)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    """The mean over all samples of ``mean(square(y_true - y_pred), axis=-1)``.

    Args:
        name: the metric name (default ``"mean_squared_error"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean over all samples of ``mean(abs(y_true - y_pred), axis=-1)``.

    Args:
        name: the metric name (default ``"mean_absolute_error"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean over all samples of ``losses.mean_absolute_percentage_error``.

    Args:
        name: the metric name (default ``"mean_absolute_percentage_error"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean over all samples of ``losses.mean_squared_logarithmic_error``.

    Args:
        name: the metric name (default ``"mean_squared_logarithmic_error"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt(sum(w * (y_pred - y_true)^2) / sum(w))``: the root of the epoch's mean
    squared error (not the mean of per-batch roots).

    Args:
        name: the metric name (default ``"root_mean_squared_error"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _prepare(y_true, ops.convert_to_tensor(y_pred, dtype=self.dtype))
        super().update_state(ops.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self) -> Tensor:
        return Tensor(backend.xp.sqrt(divide_no_nan(self.total.data, self.count.data)))


class CosineSimilarity(MeanMetricWrapper):
    """The mean over all samples of the cosine similarity of ``y_true`` and ``y_pred``.

    Args:
        name: the metric name (default ``"cosine_similarity"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        axis: the axis along which the vectors lie (default -1).
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    """The mean over all samples of ``mean(log(cosh(y_pred - y_true)), axis=-1)``.

    Args:
        name: the metric name (default ``"logcosh"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)
