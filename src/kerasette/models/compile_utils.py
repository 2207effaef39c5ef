"""What ``compile`` sets up: one loss and a list of metrics per output, and the trackers.

The structure is resolved on the first batch, when the shapes of ``y`` and of the
predictions are known (``"accuracy"`` becomes binary, categorical or sparse then).
"""

from __future__ import annotations

import copy

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..autograd import no_grad
from ..layers.symbolic import flatten
from ..ops import add, convert_to_tensor, expand_dims, multiply

__all__ = ["CompileState", "align_ranks"]


def align_ranks(y_true, y_pred):
    """Keras's rank alignment of one output's labels and predictions, done once before
    every loss and metric sees them (``(batch,)`` labels against ``(batch, 1)``
    predictions would otherwise broadcast to a ``batch x batch`` grid).

    Ranks that differ by one through a trailing axis of size 1 are aligned as
    ``losses.squeeze_or_expand_to_same_rank`` does, except that where it would squeeze
    the predictions the labels gain the axis instead: the same numbers, and the
    predictions keep their graph, mask and logits.
    """
    if y_true is None or y_pred is None:
        return y_true, y_pred
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.ndim == y_pred.ndim:
        return y_true, y_pred
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return expand_dims(y_true, -1), y_pred
    return losses_module.squeeze_or_expand_to_same_rank(y_true, y_pred)


def _per_output(spec, names: list[str], what: str, single_applies_to_all=True) -> list:
    """Spreads a compile argument over the outputs: one value, a list, or a dict by name."""
    count = len(names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(f"`{what}` has keys {sorted(unknown)} that match no output; the "
                             f"model's outputs are {names}.")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and what != "metrics":
        if len(spec) != count:
            raise ValueError(f"`{what}` has {len(spec)} entries but the model has {count} "
                             f"outputs ({names}). Pass one per output, or a dict by name.")
        return list(spec)
    return [spec] * count if single_applies_to_all else [spec] + [None] * (count - 1)


def _loss_object(identifier):
    if identifier is None:
        return None
    found = losses_module.get(identifier)
    if isinstance(found, losses_module.Loss):
        return found
    name = identifier if isinstance(identifier, str) else getattr(found, "__name__", "loss")
    return losses_module.LossFunctionWrapper(found, name=name)


class CompileState:
    """Loss functions, metrics and trackers of a compiled model."""

    def __init__(self, loss, loss_weights=None, metrics=None, weighted_metrics=None):
        for identifier in flatten(loss):  # unknown names fail at compile, not mid-fit
            if identifier is not None:
                losses_module.get(identifier)
        for identifier in flatten(metrics) + flatten(weighted_metrics):
            if isinstance(identifier, str):  # "accuracy" is resolved later, from shapes
                metrics_module.get(identifier)
        self.loss_spec = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.built = False
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_loss_trackers: list = []
        self.losses: list = []
        self.loss_weights: list = []
        self.output_metrics: list[list] = []
        self.output_weighted_metrics: list[list] = []

    def build(self, output_names: list[str], y_true: list, y_pred: list) -> None:
        losses = _per_output(self.loss_spec, output_names, "loss")
        self.losses = [_loss_object(spec) for spec in losses]
        weights = self.loss_weights_spec
        self.loss_weights = [1.0] * len(output_names) if weights is None else [
            1.0 if w is None else float(w) for w in _per_output(weights, output_names,
                                                                "loss_weights")]
        multi = len(output_names) > 1
        if multi:
            self.output_loss_trackers = [
                metrics_module.Mean(name=f"{name}_loss") if loss is not None else None
                for name, loss in zip(output_names, self.losses)]
        self.output_metrics = self._metrics_for(self.metrics_spec, output_names, y_true,
                                                y_pred, losses, multi)
        self.output_weighted_metrics = self._metrics_for(
            self.weighted_metrics_spec, output_names, y_true, y_pred, losses, multi)
        self.built = True

    def _metrics_for(self, spec, names, y_true, y_pred, losses, multi) -> list[list]:
        if spec is None:
            return [[] for _ in names]
        if isinstance(spec, dict):
            per_output = _per_output(spec, names, "metrics")
        elif isinstance(spec, (list, tuple)) and multi and spec and all(
                isinstance(s, (list, tuple)) or s is None for s in spec):
            per_output = list(spec)
        else:
            per_output = [spec] * len(names)
        result = []
        for index, (name, wanted) in enumerate(zip(names, per_output)):
            wanted = [] if wanted is None else wanted
            wanted = wanted if isinstance(wanted, (list, tuple)) else [wanted]
            built = []
            for identifier in wanted:
                if index > 0 and isinstance(identifier, metrics_module.Metric):
                    identifier = copy.deepcopy(identifier)
                metric = metrics_module.resolve(identifier, tuple(y_true[index].shape),
                                                tuple(y_pred[index].shape), losses[index])
                if multi:
                    metric.name = f"{name}_{metric.name}"
                built.append(metric)
            result.append(built)
        return result

    def compute_loss(self, y_true: list, y_pred: list, sample_weight: list):
        """The weighted sum of the per-output losses, and each output's own loss."""
        total, parts = None, []
        for index, loss in enumerate(self.losses):
            if loss is None or y_true[index] is None:
                parts.append(None)
                continue
            labels, predictions = align_ranks(y_true[index], y_pred[index])
            value = loss(labels, predictions, sample_weight=sample_weight[index])
            parts.append(value)
            weighted = value if self.loss_weights[index] == 1.0 else multiply(
                value, self.loss_weights[index])
            total = weighted if total is None else add(total, weighted)
        if total is None:
            raise ValueError("No loss to compute: provide `y` for at least one output that "
                             "has a loss in `compile(loss=...)`.")
        return total, parts

    def update(self, total, parts, y_true, y_pred, sample_weight, batch_size: int) -> None:
        """Updates the trackers and metrics after a batch (no graph is recorded)."""
        with no_grad():
            self.loss_tracker.update_state(total, sample_weight=batch_size)
            for tracker, part in zip(self.output_loss_trackers, parts):
                if tracker is not None and part is not None:
                    tracker.update_state(part, sample_weight=batch_size)
            for index, (plain, weighted) in enumerate(zip(self.output_metrics,
                                                          self.output_weighted_metrics)):
                if not (plain or weighted):
                    continue
                labels, predictions = align_ranks(y_true[index], y_pred[index])
                for metric in plain:
                    metric.update_state(labels, predictions)
                for metric in weighted:
                    metric.update_state(labels, predictions,
                                        sample_weight=sample_weight[index])

    @property
    def all_metrics(self) -> list:
        """Every tracked metric, in Keras's log order: loss, output losses, metrics."""
        found = [self.loss_tracker] + [t for t in self.output_loss_trackers if t is not None]
        for plain, weighted in zip(self.output_metrics, self.output_weighted_metrics):
            found += plain + weighted
        return found

    def reset(self) -> None:
        for metric in self.all_metrics:
            metric.reset_state()
