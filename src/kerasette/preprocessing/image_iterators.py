"""The iterators behind ``ImageDataGenerator.flow`` and ``.flow_from_directory``.

Each is a ``keras.utils.Sequence`` (``len`` batches per epoch, ``it[i]`` one batch, a new
shuffle after each epoch), and also an endless Python iterator (``next(it)``), as Keras's.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ..utils import Sequence
from .image_io import img_to_array, load_img, save_img

__all__ = ["Iterator", "NumpyArrayIterator", "DirectoryIterator"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")
CLASS_MODES = ("categorical", "binary", "sparse", "input", None)


class Iterator(Sequence):
    """A ``Sequence`` of batches over ``n`` samples; ``next()`` cycles through epochs.

    Subclasses implement ``_get_batches_of_transformed_samples(index_array)``.
    """

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed):
        super().__init__()
        if batch_size <= 0:
            raise ValueError(f"{type(self).__name__}: `batch_size` must be positive; "
                             f"received {batch_size}.")
        self.n, self.batch_size, self.shuffle, self.seed = n, int(batch_size), shuffle, seed
        self.batch_index = self.total_batches_seen = 0
        self._rng = np.random.default_rng(seed if seed is not None
                                          else np.random.randint(2 ** 31))
        self.index_array = None

    def _set_index_array(self) -> None:
        self.index_array = (self._rng.permutation(self.n) if self.shuffle
                            else np.arange(self.n))

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, index: int):
        if index >= len(self) or index < -len(self):
            raise IndexError(f"Asked to retrieve element {index}, but the Sequence has "
                             f"length {len(self)}.")
        if self.index_array is None:
            self._set_index_array()
        index %= len(self)
        self.total_batches_seen += 1
        part = self.index_array[self.batch_size * index:self.batch_size * (index + 1)]
        return self._get_batches_of_transformed_samples(part)

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.batch_index == 0 or self.index_array is None:
            self._set_index_array()
        batch = self[self.batch_index]
        self.batch_index = (self.batch_index + 1) % len(self)
        return batch

    next = __next__

    def _augment_and_standardize(self, images: np.ndarray) -> np.ndarray:
        generator = self.image_data_generator
        images = generator._augment_batch(images.astype(self.dtype), self._rng)
        images = generator._standardize_batch(images)
        if self.save_to_dir:
            for image in images:
                name = f"{self.save_prefix}_{self.total_batches_seen}_{self._rng.integers(1e7)}"
                save_img(os.path.join(self.save_to_dir, f"{name}.{self.save_format}"), image,
                         data_format=generator.data_format)
        return images


def _subset_split(generator, subset):
    """``(start, stop)`` fractions of the samples that ``subset`` keeps."""
    split = generator._validation_split
    if subset is None:
        return 0.0, 1.0
    if subset not in ("training", "validation"):
        raise ValueError(f"Invalid subset name: {subset!r}; expected 'training' or "
                         f"'validation'.")
    if not split:
        raise ValueError(f"subset={subset!r} needs the ImageDataGenerator's "
                         f"`validation_split` to be set (between 0 and 1).")
    return (0.0, split) if subset == "validation" else (split, 1.0)


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from arrays (what ``ImageDataGenerator.flow`` makes).

    Yields ``(x, y)``, ``(x, y, sample_weight)``, or ``x`` alone when ``y`` is None.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, dtype=None):
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4 "
                             f"(a batch of images); you passed an array with shape {x.shape}.")
        for name, other in (("y", y), ("sample_weight", sample_weight)):
            if other is not None and len(other) != len(x):
                raise ValueError(f"`x` (images tensor) and `{name}` should have the same "
                                 f"length. Found: x.shape = {x.shape}, {name}.shape = "
                                 f"{np.shape(other)}")
        start, stop = _subset_split(image_data_generator, subset)
        keep = slice(int(start * len(x)), int(stop * len(x)))
        self.x = x[keep]
        self.y = None if y is None else np.asarray(y)[keep]
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
        self.image_data_generator = image_data_generator
        self.data_format = data_format or image_data_generator.data_format
        self.dtype = dtype or image_data_generator.dtype
        self.save_to_dir, self.save_prefix = save_to_dir, save_prefix
        self.save_format = save_format
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._augment_and_standardize(self.x[index_array])
        if self.y is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, self.y[index_array]
        return batch_x, self.y[index_array], self.sample_weight[index_array]


class DirectoryIterator(Iterator):
    """Batches of augmented images read from ``directory/<class_name>/<file>``.

    Args (as ``ImageDataGenerator.flow_from_directory``):
        classes: the class sub-folders, in label order (default: every sub-folder, sorted).
        class_mode: ``"categorical"`` (one-hot), ``"binary"``, ``"sparse"`` (integer
            labels), ``"input"`` (the images themselves) or ``None`` (images only).
        target_size, color_mode, interpolation, keep_aspect_ratio: as ``load_img``.

    Attributes:
        class_indices: ``{class_name: label}``; ``classes``: every file's label;
        filenames: paths relative to ``directory``; ``samples``: their number.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None):
        if class_mode not in CLASS_MODES:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of "
                             f"{CLASS_MODES}.")
        if color_mode not in ("grayscale", "rgb", "rgba"):
            raise ValueError(f"Invalid color mode: {color_mode!r}; expected 'rgb', 'rgba' "
                             f"or 'grayscale'.")
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: {directory!r} is not a directory.")
        self.directory, self.class_mode = os.fspath(directory), class_mode
        self.image_data_generator = image_data_generator
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.data_format = data_format or image_data_generator.data_format
        self.dtype = dtype or image_data_generator.dtype
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.save_to_dir, self.save_prefix = save_to_dir, save_prefix
        self.save_format = save_format
        if classes is None:
            classes = sorted(entry for entry in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, entry)))
        self.class_indices = {name: index for index, name in enumerate(classes)}
        self.num_classes = len(classes)
        split = _subset_split(image_data_generator, subset)
        self.filenames, labels = [], []
        for name in classes:
            files = _image_files(os.path.join(self.directory, name), follow_links)
            keep = files[int(split[0] * len(files)):int(split[1] * len(files))]
            self.filenames += [os.path.join(name, f) for f in keep]
            labels += [self.class_indices[name]] * len(keep)
        self.classes = np.array(labels, dtype="int32")
        self.samples = len(self.filenames)
        self.filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    def _load(self, path: str) -> np.ndarray:
        img = load_img(path, color_mode=self.color_mode, target_size=self.target_size,
                       interpolation=self.interpolation,
                       keep_aspect_ratio=self.keep_aspect_ratio)
        return img_to_array(img, dtype=self.dtype)

    def _get_batches_of_transformed_samples(self, index_array):
        images = np.stack([self._load(self.filepaths[i]) for i in index_array])
        if self.data_format == "channels_first":
            images = np.moveaxis(images, -1, 1)
        batch_x = self._augment_and_standardize(images)
        labels = self.classes[index_array]
        if self.class_mode is None:
            return batch_x
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode == "sparse":
            return batch_x, labels
        if self.class_mode == "binary":
            return batch_x, labels.astype(self.dtype)
        return batch_x, np.eye(self.num_classes, dtype=self.dtype)[labels]


def _image_files(folder: str, follow_links: bool) -> list[str]:
    """The image files under ``folder`` (recursively), relative to it, sorted."""
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links)):
        for name in sorted(files):
            if name.lower().endswith(IMAGE_EXTENSIONS):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return found
