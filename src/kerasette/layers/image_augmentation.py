"""Image preprocessing and augmentation layers on ``(batch, height, width, channels)``.

``Resizing`` and ``CenterCrop`` always apply; ``RandomFlip``, ``RandomCrop`` and
``RandomContrast`` draw a new transformation per batch only when ``training=True`` (as in
Keras, they leave images unchanged at inference, except that ``RandomCrop`` then returns
the centred window of the target aspect ratio, resized). As in Keras 3, ``training``
defaults to True: a direct call (``augment(images)``) augments, while ``predict`` and
``evaluate`` pass ``training=False``.
"""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd import Tensor
from .base import InputSpec, Layer

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomCrop", "RandomContrast"]


def _interpolation_matrix(size_in: int, size_out: int, interpolation: str, dtype):
    """The ``(size_out, size_in)`` matrix of a 1-D resize with half-pixel centres.

    Output pixel ``i`` samples the input at ``(i + 0.5) * size_in / size_out - 0.5``
    (Keras's ``antialias=False`` resize): the nearest pixel, or a linear blend of the two
    neighbours, clamped at the borders.
    """
    scale = size_in / size_out
    centres = (np.arange(size_out) + 0.5) * scale
    matrix = np.zeros((size_out, size_in), dtype=np.float64)
    rows = np.arange(size_out)
    if interpolation == "nearest":
        matrix[rows, np.minimum(np.floor(centres).astype(int), size_in - 1)] = 1.0
    else:
        position = centres - 0.5
        low = np.floor(position)
        frac = position - low
        low_i = np.clip(low.astype(int), 0, size_in - 1)
        high_i = np.clip(low.astype(int) + 1, 0, size_in - 1)
        np.add.at(matrix, (rows, low_i), 1.0 - frac)
        np.add.at(matrix, (rows, high_i), frac)
    return backend.to_device(matrix.astype(dtype))


def _aspect_crop(height: int, width: int, target_h: int, target_w: int):
    """The centred ``(top, left, crop_h, crop_w)`` window of the target aspect ratio."""
    crop_h = min(height, int(width * target_h / target_w))
    crop_w = min(width, int(height * target_w / target_h))
    return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


def _resize(images, height: int, width: int, interpolation: str, crop: bool):
    """Differentiable resize: ``rows @ image @ cols.T`` on each channel plane."""
    if crop:
        top, left, crop_h, crop_w = _aspect_crop(images.shape[1], images.shape[2],
                                                 height, width)
        images = ops.getitem(images, (slice(None), slice(top, top + crop_h),
                                      slice(left, left + crop_w)))
    if images.shape[1:3] == (height, width):
        return images
    x = ops.transpose(images, (0, 3, 1, 2))
    rows = _interpolation_matrix(x.shape[2], height, interpolation, x.dtype)
    cols = _interpolation_matrix(x.shape[3], width, interpolation, x.dtype)
    x = ops.matmul(ops.matmul(rows, x), ops.transpose(cols))
    return ops.transpose(x, (0, 2, 3, 1))


def _window(images, top: int, left: int, height: int, width: int):
    return ops.getitem(images, (slice(None), slice(top, top + height),
                                slice(left, left + width)))


