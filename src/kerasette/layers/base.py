"""``Layer``: the Keras layer contract.

A layer validates and stores its arguments in ``__init__``, creates weights with
``add_weight`` in ``build(input_shape)`` (called lazily on first use), does its math in
``call(inputs, training=None, mask=None)``, and returns its constructor arguments from
``get_config``. Everything else here is bookkeeping that every layer shares: names,
weights and trainability, input checks, losses and masks; the symbolic (functional) calls
and the graph properties come from ``graph_calls.GraphCalls``.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import math

import numpy as np

from .. import backend, constraints, initializers, regularizers
from ..autograd import Tensor, Variable
from ..naming import to_snake_case, unique_name
from ..ops import convert_to_tensor
from .arguments import positive_int, shape_tuple
from .graph_calls import GraphCalls, in_trace
from .input_spec import InputSpec
from .symbolic import (KerasTensor, Node, any_symbolic, flatten, is_shape, map_shapes,
                       map_structure)

__all__ = ["Layer", "InputSpec", "in_trace", "is_shape", "map_shapes"]

_call_depth = 0  # > 0 while inside an outer layer's call (for loss bookkeeping)


# Set while a saved file is loaded: the most values one new weight may hold.
_WEIGHT_LIMIT: contextvars.ContextVar = contextvars.ContextVar("weight_limit", default=None)


@contextlib.contextmanager
def weight_size_limit(elements: int):
    """While active, ``add_weight`` refuses any weight of more than ``elements`` values:
    a damaged config (``Dense(units=10**9)``) then fails fast, naming the layer, before
    allocating memory that the file being loaded could never fill."""
    token = _WEIGHT_LIMIT.set(int(elements))
    try:
        yield
    finally:
        _WEIGHT_LIMIT.reset(token)


class Layer(GraphCalls):
    """The base class of every layer.

    Args:
        trainable: whether the layer's weights are updated by ``fit``.
        name: a unique name; by default the snake-case class name (``dense``, ``dense_1``).
        dtype: the dtype of the weights and computations (default ``floatx()``).
        input_shape, batch_input_shape, input_dim, batch_size: Keras 2 ways to declare the
            input of the first layer of a ``Sequential`` model.
    """

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 input_shape=None, batch_input_shape=None, input_dim=None, batch_size=None,
                 autocast: bool = True, **kwargs):
        self._initial_weights = kwargs.pop("weights", None)  # Keras 2: set after build
        kwargs.pop("input_length", None)  # accepted and ignored, as Keras 3 does
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments "
                            f"{sorted(kwargs)}.")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        if isinstance(dtype, dict):  # a Keras 3 DTypePolicy config
            dtype = dtype.get("config", {}).get("name", None)
        self.dtype = np.dtype(dtype or backend.floatx()).name
        self.built = False
        self._trainable = bool(trainable)
        self.supports_masking = False
        self.input_spec = None
        self._own_weights: list[Variable] = []
        self._created_trainable: list[Variable] = []
        self._sublayers: list[Layer] = self.__dict__.get("_sublayers", [])
        self._losses: list[Tensor] = []
        self._inbound_nodes: list[Node] = []
        self.activity_regularizer = None
        self._batch_input_shape = _declared_input_shape(
            f"{type(self).__name__} '{self.name}'", input_shape, batch_input_shape,
            input_dim, batch_size)
        signature = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in signature
        # A ``call(..., training=True)`` default (the augmentation layers, as in Keras 3)
        # holds when neither the caller nor an enclosing model says otherwise.
        default = signature["training"].default if self._call_takes_training else None
        self._training_default = default if isinstance(default, bool) else None
        self._call_takes_mask = "mask" in signature

    def __setattr__(self, name, value):
        if name == "input_spec":
            self.__dict__.pop("_checked_shapes", None)  # a new spec must be checked anew
        if isinstance(value, Layer) and name != "_outer":
            self.__dict__.setdefault("_sublayers", []).append(value)
        elif isinstance(value, (list, tuple)) and value and all(
                isinstance(v, Layer) for v in value) and not name.startswith("_"):
            self.__dict__.setdefault("_sublayers", []).extend(value)
        object.__setattr__(self, name, value)

    # ---- the contract -------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Creates the weights, knowing the input shape. Called once, before ``call``."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation on Tensors."""
        return inputs

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (``None`` for unknown sizes)."""
        return map_structure(lambda t: t.shape, self._trace(input_shape))

    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        return cls(**config)

    # ---- weights ------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   regularizer=None, constraint=None, name=None, **kwargs) -> Variable:
        """Creates a weight of this layer, initialized now, tracked for saving and training."""
        dtype = np.dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        shape = tuple(int(s) for s in (shape or ()))
        limit = _WEIGHT_LIMIT.get()
        if limit is not None and math.prod(shape) > limit:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) would create a weight "
                f"'{name}' of shape {shape} ({math.prod(shape)} values), more than all the "
                f"weights the file being loaded holds ({limit} values): its config is "
                f"damaged.")
        variable = Variable(initializers.get(initializer), shape=shape, dtype=dtype.name,
                            trainable=trainable and self.trainable, name=name)
        variable.path = f"{self.name}/{name}"
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        self._own_weights.append(variable)
        if trainable:
            self._created_trainable.append(variable)
        return variable

    @property
    def weights(self) -> list[Variable]:
        """Every weight: this layer's own, in creation order, then its sublayers'."""
        found, seen = [], set()
        for w in self._own_weights + [w for layer in self._sublayers for w in layer.weights]:
            if id(w) not in seen:
                seen.add(id(w))
                found.append(w)
        return found

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        return [w for w in self.weights if w.trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for w in self._created_trainable:
            w.trainable = bool(value)
        for layer in self._sublayers:
            layer.trainable = value

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy arrays, in ``weights`` order."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Sets the weights from NumPy arrays, in ``weights`` order; shapes must match."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight "
                f"list of length {len(weights)}, but the layer was expecting {len(own)} "
                f"weights.")
        for variable, value in zip(own, weights):
            if tuple(np.shape(value)) != variable.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {variable.shape} is not compatible with "
                    f"provided weight shape {tuple(np.shape(value))}.")
        for variable, value in zip(own, weights):
            variable.assign(backend.to_device(value, dtype=variable.dtype))

    def count_params(self) -> int:
        """The number of scalars in all weights (the layer must be built)."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer "
                f"isn't built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(np.prod(w.shape, dtype=np.int64) for w in self.weights))

    # ---- losses -------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Adds a scalar loss term (for example an activity penalty) for this call.

        Nothing is recorded while the call only infers shapes (``in_trace()``)."""
        if not in_trace():
            self._losses.append(convert_to_tensor(loss))

    @property
    def losses(self) -> list[Tensor]:
        """Losses added during the last call plus the weight regularization penalties."""
        terms = list(self._losses)
        for w in self._own_weights:
            if w.regularizer is not None and w.trainable:
                terms.append(w.regularizer(w))
        for layer in self._sublayers:
            terms.extend(layer.losses)
        return terms

    def _clear_losses(self) -> None:
        if self._losses:
            self._losses.clear()
        for layer in self._sublayers:
            layer._clear_losses()

    # ---- calling ------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        single = isinstance(inputs, Tensor)  # the common case takes no structure walks
        if not single and any_symbolic((inputs, args, kwargs)):
            return self._call_symbolic(inputs, args, kwargs)
        global _call_depth
        if not single:
            inputs = map_structure(_to_tensor, inputs)
        if _call_depth == 0 and not in_trace():
            self._clear_losses()  # a trace keeps the losses of the last real call
        if not self.built:
            self._build_from(inputs)
        self._check_inputs(inputs)
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = self._input_mask(inputs, single)
        if self._call_takes_mask:
            kwargs["mask"] = mask
        if not self._call_takes_training:
            kwargs.pop("training", None)
        elif self._training_default is not None and kwargs.get("training") is None:
            kwargs["training"] = self._training_default
        _call_depth += 1
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _call_depth -= 1
        if self.activity_regularizer is not None:
            for out in flatten(outputs):
                self.add_loss(self.activity_regularizer(out) / out.shape[0])
        if mask is not None or type(self).compute_mask is not Layer.compute_mask:
            self._attach_mask(inputs, outputs, mask)
        return outputs

    @staticmethod
    def _input_mask(inputs, single: bool):
        """The mask carried by the input tensor(s): one mask, a list, or None."""
        if single:
            return inputs._keras_mask
        masks = [getattr(t, "_keras_mask", None) for t in flatten(inputs)]
        if all(m is None for m in masks):
            return None
        return masks[0] if len(masks) == 1 else masks

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: passed through when the layer supports masking."""
        return mask if self.supports_masking else None

    def _attach_mask(self, inputs, outputs, mask) -> None:
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None:
            for out in flatten(outputs):
                if isinstance(out, Tensor):
                    out._keras_mask = out_mask

    def _build_from(self, inputs) -> None:
        self.build(map_structure(lambda t: tuple(t.shape), inputs))
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _check_inputs(self, inputs) -> None:
        if self.input_spec is None:
            return
        shapes = (inputs.shape,) if isinstance(inputs, Tensor) else tuple(
            tuple(t.shape) for t in flatten(inputs))
        if shapes == self.__dict__.get("_checked_shapes"):
            return  # the same shapes as last time passed already
        specs = self.input_spec if isinstance(self.input_spec, list) else [self.input_spec]
        for index, (spec, shape) in enumerate(zip(specs, shapes)):
            if spec is not None:
                spec.check(self.name, index, tuple(shape))
        self._checked_shapes = shapes

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Symbolic outputs for symbolic inputs: shapes from ``compute_output_shape``."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = self.compute_output_shape(map_structure(lambda t: t.shape, inputs))
            return map_shapes(lambda shape: KerasTensor(shape, self.dtype), shapes)
        return self._trace(inputs, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _declared_input_shape(owner, input_shape, batch_input_shape, input_dim, batch_size):
    if batch_input_shape is not None:
        return shape_tuple(owner, "batch_input_shape", batch_input_shape)
    if batch_size is not None:
        batch_size = positive_int(owner, "batch_size", batch_size)
    if input_shape is not None:
        return (batch_size,) + shape_tuple(owner, "input_shape", input_shape)
    if input_dim is not None:
        return (batch_size, positive_int(owner, "input_dim", input_dim))
    return None


def _to_tensor(x):
    if isinstance(x, Tensor):
        return x
    if x is None:
        return None
    return Tensor(backend.to_device_floatx(x))
