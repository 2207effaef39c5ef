"""``LambdaCallback``: a callback made of plain functions."""

from __future__ import annotations

from .callback import Callback

__all__ = ["LambdaCallback"]

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
          "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
          "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
          "on_predict_batch_end")


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given; the others do nothing.

    Epoch hooks are called as ``f(epoch, logs)``, batch hooks as ``f(batch, logs)``,
    begin/end hooks as ``f(logs)``. Any hook name can be passed as a keyword
    (``on_test_end=...``, or the Keras 2 ``on_batch_end=...``).

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end,
        on_train_batch_begin, on_train_batch_end: functions, default ``None``.
        **kwargs: more hooks by name.

    Example:

    >>> losses = []
    >>> callback = LambdaCallback(
    ...     on_epoch_end=lambda epoch, logs: losses.append(float(logs["loss"])))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hooks {unknown}. "
                            f"Expected names among {list(_HOOKS)}.")
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
