"""``ModelCheckpoint``: save the model (or its weights) during training."""

from __future__ import annotations

import math
import warnings

from .callback import Callback
from .monitor import monitor_mode

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Saves the model or its weights at some frequency, optionally only when it improves.

    Every save is atomic (a temporary file in the same folder, flushed to disk, then
    renamed), so a crash mid-save never destroys the previous checkpoint.

    Args:
        filepath: where to save; may contain ``{epoch}``, ``{batch}`` and log keys, e.g.
            ``"w.{epoch:02d}-{val_loss:.2f}.h5"``.
        monitor: the quantity that ``save_best_only`` watches (default ``"val_loss"``).
        verbose: 1 prints a line at each save.
        save_best_only: save only when ``monitor`` improves on the best so far.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"``, ``"min"`` or ``"max"``: which way ``monitor`` improves.
        save_freq: ``"epoch"``, or an integer number of batches between saves.
        initial_value_threshold: the best value to beat at the start.

    Example:
        >>> model.fit(x, y, validation_split=0.2, callbacks=[
        ...     ModelCheckpoint("best.h5", monitor="val_loss", save_best_only=True)])
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None, **kwargs):
        super().__init__()
        kwargs.pop("options", None)
        if kwargs.pop("period", None) is not None:
            raise ValueError("ModelCheckpoint: `period` was removed; use `save_freq`.")
        if kwargs:
            raise TypeError(f"ModelCheckpoint: unexpected keyword arguments {sorted(kwargs)}.")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ModelCheckpoint: unrecognized mode={mode!r}; expected 'auto', "
                             f"'min' or 'max'.")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: unrecognized save_freq={save_freq!r}; "
                             f"expected 'epoch' or a positive integer of batches.")
        self.filepath = str(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self._epoch = 0
        self._batches_seen = 0

    def on_train_begin(self, logs=None):
        mode = self.mode if self.mode != "auto" else (
            monitor_mode(self.monitor, self.model) or "min")
        self._better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
        worst = math.inf if mode == "min" else -math.inf
        threshold = self.initial_value_threshold
        self.best = worst if threshold is None else float(threshold)
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch: int, batch, logs) -> None:
        logs = dict(logs or {})
        path = self._format(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint: can save best model only with "
                              f"{self.monitor} available; skipping. Available logs: "
                              f"{sorted(logs)}.", stacklevel=2)
                return
            current = float(current)
            if not self._better(current, self.best):
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} "
                      f"to {current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)

    def _format(self, epoch: int, batch, logs: dict) -> str:
        values = {k: float(v) for k, v in logs.items()}
        try:
            return self.filepath.format(epoch=epoch + 1, batch=batch, **values)
        except KeyError as error:
            raise KeyError(f"ModelCheckpoint: failed to format the filepath "
                           f"{self.filepath!r}: the key {error} is not in the logs "
                           f"({sorted(values)}).") from error
