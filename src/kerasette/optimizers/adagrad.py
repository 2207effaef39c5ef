"""Adagrad and Adadelta: per-coordinate step sizes from accumulated squared gradients."""

from __future__ import annotations

from .. import backend
from .base import Optimizer
from .helpers import check_number, sqrt_

__all__ = ["Adagrad", "Adadelta"]


class Adagrad(Optimizer):
    """Adagrad: ``acc += g^2``; ``w -= learning_rate * g / sqrt(acc + epsilon)``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``.
        initial_accumulator_value: the starting value of ``acc`` (>= 0). Default ``0.1``.
        epsilon: added under the square root for stability. Default ``1e-7``.
        name: default ``"adagrad"``.
        **kwargs: the ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> model.compile(optimizer=Adagrad(learning_rate=0.01), loss="mse")
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="adagrad", **kwargs):  # noqa: D107
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = check_number(
            self, "initial_accumulator_value", initial_accumulator_value)
        self.epsilon = check_number(self, "epsilon", epsilon)

    def build(self, variables) -> None:
        """One ``accumulator`` slot per variable, filled with the initial value."""
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate) -> None:
        xp = backend.xp
        accumulator = self._accumulators[self._get_variable_index(variable)].data
        accumulator += xp.square(gradient)
        denominator = accumulator + self.epsilon
        denominator = sqrt_(denominator)
        step = gradient * learning_rate
        step /= denominator
        variable.data -= step

    def get_config(self) -> dict:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta: step sizes from running averages of squared gradients and squared steps.

    ``acc_g = rho * acc_g + (1 - rho) * g^2``;
    ``delta = -sqrt(acc_dx + epsilon) / sqrt(acc_g + epsilon) * g``;
    ``acc_dx = rho * acc_dx + (1 - rho) * delta^2``; ``w += learning_rate * delta``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.001``
            (``1.0`` matches the original paper).
        rho: the decay rate of the running averages, in [0, 1]. Default ``0.95``.
        epsilon: added under the square roots for stability. Default ``1e-7``.
        name: default ``"adadelta"``.
        **kwargs: the ``Optimizer`` arguments and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> model.compile(optimizer=Adadelta(learning_rate=1.0), loss="mse")
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta",
                 **kwargs):  # noqa: D107
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_number(self, "rho", rho, 0.0, 1.0)
        self.epsilon = check_number(self, "epsilon", epsilon)

    def build(self, variables) -> None:
        """Slots: ``accumulated_grad`` then ``accumulated_delta_var``, one per variable."""
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads = self.add_optimizer_variables(variables, "accumulated_grad")
        self._accumulated_deltas = self.add_optimizer_variables(variables,
                                                                "accumulated_delta_var")

    def update_step(self, gradient, variable, learning_rate) -> None:
        xp = backend.xp
        index = self._get_variable_index(variable)
        accumulated_grad = self._accumulated_grads[index].data
        accumulated_delta = self._accumulated_deltas[index].data
        accumulated_grad *= self.rho
        accumulated_grad += xp.square(gradient) * (1 - self.rho)
        step = accumulated_delta + self.epsilon  # step = -delta, kept positive
        step = sqrt_(step)
        step *= gradient
        denominator = accumulated_grad + self.epsilon
        denominator = sqrt_(denominator)
        step /= denominator
        accumulated_delta *= self.rho
        accumulated_delta += xp.square(step) * (1 - self.rho)
        step *= learning_rate
        variable.data -= step

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
