"""``History``: the per-epoch record that ``fit`` returns."""

from __future__ import annotations

from .callback import Callback, log_value

__all__ = ["History"]


class History(Callback):
    """Records the epoch logs of ``fit``; ``fit`` returns it and sets ``model.history``.

    Attributes:
        history: dict from metric name (``"loss"``, ``"val_loss"``, ...) to the list of
            its epoch values, as Python floats.
        epoch: the list of epoch indices recorded (0-based, counting from
            ``initial_epoch``).

    Both are emptied when training begins, so a History reused across ``fit`` calls
    records only the latest one.

    Example:

    >>> history = model.fit(x, y, epochs=3, verbose=0)  # doctest: +SKIP
    >>> history.history["loss"]  # doctest: +SKIP
    [0.75, 0.52, 0.41]
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None) -> None:
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(log_value(value))
        if self.model is not None:
            self.model.history = self
