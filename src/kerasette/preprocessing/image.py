"""Image augmentation: ``ImageDataGenerator`` and the iterators that ``fit`` reads.

``ImageDataGenerator(...).flow(x, y, batch_size)`` and ``.flow_from_directory(path)``
return ``keras.utils.Sequence`` objects, so ``model.fit(generator.flow(x, y), ...)`` works
directly; iterating with ``next()`` runs forever, reshuffling each epoch, as in Keras.
Each batch is transformed as a whole (``image_transforms``), then standardized:
``preprocessing_function``, ``rescale``, sample-wise then feature-wise centering and
normalization, ZCA whitening.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import image_transforms as transforms
from .image_io import array_to_img, img_to_array, load_img, save_img
from .image_iterators import DirectoryIterator, Iterator, NumpyArrayIterator

__all__ = ["ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
           "load_img", "save_img", "img_to_array", "array_to_img"]


def _range(value, name: str):
    """``zoom_range`` / ``brightness_range`` style: a float ``z`` -> ``[1 - z, 1 + z]``."""
    if isinstance(value, (int, float)):
        return [1 - value, 1 + value]
    if len(value) == 2:
        return [float(value[0]), float(value[1])]
    raise ValueError(f"ImageDataGenerator: `{name}` should be a float or a tuple or list of "
                     f"two floats; received {name}={value!r}.")


class ImageDataGenerator:
    """Real-time data augmentation for batches of images.

    Args:
        featurewise_center, featurewise_std_normalization: subtract the data set's
            per-channel mean / divide by its std (call ``fit`` first).
        samplewise_center, samplewise_std_normalization: per image.
        zca_whitening, zca_epsilon: ZCA whitening (``fit`` computes it); default 1e-6.
        rotation_range: degrees, random in ``[-r, r]``.
        width_shift_range, height_shift_range: a fraction of the size (< 1), pixels
            (>= 1), or a list of allowed values.
        brightness_range: two floats, the range of brightness factors.
        shear_range: degrees, counter-clockwise shear in ``[-s, s]``.
        zoom_range: a float ``z`` (``[1 - z, 1 + z]``) or ``[lower, upper]``.
        channel_shift_range: random shift added to every channel.
        fill_mode: ``"nearest"`` (default), ``"constant"``, ``"reflect"`` or ``"wrap"``.
        cval: the fill value for ``"constant"``.
        horizontal_flip, vertical_flip: random flips.
        rescale: factor applied after the transforms (e.g. ``1 / 255``).
        preprocessing_function: called on each image after augmentation.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        validation_split: fraction held out for ``subset="validation"``.
        interpolation_order: 1 (bilinear, default) or 0 (nearest).
        dtype: of the generated batches (default float32).

    Example:
        >>> datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest",
                 cval=0.0, horizontal_flip=False, vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None, validation_split=0.0,
                 interpolation_order=1, dtype=None):
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = None if brightness_range is None else _range(
            brightness_range, "brightness_range")
        self.zoom_range = _range(zoom_range, "zoom_range")
        self.channel_shift_range = channel_shift_range
        if fill_mode not in transforms.FILL_MODES:
            raise ValueError(f"ImageDataGenerator: `fill_mode` must be one of "
                             f"{transforms.FILL_MODES}; received fill_mode={fill_mode!r}.")
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"ImageDataGenerator: `data_format` must be 'channels_last' or "
                             f"'channels_first'; received {data_format!r}.")
        if not 0 <= validation_split < 1:
            raise ValueError(f"ImageDataGenerator: `validation_split` must be in [0, 1); "
                             f"received {validation_split!r}.")
        self._validation_split = validation_split
        self.interpolation_order, self.dtype = interpolation_order, dtype or "float32"
        self.mean = self.std = self.principal_components = None
        first = self.data_format == "channels_first"
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if first else (3, 1, 2)

    # ---- iterators ------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Batches of augmented ``(x, y)`` (or ``x``, or ``(x, y, sample_weight)``) from
        arrays: ``x`` of rank 4. Returns a ``NumpyArrayIterator`` (a ``Sequence``)."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format, subset=subset)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Batches of augmented images read from ``directory/<class>/<image>`` files.
        Returns a ``DirectoryIterator`` (a ``Sequence``)."""
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation,
                                 keep_aspect_ratio=keep_aspect_ratio)

    # ---- random transforms ------------------------------------------------------------
    def _shift(self, shift_range, size: int, n: int, rng) -> np.ndarray:
        if not shift_range:
            return np.zeros(n)
        if isinstance(shift_range, (int, float)):
            values = rng.uniform(-shift_range, shift_range, n)
        else:
            values = rng.choice(np.asarray(shift_range), n) * rng.choice([-1, 1], n)
        return values * size if np.max(shift_range) < 1 else values

    def _draw(self, n: int, shape, rng) -> dict:
        """Random parameters for ``n`` images of channels-last ``shape`` (h, w, c)."""
        def symmetric(limit):
            return rng.uniform(-limit, limit, n) if limit else np.zeros(n)

        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = np.ones(n)
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], (2, n))
        return {"theta": symmetric(self.rotation_range),
                "tx": self._shift(self.height_shift_range, shape[0], n, rng),
                "ty": self._shift(self.width_shift_range, shape[1], n, rng),
                "shear": symmetric(self.shear_range), "zx": zx, "zy": zy,
                "flip_horizontal": (rng.random(n) < 0.5) & bool(self.horizontal_flip),
                "flip_vertical": (rng.random(n) < 0.5) & bool(self.vertical_flip),
                "channel_shift_intensity": symmetric(self.channel_shift_range),
                "brightness": (rng.uniform(*self.brightness_range, n)
                               if self.brightness_range is not None else None)}

    def _transform_batch(self, images: np.ndarray, params: dict) -> np.ndarray:
        """Applies ``params`` (arrays, one entry per image) to a channels-last batch."""
        identity = (np.all(params["theta"] == 0) and np.all(params["tx"] == 0)
                    and np.all(params["ty"] == 0) and np.all(params["shear"] == 0)
                    and np.all(params["zx"] == 1) and np.all(params["zy"] == 1))
        if not identity:
            matrices = transforms.affine_matrices(
                params["theta"], params["tx"], params["ty"], params["shear"], params["zx"],
                params["zy"], images.shape[1], images.shape[2])
            images = transforms.warp(images, matrices, self.fill_mode, self.cval,
                                     self.interpolation_order)
        if np.any(params["channel_shift_intensity"] != 0):
            images = transforms.channel_shift(images, params["channel_shift_intensity"])
        images = transforms.flip(images, params["flip_horizontal"], axis=2)
        images = transforms.flip(images, params["flip_vertical"], axis=1)
        if params["brightness"] is not None:
            images = transforms.brightness(images, params["brightness"])
        return images

    def _augment_batch(self, x: np.ndarray, rng) -> np.ndarray:
        """Random transforms of a batch in this generator's data format."""
        last = x if self.data_format == "channels_last" else np.moveaxis(x, 1, -1)
        out = self._transform_batch(last, self._draw(len(last), last.shape[1:], rng))
        return out if self.data_format == "channels_last" else np.moveaxis(out, -1, 1)

    def get_random_transform(self, img_shape, seed=None) -> dict:
        """Random parameters for one image of shape ``img_shape`` (Keras's keys)."""
        shape = img_shape if self.data_format == "channels_last" else (
            img_shape[1], img_shape[2], img_shape[0])
        params = self._draw(1, shape, np.random.default_rng(seed))
        return {key: None if value is None else value[0].item()
                for key, value in params.items()}

    def apply_transform(self, x, transform_parameters: dict) -> np.ndarray:
        """Applies one image's parameters (from ``get_random_transform``) to it."""
        defaults = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1,
                    "flip_horizontal": False, "flip_vertical": False,
                    "channel_shift_intensity": 0, "brightness": None}
        params = {}
        for key, default in defaults.items():
            value = transform_parameters.get(key, default)
            params[key] = None if value is None else np.array([value])
        batch = np.asarray(x)[None]
        if self.data_format == "channels_first":
            batch = np.moveaxis(batch, 1, -1)
        out = self._transform_batch(batch, params)[0]
        return out if self.data_format == "channels_last" else np.moveaxis(out, -1, 0)

    def random_transform(self, x, seed=None) -> np.ndarray:
        """One image, randomly augmented."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    # ---- standardization --------------------------------------------------------------
    def _standardize_batch(self, x: np.ndarray) -> np.ndarray:
        if self.preprocessing_function is not None:
            x = np.stack([self.preprocessing_function(image) for image in x])
        x = np.asarray(x, dtype=self.dtype)
        if self.rescale:
            x = x * x.dtype.type(self.rescale)
        if self.samplewise_center:
            x = x - x.mean(axis=(1, 2, 3), keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (x.std(axis=(1, 2, 3), keepdims=True) + 1e-6)
        for enabled, value, name in ((self.featurewise_center, self.mean, "featurewise_center"),
                                     (self.featurewise_std_normalization, self.std,
                                      "featurewise_std_normalization"),
                                     (self.zca_whitening, self.principal_components,
                                      "zca_whitening")):
            if enabled and value is None:
                warnings.warn(f"This ImageDataGenerator specifies `{name}`, but it hasn't "
                              f"been fit on any training data. Fit it first by calling "
                              f"`.fit(numpy_data)`.", stacklevel=3)
        if self.featurewise_center and self.mean is not None:
            x = x - self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x = x / (self.std + 1e-6)
        if self.zca_whitening and self.principal_components is not None:
            flat = x.reshape(len(x), -1) @ self.principal_components
            x = flat.reshape(x.shape).astype(self.dtype, copy=False)
        return x.astype(self.dtype, copy=False)

    def standardize(self, x) -> np.ndarray:
        """Normalizes one image (rank 3) or a batch (rank 4) as configured."""
        x = np.asarray(x)
        single = x.ndim == 3
        out = self._standardize_batch(x[None] if single else x)
        return out[0] if single else out

    def fit(self, x, augment=False, rounds=1, seed=None) -> None:
        """Computes the statistics of featurewise normalization and ZCA from ``x``
        (rank 4); with ``augment``, from ``rounds`` randomly augmented copies."""
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: input to `.fit()` should have rank 4; "
                             f"got array with shape {x.shape}.")
        if self.rescale:
            x *= x.dtype.type(self.rescale)
        if augment:
            rng = np.random.default_rng(seed)
            x = np.concatenate([self._augment_batch(x, rng) for _ in range(rounds)])
        axes = (0, self.row_axis, self.col_axis)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = x.mean(axis=axes).reshape(shape)
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = x.std(axis=axes).reshape(shape)
            x = x / (self.std + 1e-6)
        if self.zca_whitening:
            flat = x.reshape(len(x), -1).astype(np.float64)
            u, s, _ = np.linalg.svd(flat.T @ flat / len(flat))
            components = (u * (1 / np.sqrt(s[None] + self.zca_epsilon))) @ u.T
            self.principal_components = components.astype(self.dtype)
