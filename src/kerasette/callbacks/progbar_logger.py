"""``ProgbarLogger``: Keras's progress display, drawn with ``tqdm``.

``verbose=1`` draws one bar per epoch (a widget in notebooks, through ``tqdm.auto``)
whose postfix is the running metrics in Keras's form, ``loss: 0.1234 - mae: 0.5678``;
``verbose=2`` prints one line per epoch: ``32/32 - 1s - 31ms/step - loss: 0.1234``.
"""

from __future__ import annotations

import time

from .callback import Callback, format_logs

__all__ = ["ProgbarLogger", "resolve_verbose"]


def resolve_verbose(verbose):
    """``verbose="auto"`` as Keras reads it: a live bar (1) in a terminal or a notebook,
    one line per epoch (2) when the output is a log file or a CI console, where a bar's
    carriage-return frames would pile up."""
    if verbose != "auto":
        return verbose
    import sys

    interactive = "ipykernel" in sys.modules or getattr(sys.stdout, "isatty", lambda: False)()
    return 1 if interactive else 2


def _tqdm_class():
    try:
        from tqdm.auto import tqdm
    except ImportError as error:  # tqdm is a dependency; say so if it went missing
        raise ImportError("ProgbarLogger with verbose=1 draws its bar with `tqdm`, which "
                          "is not installed. Install it with `pip install tqdm`, or pass "
                          "verbose=2 (one line per epoch) or verbose=0.") from error
    return tqdm


def format_step_time(seconds: float, unit: str = "step") -> str:
    """Keras's time per step: ``2s/step``, ``31ms/step`` or ``450us/step``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


class ProgbarLogger(Callback):
    """Shows the progress of ``fit``, ``evaluate`` and ``predict``.

    ``fit`` adds one when ``verbose`` is not 0; it reads ``verbose``, ``epochs`` and
    ``steps`` from the loop's params. With ``verbose=1``, each epoch prints
    ``Epoch i/N`` (when N > 1) and then a ``tqdm`` bar over ``steps`` batches (a
    counter when ``steps`` is unknown). The bar redraws at most every ``mininterval``
    seconds and the metrics postfix is formatted only for a redraw, since reading a
    metric may wait for the GPU. When the epoch ends the bar shows the epoch's logs,
    ``val_*`` included. With ``verbose=2`` each epoch prints one line at its end.
    Validation inside ``fit`` shows nothing; ``evaluate`` and ``predict`` get their own.

    Args:
        count_mode: accepted for Keras 2 code; progress is always counted in steps.
        stateful_metrics: accepted for Keras 2 code; logs are always shown as given
            (the loop passes running averages).
    """

    def __init__(self, count_mode: str = "steps", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(f"Unknown `count_mode`: {count_mode!r}. "
                             "Expected 'steps' or 'samples'.")
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.mininterval = 0.1
        self.seen = 0
        self._called_in_fit = False
        self._bar = None
        self._start = 0.0
        self._first_step_end = None

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = resolve_verbose(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None) -> None:
        self._called_in_fit = True

    def on_train_end(self, logs=None) -> None:
        self._called_in_fit = False

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self._begin()

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self._advance(batch, logs)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self._end(logs)

    def on_test_begin(self, logs=None) -> None:
        if not self._called_in_fit:
            self._begin()

    def on_test_batch_end(self, batch: int, logs=None) -> None:
        if not self._called_in_fit:
            self._advance(batch, logs)

    def on_test_end(self, logs=None) -> None:
        if not self._called_in_fit:
            self._end(logs)

    def on_predict_begin(self, logs=None) -> None:
        self._begin()

    def on_predict_batch_end(self, batch: int, logs=None) -> None:
        self._advance(batch, None)  # predict's batch logs are outputs, not metrics

    def on_predict_end(self, logs=None) -> None:
        self._end(None)

    def _begin(self) -> None:
        self._close_bar()
        self.seen = 0
        self._start = time.perf_counter()
        self._first_step_end = None
        if self.verbose == 1:
            self._bar = _tqdm_class()(total=self.target, unit="step", leave=True,
                                      mininterval=self.mininterval, miniters=1)

    def _advance(self, batch: int, logs) -> None:
        self.seen = batch + 1
        if self._first_step_end is None:
            self._first_step_end = time.perf_counter()
        bar = self._bar
        if bar is None:
            return
        # Format the postfix only when tqdm is about to redraw (its own throttle rule).
        if logs is not None and time.time() - bar.last_print_t >= bar.mininterval:
            bar.set_postfix_str(format_logs(logs), refresh=False)
        bar.update(self.seen - bar.n)

    def _end(self, logs) -> None:
        if self.target is None:
            self.target = self.seen  # later epochs know their length
        text = format_logs(logs) if logs else ""
        if self.verbose == 1 and self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)
            self._bar.n = self.seen
            self._close_bar(untrimmed=True)
        elif self.verbose == 2:
            self._print_line(text)

    def _print_line(self, text: str) -> None:
        now = time.perf_counter()
        width = len(str(self.target))
        line = (f"{self.seen:{width}d}/{self.target} - {now - self._start:.0f}s - "
                f"{format_step_time(self._time_per_step(now))}")
        print(line + (f" - {text}" if text else ""), flush=True)

    def _time_per_step(self, now: float) -> float:
        """Mean time per step, leaving out the first one (which pays for warm-up)."""
        if self.seen > 1 and self._first_step_end is not None:
            return (now - self._first_step_end) / (self.seen - 1)
        return (now - self._start) / self.seen if self.seen else 0.0

    def _close_bar(self, untrimmed: bool = False) -> None:
        bar, self._bar = self._bar, None
        if bar is None:
            return
        if untrimmed and isinstance(bar.ncols, int):
            # tqdm cuts a line at the terminal width; the final one keeps every metric.
            line = bar.format_meter(**{**bar.format_dict, "ncols": None})
            if len(line) > bar.ncols:
                bar.ncols = None
        bar.close()
