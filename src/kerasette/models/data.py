"""Data adapters: turn what users pass to ``fit`` into batches of Tensors.

Arrays (and lists/dicts of arrays) are converted once (float64 -> floatx) and moved to
the device once; generators and ``utils.Sequence`` objects are read batch by batch.
Every adapter yields ``(x, y, sample_weight)`` tuples of Tensors (or None).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..layers.arguments import is_int
from ..layers.symbolic import flatten, map_structure
from .data_checks import check_labels, conform_inputs, order_targets, warn_non_finite
from .host_values import as_numeric, numeric_parts

__all__ = ["check_batch_size", "check_epochs", "make_adapter", "split_for_validation",
           "unpack", "preload", "preload_validation", "ArrayAdapter",
           "GeneratorAdapter", "SequenceAdapter"]


def _to_device(x, what: str = "data"):
    """A host array (or Tensor) as a Tensor on the device, float64 -> floatx."""
    if x is None or isinstance(x, Tensor):
        return x
    return Tensor(backend.to_device_floatx(as_numeric(x, what)))


def preload(data):
    """Arrays (or nested lists and dicts of them) moved to the device once, so that each
    epoch's validation reuses them; a generator or ``Sequence`` is returned as it is."""
    leaves = [a for a in flatten(data) if a is not None]
    if leaves and all(isinstance(a, (np.ndarray, Tensor)) or backend.is_array(a)
                      for a in leaves):
        return map_structure(lambda a: _to_device(a, "validation_data"), data)
    return data


def preload_validation(validation_data, model=None) -> tuple:
    """``validation_data`` as ``(x, y, sample_weight)``, arrays moved to the device once
    per ``fit``. Host arrays are first checked against ``model`` as the training data are
    (shapes, class ids, a warning for NaN / inf), so a bad label fails before the first
    epoch rather than after it."""
    x, y, sample_weight = unpack(tuple(validation_data) if isinstance(
        validation_data, (list, tuple)) else validation_data)
    leaves = [a for a in flatten((x, y)) if a is not None]
    if model is not None and leaves and all(isinstance(a, np.ndarray) for a in leaves):
        x, y, sample_weight = numeric_parts(x, y, sample_weight)
        x, y, sample_weight = _against_model(
            model, x, y, sample_weight, [f"validation_data[{i}]" for i in range(3)])
        warn_non_finite({"validation_data[0]": x, "validation_data[1]": y}, stacklevel=5)
    return tuple(preload(part) for part in (x, y, sample_weight))


def unpack(batch):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> a 3-tuple."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                         f"`(x, y, sample_weight)`, found a tuple of {len(batch)} elements.")
    return batch, None, None


