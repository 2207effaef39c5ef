"""The ``Callback`` base class: every hook of ``fit``, ``evaluate`` and ``predict``."""

from __future__ import annotations

__all__ = ["Callback"]


class Callback:
    """Base class of the objects that ``fit``, ``evaluate`` and ``predict`` call back.

    Subclasses override the hooks they need. ``self.model`` is the model being trained
    and ``self.params`` the loop's parameters (``epochs``, ``steps``, ``verbose``).
    ``logs`` are dicts of metric values (Python floats or 0-d Tensors: convert with
    ``float()``); batch logs may be a lazy mapping that computes a value when it is read,
    so read them only when they are needed.

    ``on_train_batch_begin`` / ``on_train_batch_end`` call the Keras 2 spellings
    ``on_batch_begin`` / ``on_batch_end``, so overriding either works.

    Example:

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, float(logs["loss"]))
    """

    def __init__(self):
        self.params = None
        self._model = None

    @property
    def model(self):
        """The model this callback is attached to (set by ``set_model``)."""
        return self._model

    @model.setter
    def model(self, model):
        self._model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    # Keras 2 spellings, called for training batches.
    def on_batch_begin(self, batch: int, logs=None) -> None:
        """A backwards compatibility alias for ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs=None) -> None:
        """A backwards compatibility alias for ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        """Called at the end of an epoch; ``logs`` hold its metrics and ``val_*`` ones."""

    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        """Called before a training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        """Called after a training batch; ``logs`` hold the running metric values."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs=None) -> None:
        """Called before a batch of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_batch_end(self, batch: int, logs=None) -> None:
        """Called after a batch of ``evaluate`` (and of validation inside ``fit``)."""

    def on_predict_batch_begin(self, batch: int, logs=None) -> None:
        """Called before a batch of ``predict``."""

    def on_predict_batch_end(self, batch: int, logs=None) -> None:
        """Called after a batch of ``predict``; ``logs["outputs"]`` holds its outputs."""

    def on_train_begin(self, logs=None) -> None:
        """Called at the start of ``fit``."""

    def on_train_end(self, logs=None) -> None:
        """Called at the end of ``fit``."""

    def on_test_begin(self, logs=None) -> None:
        """Called at the start of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_end(self, logs=None) -> None:
        """Called at the end of ``evaluate`` (and of validation inside ``fit``)."""

    def on_predict_begin(self, logs=None) -> None:
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None) -> None:
        """Called at the end of ``predict``."""


def log_value(value):
    """A log entry as a Python float when it is a number (a 0-d Tensor, a NumPy scalar).

    Anything that is not a single number (a string, a vector) is returned unchanged.
    """
    if value is None or isinstance(value, (str, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def format_log_value(value) -> str:
    """Keras's number format: 4 decimals, scientific notation for magnitudes <= 1e-3."""
    value = log_value(value)
    if not isinstance(value, float):
        return str(value)
    if abs(value) > 1e-3:  # also true for inf, which prints as "inf"; nan prints "nan"
        return f"{value:.4f}"
    return f"{value:.4e}"


def format_logs(logs) -> str:
    """``loss: 0.1234 - mae: 5.6789e-04``: the metrics of ``logs`` in Keras's form."""
    return " - ".join(f"{key}: {format_log_value(value)}" for key, value in logs.items())
