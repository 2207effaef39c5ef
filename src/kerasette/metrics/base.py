"""The ``Metric`` base class and the reducing metrics ``Mean``, ``Sum``, ``MeanMetricWrapper``.

A metric accumulates its state in non-trainable ``Variable``s on the device: updates add
backend arrays in place and nothing is read back to the host until ``result()`` is
shown. All metric math runs without recording a graph.
"""

from __future__ import annotations

import contextlib
import functools

from .. import backend
from ..autograd import Tensor, Variable, as_array, no_grad
from ..layers.base import in_trace
from ..losses.loss import apply_mask, squeeze_or_expand_to_same_rank
from ..naming import serialize_object, to_snake_case

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "reduce_to_samplewise_values",
           "divide_no_nan"]


def _without_grad(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with no_grad():
            return method(*args, **kwargs)

    return wrapper


def _skipped_in_trace(update_state):
    """A layer's ``call`` run on zeros to infer shapes (``in_trace()``) updates nothing."""
    @functools.wraps(update_state)
    def wrapper(*args, **kwargs):
        if not in_trace():
            return update_state(*args, **kwargs)

    return wrapper


def divide_no_nan(numerator, denominator):
    """``numerator / denominator`` on backend arrays, 0 where the denominator is 0."""
    xp = backend.xp
    zero = denominator == 0
    return xp.where(zero, 0, numerator / xp.where(zero, 1, denominator)).astype(
        numerator.dtype)


class Metric:
    """Base class of metrics: state accumulated over batches, read with ``result()``.

    Subclasses create their state with ``add_variable`` in ``__init__``, and implement
    ``update_state(...)`` and ``result()``; ``reset_state()`` zeroes every variable.
    ``update_state``, ``result`` and ``reset_state`` never record a graph, and
    ``update_state`` does nothing while a layer is traced to infer shapes.

    Args:
        name: the metric name, as logged (default: the snake-case class name).
        dtype: the dtype of the state (default ``backend.floatx()``).

    Example:
        >>> class Count(Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_variable((), "zeros", name="n")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.n.assign_add(float(len(y_true)))
        ...     def result(self):
        ...         return self.n.value
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("update_state", "result", "reset_state"):
            if name in cls.__dict__:
                setattr(cls, name, _without_grad(cls.__dict__[name]))
        if "update_state" in cls.__dict__:
            cls.update_state = _skipped_in_trace(cls.update_state)

    # How many metrics have been made: a model caches the trackers its layers hold until a
    # new metric or a new layer could change them (``Model.metrics`` is read every batch).
    made = 0

    def __init__(self, name=None, dtype=None):
        Metric.made += 1
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = dtype or backend.floatx()
        self._variables: list[Variable] = []

    @property
    def dtype(self) -> str:
        return str(self._dtype)

    @property
    def variables(self) -> list:
        """The state variables, in creation order."""
        return list(self._variables)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None) -> Variable:
        """Creates a non-trainable state variable, tracked in ``variables``.

        Args:
            shape: the shape (default ``()``, a scalar).
            initializer: ``"zeros"``, ``"ones"``, an initializer name, or a callable
                ``initializer(shape, dtype)``.
            dtype: the dtype (default: the metric's dtype).
            name: the variable name.
        """
        dtype = dtype or self._dtype
        variable = Variable(_initializer(initializer), shape=tuple(shape), dtype=dtype,
                            trainable=False, name=name)
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, *args, **kwargs) -> Variable:
        """``add_variable`` under the Keras names: Keras 3's ``add_weight(shape=(),
        initializer=None, dtype=None, name=None)`` and Keras 2's ``add_weight(name,
        shape=(), aggregation, synchronization, initializer=None, dtype=None)``."""
        if args and isinstance(args[0], str):
            order = ("name", "shape", "aggregation", "synchronization", "initializer", "dtype")
        else:
            order = ("shape", "initializer", "dtype", "name")
        kwargs.update(zip(order, args))
        return self.add_variable(kwargs.get("shape", ()), kwargs.get("initializer") or "zeros",
                                 kwargs.get("dtype"), kwargs.get("name"))

    def update_state(self, *args, **kwargs):
        """Accumulates the statistics of one batch; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self) -> Tensor:
        """The metric value from the state so far; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self) -> None:
        """Zeroes every state variable (called at the start of each epoch)."""
        if type(self).reset_states is not Metric.reset_states:
            return self.reset_states()  # a Keras 2 subclass overrode the old name
        self._zero_state()

    def reset_states(self) -> None:
        """Keras 2's name of ``reset_state``."""
        if type(self).reset_state is not Metric.reset_state:
            return self.reset_state()
        self._zero_state()

    def _zero_state(self) -> None:
        for variable in self._variables:
            variable.data[...] = 0

    # ---- the stateless doors (Keras 3): the state goes in and comes out as values ----
    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """``update_state(*args, **kwargs)`` applied to ``metric_variables`` instead of the
        metric's own state; returns the new values, in ``variables`` order.

        The metric itself is left untouched, and so are the arrays passed in.

        Args:
            metric_variables: one array or tensor per entry of ``variables``.
        """
        with self._state_swapped(metric_variables, "stateless_update_state"):
            self.update_state(*args, **kwargs)
            return [Tensor(variable.data) for variable in self._variables]

    def stateless_result(self, metric_variables) -> Tensor:
        """``result()`` computed from ``metric_variables`` instead of the metric's state."""
        with self._state_swapped(metric_variables, "stateless_result"):
            return self.result()

    def stateless_reset_state(self) -> list:
        """The values ``reset_state()`` would give the state, in ``variables`` order; the
        metric's own state is left as it is."""
        with self._state_swapped(self._variables, "stateless_reset_state"):
            self.reset_state()
            return [Tensor(variable.data) for variable in self._variables]

    @contextlib.contextmanager
    def _state_swapped(self, metric_variables, method: str):
        """Runs the body with copies of ``metric_variables`` as the state, then puts the
        metric's own arrays back (an update adds in place, so the inputs are copied)."""
        metric_variables = list(metric_variables)
        if len(metric_variables) != len(self._variables):
            raise ValueError(
                f"Metric '{self.name}': `{method}` expects `metric_variables` with one value "
                f"per variable, {len(self._variables)} ({[v.name for v in self._variables]}); "
                f"received {len(metric_variables)}.")
        values = []
        for variable, value in zip(self._variables, metric_variables):
            value = as_array(value)
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f"Metric '{self.name}': `{method}` received a value of shape "
                    f"{tuple(value.shape)} for variable '{variable.name}' of shape "
                    f"{variable.shape}.")
            values.append(value.astype(variable.dtype, copy=True))
        own = [variable.data for variable in self._variables]
        try:
            for variable, value in zip(self._variables, values):
                variable.data = value
            with no_grad():
                yield
        finally:
            for variable, data in zip(self._variables, own):
                variable.data = data

    def __call__(self, *args, **kwargs) -> Tensor:
        """``update_state(...)``, then ``result()``."""
        with no_grad():
            self.update_state(*args, **kwargs)
            return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _initializer(initializer):
    """A callable ``(shape, dtype) -> array`` for an initializer name or callable."""
    if callable(initializer):
        return initializer
    if initializer in ("zeros", "Zeros", None):
        return lambda shape, dtype=None: backend.xp.zeros(shape, dtype=dtype)
    if initializer in ("ones", "Ones"):
        return lambda shape, dtype=None: backend.xp.ones(shape, dtype=dtype)
    from .. import initializers  # floor 3, needed only for other names

    return initializers.get(initializer)


