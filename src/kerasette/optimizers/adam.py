"""The Adam family: Adam (and AMSGrad), AdamW, Adamax and Nadam."""

from __future__ import annotations

import math

from .. import backend
from .base import Optimizer
from .helpers import ScalarVariable, check_number, sqrt_

__all__ = ["Adam", "AdamW", "Adamax", "Nadam"]


class _Moments(Optimizer):
    """Shared arguments of the Adam family: ``beta_1``, ``beta_2`` and ``epsilon``."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, **kwargs):  # noqa: D107
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = check_number(self, "beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = check_number(self, "beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = check_number(self, "epsilon", epsilon)

    def _local_step(self) -> int:
        """``t``, the 1-based number of the update being applied."""
        return self._iterations.host + 1

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Adam(_Moments):
    """Adam, with the bias corrections folded into the rate (Keras's form).

    ``m += (1 - beta_1) * (g - m)``; ``v += (1 - beta_2) * (g^2 - v)``;
    ``w -= lr_t * m / (sqrt(v) + epsilon)`` with
    ``lr_t = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)``. With ``amsgrad``,
    ``v_hat = max(v_hat, v)`` replaces ``v`` in the denominator.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``.
        beta_1: the decay rate of the first moment, in [0, 1). Default ``0.9``.
        beta_2: the decay rate of the second moment, in [0, 1). Default ``0.999``.
        epsilon: added to the denominator for stability. Default ``1e-7``.
        amsgrad: use the AMSGrad variant. Default ``False``.
        name: default ``"adam"``.
        **kwargs: the ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> model.compile(optimizer=Adam(learning_rate=1e-3), loss="mse")
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):  # noqa: D107
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        self.amsgrad = bool(amsgrad)

    def build(self, variables) -> None:
        """Slots: ``momentum``, then ``velocity``, then (amsgrad) ``velocity_hat``."""
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._velocity_hats = []
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate) -> None:
        index = self._get_variable_index(variable)
        t = self._local_step()
        rate = learning_rate * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        velocity_hat = self._velocity_hats[index].data if self.amsgrad else None
        backend.kernels.adam_update(
            variable.data, gradient, self._momentums[index].data,
            self._velocities[index].data, rate, self.beta_1, self.beta_2, self.epsilon,
            velocity_hat)

    def get_config(self) -> dict:
        return {**super().get_config(), "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter).

    Each update first shrinks the weights, ``w -= w * weight_decay * learning_rate``, then
    applies the Adam step (see ``Adam``).

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``.
        weight_decay: the decay coefficient (required, >= 0). Default ``0.004``.
        beta_1, beta_2, epsilon, amsgrad: as in ``Adam``.
        name: default ``"adamw"``.
        **kwargs: the other ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> opt = AdamW(learning_rate=1e-3, weight_decay=0.01)
        >>> opt.exclude_from_weight_decay(var_names=["bias"])
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="adamw", **kwargs):  # noqa: D107
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float; received "
                             "weight_decay=None.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)


class Adamax(_Moments):
    """Adamax, Adam with the infinity norm.

    ``m += (1 - beta_1) * (g - m)``; ``u = max(beta_2 * u, |g|)``;
    ``w -= learning_rate / (1 - beta_1^t) * m / (u + epsilon)``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``.
        beta_1: the decay rate of the first moment, in [0, 1). Default ``0.9``.
        beta_2: the decay rate of the infinity norm, in [0, 1). Default ``0.999``.
        epsilon: added to the denominator for stability. Default ``1e-7``.
        name: default ``"adamax"``.
        **kwargs: the ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> model.compile(optimizer=Adamax(learning_rate=2e-3), loss="mse")
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="adamax", **kwargs):  # noqa: D107
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def build(self, variables) -> None:
        """Slots ``momentum`` and ``norm``, created variable by variable."""
        if self.built:
            return
        super().build(variables)
        self._momentums, self._norms = self.add_optimizer_variables(
            variables, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate) -> None:
        xp = backend.xp
        index = self._get_variable_index(variable)
        momentum, norm = self._momentums[index].data, self._norms[index].data
        momentum += (gradient - momentum) * (1 - self.beta_1)
        norm *= self.beta_2
        xp.maximum(norm, xp.abs(gradient), out=norm)
        step = momentum * (learning_rate / (1 - self.beta_1 ** self._local_step()))
        step /= norm + self.epsilon
        variable.data -= step


class Nadam(_Moments):
    """Nadam, Adam with Nesterov momentum (Keras's momentum-cache form).

    With ``u_t = beta_1 * (1 - 0.5 * 0.96^t)`` and ``U_t = u_1 * ... * u_t``:
    ``m += (1 - beta_1) * (g - m)``; ``v += (1 - beta_2) * (g^2 - v)``;
    ``m_hat = u_{t+1} * m / (1 - U_{t+1}) + (1 - u_t) * g / (1 - U_t)``;
    ``v_hat = v / (1 - beta_2^t)``; ``w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``.
        beta_1: the decay rate of the first moment, in [0, 1). Default ``0.9``.
        beta_2: the decay rate of the second moment, in [0, 1). Default ``0.999``.
        epsilon: added to the denominator for stability. Default ``1e-7``.
        name: default ``"nadam"``.
        **kwargs: the ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> model.compile(optimizer=Nadam(learning_rate=2e-3), loss="mse")
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="nadam", **kwargs):  # noqa: D107
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def build(self, variables) -> None:
        """Slots ``momentum`` then ``velocity``, then the running product ``u_product``."""
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._u_product = self._track(ScalarVariable(1.0, backend.floatx(), "u_product"))

    def _momentum_cache(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _update_variables(self, grads, variables, rate) -> None:
        t = self._local_step()
        self._u_product.assign(self._u_product.host * self._momentum_cache(t))
        super()._update_variables(grads, variables, rate)

    def update_step(self, gradient, variable, learning_rate) -> None:
        xp = backend.xp
        index = self._get_variable_index(variable)
        t = self._local_step()
        u_now, u_next = self._momentum_cache(t), self._momentum_cache(t + 1)
        product = self._u_product.host
        momentum, velocity = self._momentums[index].data, self._velocities[index].data
        momentum += (gradient - momentum) * (1 - self.beta_1)
        velocity += (xp.square(gradient) - velocity) * (1 - self.beta_2)
        step = momentum * (u_next / (1 - product * u_next))
        step += gradient * ((1 - u_now) / (1 - product))
        denominator = velocity * (1 / (1 - self.beta_2 ** t))
        denominator = sqrt_(denominator)
        denominator += self.epsilon
        step *= learning_rate
        step /= denominator
        variable.data -= step