class _ImageLayer(Layer):
    """Shared plumbing: float cast, 4-D input spec, an optional seeded stream."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = None if seed is None else backend.SeedStream(seed)
        self.input_spec = InputSpec(ndim=4)

    def _floats(self, inputs):
        return ops.cast(inputs, self.dtype)

    def _uniform(self, shape):
        """Uniform ``[0, 1)`` draws on the device, from the layer's seed or the global one."""
        generator = backend.rng(self._generator)
        return generator.random(shape, dtype=np.float32).astype(self.dtype, copy=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class _SizedLayer(_ImageLayer):
    """A layer with a target ``(height, width)``."""

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        for name, value in (("height", height), ("width", width)):
            if not (isinstance(value, (int, np.integer)) and value > 0):
                raise ValueError(f"{type(self).__name__} '{self.name}': `{name}` must be a "
                                 f"positive int; received {name}={value!r}.")
        self.height, self.width = int(height), int(width)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class Resizing(_SizedLayer):
    """Resizes images to ``(height, width)`` with half-pixel centres, in any mode.

    Args:
        height, width: ints, the output size.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        crop_to_aspect_ratio: bool, default False; if True, first take the largest
            centred window with the target aspect ratio, so images are not distorted.

    Input shape: ``(batch, h, w, channels)``. Output shape: ``(batch, height, width,
    channels)``.

    Example:
        >>> layer = Resizing(32, 32)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 **kwargs):
        super().__init__(height, width, **kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing '{self.name}': `interpolation` must be 'bilinear' "
                             f"or 'nearest'; received interpolation={interpolation!r}.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)

    def call(self, inputs):
        return _resize(self._floats(inputs), self.height, self.width, self.interpolation,
                       self.crop_to_aspect_ratio)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio}


class CenterCrop(_SizedLayer):
    """Returns the centred ``(height, width)`` window; a smaller image is first resized
    (bilinear, cropped to the target aspect ratio), as in Keras.

    Example:
        >>> layer = CenterCrop(24, 24)
    """

    def call(self, inputs):
        x = self._floats(inputs)
        h, w = x.shape[1], x.shape[2]
        if h < self.height or w < self.width:
            return _resize(x, self.height, self.width, "bilinear", True)
        return _window(x, (h - self.height) // 2, (w - self.width) // 2, self.height,
                       self.width)


class RandomCrop(_SizedLayer):
    """In training, one random ``(height, width)`` window per batch; at inference (or for
    images smaller than the target) the centred window of the target aspect ratio, resized.

    Args:
        height, width: ints, the output size.
        seed: optional int for a reproducible sequence of windows.

    Example:
        >>> layer = RandomCrop(28, 28, seed=1)
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(height, width, seed=seed, **kwargs)
        # Window offsets are host integers: drawing them on the host keeps the training
        # step free of device reads. Without a seed they follow NumPy's global generator,
        # which keras.utils.set_random_seed seeds, so a seeded script repeats its windows.
        self._offsets = np.random.default_rng(
            seed if seed is not None else np.random.randint(2 ** 31 - 1))

    def call(self, inputs, training=True):
        x = self._floats(inputs)
        h, w = x.shape[1], x.shape[2]
        if not training or h < self.height or w < self.width:
            return _resize(x, self.height, self.width, "bilinear", True)
        top = int(self._offsets.integers(0, h - self.height + 1))
        left = int(self._offsets.integers(0, w - self.width + 1))
        return _window(x, top, left, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomFlip(_ImageLayer):
    """In training, flips each image left-right and/or up-down with probability 1/2.

    Args:
        mode: ``"horizontal_and_vertical"`` (default), ``"horizontal"`` or ``"vertical"``.
        seed: optional int for a reproducible sequence of flips.

    Example:
        >>> layer = RandomFlip("horizontal", seed=0)
    """

    _MODES = ("horizontal_and_vertical", "horizontal", "vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in self._MODES:
            raise ValueError(f"RandomFlip '{self.name}': `mode` must be one of "
                             f"{self._MODES}; received mode={mode!r}.")
        self.mode = mode

    def _maybe_flip(self, x, axis: int):
        flipped = ops.getitem(x, (slice(None),) * axis + (slice(None, None, -1),))
        chosen = Tensor(self._uniform((x.shape[0], 1, 1, 1)) < 0.5)
        return ops.where(chosen, flipped, x)

    def call(self, inputs, training=True):
        x = self._floats(inputs)
        if not training:
            return x
        if self.mode != "vertical":
            x = self._maybe_flip(x, 2)
        if self.mode != "horizontal":
            x = self._maybe_flip(x, 1)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


class RandomContrast(_ImageLayer):
    """In training, ``(x - mean) * f + mean`` per image and channel, clipped to
    ``value_range``, with ``f`` uniform in ``[1 - lower, 1 + upper]`` per image.

    Args:
        factor: float or ``(lower, upper)``, each in ``[0, 1]``.
        value_range: ``(min, max)`` of the pixel values, default ``(0, 255)``.
        seed: optional int for a reproducible sequence of factors.

    Example:
        >>> layer = RandomContrast(0.2, seed=0)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        lower, upper = factor if isinstance(factor, (tuple, list)) else (factor, factor)
        if not (0 <= lower <= 1 and 0 <= upper):
            raise ValueError(f"RandomContrast '{self.name}': `factor` must be a float or a "
                             f"(lower, upper) pair with 0 <= lower <= 1 and upper >= 0; "
                             f"received factor={factor!r}.")
        self.factor = factor
        self.lower, self.upper = float(lower), float(upper)
        self.value_range = tuple(value_range)

    def call(self, inputs, training=True):
        x = self._floats(inputs)
        if not training:
            return x
        draw = self._uniform((x.shape[0], 1, 1, 1))
        contrast = Tensor(draw * (self.lower + self.upper) + (1.0 - self.lower))
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(x, mean), contrast), mean)
        return ops.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
