"""``Optimizer``: the base every optimizer shares (Keras 3's contract).

A subclass creates its slots in ``build(variables)`` with ``add_optimizer_variables`` /
``add_variable_from_reference`` and writes only the math in
``update_step(gradient, variable, learning_rate)``: in place on raw backend arrays
(``variable.data``, ``slot.data``), never recording a graph. ``apply`` does the rest, in
Keras's order: skip missing gradients, clip, decay the weights, step, constrain, count.
"""

from __future__ import annotations

import re

from .. import backend
from ..autograd import Tensor, Variable, as_array, enable_grad, gradients, no_grad
from ..layers.legacy import warn
from ..naming import to_snake_case
from . import schedules
from .helpers import (ScalarVariable, check_number, clip_by_global_norm, clip_by_norm,
                      gradient_array, initializer_function)

__all__ = ["Optimizer"]

_INERT_CONFIG_KEYS = ("jit_compile", "is_legacy_optimizer")  # tf.keras-only compile hints


class Optimizer:
    """Base class of the optimizers: ``apply`` clips, decays, steps, constrains, counts.

    Args:
        learning_rate: a float >= 0, a ``schedules.LearningRateSchedule`` (called with the
            step count before each update), or a callable with no argument.
        weight_decay: if set, each update first does
            ``variable -= variable * weight_decay * learning_rate`` (except for variables
            named in ``exclude_from_weight_decay``). Default ``None``.
        clipnorm: if set, each gradient is rescaled to an L2 norm of at most this value.
        clipvalue: if set, each gradient is clipped elementwise to ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are rescaled together to a global L2 norm of
            at most this value. At most one of the three clipping arguments may be set.
        loss_scale_factor: if set, ``scale_loss(loss)`` multiplies the loss by it and
            ``apply`` divides the gradients by it. Default ``None``.
        use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps:
            accepted at Keras's defaults (Keras 3 configs carry them); other values raise
            ``NotImplementedError``.
        name: the optimizer's name (default: the class name in snake case).
        **kwargs: the Keras 2 spellings ``lr=`` (meaning ``learning_rate=``) and ``decay=``
            (time-based decay, ``learning_rate / (1 + decay * iterations)``), each with a
            warning. Any other keyword raises ``TypeError``.

    Example:
        >>> w = Variable([1.0, -2.0])
        >>> opt = SGD(learning_rate=0.1)
        >>> opt.apply([backend.xp.asarray([1.0, 1.0], dtype="float32")], [w])
        >>> w.numpy()  # [0.9, -2.1]
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):  # noqa: D107
        learning_rate, self.decay = self._legacy_arguments(learning_rate, kwargs)
        self.name = name or to_snake_case(type(self).__name__)
        self.weight_decay = self._optional(weight_decay, "weight_decay")
        self.clipnorm = self._optional(clipnorm, "clipnorm")
        self.clipvalue = self._optional(clipvalue, "clipvalue")
        self.global_clipnorm = self._optional(global_clipnorm, "global_clipnorm")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{type(self).__name__}: only one of `clipnorm`, `clipvalue` and "
                f"`global_clipnorm` can be set. Received: clipnorm={clipnorm}, "
                f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}.")
        self.loss_scale_factor = self._optional(loss_scale_factor, "loss_scale_factor")
        # ema_overwrite_frequency only matters with use_ema (tf-keras writes 100 anyway)
        self._refuse_unsupported(use_ema=(use_ema, False),
                                 gradient_accumulation_steps=(gradient_accumulation_steps, None))
        self.ema_momentum = ema_momentum
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._index: dict = {}
        self._learning_rate = None
        self.exclude_from_weight_decay()
        self._iterations = self._track(ScalarVariable(0, "int64", "iteration"))
        self._set_learning_rate(learning_rate)

    # ---- construction helpers -------------------------------------------------------

    def _legacy_arguments(self, learning_rate, kwargs: dict):
        """Applies Keras 2's ``lr=`` and ``decay=``; refuses any other unknown keyword."""
        owner = type(self).__name__
        if "lr" in kwargs:
            warn(f"{owner}: `lr` is the Keras 2 spelling of `learning_rate`; use "
                 "`learning_rate=` instead.")
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        decay = 0.0 if decay is None else check_number(owner, "decay", decay)
        if decay:
            warn(f"{owner}: `decay` is Keras 2's time-based decay, applied here as "
                 "learning_rate / (1 + decay * iterations). Keras 3 spells it "
                 "`learning_rate=keras.optimizers.schedules.InverseTimeDecay("
                 "learning_rate, decay_steps=1, decay_rate=decay)`.")
        if kwargs:
            raise TypeError(f"{owner}: unexpected keyword argument(s) "
                            f"{', '.join(map(repr, sorted(kwargs)))}.")
        return learning_rate, decay

    def _optional(self, value, name: str):
        return None if value is None else check_number(self, name, value)

    def _refuse_unsupported(self, **settings) -> None:
        for name, (value, default) in settings.items():
            if value != default:
                raise NotImplementedError(
                    f"{type(self).__name__}: `{name}={value!r}` is not supported by "
                    f"kerasette; leave it at its default ({default!r}).")

    def _track(self, variable: Variable) -> Variable:
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    # ---- learning rate and step count ---------------------------------------------

    @property
    def iterations(self) -> Variable:
        """The number of updates applied so far (an int64 Variable)."""
        return self._iterations

    @property
    def learning_rate(self) -> Tensor:
        """The learning rate: the 0-d Variable itself, or the schedule's current value."""
        if isinstance(self._learning_rate, ScalarVariable):
            return self._learning_rate
        return Tensor(backend.xp.asarray(self._base_learning_rate(), dtype=backend.floatx()))

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._set_learning_rate(value)

    lr = learning_rate  # Keras 2's name

    def _set_learning_rate(self, value) -> None:
        current = self._learning_rate
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            if isinstance(current, ScalarVariable):
                self._variables = [v for v in self._variables if v is not current]
            self._learning_rate = value
        elif isinstance(current, ScalarVariable):
            current.assign(self._check_rate(value))
        elif current is not None:
            raise TypeError(
                f"{type(self).__name__} was created with a learning rate schedule (or "
                "callable), so its learning rate cannot be set to a number. Create the "
                "optimizer with a float `learning_rate` to make it settable.")
        else:
            variable = ScalarVariable(self._check_rate(value), backend.floatx(),
                                       "learning_rate")
            self._learning_rate = self._track(variable)

    def _check_rate(self, value) -> float:
        if isinstance(value, Tensor) or backend.is_array(value):
            value = float(as_array(value))
        return check_number(self, "learning_rate", value)

    def _base_learning_rate(self) -> float:
        rate = self._learning_rate
        if isinstance(rate, ScalarVariable):
            return rate.host
        if isinstance(rate, schedules.LearningRateSchedule):
            return float(rate(self._iterations.host))
        return float(rate())

    def _current_learning_rate(self) -> float:
        """The rate for the coming update, Keras 2's ``decay`` included."""
        rate = self._base_learning_rate()
        if self.decay:
            rate /= 1.0 + self.decay * self._iterations.host
        return rate

    # ---- state ----------------------------------------------------------------------

    def build(self, variables) -> None:
        """Records the variables to train; subclasses then create their slots."""
        self._trainable_variables = list(variables)
        self._index = {id(v): i for i, v in enumerate(self._trainable_variables)}
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None) -> Variable:
        """A non-trainable optimizer variable, listed in ``variables``.

        ``initializer`` is ``"zeros"``, ``"ones"``, a number, or ``fn(shape, dtype)``.
        """
        initializer = initializer_function(self, initializer)
        variable = Variable(initializer, shape=tuple(shape), dtype=dtype, trainable=False,
                            name=name)
        return self._track(variable)

    def add_variable_from_reference(self, reference_variable, name=None,
                                    initializer="zeros") -> Variable:
        """A slot shaped like ``reference_variable``, named ``<its path>_<name>``."""
        base = getattr(reference_variable, "path", None) or reference_variable.name
        slot_name = f"{base.replace('/', '_').replace(':', '_')}_{name or 'var'}"
        return self.add_variable(reference_variable.shape, initializer,
                                 reference_variable.dtype, slot_name)

    def add_optimizer_variables(self, variables, name, initializer="zeros"):
        """One slot per variable: a list for one ``name``, a tuple of lists for several
        (created variable by variable, as Keras orders them)."""
        names = [name] if isinstance(name, str) else list(name)
        slots = tuple([] for _ in names)
        for variable in variables:
            for family, slot_name in zip(slots, names):
                family.append(self.add_variable_from_reference(variable, slot_name,
                                                               initializer))
        return slots[0] if isinstance(name, str) else slots

    @property
    def variables(self) -> list:
        """``iterations``, the learning rate (unless scheduled), then every slot."""
        return list(self._variables)

    def get_weights(self) -> list:
        """The values of ``variables`` as NumPy arrays, in the same order."""
        return [backend.to_numpy(v.data).copy() for v in self._variables]

    def set_weights(self, weights) -> None:
        """Restores values from ``get_weights()``; the optimizer must be built."""
        if not self.built:
            raise ValueError(
                f"{type(self).__name__}.set_weights() was called before the optimizer was "
                "built. Call `optimizer.build(trainable_variables)` first.")
        weights = list(weights)
        if len(weights) != len(self._variables):
            raise ValueError(
                f"{type(self).__name__}.set_weights() expected {len(self._variables)} arrays "
                f"({', '.join(v.name for v in self._variables[:3])}, ...); received "
                f"{len(weights)}.")
        for variable, value in zip(self._variables, weights):
            shape = tuple(getattr(value, "shape", ()))
            if shape != variable.shape:
                raise ValueError(f"Optimizer variable {variable.path!r} has shape "
                                 f"{variable.shape}; received a value of shape {shape}.")
            variable.assign(backend.to_device(value, dtype=variable.dtype))

    def _get_variable_index(self, variable) -> int:
        try:
            return self._index[id(variable)]
        except KeyError:
            raise ValueError(
                f"Unknown variable {getattr(variable, 'path', variable)!r}: optimizer "
                f"{self.name!r} can only update the variables it was built with. Create a "
                "new optimizer for a new set of variables.") from None

    # ---- the update -----------------------------------------------------------------

    def apply(self, grads, trainable_variables=None) -> None:
        """Applies one update: ``grads`` pair one to one with ``trainable_variables``
        (default: the variables the optimizer was built with). A gradient may be a
        Tensor, a backend array, or None (that variable is skipped)."""
        grads = list(grads)
        if not grads:
            return
        variables = self._variables_for(grads, trainable_variables)
        grads, variables = self._present_gradients(grads, variables)
        if self.loss_scale_factor:
            grads = [g / self.loss_scale_factor for g in grads]
        grads = self._clip_gradients(grads)
        rate = self._current_learning_rate()
        self._apply_weight_decay(variables, rate)
        self._update_variables(grads, variables, rate)
        self._apply_constraints(variables)
        self._iterations.assign_add(1)

    def apply_gradients(self, grads_and_vars) -> Variable:
        """tf.keras's spelling: ``apply_gradients(zip(grads, variables))``."""
        pairs = list(grads_and_vars)
        if pairs:
            self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self._iterations

    def minimize(self, loss, var_list, tape=None) -> None:
        """Differentiates ``loss`` (a Tensor, or a callable returning one) with respect to
        ``var_list`` (a list, or a callable returning one) and applies one update."""
        variables = list(var_list() if callable(var_list) else var_list)
        with enable_grad():
            value = loss() if callable(loss) else loss
        self.apply(gradients(value, variables), variables)

    def update_step(self, gradient, variable, learning_rate) -> None:
        """Updates ``variable.data`` in place from the raw ``gradient`` array."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step`.")

    def _variables_for(self, grads: list, trainable_variables) -> list:
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `trainable_variables`, the optimizer must "
                    "already be built; call `optimizer.build(trainable_variables)` first.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(variables) != len(grads):
            raise ValueError(f"{type(self).__name__}: received {len(grads)} gradients for "
                             f"{len(variables)} variables; they must pair one to one.")
        return variables

    def _present_gradients(self, grads: list, variables: list):
        """The (array, variable) pairs with a gradient, checked against their variable."""
        arrays, kept, missing = [], [], []
        for gradient, variable in zip(grads, variables):
            self._get_variable_index(variable)
            if gradient is None:
                missing.append(variable.name)
                continue
            data = gradient_array(gradient, variable)
            arrays.append(data)
            kept.append(variable)
        if not arrays:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warn(f"Gradients do not exist for variables {missing} when minimizing the "
                 "loss; they are left unchanged.")
        return arrays, kept

    def _clip_gradients(self, grads: list) -> list:
        """Keras's clipping; new arrays, since a gradient array may be shared."""
        if self.clipnorm:
            return clip_by_norm(grads, self.clipnorm)
        if self.global_clipnorm:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return [backend.xp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempts ``var_list`` and variables whose name matches any of ``var_names``
        (regular expressions) from ``weight_decay``. Call it before the first update."""
        if getattr(self, "built", False):
            raise ValueError("`exclude_from_weight_decay()` can only be configured before "
                             "the optimizer is built.")
        self._excluded_ids = {id(v) for v in var_list or ()}
        self._excluded_pattern = re.compile("|".join(var_names)) if var_names else None
        self._decays: dict = {}

    def _use_weight_decay(self, variable) -> bool:
        key = id(variable)
        if key not in self._decays:
            pattern = self._excluded_pattern
            named = pattern is not None and pattern.search(variable.name) is not None
            self._decays[key] = key not in self._excluded_ids and not named
        return self._decays[key]

    def _apply_weight_decay(self, variables: list, rate: float) -> None:
        """``variable -= variable * weight_decay * rate``, done as one in-place scaling."""
        if not self.weight_decay:
            return
        factor = 1.0 - self.weight_decay * rate
        for variable in variables:
            if self._use_weight_decay(variable):
                variable.data *= factor

    def _update_variables(self, grads: list, variables: list, rate: float) -> None:
        for gradient, variable in zip(grads, variables):
            self.update_step(gradient, variable, rate)

    def _apply_constraints(self, variables: list) -> None:
        constrained = [v for v in variables if getattr(v, "constraint", None) is not None]
        if constrained:
            with no_grad():
                for variable in constrained:
                    variable.assign(variable.constraint(variable))

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` when one is set, else ``loss``."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def finalize_variable_values(self, var_list) -> None:
        """Called by ``fit`` at the end of training (Keras's EMA hook); nothing to do."""

    # ---- config ---------------------------------------------------------------------

    def get_config(self) -> dict:
        """The constructor arguments, with Keras 3's keys."""
        rate = self._learning_rate
        if isinstance(rate, ScalarVariable):
            rate = rate.host
        elif isinstance(rate, schedules.LearningRateSchedule):
            rate = schedules.serialize(rate)
        config = {"name": self.name, "learning_rate": rate,
                  "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                  "use_ema": False, "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": None,
                  "loss_scale_factor": self.loss_scale_factor,
                  "gradient_accumulation_steps": None}
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Optimizer":
        """Rebuilds an optimizer from ``get_config()`` (Keras 2 and 3 configs alike)."""
        config = {k: v for k, v in config.items() if k not in _INERT_CONFIG_KEYS}
        if "lr" in config:  # Keras 2 configs: data, not user code, so no warning
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)
