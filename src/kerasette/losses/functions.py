"""Loss functions: each maps ``(y_true, y_pred)`` to per-sample losses, as Keras 3 does.

Most reduce over the last axis (``mean(..., axis=-1)``), so predictions of shape
``(batch, d)`` give losses of shape ``(batch,)``. ``y_true`` is cast to ``y_pred``'s dtype
and aligned in rank first. The cross-entropies run on the fused ops of ``kerasette.ops``,
which use the logits whenever they are known.
"""

from __future__ import annotations

import math
import warnings

from .. import backend, ops
from ..autograd import Tensor
from .loss import squeeze_or_expand_to_same_rank

__all__ = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge",
    "kl_divergence", "poisson", "log_cosh", "huber", "cosine_similarity", "l2_normalize",
]


def _prepare(y_true, y_pred) -> tuple[Tensor, Tensor]:
    """Both as Tensors of ``y_pred``'s float dtype, aligned in rank as Keras does."""
    y_pred = ops.convert_to_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = ops.cast(y_pred, backend.floatx())
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred) -> Tensor:
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    """``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    scale = ops.maximum(ops.abs(y_true), backend.epsilon())
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = backend.epsilon()
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """``mean(-(y * log(p) + (1 - y) * log(1 - p)), axis)``, ``p`` clipped to epsilon.

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities.
        label_smoothing: squeezes the labels towards 0.5:
            ``y * (1 - label_smoothing) + 0.5 * label_smoothing``.
        axis: the axis to average over (default -1).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits),
                    axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """``-sum(y * log(p), axis)`` for one-hot labels ``y``; ``p`` normalized and clipped.

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities.
        label_smoothing: mixes the labels with the uniform distribution:
            ``y * (1 - label_smoothing) + label_smoothing / num_classes``.
        axis: the class axis (default -1).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={y_pred.shape}. "
            f"Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning, stacklevel=2)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis,
                                        label_smoothing=label_smoothing)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class=None, axis: int = -1) -> Tensor:
    """``-log(p[y])`` for integer labels ``y`` (shape ``(batch,)`` or ``(batch, 1)``).

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities.
        ignore_class: a label value whose entries get a loss of 0 and a mask, so the
            default reduction averages over the other entries only (segmentation's
            "void" class). ``None`` (default) ignores nothing.
        axis: the class axis (default -1).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.reshape(y_true, y_true.shape[:-1])
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                   axis=axis)
    valid = y_true.data != ignore_class
    labels = Tensor(backend.xp.where(valid, y_true.data, 0))
    losses = ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                                 axis=axis)
    losses = ops.where(valid, losses, 0.0)
    losses._keras_mask = Tensor(valid)
    return losses


def _signed_labels(y_true: Tensor) -> Tensor:
    """Maps labels in {0, 1} to {-1, 1}, as Keras's hinge losses do; others pass as given.

    The test runs on the device (no host synchronisation).
    """
    data = y_true.data
    is_binary = ((data == 0) | (data == 1)).all()
    return Tensor(backend.xp.where(is_binary, data * 2 - 1, data))


def hinge(y_true, y_pred) -> Tensor:
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``, labels in {-1, 1} or {0, 1}."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred) -> Tensor:
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``, labels as for hinge."""
    y_true, y_pred = _prepare(y_true, y_pred)
    margin = ops.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred) -> Tensor:
    """``maximum(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)`` over the last axis (one-hot labels)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


def kl_divergence(y_true, y_pred) -> Tensor:
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[epsilon, 1]``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = backend.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + backend.epsilon()), axis=-1)


def log_cosh(y_true, y_pred) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, as ``x + softplus(-2x) - log(2)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    error = y_pred - y_true
    return ops.mean(error + ops.softplus(-2.0 * error) - math.log(2.0), axis=-1)


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """Mean over the last axis of ``0.5 * x^2`` where ``|x| <= delta``, else
    ``delta * |x| - 0.5 * delta^2``, for the error ``x = y_pred - y_true``.

    Args:
        delta: where the loss turns from quadratic to linear (default 1.0).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1)


def l2_normalize(x, axis: int = -1) -> Tensor:
    """``x / maximum(norm(x), epsilon)`` along ``axis`` (no NaN gradient at 0)."""
    x = ops.convert_to_tensor(x)
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, backend.epsilon() ** 2))


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 means aligned.

    Args:
        axis: the axis along which the vectors lie (default -1).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return -ops.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)
