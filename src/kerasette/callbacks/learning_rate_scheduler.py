"""``LearningRateScheduler``: set the learning rate from a function of the epoch."""

from __future__ import annotations

import inspect

from .callback import Callback

__all__ = ["LearningRateScheduler"]


def _takes_two_arguments(schedule) -> bool:
    try:
        parameters = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: try the new API
        return True
    positional = [p for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in parameters)
    return variadic or len(positional) >= 2


class LearningRateScheduler(Callback):
    """Sets ``model.optimizer.learning_rate`` at the start of every epoch.

    ``schedule(epoch, lr)`` receives the epoch index (0-based) and the current learning
    rate and returns the new one (a float); ``schedule(epoch)`` works too. The learning
    rate is put into the epoch logs as ``learning_rate``.

    Args:
        schedule: the function, ``(epoch, lr) -> new_lr`` or ``(epoch) -> new_lr``.
        verbose: ``1`` prints the new learning rate every epoch; default ``0``.

    Example:

    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = LearningRateScheduler(scheduler)
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError("LearningRateScheduler expects `schedule` to be a function of "
                            f"(epoch, lr) or (epoch). Received: {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if _takes_two_arguments(self.schedule):
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        try:
            learning_rate = float(learning_rate)
        except (TypeError, ValueError):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate!r}") from None
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{learning_rate}.")

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
