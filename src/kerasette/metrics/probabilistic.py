"""Probabilistic and hinge metrics: the epoch means of the matching losses."""

from __future__ import annotations

from .. import losses
from .base import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge"]


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean over all samples of ``losses.binary_crossentropy``.

    Args:
        name: the metric name (default ``"binary_crossentropy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        from_logits: whether ``y_pred`` holds logits (default False).
        label_smoothing: labels become ``y * (1 - s) + 0.5 * s`` (default 0).
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean over all samples of ``losses.categorical_crossentropy``.

    Args:
        name: the metric name (default ``"categorical_crossentropy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        from_logits: whether ``y_pred`` holds logits (default False).
        label_smoothing: labels become ``y * (1 - s) + s / num_classes`` (default 0).
        axis: the class axis (default -1).
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean over all samples of ``losses.sparse_categorical_crossentropy``.

    Args:
        name: the metric name (default ``"sparse_categorical_crossentropy"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        from_logits: whether ``y_pred`` holds logits (default False).
        axis: the class axis (default -1).
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None,
                 from_logits=False, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """The mean over all samples of ``losses.kl_divergence``.

    Args:
        name: the metric name (default ``"kl_divergence"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean over all samples of ``losses.poisson``.

    Args:
        name: the metric name (default ``"poisson"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean over all samples of ``losses.hinge``.

    Args:
        name: the metric name (default ``"hinge"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean over all samples of ``losses.squared_hinge``.

    Args:
        name: the metric name (default ``"squared_hinge"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean over all samples of ``losses.categorical_hinge``.

    Args:
        name: the metric name (default ``"categorical_hinge"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name=name, dtype=dtype)
