"""Learning-rate schedules: ``SGD(learning_rate=ExponentialDecay(0.1, 1000, 0.96))``.

A schedule is called with the optimizer's step count (the number of updates applied so
far, a Python int) and returns the learning rate for the next update as a Python float.
The arithmetic is plain Python on the host: a schedule never touches an array.
"""

from __future__ import annotations

import math
import numbers

from ..naming import lookup

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "get", "serialize", "deserialize"]


def _positive(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{owner}: argument `{name}` must be > 0; received {name}={value!r}.")


class LearningRateSchedule:
    """Base class: a callable ``schedule(step) -> learning rate``.

    Subclasses implement ``__call__(step)`` and, to be serializable, ``get_config()``
    returning their constructor arguments.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 * 0.5 ** (step // 100)
        >>> Halving()(250)
        0.025
    """

    def __call__(self, step) -> float:
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must implement "
            "`__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must implement `get_config()` "
            "to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        """Rebuilds the schedule from the output of ``get_config()``."""
        return cls(**config)


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, and the decay
    ``progress = step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _positive(type(self).__name__, "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step) -> float:
        progress = float(step) / self.decay_steps
        return math.floor(progress) if self.staircase else progress

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps over which the rate is multiplied by
            ``decay_rate`` (> 0).
        decay_rate: the multiplier per ``decay_steps``.
        staircase: if True, ``step / decay_steps`` is floored, so the rate drops in
            discrete jumps. Default ``False``.
        name: a name kept in the config. Default ``"ExponentialDecay"``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return float(self.initial_learning_rate) * float(self.decay_rate) ** self._progress(
            step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` after the last boundary.

    Args:
        boundaries: strictly increasing step counts.
        values: the rates, one more than ``boundaries``.
        name: a name kept in the config. Default ``"PiecewiseConstant"``.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: `values` must have exactly one more entry than "
                f"`boundaries`; received {len(boundaries)} boundaries {boundaries} and "
                f"{len(values)} values {values}.")
        if any(low >= high for low, high in zip(boundaries, boundaries[1:])):
            raise ValueError("PiecewiseConstantDecay: `boundaries` must be strictly "
                             f"increasing; received boundaries={boundaries}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step) -> float:
        step = float(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, with ``step`` capped at
    ``decay_steps`` (or, with ``cycle``, ``decay_steps`` stretched to the first multiple of
    itself that is at least ``step``).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps to reach ``end_learning_rate`` (> 0).
        end_learning_rate: the final rate. Default ``0.0001``.
        power: the exponent of the polynomial. Default ``1.0`` (linear).
        cycle: whether to restart the decay after ``decay_steps``. Default ``False``.
        name: a name kept in the config. Default ``"PolynomialDecay"``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step) -> float:
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return span * (1.0 - step / decay_steps) ** self.power + float(self.end_learning_rate)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Keras 2's ``decay=`` argument is this schedule with ``decay_steps=1``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the step scale (> 0).
        decay_rate: the decay coefficient.
        staircase: if True, ``step / decay_steps`` is floored. Default ``False``.
        name: a name kept in the config. Default ``"InverseTimeDecay"``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return float(self.initial_learning_rate) / (
            1.0 + float(self.decay_rate) * self._progress(step))


def _cosine(fraction: float, alpha: float) -> float:
    """``(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha``."""
    return (1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay with an optional linear warmup.

    Without warmup (``warmup_target=None``): ``initial_learning_rate * decayed`` where
    ``decayed = (1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))
    + alpha``. With warmup, the rate rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays from ``warmup_target`` the same way.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of decay steps (> 0).
        alpha: the final rate as a fraction of the decay's starting rate. Default ``0.0``.
        name: a name kept in the config. Default ``"CosineDecay"``.
        warmup_target: the rate reached at the end of warmup, or None for no warmup.
        warmup_steps: the number of warmup steps. Default ``0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step) -> float:
        step, initial = float(step), float(self.initial_learning_rate)
        if self.warmup_target is None:
            fraction = min(step, self.decay_steps) / self.decay_steps
            return initial * _cosine(fraction, self.alpha)
        target = float(self.warmup_target)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            return (target - initial) * step / self.warmup_steps + initial
        fraction = (step - self.warmup_steps) / self.decay_steps
        return target * _cosine(fraction, self.alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The first period lasts ``first_decay_steps`` and decays from ``initial_learning_rate``
    to ``alpha`` times it; each restart lasts ``t_mul`` times longer than the previous
    period and starts at ``m_mul`` times the previous starting rate.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: the length of the first period (> 0).
        t_mul: the period growth factor. Default ``2.0``.
        m_mul: the starting-rate factor per restart. Default ``1.0``.
        alpha: the minimum rate, as a fraction of ``initial_learning_rate``. Default ``0.0``.
        name: a name kept in the config. Default ``"SGDRDecay"``.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step) -> float:
        fraction = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul))
                                 / math.log(self.t_mul))
            elapsed = (1.0 - self.t_mul ** restart) / (1.0 - self.t_mul)
            fraction = (fraction - elapsed) / self.t_mul ** restart
        scale = self.m_mul ** restart
        decayed = (1.0 - self.alpha) * scale * 0.5 * (1.0 + math.cos(math.pi * fraction))
        return float(self.initial_learning_rate) * (decayed + self.alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


ALL = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                     PolynomialDecay, InverseTimeDecay, CosineDecay,
                                     CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """Keras 3's config dict: ``{"module", "class_name", "config", "registered_name"}``."""
    builtin = ALL.get(type(schedule).__name__) is type(schedule)
    return {"module": "keras.optimizers.schedules" if builtin else type(schedule).__module__,
            "class_name": type(schedule).__name__, "config": schedule.get_config(),
            "registered_name": None if builtin else type(schedule).__name__}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Rebuilds a schedule from ``serialize``'s dict (or Keras 2's ``{class_name, config}``)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("Expected a learning rate schedule config dict with a "
                         f"'class_name' key; received {config!r}.")
    return lookup(config, ALL, "learning rate schedule", custom_objects)


def get(identifier, custom_objects: dict | None = None) -> LearningRateSchedule:
    """A schedule from an instance (returned as is) or a config dict."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    raise ValueError(f"Could not interpret learning rate schedule identifier: {identifier!r}. "
                     "Expected a LearningRateSchedule instance or a config dict.")
