"""``Model``: a layer that can be trained. ``Model(inputs, outputs)`` builds a functional
model; subclassing ``Model`` and writing ``call`` builds a custom one."""

from __future__ import annotations

import warnings

from ..layers.base import Layer
from ..metrics import Metric
from .legacy import keras1_arguments, samples_to_steps
from .summary import print_summary
from .trainer import Trainer

__all__ = ["Model"]


class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Two ways to make one:

    >>> inputs = keras.Input(shape=(784,))
    >>> outputs = keras.layers.Dense(10, activation="softmax")(inputs)
    >>> model = keras.Model(inputs, outputs)

    or subclass it, create layers in ``__init__`` and use them in ``call``.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or {"inputs", "outputs", "input", "output"} & set(kwargs)):
            from .functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs:
            # A subclass built the functional way, CustomModel(inputs, outputs), as Keras
            # does: Functional is mixed in after the subclass, which keeps its overrides.
            from .functional import Functional

            self.__class__ = _functional_subclass(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    @property
    def layers(self) -> list[Layer]:
        return list(self._sublayers)

    @property
    def metrics(self) -> list:
        """The compiled metrics, the model's own tracker metrics, then the trackers its
        layers hold (an endpoint layer's ``Mean``), as Keras 3 lists them: all of them are
        shown in the logs and reset at the start of each epoch. A nested model's own
        trackers and compiled metrics belong to that model and are left out."""
        found = Trainer.metrics.fget(self)
        held = _sublayer_metrics(self)
        seen = {id(metric) for metric in found} if held else set()
        for metric in held:
            if id(metric) not in seen:
                seen.add(id(metric))
                found.append(metric)
        return found

    @property
    def metrics_variables(self) -> list:
        """The state variables of every metric in ``metrics``, in that order (Keras 3)."""
        return [variable for metric in self.metrics for variable in metric.variables]

    def get_layer(self, name=None, index=None) -> Layer:
        """A layer by name or by index in ``model.layers``."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def reset_states(self) -> None:
        """Clears the states every stateful layer carries between batches (Keras 2's
        ``model.reset_states()``, called between epochs or independent sequences)."""
        for layer in self.layers:
            reset = getattr(layer, "reset_states", None)
            if reset is not None:
                reset()

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints Keras's table of layers, output shapes and parameter counts."""
        print_summary(self, line_length=line_length, print_fn=print_fn,
                      show_trainable=show_trainable)

    def build(self, input_shape) -> None:
        """Builds a subclassed model by calling it once on zeros of ``input_shape``."""
        from .. import backend
        from ..autograd import no_grad

        self.built = True  # so the call below does not come back here
        shape = tuple(2 if d is None else d for d in input_shape)
        zeros = backend.xp.zeros(shape, dtype=self.dtype)
        self._build_inputs = _input_specs(zeros)
        with no_grad():
            self(zeros)

    def _build_from(self, inputs) -> None:
        self.built = True  # a subclassed model's layers build themselves on first call
        self._build_inputs = _input_specs(inputs)  # what ONNX export traces by default

    # ---- saving: thin doors into kerasette.saving (floor 6) -------------------------
    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True,
             **kwargs) -> None:
        """Saves the whole model (architecture, weights, compile state) to a ``.h5`` file."""
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                   **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Saves the weights to ``.weights.h5`` (Keras 3 layout) or ``.h5`` (legacy)."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name: bool = False, skip_mismatch: bool = False,
                     **kwargs) -> None:
        """Loads weights by topological order, or by layer name with ``by_name=True``."""
        from ..saving import load_weights

        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs) -> str:
        """The architecture as a Keras JSON config (``models.model_from_json`` reads it)."""
        from ..saving import model_to_json

        return model_to_json(self, **kwargs)

    def get_config(self) -> dict:
        from ..saving import model_to_config

        return model_to_config(self, for_file=False)["config"]

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from ..saving import model_from_config

        name = "Sequential" if issubclass(cls, _sequential_class()) else "Functional"
        return model_from_config({"class_name": name, "config": config}, custom_objects)

    # ---- the spellings of older tutorials -------------------------------------------
    # Keras 1 counted samples where Keras 2 counts batches: those arguments are converted
    # with the data's ``batch_size``, or refused when it has none.
    @keras1_arguments("fit_generator", nb_epoch="epochs",
                      samples_per_epoch=("steps_per_epoch", samples_to_steps("generator")),
                      nb_val_samples=("validation_steps", samples_to_steps("validation_data")))
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, **kwargs):
        """Deprecated: ``fit`` accepts generators."""
        _deprecated("fit_generator", "fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, **kwargs)

    @keras1_arguments("evaluate_generator",
                      val_samples=("steps", samples_to_steps("generator")))
    def evaluate_generator(self, generator, steps=None, **kwargs):
        """Deprecated: ``evaluate`` accepts generators."""
        _deprecated("evaluate_generator", "evaluate")
        return self.evaluate(generator, steps=steps, **kwargs)

    @keras1_arguments("predict_generator",
                      val_samples=("steps", samples_to_steps("generator")))
    def predict_generator(self, generator, steps=None, **kwargs):
        """Deprecated: ``predict`` accepts generators."""
        _deprecated("predict_generator", "predict")
        return self.predict(generator, steps=steps, **kwargs)

    def export(self, filepath, format="onnx", verbose=None, input_signature=None):
        """Writes the model for inference elsewhere; ``format="onnx"`` (opset 17)."""
        if format != "onnx":
            raise ValueError(f"Model '{self.name}': unsupported export format={format!r}; "
                             f"kerasette exports format='onnx'.")
        from ..export import export_onnx

        export_onnx(self, filepath, input_signature=input_signature)


def _input_specs(inputs):
    """KerasTensors (batch axis unknown) describing the arrays of a model's first call."""
    from ..layers.symbolic import KerasTensor, map_structure

    return map_structure(lambda t: KerasTensor((None,) + tuple(t.shape[1:]), t.dtype)
                         if getattr(t, "ndim", 0) else t, inputs)


def _sublayer_metrics(model) -> list:
    """The metrics held as attributes (alone, or in a list, tuple or dict) by the layers
    under ``model``, depth first in layer order; nested models are walked through but
    their own attributes skipped.

    The scan of every layer's attributes is cached on the model, keyed on the layers found
    and on ``Metric.made``: a tracker is new only if a metric was made or a layer added.
    """
    layers = _layers_under(model)
    key = (Metric.made, [id(layer) for layer in layers])
    cached = model.__dict__.get("_sublayer_metrics_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    found = []
    for layer in layers:
        if not isinstance(layer, Trainer):
            found.extend(_held_metrics(layer, Metric))
    object.__setattr__(model, "_sublayer_metrics_cache", (key, found))
    return found


def _layers_under(model) -> list:
    """Every layer under ``model`` once, depth first in ``_sublayers`` order."""
    found, visited = [], {id(model)}
    stack = list(reversed(model._sublayers))
    while stack:
        layer = stack.pop()
        if id(layer) not in visited:
            visited.add(id(layer))
            found.append(layer)
            if layer._sublayers:
                stack.extend(reversed(layer._sublayers))
    return found


def _held_metrics(layer, metric_class) -> list:
    held = []
    for value in layer.__dict__.values():
        if isinstance(value, metric_class):
            held.append(value)
        elif type(value) in (list, tuple, dict):
            for item in (value.values() if type(value) is dict else value):
                if isinstance(item, metric_class):
                    held.append(item)
    return held


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls, functional):
    """``cls`` with ``Functional`` mixed in after it, so a subclass built the functional
    way keeps its own ``train_step`` and friends and runs the graph as its ``call``."""
    if issubclass(cls, functional):
        return cls
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, functional), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


def _sequential_class():
    from .sequential import Sequential

    return Sequential


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"`Model.{old}` is deprecated and will be removed in a future version. "
                  f"Please use `Model.{new}`, which supports generators.",
                  DeprecationWarning, stacklevel=4)  # here, the method, its wrapper, caller
