"""Keras 2's ``keras.wrappers.scikit_learn``: ``KerasClassifier`` and ``KerasRegressor``.

``KerasClassifier(build_fn=..., **sk_params)``: each ``sk_params`` entry goes, by name,
to ``build_fn``'s arguments and to ``fit`` / ``predict`` / ``evaluate`` wherever one of
them has an argument of that name (``epochs``, ``batch_size``, ``verbose``, ...); a name
none of them takes is refused at construction, as in Keras 2. ``fit`` builds a new model
with ``build_fn`` every time.

``score`` follows Keras 2, not scikit-learn's mixins: the classifier returns the
``accuracy`` that ``model.evaluate`` reports (the model must be compiled with
``metrics=["accuracy"]``), the regressor returns minus the evaluated loss (greater is
better, as scikit-learn's scorers expect).
"""

from __future__ import annotations

import inspect

import numpy as np

from ._sklearn import require_sklearn

require_sklearn("kerasette.wrappers.scikit_learn")

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin  # noqa: E402

from .. import backend  # noqa: E402

__all__ = ["KerasClassifier", "KerasRegressor"]


def _arg_names(fn) -> set[str]:
    """Names ``fn`` accepts explicitly (not through ``**kwargs``)."""
    skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return {name for name, p in inspect.signature(fn).parameters.items() if p.kind not in skip}


def _as_float(x):
    x = np.asarray(x)
    return x.astype(backend.floatx(), copy=False) if x.dtype.kind == "f" else x


def _is_categorical(model) -> bool:
    spec = model._compile_state.loss_spec
    name = spec if isinstance(spec, str) else getattr(spec, "name", None) or getattr(
        spec, "__name__", type(spec).__name__)
    return str(name).lower() in ("categorical_crossentropy", "categoricalcrossentropy")


class _BaseWrapper(BaseEstimator):
    """Keras 2's ``BaseWrapper``: sk_params routing, get/set_params and ``fit``."""

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_callable(self):
        if self.build_fn is None:
            return self.__call__
        if inspect.isfunction(self.build_fn) or inspect.ismethod(self.build_fn):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params) -> None:
        """Raises ValueError for a parameter that no routed function accepts."""
        from ..models import Sequential

        legal = _arg_names(self._build_callable())
        for fn in (Sequential.fit, Sequential.predict, Sequential.evaluate):
            legal |= _arg_names(fn)
        legal.discard("self")
        for name in params:
            if name not in legal:
                raise ValueError(f"{name} is not a legal parameter of {type(self).__name__}: "
                                 "it is not an argument of build_fn, fit, predict or "
                                 "evaluate.")

    def get_params(self, deep=True) -> dict:
        # A shallow copy: scikit-learn's clone checks each value is passed on unchanged.
        return {**self.sk_params, "build_fn": self.build_fn}

    def set_params(self, **params):
        build_fn = params.pop("build_fn", self.build_fn)
        self.build_fn = build_fn
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None) -> dict:
        """The sk_params that ``fn`` accepts, updated with ``override``."""
        names = _arg_names(fn)
        res = {name: value for name, value in self.sk_params.items() if name in names}
        res.update(override or {})
        return res

    def fit(self, x, y, **kwargs):
        """Builds a new model with ``build_fn`` and fits it; returns the ``History``."""
        from ..models import Sequential
        from ..utils import to_categorical

        build = self._build_callable()
        self.model = build(**self.filter_sk_params(build))
        y = np.asarray(y)
        if _is_categorical(self.model) and y.ndim == 1:
            y = to_categorical(y)
        fit_args = self.filter_sk_params(Sequential.fit, kwargs)
        return self.model.fit(_as_float(x), _as_float(y), **fit_args)

    def _predict(self, x, kwargs) -> np.ndarray:
        from ..models import Sequential

        return self.model.predict(_as_float(x), **self.filter_sk_params(Sequential.predict,
                                                                        kwargs))

    def _evaluate(self, x, y, kwargs) -> dict:
        from ..models import Sequential

        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        kwargs["return_dict"] = True
        return self.model.evaluate(_as_float(x), _as_float(y), **kwargs)


class KerasClassifier(ClassifierMixin, _BaseWrapper):
    """Keras 2's scikit-learn classifier: ``KerasClassifier(build_fn=..., **sk_params)``.

    Labels are mapped to ``0..n-1`` in sorted order (``classes_``); a 2-D one-hot ``y``
    is taken as is. ``predict`` returns the original labels, ``predict_proba`` one column
    per class (two for a single sigmoid output), ``score`` the evaluated accuracy.

    Example:

    >>> clf = KerasClassifier(build_fn=make_model, units=8, epochs=20,
    ...                       verbose=0)  # doctest: +SKIP
    """

    def fit(self, x, y, **kwargs):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y.reshape(-1))
        else:
            raise ValueError(f"Invalid shape for y: {y.shape}")
        self.n_classes_ = len(self.classes_)
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs) -> np.ndarray:
        probs = self._predict(x, kwargs)
        if probs.shape[-1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def predict(self, x, **kwargs) -> np.ndarray:
        probs = self._predict(x, kwargs)
        if probs.shape[-1] > 1:
            classes = probs.argmax(axis=-1)
        else:
            classes = (probs.reshape(-1) > 0.5).astype("int32")
        return self.classes_[classes]

    def score(self, x, y, **kwargs) -> float:
        """The model's evaluated accuracy on ``(x, y)`` (Keras 2's ``score``)."""
        from ..utils import to_categorical

        y = np.searchsorted(self.classes_, np.asarray(y))
        if _is_categorical(self.model) and y.ndim == 1:
            y = to_categorical(y, len(self.classes_))
        logs = self._evaluate(x, y, kwargs)
        for name in ("accuracy", "acc"):
            if name in logs:
                return float(logs[name])
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         '`metrics=["accuracy"]` to the `model.compile()` method.')


class KerasRegressor(RegressorMixin, _BaseWrapper):
    """Keras 2's scikit-learn regressor; ``score`` is minus the evaluated loss."""

    def predict(self, x, **kwargs) -> np.ndarray:
        output = self._predict(x, kwargs)
        return output.reshape(-1) if output.ndim == 2 and output.shape[1] == 1 else output

    def score(self, x, y, **kwargs) -> float:
        """Minus the model's evaluated loss on ``(x, y)`` (Keras 2's ``score``)."""
        return -float(self._evaluate(x, y, kwargs)["loss"])
