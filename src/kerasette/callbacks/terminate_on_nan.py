"""``TerminateOnNaN``: stop training when the loss becomes NaN or infinite."""

from __future__ import annotations

import math

from .callback import Callback, log_value

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Sets ``model.stop_training`` when a training batch's ``loss`` is NaN or inf.

    It reads the loss after every batch, which on a GPU waits for that batch to finish.
    """

    def on_batch_end(self, batch: int, logs=None) -> None:
        if logs is None:
            return
        loss = log_value(logs.get("loss"))
        if isinstance(loss, float) and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
