"""``AUC``: the area under the ROC or precision-recall curve, as a Riemann sum over
confusion counts at fixed thresholds (Keras's layout and summation)."""

from __future__ import annotations

from .. import backend, ops
from ..autograd import Tensor
from .base import Metric, divide_no_nan
from .confusion import _COUNT_NAMES, _evenly_distributed, _parse_thresholds, confusion_counts

__all__ = ["AUC"]

_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _choice(value: str, allowed: tuple, what: str) -> str:
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise ValueError(f'Invalid AUC {what} value: "{value}". Expected values are '
                     f"{list(allowed)}.")


class AUC(Metric):
    """Approximates the area under the ROC curve (or the precision-recall curve).

    The counts of true/false positives/negatives are accumulated at ``num_thresholds``
    thresholds: ``-epsilon``, ``i / (num_thresholds - 1)`` for ``i = 1 .. n - 2``, and
    ``1 + epsilon``. ROC sums ``(fpr[i] - fpr[i+1]) * height`` with heights from the
    recall; PR sums over the recall with heights from the precision. ``"interpolation"``
    takes the mean of neighbouring heights (for PR: Davis & Goadrich's interpolation),
    ``"minoring"`` the smaller, ``"majoring"`` the larger.

    Args:
        num_thresholds: how many thresholds (default 200; must be > 1).
        curve: ``"ROC"`` (default) or ``"PR"``.
        summation_method: ``"interpolation"`` (default), ``"minoring"`` or ``"majoring"``.
        name: the metric name (default ``"auc"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        thresholds: explicit thresholds in [0, 1], used instead of ``num_thresholds``
            (the two end points are added).
        multi_label: compute one AUC per label (last axis) and average them, instead of
            flattening all labels into one set of decisions (default False).
        num_labels: the number of labels with ``multi_label`` (default: from the data).
        label_weights: per-label weights: of the average with ``multi_label``, else of
            each label's contribution to the counts.
        from_logits: apply a sigmoid to the predictions first (default False).

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        self.curve = _choice(curve, _CURVES, "curve")
        self.summation_method = _choice(summation_method, _SUMMATIONS, "summation method")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, None))
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed([0.0] + inner + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self._threshold_array = backend.xp.asarray(self._thresholds, dtype=self._dtype)
        if label_weights is not None and min(label_weights) < 0:
            raise ValueError(f"All values of `label_weights` must be non-negative. "
                             f"Received: label_weights={list(label_weights)}")
        self.label_weights = None if label_weights is None else [float(w) for w in
                                                                   label_weights]
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._from_logits = from_logits
        self._built = False
        if not multi_label or num_labels:
            self._build(num_labels if multi_label else None)

    @property
    def thresholds(self) -> list:
        """The thresholds, end points included."""
        return list(self._thresholds)

    def _build(self, num_labels) -> None:
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds,
                                                                   num_labels)
        for count in _COUNT_NAMES:
            setattr(self, count, self.add_variable(shape, "zeros", name=count))
        self.num_labels = num_labels if self.multi_label else self.num_labels
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            self._build(y_pred.shape[-1])
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        counts = confusion_counts(
            y_true, y_pred, self._threshold_array, sample_weight=sample_weight,
            multi_label=self.multi_label, clip=self._evenly,
            label_weights=None if self.multi_label else self.label_weights)
        for count in _COUNT_NAMES:
            getattr(self, count).assign_add(counts[count])

    def result(self) -> Tensor:
        if not self._built:
            return Tensor(backend.xp.zeros((), dtype=self._dtype))
        tp, fp, tn, fn = (getattr(self, c).data for c in _COUNT_NAMES)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return Tensor(self._average(self._interpolated_pr_auc(tp, fp, fn)))
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        xp = backend.xp
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return Tensor(self._average(((x[:-1] - x[1:]) * heights).sum(axis=0)))

    @staticmethod
    def _interpolated_pr_auc(tp, fp, fn):
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006).

        Between two thresholds, precision is ``slope * p + intercept`` over the number
        of predicted positives ``p``; its integral over the recall is taken exactly.
        """
        xp = backend.xp
        dtp = tp[:-1] - tp[1:]
        predicted = tp + fp
        dp = predicted[:-1] - predicted[1:]
        slope = divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * predicted[1:]
        both_positive = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = divide_no_nan(predicted[:-1], xp.maximum(predicted[1:], 0))
        ratio = xp.where(both_positive, ratio, 1).astype(tp.dtype)
        increments = divide_no_nan(slope * (dtp + intercept * xp.log(ratio)),
                                   xp.maximum(tp[1:] + fn[1:], 0))
        return increments.sum(axis=0)

    def _average(self, per_label):
        """The AUC itself, or the (weighted) mean of the per-label AUCs."""
        if not self.multi_label:
            return per_label
        if self.label_weights is None:
            return per_label.mean()
        weights = backend.xp.asarray(self.label_weights, dtype=per_label.dtype)
        return divide_no_nan((per_label * weights).sum(), weights.sum())

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config
