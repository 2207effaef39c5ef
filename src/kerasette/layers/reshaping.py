"""Spatial reshaping layers: ZeroPadding, Cropping and UpSampling in 1, 2 and 3 D."""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..ops.spatial import normalize_data_format
from .arguments import int_tuple, is_int
from .base import InputSpec, Layer

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
           "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D"]


def _pairs(value, rank: int, name: str, owner: str) -> tuple:
    """``1`` -> ``((1, 1),) * rank``; ``(1, 2)`` -> ``((1, 1), (2, 2))`` for rank 2 (one
    symmetric amount per axis; for rank 1 the pair is ``(before, after)``); a tuple of
    ``rank`` pairs is kept. Every amount must be a non-negative int."""
    try:
        if is_int(value):
            pairs = ((value, value),) * rank
        elif rank == 1 and len(value) == 2 and all(is_int(v) for v in value):
            pairs = (tuple(value),)
        elif len(value) == rank and all(is_int(v) for v in value):
            pairs = tuple((v, v) for v in value)
        else:
            pairs = tuple(tuple(p) for p in value)
    except TypeError:
        pairs = ()
    if len(pairs) != rank or any(len(p) != 2 or any(
            not is_int(v) or v < 0 for v in p) for p in pairs):
        raise ValueError(f"{owner}: `{name}` must be an int, a tuple of {rank} ints, or a "
                         f"tuple of {rank} (before, after) pairs of non-negative ints; "
                         f"received {name}={value!r}.")
    return tuple((int(before), int(after)) for before, after in pairs)


class _SpatialLayer(Layer):
    """The rank, data format and spatial axes shared by this module's layers."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self._owner())
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def _spatial_axes(self) -> tuple:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def _map_spatial(self, input_shape, fn) -> tuple:
        """``input_shape`` with each spatial size ``n`` of axis ``i`` replaced by
        ``fn(i, n)`` (unknown sizes stay unknown)."""
        shape = list(input_shape)
        for i, axis in enumerate(self._spatial_axes):
            shape[axis] = None if shape[axis] is None else fn(i, shape[axis])
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        if self.rank > 1 or self.data_format != "channels_last":
            config["data_format"] = self.data_format
        return config


class _ZeroPadding(_SpatialLayer):
    """Adds rows / columns of zeros around the spatial axes.

    Args:
        padding: an int (the same on every side), one int per axis (symmetric), or one
            ``(before, after)`` pair per axis.
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (2-D and 3-D).
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", self._owner())

    def call(self, inputs):
        width = [(0, 0)] * inputs.ndim
        for pair, axis in zip(self.padding, self._spatial_axes):
            width[axis] = pair
        return ops.pad(inputs, width)

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, lambda i, n: n + sum(self.padding[i]))

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": padding}


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros: ``(batch, steps, features)`` ->
    ``(batch, before + steps + after, features)``; ``padding`` is an int or a pair."""

    rank = 1


class ZeroPadding2D(_ZeroPadding):
    """Pads height and width with zeros; ``padding=((top, bottom), (left, right))``.

    Example:
        >>> layer = ZeroPadding2D(padding=(1, 2))
    """

    rank = 2


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros."""

    rank = 3


class _Cropping(_SpatialLayer):
    """Removes positions at the start and end of the spatial axes.

    Args:
        cropping: an int (the same on every side), one int per axis (symmetric), or one
            ``(before, after)`` pair per axis.
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (2-D and 3-D).
    """

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", self._owner())

    def _remaining(self, axis_index: int, size: int) -> int:
        before, after = self.cropping[axis_index]
        if before + after >= size:
            raise ValueError(
                f"{self._owner()}: cropping {self.cropping[axis_index]} removes every "
                f"position of spatial axis {axis_index} of size {size}; the cropping must "
                f"leave at least one position.")
        return size - before - after

    def call(self, inputs):
        key = [slice(None)] * inputs.ndim
        for i, axis in enumerate(self._spatial_axes):
            before = self.cropping[i][0]
            key[axis] = slice(before, before + self._remaining(i, inputs.shape[axis]))
        return ops.getitem(inputs, tuple(key))

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, self._remaining)

    def get_config(self):
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": cropping}


class Cropping1D(_Cropping):
    """Crops the steps axis: ``cropping=(before, after)``; input
    ``(batch, steps, features)``."""

    rank = 1


class Cropping2D(_Cropping):
    """Crops height and width: ``cropping=((top, bottom), (left, right))``.

    Example:
        >>> layer = Cropping2D(cropping=((2, 2), (4, 4)))
    """

    rank = 2


class Cropping3D(_Cropping):
    """Crops the three spatial axes."""

    rank = 3


class _UpSampling(_SpatialLayer):
    """Repeats each position ``size`` times along the spatial axes (nearest neighbour).

    Args:
        size: an int or one int per axis (default 2).
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (2-D and 3-D).
    """

    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = int_tuple(size, self.rank, "size", self._owner())

    def call(self, inputs):
        for factor, axis in zip(self.size, self._spatial_axes):
            if factor > 1:
                inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, lambda i, n: n * self.size[i])

    def get_config(self):
        size = self.size[0] if self.rank == 1 else self.size
        return {**super().get_config(), "size": size}


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times: ``(batch, steps, features)`` ->
    ``(batch, steps * size, features)``."""

    rank = 1


class UpSampling2D(_UpSampling):
    """Upsamples height and width by ``size``: ``interpolation="nearest"`` (default)
    repeats rows and columns; ``"bilinear"`` interpolates linearly between pixel
    centres (half-pixel alignment, as ``tf.image.resize``).

    Example:
        >>> layer = UpSampling2D(size=(2, 2), interpolation="bilinear")
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{self._owner()}: `interpolation` must be 'nearest' or "
                             f"'bilinear'; received interpolation={interpolation!r}.")
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        x = inputs if self.data_format == "channels_first" else ops.transpose(
            inputs, (0, 3, 1, 2))
        height, width = x.shape[2], x.shape[3]
        rows = _linear_weights(height, height * self.size[0], x.dtype)
        cols = _linear_weights(width, width * self.size[1], x.dtype)
        x = ops.matmul(ops.matmul(rows, x), ops.transpose(cols))
        return x if self.data_format == "channels_first" else ops.transpose(x, (0, 2, 3, 1))

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


def _linear_weights(size: int, new_size: int, dtype):
    """The ``(new_size, size)`` matrix of linear interpolation with half-pixel centres."""
    source = (np.arange(new_size) + 0.5) * (size / new_size) - 0.5
    source = np.clip(source, 0, size - 1)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, size - 1)
    frac = source - low
    weights = np.zeros((new_size, size))
    np.add.at(weights, (np.arange(new_size), low), 1 - frac)
    np.add.at(weights, (np.arange(new_size), high), frac)
    return backend.to_device(weights, dtype=dtype)


class UpSampling3D(_UpSampling):
    """Repeats each position ``size`` times along the three spatial axes."""

    rank = 3
