"""Random geometric augmentation: ``RandomTranslation``, ``RandomRotation``, ``RandomZoom``.

Each draws one affine map per image (only when ``training=True``; at inference the images
pass unchanged) and resamples: output pixel ``(y, x)`` reads the input at
``M @ (x - cx, y - cy) + (cx, cy) + t``, with ``(cx, cy)`` the image centre in pixel
coordinates. Neighbours outside the image follow ``fill_mode``, as Keras documents:

- ``"reflect"``:  ``d c b a | a b c d | d c b a``
- ``"wrap"``:     ``a b c d | a b c d | a b c d``
- ``"nearest"``:  ``a a a a | a b c d | d d d d``
- ``"constant"``: ``k k k k | a b c d | k k k k`` (``k = fill_value``)

The coordinates are computed on the device; the resampling is one gather of the four
(bilinear) or one (nearest) neighbours, so gradients flow back to the input pixels.
"""

from __future__ import annotations

import math

from .. import backend, ops
from .image_augmentation import _ImageLayer

__all__ = ["RandomTranslation", "RandomRotation", "RandomZoom"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _fix_index(index, size: int, fill_mode: str):
    """Integer pixel indices mapped back inside ``[0, size)`` by ``fill_mode``."""
    xp = backend.xp
    if fill_mode == "reflect":
        index = index % (2 * size)
        return xp.where(index >= size, 2 * size - 1 - index, index)
    if fill_mode == "wrap":
        return index % size
    return xp.clip(index, 0, size - 1)  # "nearest"; "constant" masks these reads


def _neighbours(src_y, src_x, interpolation: str):
    """``[(row, col, weight), ...]``: the pixels that an output pixel blends."""
    xp = backend.xp
    if interpolation == "nearest":
        return [(xp.floor(src_y + 0.5), xp.floor(src_x + 0.5), xp.ones_like(src_y))]
    y0, x0 = xp.floor(src_y), xp.floor(src_x)
    fy, fx = src_y - y0, src_x - x0
    return [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
            (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]


def affine_resample(images, matrix, offset, interpolation="bilinear", fill_mode="reflect",
                    fill_value=0.0):
    """Resamples ``(batch, h, w, c)`` images through per-image affine maps.

    Args:
        images: a float Tensor.
        matrix: a ``(batch, 2, 2)`` device array acting on centred ``(x, y)``.
        offset: a ``(batch, 2)`` device array ``(tx, ty)`` added to the source point.

    Returns:
        A Tensor of the input's shape.
    """
    xp = backend.xp
    batch, height, width, channels = images.shape
    dtype = matrix.dtype
    ys, xs = xp.meshgrid(xp.arange(height, dtype=dtype), xp.arange(width, dtype=dtype),
                         indexing="ij")
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    xs, ys = xs.reshape(1, -1) - cx, ys.reshape(1, -1) - cy
    src_x = matrix[:, 0, 0:1] * xs + matrix[:, 0, 1:2] * ys + cx + offset[:, 0:1]
    src_y = matrix[:, 1, 0:1] * xs + matrix[:, 1, 1:2] * ys + cy + offset[:, 1:2]
    indices, weights, outside = [], [], 0.0
    for row, col, weight in _neighbours(src_y, src_x, interpolation):
        if fill_mode == "constant":
            inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)
            outside = outside + weight * (~inside)
            weight = weight * inside
        row = _fix_index(row.astype(xp.int64), height, fill_mode)
        col = _fix_index(col.astype(xp.int64), width, fill_mode)
        indices.append(row * width + col)
        weights.append(weight)
    count = len(indices)
    flat = ops.reshape(images, (batch, height * width, channels))
    gathered = ops.take_along_axis(flat, xp.concatenate(indices, axis=1)[:, :, None], axis=1)
    gathered = ops.reshape(gathered, (batch, count, height * width, channels))
    blend = xp.stack(weights, axis=1)[..., None].astype(images.dtype)
    out = ops.sum(ops.multiply(gathered, blend), axis=1)
    if fill_mode == "constant" and fill_value:
        out = ops.add(out, (outside * fill_value)[..., None].astype(images.dtype))
    return ops.reshape(out, (batch, height, width, channels))


def _as_tuple(value):
    """Lists (as a config read back from JSON holds) become tuples, so configs compare."""
    return tuple(value) if isinstance(value, list) else value


def _factor_pair(layer, name: str, factor, bound=None):
    """``factor`` (a number ``f`` means ``(-f, f)``) as a ``(lower, upper)`` pair."""
    pair = factor if isinstance(factor, tuple) else (-factor, factor)
    ok = len(pair) == 2 and all(isinstance(v, (int, float)) for v in pair)
    ok = ok and pair[0] <= pair[1] and (bound is None or bound(pair))
    if not ok:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{name}` must be a number "
                         f"or a (lower, upper) pair with lower <= upper"
                         f"{'' if bound is None else ' ' + bound.__doc__}; received "
                         f"{name}={factor!r}.")
    return float(pair[0]), float(pair[1])


def _within_one(pair):
    """within [-1, 1]"""
    return all(-1.0 <= v <= 1.0 for v in pair)


def _at_least_minus_one(pair):
    """and lower >= -1"""
    return pair[0] >= -1.0


class _AffineLayer(_ImageLayer):
    """Shared arguments and the training-only resampling of the three layers."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        kind = f"{type(self).__name__} '{self.name}'"
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{kind}: `fill_mode` must be one of {FILL_MODES}; received "
                             f"fill_mode={fill_mode!r}.")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{kind}: `interpolation` must be 'bilinear' or 'nearest'; "
                             f"received interpolation={interpolation!r}.")
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{kind}: `data_format` must be 'channels_last' or "
                             f"'channels_first'; received data_format={data_format!r}.")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value, self.data_format = float(fill_value), data_format

    def _draw(self, batch: int, lower: float, upper: float):
        return self._uniform((batch,)) * (upper - lower) + lower

    def _transform(self, batch: int, height: int, width: int):
        """The ``(matrix, offset)`` device arrays of one batch's maps."""
        raise NotImplementedError

    def call(self, inputs, training=True):
        x = self._floats(inputs)
        if not training:
            return x
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        matrix, offset = self._transform(x.shape[0], x.shape[1], x.shape[2])
        out = affine_resample(x, matrix, offset, self.interpolation, self.fill_mode,
                              self.fill_value)
        if self.data_format == "channels_first":
            out = ops.transpose(out, (0, 3, 1, 2))
        return out

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value, "data_format": self.data_format}


def _diagonal(sx, sy):
    xp = backend.xp
    zero = xp.zeros_like(sx)
    return xp.stack([xp.stack([sx, zero], -1), xp.stack([zero, sy], -1)], 1)


class RandomTranslation(_AffineLayer):
    """In training, shifts each image by ``height_factor * height`` rows (positive: down)
    and ``width_factor * width`` columns (positive: right), drawn uniformly.

    Args:
        height_factor, width_factor: a float ``f`` (the range ``[-f, f]``) or a
            ``(lower, upper)`` pair, fractions of the image size within ``[-1, 1]``.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: optional int for a reproducible sequence of shifts.
        fill_value: the value of ``"constant"`` filling, default 0.0.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, height, width, channels)``. Output shape: the same.

    Example:
        >>> layer = RandomTranslation(0.1, 0.1, fill_mode="constant", seed=0)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = _as_tuple(height_factor)
        self.width_factor = _as_tuple(width_factor)
        self._height = _factor_pair(self, "height_factor", self.height_factor, _within_one)
        self._width = _factor_pair(self, "width_factor", self.width_factor, _within_one)

    def _transform(self, batch, height, width):
        xp = backend.xp
        dy = self._draw(batch, *self._height) * height
        dx = self._draw(batch, *self._width) * width
        ones = xp.ones_like(dx)
        return _diagonal(ones, ones), xp.stack([-dx, -dy], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomRotation(_AffineLayer):
    """In training, rotates each image about its centre by ``factor * 2 pi`` radians
    drawn uniformly (positive: counter-clockwise).

    Args:
        factor: a float ``f`` (the range ``[-f, f]``) or a ``(lower, upper)`` pair, as
            fractions of a full turn: ``0.25`` is up to 90 degrees either way.
        fill_mode, interpolation, seed, fill_value, data_format: as in
            ``RandomTranslation``.
        value_range: accepted and kept in the config, as in Keras.

    Example:
        >>> layer = RandomRotation(0.1, seed=0)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, value_range=(0, 255), data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor, self.value_range = _as_tuple(factor), tuple(value_range)
        self._range = _factor_pair(self, "factor", self.factor)

    def _transform(self, batch, height, width):
        xp = backend.xp
        angle = self._draw(batch, *self._range) * (2 * math.pi)
        cos, sin = xp.cos(angle), xp.sin(angle)
        matrix = xp.stack([xp.stack([cos, -sin], -1), xp.stack([sin, cos], -1)], 1)
        return matrix, xp.zeros((batch, 2), dtype=matrix.dtype)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range}


class RandomZoom(_AffineLayer):
    """In training, zooms each image about its centre by ``1 + height_factor`` vertically
    and ``1 + width_factor`` horizontally, drawn uniformly (positive: zoom out).

    Args:
        height_factor: a float ``f`` (the range ``[-f, f]``) or a ``(lower, upper)``
            pair with lower >= -1.
        width_factor: the same for the width; None (default) keeps the aspect ratio by
            using the height's draw.
        fill_mode, interpolation, seed, fill_value, data_format: as in
            ``RandomTranslation``.

    Example:
        >>> layer = RandomZoom((-0.3, -0.1), seed=0)  # zoom in by 10% to 30%
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = _as_tuple(height_factor)
        self.width_factor = _as_tuple(width_factor)
        self._height = _factor_pair(self, "height_factor", self.height_factor,
                                    _at_least_minus_one)
        self._width = None if width_factor is None else _factor_pair(
            self, "width_factor", self.width_factor, _at_least_minus_one)

    def _transform(self, batch, height, width):
        zy = 1.0 + self._draw(batch, *self._height)
        zx = zy if self._width is None else 1.0 + self._draw(batch, *self._width)
        return _diagonal(zx, zy), backend.xp.zeros((batch, 2), dtype=zx.dtype)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
