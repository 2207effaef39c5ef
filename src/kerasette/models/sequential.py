"""``Sequential``: a plain stack of layers, each with one input and one output."""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd import no_grad
from ..layers import InputLayer, KerasTensor
from ..layers.base import Layer
from .functional import Functional, conform_dtype
from .model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (the first may be ``keras.Input(shape)``, or carry
            ``input_shape=``); more can be added with ``add``.
        name: the model's name.

    The model is built as soon as the input shape is known: from an ``Input``, from the
    first layer's ``input_shape``, or from the first data it sees (deferred build).

    Example:
        >>> model = Sequential([Input((13,)), Dense(16, activation="tanh"), Dense(1)])
    """

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_trainer()
        self._stack: list[Layer] = []
        self._graph: Functional | None = None
        self._traced: list[tuple[Layer, KerasTensor]] = []  # see _maybe_build_graph
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    def add(self, layer, rebuild: bool = True) -> None:
        """Adds a layer (or a ``keras.Input``) on top of the stack."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of `keras.Layer` can be added to a Sequential "
                            f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError(f"Sequential model '{self.name}': an Input can only be the first "
                             f"entry of the model; it already has layers {self._layer_names()}.")
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer in "
                             f"this model. Update the `name` argument to pass a unique name.")
        self._stack.append(layer)
        self._sublayers = self.layers
        self._graph = None
        self.built = False
        if rebuild:
            self._maybe_build_graph()

    def pop(self) -> Layer:
        """Removes and returns the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._sublayers = self.layers
        self._graph = None
        self.built = False
        self._maybe_build_graph()
        return layer

    def _layer_names(self) -> list[str]:
        return [layer.name for layer in self._stack]

    @property
    def layers(self) -> list[Layer]:
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def _input_batch_shape(self):
        if not self._stack:
            return None, None
        first = self._stack[0]
        if isinstance(first, InputLayer):
            return first.batch_shape, first.dtype
        if first._batch_input_shape is not None:
            return first._batch_input_shape, first.dtype
        return None, None

    def _maybe_build_graph(self) -> None:
        """Builds the functional view of the stack once its input shape is known.

        Each layer is called on symbolic tensors once in the model's life, as in Keras, so
        it keeps one inbound node and ``layer.input`` / ``layer.output`` stay defined while
        layers are added and popped. ``_traced`` holds ``(stack[0], graph input)`` and then
        ``(layer, its symbolic output)`` for each layer; a rebuild keeps the prefix that
        still matches the stack and calls only the layers after it.
        """
        shape, dtype = self._input_batch_shape()
        if shape is None or not self.layers:
            return
        keys = [self._stack[0]] + self.layers
        kept = 0
        while kept < min(len(keys), len(self._traced)) and self._traced[kept][0] is keys[kept]:
            kept += 1
        del self._traced[kept:]
        if not self._traced:
            first = self._stack[0]
            inputs = first.output if isinstance(first, InputLayer) else InputLayer(
                batch_shape=shape, dtype=dtype).output
            self._traced.append((first, inputs))
        for layer in keys[len(self._traced):]:
            self._traced.append((layer, layer(self._traced[-1][1])))
        graph = Functional(self._traced[0][1], self._traced[-1][1], name=self.name)
        # A view of the same layers, not a sublayer: tracking it would count every weight
        # penalty twice in ``model.losses``.
        object.__setattr__(self, "_graph", graph)
        self.built = True

    def build(self, input_shape=None) -> None:
        """Builds the model for inputs of ``input_shape`` (with the batch axis)."""
        if self._graph is not None:
            return
        if input_shape is None:
            raise ValueError(f"Sequential model '{self.name}' cannot be built: its input "
                             f"shape is unknown. Start it with `keras.Input(shape=...)`.")
        if not isinstance(self._stack[0], InputLayer):
            self._stack.insert(0, InputLayer(batch_shape=(None,) + tuple(input_shape[1:])))
        self._maybe_build_graph()

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            dtype = inputs.dtype if hasattr(inputs, "dtype") else np.asarray(inputs).dtype
            if np.dtype(dtype).kind != "f" and self._stack and not isinstance(
                    self._stack[0], InputLayer):
                self._stack.insert(0, InputLayer(batch_shape=(None,) + tuple(
                    inputs.shape[1:]), dtype=dtype))
            self.build(tuple(inputs.shape))
        reference = self._graph.inputs[0]
        # Called directly, the data gets the trailing axis of size 1 added or dropped that
        # fit, predict and a functional model give it (Keras 3's _adjust_input_rank).
        outputs = conform_dtype(self._graph._adjust_rank(inputs, reference), reference)
        for layer in self.layers:
            outputs = layer(outputs, training=training)
        return outputs

    def _graph_for_summary(self):
        return self._graph

    # graph views --------------------------------------------------------------------
    def _built_graph(self) -> Functional:
        if self._graph is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input: it "
                                 f"is not built yet (no input shape is known).")
        return self._graph

    @property
    def inputs(self):
        return self._built_graph().inputs

    @property
    def outputs(self):
        return self._built_graph().outputs

    @property
    def input(self):
        return self._built_graph().input

    @property
    def output(self):
        return self._built_graph().output

    @property
    def input_names(self):
        return self._built_graph().input_names

    @property
    def output_names(self):
        return self._built_graph().output_names if self._graph is not None else \
            [self.layers[-1].name] if self.layers else []

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Deprecated Keras 2 helper: class indices (argmax, or ``p > 0.5`` for one unit)."""
        warnings.warn("`model.predict_classes()` is deprecated and was removed in Keras 2.6. "
                      "Please use instead: `np.argmax(model.predict(x), axis=-1)` for "
                      "multi-class models, or `(model.predict(x) > 0.5).astype('int32')` for "
                      "binary classification.", DeprecationWarning, stacklevel=2)
        with no_grad():
            proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Deprecated Keras 2 helper: the same as ``predict``."""
        warnings.warn("`model.predict_proba()` is deprecated; use `model.predict()`.",
                      DeprecationWarning, stacklevel=2)
        return self.predict(x, batch_size=batch_size, verbose=verbose)
