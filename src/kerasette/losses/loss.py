"""The ``Loss`` base class, its reductions, and the rank alignment Keras applies to labels.

A loss object turns ``(y_true, y_pred)`` into per-sample losses with ``call``, weights
them by ``sample_weight`` (and by a Keras mask, where one is attached), then reduces them
to one scalar: ``"sum_over_batch_size"`` (the default) divides the weighted sum by the
number of loss elements, whatever the weights are.
"""

from __future__ import annotations

from ..autograd import Tensor
from ..backend import epsilon, floatx
from ..naming import serialize_object, to_snake_case
from .. import ops

__all__ = ["Loss", "LossFunctionWrapper", "squeeze_or_expand_to_same_rank",
           "standardize_reduction", "reduce_weighted_values", "apply_mask",
           "broadcast_weights"]

# "auto" is Keras 2's spelling of "sum_over_batch_size"; "mean" is Keras 3's alias of it.
REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "auto", "mean",
              "mean_with_sample_weight")
_AVERAGING = ("sum_over_batch_size", "auto", "mean")


def standardize_reduction(reduction):
    """Checks ``reduction`` against the names Keras 2 and Keras 3 accept, and returns it."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{REDUCTIONS}. Received: reduction={reduction!r}")
    return reduction


def _reshape_keeping_logits(x: Tensor, shape) -> Tensor:
    """``reshape``, carrying the logits that softmax/sigmoid left on ``x`` along."""
    out = ops.reshape(x, shape)
    if x._logits is not None:
        out._logits = ops.reshape(x._logits, shape)
        out._logits_kind = x._logits_kind
    return out


def squeeze_or_expand_to_same_rank(x1: Tensor, x2: Tensor, expand_rank_1: bool = True):
    """Aligns two ranks that differ by one through a trailing axis of size 1, as Keras does.

    The tensor with the extra trailing 1 is squeezed, except that a rank-1 partner is
    expanded instead (when ``expand_rank_1``): labels ``(batch,)`` against predictions
    ``(batch, 1)`` become ``(batch, 1)``. Other rank differences are left alone.
    """
    rank1, rank2 = x1.ndim, x2.ndim
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = _reshape_keeping_logits(x2, x2.shape + (1,))
        else:
            x1 = _reshape_keeping_logits(x1, x1.shape[:-1])
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = _reshape_keeping_logits(x1, x1.shape + (1,))
        else:
            x2 = _reshape_keeping_logits(x2, x2.shape[:-1])
    return x1, x2


def broadcast_weights(weights: Tensor, values: Tensor, what: str = "sample_weight") -> Tensor:
    """Aligns ``weights`` with ``values`` from the left: ``(batch,)`` weights ``(batch, T)``.

    Trailing axes of size 1 that ``values`` lacks are dropped, missing trailing axes are
    added. Raises ``ValueError`` naming both shapes when they still do not broadcast.
    """
    if values.ndim == 0:
        return weights
    while weights.ndim > values.ndim and weights.shape[-1] == 1:
        weights = ops.reshape(weights, weights.shape[:-1])
    if weights.ndim < values.ndim:
        weights = ops.reshape(weights, weights.shape + (1,) * (values.ndim - weights.ndim))
    fits = weights.ndim == values.ndim and all(
        w in (1, v) for w, v in zip(weights.shape, values.shape))
    if not fits:
        raise ValueError(f"`{what}` of shape {weights.shape} cannot be broadcast to the "
                         f"values of shape {values.shape}. Pass one weight per sample, "
                         f"shape {values.shape[:1]}, or weights of shape {values.shape}.")
    return weights


def apply_mask(sample_weight, mask, reduction):
    """Merges a boolean mask into the sample weights.

    For the averaging reductions the valid entries are scaled by ``total / valid``, so
    that dividing by the number of elements averages over the unmasked ones only.
    """
    if mask is None:
        return sample_weight
    mask = Tensor(ops.convert_to_tensor(mask).data.astype(floatx()))
    if reduction in _AVERAGING:
        scale = mask.dtype.type(mask.size) / (mask.data.sum() + mask.dtype.type(epsilon()))
        mask = Tensor(mask.data * scale)
    if sample_weight is None:
        return mask
    sample_weight = ops.convert_to_tensor(sample_weight, dtype=mask.dtype)
    return ops.multiply(broadcast_weights(sample_weight, mask), mask)


def _divide_no_nan(numerator: Tensor, denominator: Tensor) -> Tensor:
    safe = ops.where(denominator == 0, 1.0, denominator)
    return ops.where(denominator == 0, 0.0, ops.divide(numerator, safe))


def reduce_weighted_values(values: Tensor, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size") -> Tensor:
    """Weights per-sample losses and reduces them as ``reduction`` says.

    Args:
        values: the per-sample (or per-element) losses.
        sample_weight: optional weights, broadcast against ``values`` from the left.
        mask: optional boolean mask of ``values``' shape (masked entries count for 0).
        reduction: one of ``REDUCTIONS``.

    Returns:
        A scalar Tensor, or ``values * sample_weight`` for ``"none"`` / ``None``.
    """
    reduction = standardize_reduction(reduction)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=values.dtype)
    sample_weight = apply_mask(sample_weight, mask, reduction)
    if sample_weight is not None:
        sample_weight = broadcast_weights(ops.cast(sample_weight, values.dtype), values)
        values = ops.multiply(values, sample_weight)
    if reduction in ("none", None) or values.ndim == 0:
        return values
    total = ops.sum(values)
    if reduction == "sum" or values.size == 0:
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(total, ops.sum(sample_weight))
    return ops.divide(total, float(values.size))


class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight=None)`` -> scalar Tensor.

    Subclasses implement ``call(y_true, y_pred)``, returning the per-sample losses; the
    base converts the inputs, applies ``sample_weight`` and the reduction.

    Args:
        name: the loss name (default: the snake-case class name).
        reduction: ``"sum_over_batch_size"`` (default; weighted sum / number of loss
            elements), ``"sum"``, ``"none"`` or ``None`` (no reduction), ``"mean"``,
            ``"mean_with_sample_weight"`` (weighted sum / sum of weights), or Keras 2's
            ``"auto"`` (= ``"sum_over_batch_size"``).
        dtype: the dtype of the computation (default ``backend.floatx()``).

    Example:
        >>> class MyMSE(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype

    @property
    def dtype(self) -> str:
        return self._dtype or floatx()

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true)
        losses = ops.convert_to_tensor(self.call(y_true, y_pred))
        mask = _combined_mask(y_pred._keras_mask, losses._keras_mask, losses.shape)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred) -> Tensor:
        """The per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, "
                                  f"y_pred)` returning the per-sample losses.")

    def get_config(self) -> dict:
        config = {"name": self.name, "reduction": self.reduction}
        if self._dtype is not None:
            config["dtype"] = self._dtype
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _combined_mask(in_mask, out_mask, shape: tuple):
    """The mask of the losses: the prediction's mask (when it fits) and the loss's own."""
    if in_mask is not None and tuple(in_mask.shape) != tuple(shape):
        in_mask = None
    if in_mask is None or out_mask is None:
        return out_mask if in_mask is None else in_mask
    if tuple(in_mask.shape) != tuple(out_mask.shape):
        return out_mask
    return ops.logical_and(in_mask, out_mask)


class LossFunctionWrapper(Loss):
    """A ``Loss`` made from a function ``fn(y_true, y_pred, **kwargs)`` of per-sample losses.

    ``y_true`` and ``y_pred`` are aligned in rank first (``(batch,)`` labels against
    ``(batch, 1)`` predictions work).

    Args:
        fn: the loss function.
        reduction: as for ``Loss`` (default ``"sum_over_batch_size"``).
        name: the loss name (default: the snake-case class name).
        dtype: the dtype of the computation (default ``backend.floatx()``).
        **kwargs: passed on to ``fn`` at each call.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None,
                 **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred) -> Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize_object(self.fn)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "LossFunctionWrapper":
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is not LossFunctionWrapper:
            return cls(**config)
        if isinstance(fn, (str, dict)):
            from . import get  # the table lives in the package, above this module

            fn = get(fn)
        return cls(fn, **config)
