"""``EarlyStopping``: stop training when a monitored quantity stops improving."""

from __future__ import annotations

import warnings

from .callback import Callback, log_value
from .monitor import monitor_mode

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves when ``current - min_delta`` beats the best value so far
    (``current + min_delta < best`` in ``"min"`` mode). The epoch counter ``wait`` is
    reset by an improvement that also beats ``baseline`` (when one is given); once
    ``wait >= patience`` after an epoch without improvement, ``model.stop_training`` is
    set. Epochs before ``start_from_epoch`` are ignored.

    Args:
        monitor: the quantity to watch, a key of the epoch logs; default ``"val_loss"``.
        min_delta: the smallest change that counts as an improvement (its absolute
            value is used); default ``0``.
        patience: epochs without improvement after which training stops; default ``0``.
        verbose: ``1`` prints a line when stopping or restoring; default ``0``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the name: ``loss`` and errors
            decrease, ``accuracy``/``auc``/``precision``... increase); default ``"auto"``.
        baseline: a value the monitor must beat for an epoch to reset the wait;
            default ``None``.
        restore_best_weights: at the end of training, put back the weights of the best
            epoch (``model.get_weights()`` / ``model.set_weights()``); default ``False``.
        start_from_epoch: epochs to wait before watching (a warm-up); default ``0``.

    Example:

    >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    >>> model.fit(x, y, validation_split=0.2, epochs=100,
    ...           callbacks=[stop])  # doctest: +SKIP
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.on_train_begin()

    def on_train_begin(self, logs=None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self._mode = None  # "min" or "max", settled at the first epoch end

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self._mode is None:
            self._mode = self._resolve_mode()  # the model's metrics exist by now
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # until something beats them
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value as a float, or ``None`` (with a warning) when missing."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is "
                          f"not available. Available metrics are: {','.join(logs)}",
                          stacklevel=2)
            return None
        return log_value(value)

    def _resolve_mode(self) -> str:
        if self.mode != "auto":
            return self.mode
        mode = monitor_mode(self.monitor, self.model)
        if mode is None:
            raise ValueError(
                f"EarlyStopping callback received monitor={self.monitor} but kerasette "
                "isn't able to automatically determine whether that metric should be "
                "maximized or minimized. Pass `mode='max'` in order to do early stopping "
                "based on the highest metric value, or pass `mode='min'` in order to use "
                "the lowest value.")
        return mode

    def _is_improvement(self, value: float, reference) -> bool:
        if reference is None:
            return True
        if self._mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference
