"""``Normalization``: ``(x - mean) / sqrt(variance)`` with statistics learned by ``adapt``.

The statistics are computed on the host in float64 (a batch at a time for generators,
merged exactly) and kept as the non-trainable weights ``mean`` and ``variance``, so they
travel with ``save`` / ``load_model`` like any other weight (with ``count``, the number
of samples seen, as Keras files hold it).
"""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd import Tensor
from .base import Layer

__all__ = ["Normalization"]


def _host(batch) -> np.ndarray:
    if isinstance(batch, Tensor):
        batch = batch.data
    return np.asarray(backend.to_numpy(batch) if backend.is_array(batch) else batch,
                      dtype=np.float64)


def _batches(data):
    """The batches of ``data``: one array for arrays and lists, else each item yielded."""
    if isinstance(data, (np.ndarray, list, tuple, Tensor)) or backend.is_array(data):
        yield _host(data)
        return
    for item in data:
        yield _host(item[0] if isinstance(item, tuple) else item)


class Normalization(Layer):
    """``(x - mean) / maximum(sqrt(variance), epsilon())``, or with ``invert=True``
    ``mean + x * maximum(sqrt(variance), epsilon())``.

    Args:
        axis: int, tuple of ints or None (default -1): the axes that keep their own
            statistics; the others are reduced. ``None`` means one mean and variance.
        mean, variance: optional fixed statistics (broadcast to the kept axes); give
            both or neither. Without them, call ``adapt(data)`` first.
        invert: bool, default False; if True the layer undoes a normalization.

    Input shape: anything. Output shape: the input shape.

    Example:
        >>> layer = Normalization(axis=None)
        >>> layer.adapt(np.array([1., 2., 3., 4., 5.]))
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization '{self.name}': pass both `mean` and "
                             f"`variance`, or neither; received mean={mean!r}, "
                             f"variance={variance!r}.")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True

    def _kept_axes(self, ndim: int) -> tuple:
        kept = []
        for a in self.axis:
            if not -ndim <= a < ndim:
                raise ValueError(f"Normalization '{self.name}': `axis` {a} is out of "
                                 f"range for inputs of rank {ndim}.")
            kept.append(a % ndim)
        return tuple(sorted(set(kept)))

    def build(self, input_shape):
        ndim = len(input_shape)
        self._keep = self._kept_axes(ndim)
        for a in self._keep:
            if a == 0 or input_shape[a] is None:
                raise ValueError(f"Normalization '{self.name}': the kept axis {a} must have "
                                 f"a known size and not be the batch axis; received input "
                                 f"shape {tuple(input_shape)}.")
        stats_shape = tuple(input_shape[a] for a in self._keep)
        self._broadcast = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        if self.input_mean is None:
            self.mean = self.add_weight(stats_shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(stats_shape, "ones", trainable=False,
                                            name="variance")
            # Keras 2 and 3 files hold this third weight too: the adapted sample count.
            self.count = self.add_weight((), "zeros", dtype="int64", trainable=False,
                                         name="count")
        else:
            self._fixed = [np.broadcast_to(np.asarray(v, np.float64), stats_shape)
                           for v in (self.input_mean, self.input_variance)]
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of ``data`` (an array, a list, or an iterable of
        batches) over every axis but ``axis``; ``batch_size`` and ``steps`` are accepted
        as in Keras (``steps`` limits how many batches of an iterable are read)."""
        count, mean, m2 = 0, None, None
        for step, batch in enumerate(_batches(data)):
            if steps is not None and step >= steps:
                break
            if not self.built:
                self.build((None,) + batch.shape[1:])
            if self.input_mean is not None:
                raise ValueError(f"Normalization '{self.name}': `adapt` cannot change the "
                                 f"fixed `mean` and `variance` given to the constructor.")
            reduce = tuple(d for d in range(batch.ndim) if d not in self._keep)
            n = batch.size // max(1, int(np.prod([batch.shape[a] for a in self._keep])))
            b_mean = batch.mean(axis=reduce)
            b_m2 = ((batch - batch.mean(axis=reduce, keepdims=True)) ** 2).sum(axis=reduce)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
                continue
            delta = b_mean - mean  # Chan et al.'s exact merge of two partial moments
            total = count + n
            mean = mean + delta * n / total
            m2 = m2 + b_m2 + delta ** 2 * count * n / total
            count = total
        if mean is None:
            raise ValueError(f"Normalization '{self.name}': `adapt` received no data.")
        self.mean.assign(backend.to_device(mean.astype(self.dtype)))
        self.variance.assign(backend.to_device((m2 / count).astype(self.dtype)))
        self.count.assign(backend.to_device(np.asarray(count, dtype=np.int64)))

    def _statistics(self):
        if self.input_mean is not None:
            mean, variance = (backend.to_device(v.astype(self.dtype)) for v in self._fixed)
        else:
            mean, variance = self.mean.data, self.variance.data
        xp = backend.xp
        scale = xp.maximum(xp.sqrt(variance), backend.epsilon()).astype(self.dtype)
        return mean.reshape(self._broadcast), scale.reshape(self._broadcast)

    def call(self, inputs):
        x = ops.cast(inputs, self.dtype)
        mean, scale = self._statistics()
        if self.invert:
            return ops.add(ops.multiply(x, scale), mean)
        return ops.divide(ops.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def listed(value):
            return np.asarray(value).tolist() if value is not None else None

        axis = None if not self.axis else (self.axis[0] if len(self.axis) == 1 else self.axis)
        return {**super().get_config(), "axis": axis, "invert": self.invert,
                "mean": listed(self.input_mean), "variance": listed(self.input_variance)}
