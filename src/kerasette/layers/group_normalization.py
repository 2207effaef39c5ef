"""GroupNormalization: layer normalization over groups of channels (Wu & He, 2018)."""

from __future__ import annotations

from .. import ops
from ..ops.normalization import standardize
from .normalization import _AffineNormalization

__all__ = ["GroupNormalization"]


class GroupNormalization(_AffineNormalization):
    """Splits the channels into ``groups`` and standardizes each group of each sample
    over its channels and every other non-batch axis:
    ``gamma * (x - mean_g) / sqrt(var_g + epsilon) + beta``.

    Args:
        groups: number of groups (default 32); must divide the channels. ``-1`` means one
            group per channel (instance normalization); 1 means layer normalization.
        axis: the channels axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to learn ``beta`` / ``gamma`` of shape ``(channels,)``.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: as ``BatchNormalization``.

    Input shape: any, rank >= 2. Output shape: the same.

    Example:
        >>> y = GroupNormalization(groups=4)(x)   # x: (batch, 16, 16, 32)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or not (
                groups > 0 or groups == -1):
            raise ValueError(f"{self._owner()}: groups must be a positive int or -1; "
                             f"received groups={groups!r}.")
        if not isinstance(axis, int):
            raise ValueError(f"{self._owner()}: axis must be one int; received {axis!r}.")
        self.groups = groups

    def build(self, input_shape):
        (channels,) = self._param_shape(input_shape)
        groups = channels if self.groups == -1 else self.groups
        if groups > channels or channels % groups:
            raise ValueError(f"{self._owner()}: the number of groups ({groups}) must "
                             f"divide the channels ({channels}) of axis {self.axis}; "
                             f"received input_shape={tuple(input_shape)}.")
        self._groups = groups
        self._add_affine((channels,), self.scale, self.center)
        self.built = True

    def call(self, inputs):
        (axis,) = self._axes
        x = ops.moveaxis(inputs, axis, -1)
        moved = tuple(x.shape)
        channels = moved[-1]
        grouped = ops.reshape(x, moved[:-1] + (self._groups, channels // self._groups))
        reduce = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
        normalized, _, _ = standardize(grouped, reduce, epsilon=self.epsilon)
        out = ops.reshape(normalized, moved)
        if self.gamma is not None:
            out = out * self.gamma
        if self.beta is not None:
            out = out + self.beta
        return ops.moveaxis(out, -1, axis)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
