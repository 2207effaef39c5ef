"""``CSVLogger``: write the epoch logs to a CSV file as training goes."""

from __future__ import annotations

import collections.abc
import csv
import os

from .callback import Callback, log_value

__all__ = ["CSVLogger"]


def _cell(value):
    value = log_value(value)
    if isinstance(value, str) or not isinstance(value, collections.abc.Iterable):
        return value
    return f"[{', '.join(map(str, value))}]"  # a vector, written as one quoted cell


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file: a header ``epoch,<sorted keys>``, one row
    per epoch.

    The columns are fixed by the first epoch's keys, sorted; when those have no
    ``val_*`` key, ``val_<key>`` columns are added for every key (validation may start
    later, with ``validation_freq``). A missing value is written ``NA``. Numbers are
    written as Python floats; vectors as one ``"[a, b]"`` cell.

    Args:
        filename: path of the CSV file, e.g. ``"run/log.csv"``.
        separator: the field separator; default ``","``.
        append: ``True`` appends to an existing file (continuing training; no second
            header), ``False`` overwrites it; default ``False``.

    Example:

    >>> csv_logger = CSVLogger("training.log")
    >>> model.fit(x, y, callbacks=[csv_logger])  # doctest: +SKIP
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None) -> None:
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                self.append_header = not existing.readline()
        self._close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="",
                             encoding="utf-8")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += ["val_" + key for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep, lineterminator="\r\n")
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None) -> None:
        self._close()
        self.writer = None

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
