"""Normalization layers: BatchNormalization, LayerNormalization and UnitNormalization."""

from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from ..naming import serialize_object
from ..ops.normalization import standardize
from .base import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization", "UnitNormalization"]


def _axis_list(axis, ndim: int, owner: str) -> tuple:
    """``axis`` (an int or a list) as sorted non-negative axes of an ``ndim`` input."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or not -ndim <= a < ndim or \
                a % ndim == 0:
            raise ValueError(f"{owner}: invalid axis {axis!r} for an input of rank {ndim}; "
                             f"expected axes in 1..{ndim - 1} (or negative), never the "
                             f"batch axis 0.")
    return tuple(sorted(a % ndim for a in axes))


class _AffineNormalization(Layer):
    """The ``gamma`` / ``beta`` bookkeeping shared by batch and layer normalization."""

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        if not epsilon > 0:
            raise ValueError(f"{self._owner()}: `epsilon` must be positive; received "
                             f"epsilon={epsilon!r}.")
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _param_shape(self, input_shape) -> tuple:
        self._axes = _axis_list(self.axis, len(input_shape), self._owner())
        shape = tuple(input_shape[a] for a in self._axes)
        if None in shape:
            raise ValueError(f"{self._owner()}: the normalized axes {self._axes} must have "
                             f"known sizes; received input_shape={tuple(input_shape)}.")
        return shape

    def _add_affine(self, shape, with_gamma: bool, with_beta: bool) -> None:
        self.gamma = self.beta = None
        if with_gamma:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if with_beta:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": serialize_object(self.beta_initializer),
                "gamma_initializer": serialize_object(self.gamma_initializer),
                "beta_regularizer": serialize_object(self.beta_regularizer),
                "gamma_regularizer": serialize_object(self.gamma_regularizer),
                "beta_constraint": serialize_object(self.beta_constraint),
                "gamma_constraint": serialize_object(self.gamma_constraint)}


class BatchNormalization(_AffineNormalization):
    """Normalizes each channel with batch statistics while training, moving averages
    at inference: ``gamma * (x - mean) / sqrt(variance + epsilon) + beta``.

    In training (``fit``, or ``training=True``) a trainable layer uses the mean and
    (biased) variance of the batch over every axis but ``axis``, and updates
    ``moving_mean = moving_mean * momentum + mean * (1 - momentum)`` (likewise
    ``moving_variance``). At inference, or whenever ``layer.trainable`` is False (a
    frozen layer, as in Keras 3 fine-tuning), it uses the moving statistics.

    Args:
        axis: the features axis (or a list of axes); default -1.
        momentum: of the moving averages; default 0.99.
        epsilon: added to the variance; default 1e-3.
        center: learn the offset ``beta``; default True.
        scale: learn the factor ``gamma``; default True.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: default zeros, ones, zeros, ones.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.

    Weights: ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance``
    (non-trainable), in that order.

    Example:
        >>> layer = BatchNormalization()
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        kwargs.pop("fused", None)  # Keras 2 configs: an implementation detail
        for option in ("renorm", "virtual_batch_size", "adjustment"):
            if kwargs.pop(option, None):
                raise ValueError(f"BatchNormalization: `{option}` (Keras 2) is not "
                                 f"supported.")
        for option in ("renorm_clipping", "renorm_momentum"):
            kwargs.pop(option, None)
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"{self._owner()}: `momentum` must be in [0, 1]; received "
                             f"momentum={momentum!r}.")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)

    def build(self, input_shape):
        shape = self._param_shape(input_shape)
        self._add_affine(shape, self.scale, self.center)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if training and self.trainable:
            reduce = tuple(i for i in range(inputs.ndim) if i not in self._axes)
            out, mean, variance = standardize(inputs, reduce, self.gamma, self.beta,
                                              self.epsilon, param_axes=self._axes)
            self._update_moving(self.moving_mean, mean)
            self._update_moving(self.moving_variance, variance)
            return out
        return ops.batch_normalization(inputs, self.moving_mean.value,
                                       self.moving_variance.value, self._axes, self.beta,
                                       self.gamma, self.epsilon)

    def _update_moving(self, variable, batch_value) -> None:
        """``variable = variable * momentum + batch_value * (1 - momentum)``, in place."""
        data = variable.data
        data *= data.dtype.type(self.momentum)
        data += batch_value.reshape(data.shape) * data.dtype.type(1 - self.momentum)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": serialize_object(self.moving_mean_initializer),
                "moving_variance_initializer": serialize_object(
                    self.moving_variance_initializer),
                "synchronized": self.synchronized}


class LayerNormalization(_AffineNormalization):
    """Normalizes each sample over ``axis``:
    ``gamma * (x - mean) / sqrt(variance + epsilon) + beta``, the same in training
    and at inference.

    Args:
        axis: the axis or axes to normalize (and to give ``gamma`` / ``beta``); default -1.
        epsilon: default 1e-3.
        center, scale: learn ``beta`` / ``gamma``; default True.
        rms_scaling: scale by ``1 / sqrt(variance + epsilon)`` without centering (only
            ``gamma`` is created); default False.
        beta/gamma initializer, regularizer, constraint: as ``BatchNormalization``.

    Example:
        >>> layer = LayerNormalization(axis=-1)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        shape = self._param_shape(input_shape)
        self._add_affine(shape, self.scale or self.rms_scaling,
                         self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        if self.rms_scaling:
            variance = ops.var(inputs, axis=self._axes, keepdims=True)
            scaled = ops.multiply(inputs, ops.power(ops.add(variance, self.epsilon), -0.5))
            broadcast = tuple(n if i in self._axes else 1 for i, n in enumerate(inputs.shape))
            return ops.multiply(scaled, ops.reshape(self.gamma, broadcast))
        return standardize(inputs, self._axes, self.gamma, self.beta, self.epsilon)[0]

    def get_config(self):
        return {**super().get_config(), "rms_scaling": self.rms_scaling}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis``: ``x / sqrt(max(sum(x^2), 1e-12))``.

    Args:
        axis: the axis or axes to normalize; default -1.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.supports_masking = True

    def call(self, inputs):
        axis = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        return ops.normalize(inputs, axis=axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
