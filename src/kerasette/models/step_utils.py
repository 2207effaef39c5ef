"""What a training step hands around: lazy logs, a user step's logs, and tf.keras's
``compiled_loss`` / ``compiled_metrics`` doors onto the compiled losses and metrics."""

from __future__ import annotations

from collections.abc import Mapping

from .. import backend
from ..autograd import as_array, no_grad
from .compile_utils import align_ranks

__all__ = ["LazyLogs", "ReadLogs", "CompiledLoss", "CompiledMetrics", "pack_data"]


class LazyLogs(Mapping):
    """Batch logs whose values are read from the metrics only when someone looks."""

    def __init__(self, metrics):
        self._metrics = {m.name: m for m in metrics}

    def __getitem__(self, key):
        return float(self._metrics[key].result())

    def __iter__(self):
        return iter(self._metrics)

    def __len__(self):
        return len(self._metrics)


class ReadLogs(Mapping):
    """The dict a user's step returned, its values (Tensors, arrays, metric results,
    floats; a nested dict is merged in) read as floats only when someone looks."""

    def __init__(self, logs):
        if not isinstance(logs, Mapping):
            raise TypeError(f"A custom train/test step must return a dict of logs, such "
                            f"as {{m.name: m.result() for m in self.metrics}}; received "
                            f"{type(logs).__name__}.")
        self._logs = {}
        for key, value in logs.items():
            self._logs.update(value if isinstance(value, Mapping) else {key: value})

    def __getitem__(self, key):
        value = self._logs[key]
        if isinstance(value, (int, float)):
            return float(value)
        return float(backend.to_numpy(as_array(value))) if _is_scalar(value) else value

    def __iter__(self):
        return iter(self._logs)

    def __len__(self):
        return len(self._logs)


def _is_scalar(value) -> bool:
    return getattr(value, "ndim", 0) == 0 or getattr(value, "size", 0) == 1


class CompiledLoss:
    """tf.keras's ``model.compiled_loss``: the compiled losses plus the given penalties;
    updates the loss trackers as tf.keras does."""

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        model, state = self._model, self._model._compile_state
        y_true, predictions, weights = model._targets(y_true, y_pred, sample_weight)
        total, parts = state.compute_loss(y_true, predictions, weights)
        for penalty in regularization_losses or []:
            total = total + penalty
        with no_grad():
            batch_size = len(predictions[0])
            state.loss_tracker.update_state(total, sample_weight=batch_size)
            for tracker, part in zip(state.output_loss_trackers, parts):
                if tracker is not None and part is not None:
                    tracker.update_state(part, sample_weight=batch_size)
        return total


class CompiledMetrics:
    """tf.keras's ``model.compiled_metrics``: updates the compiled (non-loss) metrics."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        model, state = self._model, self._model._compile_state
        y_true, predictions, weights = model._targets(y_true, y_pred, sample_weight)
        with no_grad():
            for index, (plain, weighted) in enumerate(zip(state.output_metrics,
                                                          state.output_weighted_metrics)):
                labels, outputs = align_ranks(y_true[index], predictions[index])
                for metric in plain:
                    metric.update_state(labels, outputs)
                for metric in weighted:
                    metric.update_state(labels, outputs, sample_weight=weights[index])

    def reset_state(self) -> None:
        for metric in self._model.metrics:
            metric.reset_state()


def pack_data(x, y=None, sample_weight=None):
    """A batch as Keras hands it to ``train_step``: ``x``, ``(x, y)`` or ``(x, y, w)``."""
    if y is None and sample_weight is None:
        return x
    return (x, y) if sample_weight is None else (x, y, sample_weight)