def _weight_array(sample_weight, dtype):
    if isinstance(sample_weight, (int, float)):  # filled on the device, not uploaded
        return backend.xp.full((), sample_weight, dtype=dtype)
    return as_array(sample_weight).astype(dtype, copy=False)


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weights ``values`` and reduces them to one value per sample, as Keras 3 does.

    Values are reduced (with ``reduce_fn``, ``xp.mean`` or ``xp.sum``) down to the rank
    of the weights, multiplied by them, then reduced to ``(batch,)``; weights of rank
    above 1 are reduced the same way. Returns backend arrays ``(values, weights)``, the
    weights ``None`` when none were given (a mask on ``values`` counts as weights).
    """
    xp = backend.xp
    mask = values._keras_mask if isinstance(values, Tensor) else None
    values = Tensor(as_array(values).astype(dtype, copy=False))
    weights = None
    if sample_weight is not None or mask is not None:
        if sample_weight is not None:
            sample_weight = Tensor(_weight_array(sample_weight, dtype))
        weights = apply_mask(sample_weight, mask, "sum")
        weights = Tensor(as_array(weights).astype(dtype, copy=False))
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = Tensor(reduce_fn(values.data, axis=tuple(range(weights.ndim,
                                                                     values.ndim))))
        weights = xp.broadcast_to(weights.data, values.shape)
        values = Tensor(values.data * weights)
        if weights.ndim > 1:
            weights = reduce_fn(weights, axis=tuple(range(1, weights.ndim)))
    values = values.data
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Mean(Metric):
    """The weighted mean of all values seen: ``sum(values * weights) / sum(weights)``.

    Values of rank above 1 are first averaged to one value per sample.

    Args:
        name: the metric name (default ``"mean"``).
        dtype: the dtype of the state (default ``backend.floatx()``).

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> float(m.result())
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None) -> None:
        values, weights = reduce_to_samplewise_values(values, sample_weight,
                                                      backend.xp.mean, self._dtype)
        self.total.assign_add(values.sum())
        if weights is not None:
            self.count.assign_add(weights.sum())
        else:
            self.count.assign_add(float(values.shape[0]) if values.ndim else 1.0)

    def result(self) -> Tensor:
        return Tensor(divide_no_nan(self.total.data, self.count.data))


class Sum(Metric):
    """The (weighted) sum of all values seen: ``sum(values * weights)``.

    Args:
        name: the metric name (default ``"sum"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight, backend.xp.sum,
                                                self._dtype)
        self.total.assign_add(values.sum())

    def result(self) -> Tensor:
        return Tensor(self.total.data.copy())


class MeanMetricWrapper(Mean):
    """The weighted mean over all samples of ``fn(y_true, y_pred, **kwargs)``.

    This is how Keras turns a per-sample function such as ``mean_squared_error`` into an
    epoch metric: ``sum(values * weights) / sum(weights)`` over every sample seen.

    Args:
        fn: the function, ``fn(y_true, y_pred, **kwargs)`` -> per-sample values.
        name: the metric name (default ``"mean_metric_wrapper"``).
        dtype: the dtype of the state (default ``backend.floatx()``).
        **kwargs: passed on to ``fn``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        mask = y_pred._keras_mask if isinstance(y_pred, Tensor) else None
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, "sum")
        super().update_state(values, sample_weight)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is MeanMetricWrapper:
            config["fn"] = serialize_object(self._fn)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "MeanMetricWrapper":
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is not MeanMetricWrapper:
            return cls(**config)
        if isinstance(fn, (str, dict)):
            from . import get  # the table lives in the package, above this module

            fn = get(fn)
        return cls(fn, **config)
