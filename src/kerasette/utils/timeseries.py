"""Sliding windows over a time series, in batches ``fit`` reads: Keras 3's
``timeseries_dataset_from_array`` and Keras 2's ``TimeseriesGenerator``.

Both gather each batch's windows with one fancy index, ``data[starts[:, None] +
offsets]``, so nothing is copied ahead of time.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from .. import backend
from ..autograd import Tensor
from .data import PyDataset

__all__ = ["TimeseriesGenerator", "timeseries_dataset_from_array"]


def _tensor(array) -> Tensor:
    if array.dtype == np.float64 and backend.floatx() != "float64":
        array = array.astype(backend.floatx())
    return Tensor(backend.to_device(array))


def _positive(name: str, value) -> int:
    if not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


class TimeseriesDataset(PyDataset):
    """The windows ``timeseries_dataset_from_array`` makes: ``dataset[i]`` is batch ``i``.

    Yields ``(windows, targets)``, or only the windows when there are no targets; with
    ``batch_size=None`` each item is one window. Items are tensors, as ``tf.data`` yields
    them in the Keras tutorials (``x[0].numpy()``), and ``take(n)`` gives the first ``n``.
    With ``shuffle`` the windows are drawn in a new order every epoch.
    """

    def __init__(self, data, targets, starts, offsets, batch_size, shuffle, seed):
        super().__init__()
        self.data, self.targets = data, targets
        self.starts, self.offsets = starts, offsets
        self.batch_size, self.shuffle = batch_size, shuffle
        self._rng = np.random.default_rng(seed)
        if shuffle:
            self._rng.shuffle(self.starts)

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} is out of range for {len(self)} batches")
        if self.batch_size is None:
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = _tensor(self.data[np.expand_dims(starts, -1) + self.offsets])
        return windows if self.targets is None else (windows, _tensor(self.targets[starts]))

    def take(self, count: int):
        """The first ``count`` items (the ``tf.data.Dataset.take`` idiom)."""
        return islice(iter(self), count)

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._rng.shuffle(self.starts)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Batches of sliding windows over ``data``, for ``fit``, ``evaluate`` and ``predict``.

    The window starting at index ``i`` holds ``data[i], data[i + sampling_rate], ...``,
    ``sequence_length`` steps in all; windows start every ``sequence_stride`` steps, and
    the window starting at ``i`` is paired with ``targets[i]``.

    Args:
        data: an array whose first axis is time.
        targets: an array of targets (``targets[i]`` for the window starting at ``i``), or
            ``None`` to yield windows only.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of successive windows; default 1.
        sampling_rate: steps between the entries of a window; default 1.
        batch_size: windows per batch (the last may be smaller); ``None`` yields single
            windows. Default 128.
        shuffle: draw the windows in random order (a new one each epoch); default False.
        seed: seed of that order.
        start_index, end_index: use only ``data[start_index:end_index]``.

    Returns:
        A ``PyDataset`` of ``(windows, targets)`` batches of tensors (windows only without
        targets).

    Example:
        >>> series = np.arange(100, dtype="float32")
        >>> dataset = timeseries_dataset_from_array(series[:-10], series[10:],
        ...                                         sequence_length=10)
        >>> windows, targets = dataset[0]   # windows[0] is 0..9, targets[0] is 10
    """
    data = np.asarray(data)
    targets = None if targets is None else np.asarray(targets)
    sequence_length = _positive("sequence_length", sequence_length)
    sequence_stride = _positive("sequence_stride", sequence_stride)
    sampling_rate = _positive("sampling_rate", sampling_rate)
    if batch_size is not None:
        batch_size = _positive("batch_size", batch_size)
    start_index = 0 if start_index is None else start_index
    if not 0 <= start_index < len(data):
        raise ValueError(f"`start_index` must be 0 or greater and lower than the length of "
                         f"the data ({len(data)}). Received: start_index={start_index}")
    end_index = len(data) if end_index is None else end_index
    if not start_index < end_index <= len(data):
        raise ValueError(f"`end_index` must be higher than `start_index` ({start_index}) and "
                         f"at most the length of the data ({len(data)}). Received: "
                         f"end_index={end_index}")
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets) - start_index)
    starts = start_index + np.arange(0, max(count, 0), sequence_stride)
    offsets = np.arange(sequence_length) * sampling_rate
    return TimeseriesDataset(data, targets, starts, offsets, batch_size, shuffle, seed)


class TimeseriesGenerator(PyDataset):
    """Keras 2's window generator: batch ``i`` pairs the windows that end just before
    step ``t`` with ``targets[t]``.

    For each step ``t`` from ``start_index + length`` to ``end_index`` (every
    ``stride``-th), the window is ``data[t - length:t:sampling_rate]``.

    Args:
        data: an array whose first axis is time.
        targets: one target per step of ``data`` (same length).
        length: steps the window spans before its target.
        sampling_rate: steps between the entries of a window; default 1.
        stride: steps between successive windows; default 1.
        start_index, end_index: the first and last (inclusive) data steps to use; default
            the whole series.
        shuffle: draw ``batch_size`` random target steps per batch instead; default False.
        reverse: windows in reverse time order; default False.
        batch_size: windows per batch; default 128.

    Example:
        >>> series = np.arange(50).reshape(-1, 1)
        >>> generator = TimeseriesGenerator(series, series, length=10, sampling_rate=2,
        ...                                 batch_size=2)
        >>> x, y = generator[0]   # x: steps 0, 2, .., 8 and 1, 3, .., 9; y: 10, 11
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        super().__init__()
        self.data, self.targets = np.asarray(data), np.asarray(targets)
        if len(self.data) != len(self.targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is "
                             f"{len(self.data)} while target length is {len(self.targets)}")
        self.length = _positive("length", length)
        self.sampling_rate = _positive("sampling_rate", sampling_rate)
        self.stride = _positive("stride", stride)
        self.batch_size = _positive("batch_size", batch_size)
        self.start_index = start_index + self.length
        self.end_index = len(self.data) - 1 if end_index is None else end_index
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index="
                             f"{self.end_index}` is disallowed, as no part of the sequence "
                             f"would be left to be used as current step.")
        self.shuffle, self.reverse = shuffle, reverse
        self._offsets = np.arange(-self.length, 0, self.sampling_rate)

    def __len__(self) -> int:
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index: int):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1,
                                     size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            last = min(first + self.batch_size * self.stride, self.end_index + 1)
            rows = np.arange(first, last, self.stride)
        windows = self.data[rows[:, None] + self._offsets]
        return (windows[:, ::-1] if self.reverse else windows), self.targets[rows]
