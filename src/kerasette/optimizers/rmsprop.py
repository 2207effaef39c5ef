"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from .. import backend
from .base import Optimizer
from .helpers import check_number, sqrt_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: ``v = rho * v + (1 - rho) * g^2``; ``w -= lr * g / sqrt(v + epsilon)``.

    Centered: also ``a = rho * a + (1 - rho) * g`` and the denominator becomes
    ``sqrt(v - a^2 + epsilon)``. With momentum, the step ``lr * g / sqrt(...)`` feeds
    ``m = momentum * m + step`` and ``w -= m``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``.
        rho: the discount factor of the running averages, in [0, 1]. Default ``0.9``.
        momentum: the momentum coefficient, in [0, 1]. Default ``0.0``.
        epsilon: added under the square root for stability. Default ``1e-7``.
        centered: normalize by the estimated variance instead of the second moment.
            Default ``False``.
        name: default ``"rmsprop"``.
        **kwargs: the ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> model.compile(optimizer=RMSprop(learning_rate=1e-3, rho=0.9), loss="mse")
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="rmsprop", **kwargs):  # noqa: D107
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_number(self, "rho", rho, 0.0, 1.0)
        self.momentum = check_number(self, "momentum", momentum, 0.0, 1.0)
        self.epsilon = check_number(self, "epsilon", epsilon)
        self.centered = bool(centered)

    def build(self, variables) -> None:
        """Slots: ``velocity``, then ``momentum`` (if used), then ``average_gradient``
        (if centered), each one per variable."""
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables,
                                                                   "average_gradient")

    def update_step(self, gradient, variable, learning_rate) -> None:
        xp = backend.xp
        index = self._get_variable_index(variable)
        velocity = self._velocities[index].data
        velocity *= self.rho
        velocity += xp.square(gradient) * (1 - self.rho)
        if self.centered:
            average = self._average_gradients[index].data
            average *= self.rho
            average += gradient * (1 - self.rho)
            denominator = velocity - xp.square(average)
            denominator += self.epsilon
        else:
            denominator = velocity + self.epsilon
        denominator = sqrt_(denominator)
        step = gradient * learning_rate
        step /= denominator
        if self.momentum > 0:
            momentum = self._momentums[index].data
            momentum *= self.momentum
            momentum += step
            step = momentum
        variable.data -= step

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
