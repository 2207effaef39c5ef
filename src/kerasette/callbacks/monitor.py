"""Which way a monitored metric improves: the ``mode="auto"`` rule of the callbacks."""

from __future__ import annotations

__all__ = ["monitor_mode"]

# Substrings of metric names that improve upwards / downwards (after "val_" is removed).
_UP = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "sensitivity",
       "specificity", "cosine_similarity", "true_positives", "true_negatives", "fmeasure")
_DOWN = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "logcosh",
         "mse", "mae", "mape", "msle", "false_positives", "false_negatives")


def _model_metrics(model) -> list:
    """The model's metric objects, opening containers that hold a ``metrics`` list."""
    found, todo = [], list(getattr(model, "metrics", None) or [])
    while todo:
        metric = todo.pop(0)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            todo.extend(inner)
        else:
            found.append(metric)
    return found


def monitor_mode(monitor: str, model=None) -> str | None:
    """``"min"`` or ``"max"`` for a monitored quantity, or ``None`` when unknown.

    ``loss`` and ``val_loss`` decrease; a metric object of ``model`` with that name
    and a ``_direction`` (``"up"`` / ``"down"``) says so itself, as in Keras 3; else
    the name decides (``accuracy``, ``auc``, ``precision``... increase; errors and
    cross-entropies decrease).
    """
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    for metric in _model_metrics(model):
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    if any(token in name for token in _DOWN):
        return "min"
    if any(token in name for token in _UP):
        return "max"
    return None