def _class_weights(y, class_weight: dict):
    """Per-sample weights for ``class_weight``: one-hot rows by argmax, labels as ints."""
    y = backend.to_numpy(y.data if isinstance(y, Tensor) else y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.rint(labels).astype(np.int64)
    unknown = set(np.unique(labels)) - set(class_weight)
    if unknown:
        raise ValueError(f"`class_weight` must contain all classes in the data. The classes "
                         f"{sorted(unknown)} exist in the data but not in `class_weight`.")
    table = np.vectorize(lambda c: float(class_weight[c]), otypes=[np.float32])
    return table(labels)


def _combine_weights(y, sample_weight, class_weight):
    if not class_weight:
        return sample_weight
    weights = _class_weights(y, class_weight)
    if sample_weight is not None:
        weights = weights * np.asarray(backend.to_numpy(
            sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight))
    return weights


class ArrayAdapter:
    """Batches from in-memory arrays; the whole set goes to the device once.

    With ``model``, ``x`` and ``y`` are checked against its inputs and outputs first
    (``data_checks``); ``warn_nan`` warns once about NaN / inf in them (``fit``).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 class_weight=None, steps=None, loss=None, model=None, warn_nan=False):
        x, y, sample_weight = numeric_parts(x, y, sample_weight, loss)
        sample_weight = _combine_weights(y, sample_weight, class_weight) if y is not None \
            else sample_weight
        self._check_lengths(x, y, sample_weight)
        self.size = len(flatten(x)[0])
        if self.size == 0:
            raise ValueError("Expected input data to be non-empty: `x` has 0 samples "
                             f"(shape {tuple(np.shape(flatten(x)[0]))}). Check that the "
                             "data was loaded and not filtered away.")
        self.batch_size = check_batch_size(batch_size)
        if model is not None:
            x, y, sample_weight = _against_model(model, x, y, sample_weight)
        if warn_nan:
            warn_non_finite({"x": x, "y": y})
        self.shuffle = shuffle
        self.data = map_structure(_to_device, (x, y, sample_weight))
        self.steps = steps
        self.num_batches = steps or math.ceil(self.size / self.batch_size)
        self._stream = None

    @staticmethod
    def _check_lengths(x, y, sample_weight) -> None:
        for name, part in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            scalars = [a for a in flatten(part) if a is not None and not np.shape(a)]
            if scalars:
                raise ValueError(f"`{name}` holds a single number (shape ()) where an array "
                                 f"with one entry per sample (a batch axis) is expected.")
        sizes = {name: [len(a) for a in flatten(part) if a is not None]
                 for name, part in (("x", x), ("y", y), ("sample_weight", sample_weight))}
        if len({n for ns in sizes.values() for n in ns}) > 1:
            detail = "\n".join(f"'{k}' sizes: {', '.join(map(str, v))}"
                               for k, v in sizes.items() if v)
            raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the "
                             f"same number of samples.\n{detail}")

    def _batches(self):
        """One pass over the data, shuffled when asked."""
        order = np.random.permutation(self.size) if self.shuffle else None
        if order is not None:
            order = backend.to_device(order)
        for start in range(0, self.size, self.batch_size):
            if order is None:
                window = slice(start, start + self.batch_size)
            else:
                window = order[start:start + self.batch_size]
            yield map_structure(lambda t, w=window: None if t is None else Tensor(t.data[w]),
                                self.data)

    def epoch(self):
        if not self.steps:
            yield from self._batches()
            return
        if self._stream is None:  # with steps_per_epoch, epochs continue one stream
            self._stream = itertools.chain.from_iterable(iter(self._batches, None))
        yield from itertools.islice(self._stream, self.steps)

    def on_epoch_end(self) -> None:
        pass


class GeneratorAdapter:
    """Batches from a Python generator or iterator; successive epochs continue it."""

    def __init__(self, generator, steps=None, class_weight=None, model=None):
        self.iterator = iter(generator)
        self.num_batches = steps
        self.class_weight = class_weight
        self.model = model
        self._warned = False

    def epoch(self):
        count = itertools.count() if self.num_batches is None else range(self.num_batches)
        for _ in count:
            try:
                batch = next(self.iterator)
            except StopIteration:
                if self.num_batches is not None and not self._warned:
                    warnings.warn("Your input ran out of data; interrupting training. Make "
                                  "sure that your dataset or generator can generate at least "
                                  "`steps_per_epoch * epochs` batches.", stacklevel=4)
                    self._warned = True
                return
            yield _prepare(batch, self.class_weight, self.model)

    def on_epoch_end(self) -> None:
        pass


class SequenceAdapter:
    """Batches from a ``utils.Sequence`` / ``PyDataset``: ``len(seq)`` batches an epoch."""

    def __init__(self, sequence, shuffle=False, steps=None, class_weight=None, model=None):
        self.sequence = sequence
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.model = model
        self.num_batches = steps or len(sequence)

    def epoch(self):
        """``num_batches`` batches; past the end of the Sequence it starts over (Keras 2
        tutorials ask for more steps than batches, with augmentation Sequences)."""
        size = len(self.sequence)
        for step in range(self.num_batches):
            if step % size == 0:
                order = np.arange(size)
                if self.shuffle:
                    np.random.shuffle(order)
            yield _prepare(self.sequence[int(order[step % size])], self.class_weight,
                           self.model)

    def on_epoch_end(self) -> None:
        self.sequence.on_epoch_end()


def _against_model(model, x, y, sample_weight,
                   names=("x", "y", "sample_weight")) -> tuple:
    """``x`` conformed to the model's inputs, ``y`` / ``sample_weight`` dicts put in the
    order of its outputs, and the labels checked (``data_checks``); ``names`` are the
    three arguments as the errors call them."""
    x = conform_inputs(model, x, names[0])
    y = order_targets(model, y, names[1])
    sample_weight = order_targets(model, sample_weight, names[2])
    check_labels(model, y, names[1])
    return x, y, sample_weight


def _prepare(batch, class_weight, model=None):
    """One batch from a generator or Sequence, checked on the host like arrays are
    (shapes, class ids; no NaN scan, which would cost a pass over every batch)."""
    x, y, sample_weight = numeric_parts(*unpack(batch))
    if model is not None:
        x, y, sample_weight = _against_model(model, x, y, sample_weight)
    if class_weight and y is not None:
        sample_weight = _combine_weights(y, sample_weight, class_weight)
    return map_structure(_to_device, (x, y, sample_weight))


def _is_sequence(data) -> bool:
    return hasattr(data, "__getitem__") and hasattr(data, "__len__") and hasattr(
        data, "on_epoch_end")


def check_batch_size(batch_size):
    """``batch_size`` as an int; ``None`` stays None. Bools, floats and values below 1
    raise, naming the value (NumPy integers are fine)."""
    if batch_size is None:
        return None
    return _count("batch_size", batch_size, least=1)


def check_epochs(epochs) -> int:
    """``epochs`` as an int; bools, non-integers and negative values raise."""
    return _count("epochs", epochs, least=0)


def _count(name: str, value, least: int) -> int:
    kind = "positive" if least == 1 else "non-negative"
    if not is_int(value):
        raise TypeError(f"`{name}` must be a {kind} integer; received {name}={value!r} "
                        f"(type {type(value).__name__}).")
    if value < least:
        raise ValueError(f"`{name}` must be a {kind} integer; received {name}={value!r}.")
    return int(value)


def make_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 class_weight=None, steps=None, loss=None, model=None, warn_nan=False):
    """The adapter for ``x``: arrays, a generator/iterator, or a Sequence.

    ``loss``, the compiled loss when known, lets the error on labels that are not
    numbers say what that loss expects. Arrays are checked against ``model`` (shapes,
    dict keys, class ids) and, with ``warn_nan``, for NaN / inf, once, on the host.
    """
    if steps is not None:
        if not isinstance(steps, (int, float, np.integer, np.floating)) or steps <= 0:
            raise ValueError(f"`steps_per_epoch` / `steps` must be a positive number; "
                             f"received {steps!r}.")
        steps = math.ceil(steps)  # Keras 2 tutorials pass len(x) / batch_size, a float
    if _is_sequence(x) or hasattr(x, "__next__"):
        check_batch_size(batch_size)  # arrays check it after the emptiness check
    if _is_sequence(x):
        _no_extra("a keras.utils.Sequence", y, sample_weight)
        return SequenceAdapter(x, shuffle=shuffle, steps=steps, class_weight=class_weight,
                               model=model)
    if hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(
            x, (list, tuple, dict, np.ndarray)) and not backend.is_array(x)):
        _no_extra("a generator", y, sample_weight)
        return GeneratorAdapter(x, steps=steps, class_weight=class_weight, model=model)
    if x is None:
        raise ValueError("No input data: `x` is None. Pass arrays, a generator or a "
                         "keras.utils.Sequence.")
    batch_size = 32 if batch_size is None else batch_size
    return ArrayAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                        class_weight=class_weight, steps=steps, loss=loss, model=model,
                        warn_nan=warn_nan)


def _no_extra(kind: str, y, sample_weight) -> None:
    if y is not None or sample_weight is not None:
        raise ValueError(f"When `x` is {kind}, `y` and `sample_weight` must not be passed: "
                         f"the batches carry them as (x, y) or (x, y, sample_weight).")


def split_for_validation(x, y, sample_weight, validation_split: float):
    """Keras's split: the last ``validation_split`` fraction of the arrays, before shuffling."""
    if isinstance(validation_split, bool) or not isinstance(
            validation_split, (int, float, np.integer, np.floating)):
        raise TypeError(f"`validation_split` must be a float in [0, 1); received "
                        f"validation_split={validation_split!r} (type "
                        f"{type(validation_split).__name__}).")
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be a float in [0, 1) (the fraction of "
                         f"the data held out); received "
                         f"validation_split={validation_split!r}.")
    if _is_sequence(x) or hasattr(x, "__next__"):
        raise ValueError("`validation_split` is only supported for arrays, not for "
                         "generators or Sequence objects; pass `validation_data` instead.")
    size = len(flatten(x)[0])
    split_at = int(size * (1.0 - validation_split))
    if split_at == 0 or split_at == size:
        raise ValueError(f"Training data contains {size} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`.")

    def head(a):
        return None if a is None else a[:split_at]

    def tail(a):
        return None if a is None else a[split_at:]

    train = map_structure(head, (x, y, sample_weight))
    held_out = map_structure(tail, (x, y, sample_weight))
    return train, held_out
