"""Numerical helpers on label and feature arrays: ``to_categorical``, ``normalize``."""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd import Tensor

__all__ = ["to_categorical", "normalize"]


def to_categorical(x, num_classes: int | None = None, dtype: str = "float32"):
    """One-hot encodes integer class labels: ``out[..., k] = 1.0 if x[...] == k``.

    A trailing axis of size 1 is dropped first, so labels of shape ``(n, 1)`` give
    ``(n, num_classes)``, like labels of shape ``(n,)``.

    Args:
        x: integer labels in ``[0, num_classes)``, array-like of any shape.
        num_classes: the number of classes; default ``None`` means ``max(x) + 1``.
        dtype: the output dtype; default ``"float32"``.

    Returns:
        A NumPy array of shape ``x.shape + (num_classes,)`` (a Tensor for a Tensor
        input).

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    labels = np.asarray(x)
    if labels.dtype.kind not in "iub" and not np.all(np.mod(labels, 1) == 0):
        raise ValueError(f"to_categorical expects integer class labels. Received values "
                         f"of dtype {labels.dtype}, e.g. {labels.reshape(-1)[:5]}")
    labels = labels.astype("int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if not num_classes:
        if labels.size == 0:
            raise ValueError("to_categorical received no labels and no `num_classes`; "
                             "pass `num_classes` to encode an empty array.")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"to_categorical expects labels in [0, {num_classes}) for "
                         f"num_classes={num_classes}. Received labels in "
                         f"[{labels.min()}, {labels.max()}].")
    categorical = np.zeros((labels.size, num_classes), dtype=dtype)
    categorical[np.arange(labels.size), labels] = 1
    categorical = categorical.reshape(shape + (num_classes,))
    if isinstance(x, Tensor):
        return Tensor(backend.to_device(categorical))
    return categorical


def normalize(x, axis: int | None = -1, order: int = 2):
    """Scales ``x`` to unit norm along ``axis``: ``x / ||x||_order``.

    For arrays, a zero norm is left as is (the slice stays zero); for Tensors the norm
    is floored at ``backend.epsilon()`` and the result is differentiable.

    Args:
        x: a NumPy array (integers become ``floatx``) or a Tensor.
        axis: the axis along which to normalize; ``None`` normalizes over all elements;
            default ``-1``.
        order: the norm's order (``2`` for L2, ``1`` for L1, ``np.inf`` for the
            max norm); default ``2``.

    Returns:
        An array (or Tensor) of the same shape.

    Example:

    >>> normalize(np.array([[3.0, 4.0]], dtype="float32"))
    array([[0.6, 0.8]], dtype=float32)
    """
    if isinstance(x, Tensor):
        return _normalize_tensor(x, axis, order)
    array = np.asarray(x)
    if array.dtype.kind != "f":
        array = array.astype(backend.floatx())
    if axis is None:
        norm = np.linalg.norm(array.reshape(-1), order)
        return array / array.dtype.type(norm if norm > 0 else 1)
    norm = np.linalg.norm(array, order, axis, keepdims=True)
    norm[norm == 0] = 1
    return array / norm


def _normalize_tensor(x: Tensor, axis, order) -> Tensor:
    epsilon = backend.epsilon()
    if order == 2:  # sqrt of a floored sum of squares keeps the gradient finite at 0
        square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
        return x / ops.sqrt(ops.maximum(square_sum, epsilon**2))
    if order == np.inf:
        norm = ops.max(ops.abs(x), axis=axis, keepdims=True)
    else:
        norm = ops.sum(ops.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    return x / ops.maximum(norm, epsilon)
