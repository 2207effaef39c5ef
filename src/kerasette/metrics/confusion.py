"""Metrics over confusion counts at thresholds: Precision, Recall, AUC, TruePositives, ...

A prediction is positive at a threshold when it is strictly greater than it; a label is
positive when it is non-zero. The weighted counts at every threshold are accumulated on
the device, with one sort per batch (no per-threshold pass over the data).
"""

from __future__ import annotations

from .. import backend, ops
from ..autograd import Tensor
from ..losses.loss import broadcast_weights, squeeze_or_expand_to_same_rank
from .base import Metric, divide_no_nan

__all__ = ["Precision", "Recall", "TruePositives", "FalsePositives",
           "TrueNegatives", "FalseNegatives", "confusion_counts"]

NEG_INF = -1e10  # the threshold below every kept score when `top_k` is set
_COUNT_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _parse_thresholds(thresholds, default) -> list[float]:
    if thresholds is None:
        return [default]
    values = list(thresholds) if hasattr(thresholds, "__iter__") else [thresholds]
    invalid = [t for t in values if t is None or not 0 <= t <= 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return [float(t) for t in values]


def _evenly_distributed(thresholds: list[float]) -> bool:
    """True for thresholds ``i / (n - 1)``, where Keras first clips predictions to [0, 1]."""
    n = len(thresholds)
    if n < 3:
        return False
    eps = backend.epsilon()
    return all(abs(t - i / (n - 1)) <= eps + 1e-5 * (i / (n - 1))
               for i, t in enumerate(thresholds))


def _filter_top_k(scores, k: int):
    """Keeps each row's ``k`` largest scores (the first ones among ties); the rest -> -1e10."""
    xp = backend.xp
    ranks = xp.argsort(xp.argsort(-scores, axis=-1, kind="stable"), axis=-1, kind="stable")
    return xp.where(ranks < k, scores, scores.dtype.type(NEG_INF))


def _counts_above(scores, positives, negatives, thresholds) -> tuple:
    """Weighted (tp, fp, tn, fn) of one column of scores at each threshold."""
    xp = backend.xp
    order = xp.argsort(scores)
    zero = xp.zeros(1, dtype=positives.dtype)
    cum_pos = xp.concatenate([zero, xp.cumsum(positives[order])])
    cum_neg = xp.concatenate([zero, xp.cumsum(negatives[order])])
    not_above = xp.searchsorted(scores[order], thresholds, side="right")
    fn, tn = cum_pos[not_above], cum_neg[not_above]
    return cum_pos[-1] - fn, cum_neg[-1] - tn, tn, fn


def confusion_counts(y_true, y_pred, thresholds, top_k=None, class_id=None,
                     sample_weight=None, multi_label=False, label_weights=None,
                     clip=False) -> dict:
    """The weighted confusion counts of a batch at each threshold, as Keras defines them.

    Args:
        y_true, y_pred: labels (non-zero is positive) and scores of the same shape.
        thresholds: a backend array of shape ``(T,)``.
        top_k: keep only each row's ``k`` best scores (the others are negative).
        class_id: count only this class (last axis).
        sample_weight: weights, broadcast against ``y_pred`` from the left.
        multi_label: keep the last axis apart (counts ``(T, labels)``) instead of
            flattening everything into one set of decisions (counts ``(T,)``).
        label_weights: per-class weights multiplied into the sample weights.
        clip: clip scores to [0, 1] first (Keras does for evenly spaced thresholds).

    Returns:
        ``{"true_positives": ..., "false_positives": ..., "true_negatives": ...,
        "false_negatives": ...}``, backend arrays of the thresholds' dtype.
    """
    xp = backend.xp
    y_pred = ops.convert_to_tensor(y_pred, dtype=thresholds.dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, ops.convert_to_tensor(y_true))
    scores = y_pred.data
    if y_true.shape != scores.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape; received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={scores.shape}.")
    labels = y_true.data != 0
    weights = xp.ones(scores.shape, dtype=scores.dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=scores.dtype)
        weights = weights * broadcast_weights(sample_weight, y_pred).data
    if top_k is not None:
        scores = _filter_top_k(scores, top_k)
    if class_id is not None:
        if scores.ndim < 2:
            raise ValueError(f"When `class_id` is provided, y_pred must have shape "
                             f"(num_samples, num_classes); received {scores.shape}.")
        index = (Ellipsis, slice(class_id, class_id + 1))
        scores, labels, weights = scores[index], labels[index], weights[index]
    if label_weights is not None and not multi_label:
        weights = weights * xp.asarray(label_weights, dtype=scores.dtype)
    if clip:
        scores = xp.clip(scores, 0, 1)
    columns = scores.shape[-1] if multi_label else 1
    scores, labels = scores.reshape(-1, columns), labels.reshape(-1, columns)
    weights = weights.reshape(-1, columns)
    positives, negatives = weights * labels, weights * ~labels
    per_column = [_counts_above(scores[:, j], positives[:, j], negatives[:, j], thresholds)
                  for j in range(columns)]
    counts = [xp.stack(values, axis=-1) for values in zip(*per_column)]
    if not multi_label:
        counts = [c[:, 0] for c in counts]
    return dict(zip(_COUNT_NAMES, counts))


class _ThresholdMetric(Metric):
    """Confusion counts at thresholds, accumulated in one variable per count."""

    _COUNTS: tuple = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default)
        self._evenly = _evenly_distributed(self.thresholds)
        self._threshold_array = backend.xp.asarray(self.thresholds, dtype=self._dtype)
        for count in self._COUNTS:
            setattr(self, count, self.add_variable((len(self.thresholds),), "zeros",
                                                   name=count))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        counts = confusion_counts(y_true, y_pred, self._threshold_array, top_k=self.top_k,
                                  class_id=self.class_id, sample_weight=sample_weight,
                                  clip=self._evenly)
        for count in self._COUNTS:
            getattr(self, count).assign_add(counts[count])

    def _per_threshold(self, values) -> Tensor:
        """A scalar for a single threshold, else one value per threshold."""
        return Tensor(values[0] if len(self.thresholds) == 1 else values)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """``true_positives / (true_positives + false_positives)`` over all samples seen.

    Args:
        thresholds: a float or list of floats in [0, 1]; a prediction above it counts as
            positive (default 0.5, or every top-k score when ``top_k`` is set). With a
            list, ``result()`` has one precision per threshold.
        top_k: only each row's ``k`` highest predictions count as positive.
        class_id: compute the precision of this class (last axis) only.
        name: the metric name (default ``"precision"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    _COUNTS = ("true_positives", "false_positives")

    def result(self) -> Tensor:
        tp, fp = self.true_positives.data, self.false_positives.data
        return self._per_threshold(divide_no_nan(tp, tp + fp))


class Recall(_ThresholdMetric):
    """``true_positives / (true_positives + false_negatives)`` over all samples seen.

    Args:
        thresholds, top_k, class_id, name, dtype: as for ``Precision`` (default name
            ``"recall"``).
    """

    _COUNTS = ("true_positives", "false_negatives")

    def result(self) -> Tensor:
        tp, fn = self.true_positives.data, self.false_negatives.data
        return self._per_threshold(divide_no_nan(tp, tp + fn))


class _Count(_ThresholdMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)
        self.accumulator = self.variables[0]

    def result(self) -> Tensor:
        return self._per_threshold(self.accumulator.data.copy())

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """The weighted number of true positives (``y_pred > threshold`` and label non-zero).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
        name: default ``"true_positives"``.
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    _COUNTS = ("true_positives",)


class FalsePositives(_Count):
    """The weighted number of false positives; arguments as for ``TruePositives``."""

    _COUNTS = ("false_positives",)


class TrueNegatives(_Count):
    """The weighted number of true negatives; arguments as for ``TruePositives``."""

    _COUNTS = ("true_negatives",)


class FalseNegatives(_Count):
    """The weighted number of false negatives; arguments as for ``TruePositives``."""

    _COUNTS = ("false_negatives",)
