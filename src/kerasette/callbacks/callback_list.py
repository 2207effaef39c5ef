"""``CallbackList``: one object that forwards every hook to a list of callbacks."""

from __future__ import annotations

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]


def _flatten(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, (list, tuple)):
        return [inner for item in callbacks for inner in _flatten(item)]
    if not isinstance(callbacks, Callback):
        raise TypeError("Expected `callbacks` to be a list of `keras.callbacks.Callback` "
                        f"instances. Received: {callbacks!r} of type {type(callbacks)}")
    return [callbacks]


class CallbackList(Callback):
    """Holds the callbacks of one ``fit`` / ``evaluate`` / ``predict`` call.

    Every hook called on the list is called on each callback, in order. The training
    loop builds one, then calls ``on_train_begin``, ``on_epoch_begin``, ... on it.

    Args:
        callbacks: a list of ``Callback`` instances (nested lists are flattened);
            default ``None``.
        add_history: append a ``History`` unless one is in the list; default ``False``.
        add_progbar: append a ``ProgbarLogger`` unless one is in the list; default
            ``False``.
        model: the model to give every callback; default ``None``.
        **params: the loop's parameters, given to every callback (``epochs``,
            ``steps``, ``verbose``).

    Example:

    >>> callbacks = CallbackList([EarlyStopping()], add_history=True, model=model,
    ...                          epochs=10, steps=32, verbose=0)  # doctest: +SKIP
    """

    def __init__(self, callbacks=None, add_history: bool = False,
                 add_progbar: bool = False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)),
                             None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_params(self, params: dict) -> None:
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model) -> None:
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def on_batch_begin(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs=logs)

    def on_batch_end(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs=logs)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs=logs)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs=logs)

    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_train_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_train_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_test_batch_begin(batch, logs=logs)

    def on_test_batch_end(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_test_batch_end(batch, logs=logs)

    def on_predict_batch_begin(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_predict_batch_begin(batch, logs=logs)

    def on_predict_batch_end(self, batch: int, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_predict_batch_end(batch, logs=logs)

    def on_train_begin(self, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_test_begin(self, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_test_begin(logs)

    def on_test_end(self, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_test_end(logs)

    def on_predict_begin(self, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_predict_begin(logs)

    def on_predict_end(self, logs=None) -> None:
        for callback in self.callbacks:
            callback.on_predict_end(logs)
