"""``ReduceLROnPlateau``: lower the learning rate when a metric stops improving."""

from __future__ import annotations

import warnings

import numpy as np

from .callback import Callback, log_value
from .monitor import monitor_mode

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs on a plateau.

    ``new_lr = max(lr * factor, min_lr)``. An epoch improves when the monitor beats the
    best value by more than ``min_delta`` (``current < best - min_delta`` in ``"min"``
    mode); after a reduction, ``cooldown`` epochs pass before epochs without
    improvement count again. The learning rate in force is put into the epoch logs as
    ``learning_rate``, so ``History`` and ``CSVLogger`` record it.

    Args:
        monitor: the quantity to watch; default ``"val_loss"``.
        factor: the multiplier, below 1; default ``0.1``.
        patience: epochs without improvement before a reduction; default ``10``.
        verbose: ``1`` prints a line at each reduction; default ``0``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (decided from the monitor's name);
            default ``"auto"``.
        min_delta: the threshold of a significant change; default ``1e-4``.
        cooldown: epochs to wait after a reduction before counting again; default ``0``.
        min_lr: the lower bound of the learning rate; default ``0.0``.

    Example:

    >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5,
    ...                               min_lr=0.001)
    >>> model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])  # doctest: +SKIP
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # the Keras 1 name of min_delta
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use "
                          "`min_delta` instead.", stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected arguments: {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"Learning rate reduction mode {mode} is unknown, fallback to "
                          "auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._reset()

    def _reset(self) -> None:
        mode = self.mode
        if mode == "auto":
            mode = monitor_mode(self.monitor, self.model) or "min"
        self._mode = mode
        self.best = np.inf if mode == "min" else -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = log_value(logs.get(self.monitor))
        if current is None:
            warnings.warn("Learning rate reduction is conditioned on metric "
                          f"`{self.monitor}` which is not available. Available metrics "
                          f"are: {','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improves(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch)

    def _improves(self, current: float) -> bool:
        if self._mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def _reduce(self, epoch: int) -> None:
        old_lr = float(self.model.optimizer.learning_rate)
        if old_lr <= np.float32(self.min_lr):
            return
        new_lr = max(old_lr * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                  f"{new_lr}.")
        self.cooldown_counter = self.cooldown
        self.wait = 0
