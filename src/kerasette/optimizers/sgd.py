"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from .base import Optimizer
from .helpers import check_number

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent: ``w -= learning_rate * g``.

    With momentum: ``velocity = momentum * velocity - learning_rate * g``, then
    ``w += velocity``; with ``nesterov=True``, ``w += momentum * velocity - learning_rate * g``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` or a callable. Default ``0.01``.
        momentum: a float in [0, 1]; ``0`` is plain gradient descent. Default ``0.0``.
        nesterov: whether to use Nesterov momentum. Default ``False``.
        name: default ``"SGD"``.
        **kwargs: the ``Optimizer`` arguments (``weight_decay``, ``clipnorm``,
            ``clipvalue``, ``global_clipnorm``, ...) and Keras 2's ``lr`` / ``decay``.

    Example:
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
        >>> opt.apply(grads, model.trainable_weights)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):  # noqa: D107
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = check_number(self, "momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def build(self, variables) -> None:
        """One ``momentum`` slot per variable, only when ``momentum`` is not 0."""
        if self.built:
            return
        super().build(variables)
        self._momentums = []
        if self.momentum:
            self._momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate) -> None:
        step = gradient * learning_rate
        if not self.momentum:
            variable.data -= step
            return
        velocity = self._momentums[self._get_variable_index(variable)].data
        velocity *= self.momentum
        velocity -= step
        if self.nesterov:
            step = velocity * self.momentum - step
            variable.data += step
        else:
            variable.data += velocity

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}
