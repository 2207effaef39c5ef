"""Recurrent cells: ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell``, one time step each.

A cell's ``call(inputs, states, training=None)`` computes one step from ordinary ops and
returns ``(output, new_states)``; ``layers.RNN(cell)`` runs it over time. The built-in
cells also offer ``fused_sequence``: the whole sequence as one graph node
(``ops.recurrent``), which ``RNN`` uses whenever the activations allow it.
"""

from __future__ import annotations

from .. import activations, backend, constraints, initializers, ops, regularizers
from ..autograd import Tensor
from ..naming import serialize_object
from ..ops import recurrent as recurrent_ops
from .arguments import positive_int
from .base import Layer

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]


def _rate(owner: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{owner}: `{name}` must be a float in [0, 1); received "
                         f"{name}={value!r}.")
    return float(value)


class _UnitForgetBias:
    """The LSTM bias initializer with ``unit_forget_bias``: ones for the forget gate,
    ``initializer`` for the three other gates."""

    def __init__(self, initializer, units: int):
        self.initializer, self.units = initializer, units

    def __call__(self, shape, dtype=None):
        xp, n = backend.xp, self.units
        return xp.concatenate([self.initializer((n,), dtype=dtype),
                               xp.ones((n,), dtype=dtype),
                               self.initializer((2 * n,), dtype=dtype)])


class _RecurrentCell(Layer):
    """What the three cells share: arguments, weights, dropout masks, the fused path.

    Dropout masks are drawn once per sequence (the same units are dropped at every step)
    and kept until ``reset_dropout_mask`` / ``reset_recurrent_dropout_mask``.
    """

    gates = 1  # how many ``units``-wide blocks the kernels hold

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        self.units = positive_int(owner, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(owner, "dropout", dropout)
        self.recurrent_dropout = _rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._generator = None if seed is None else backend.SeedStream(seed)
        self._dropout_mask = self._recurrent_dropout_mask = None

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width), name="kernel", initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(), name="bias", initializer=self._bias_init(),
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def get_initial_state(self, batch_size: int) -> list:
        """Zero states, one ``(batch_size, size)`` tensor per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [
            self.state_size]
        xp = backend.xp
        return [Tensor(xp.zeros((batch_size, size), dtype=self.dtype)) for size in sizes]

    # ---- dropout masks ------------------------------------------------------------
    def _mask(self, like, rate):
        generator = backend.rng(self._generator)
        return backend.kernels.dropout_mask(generator, tuple(like.shape), rate, like.dtype)

    def get_dropout_mask(self, step_inputs):
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._mask(step_inputs, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_state):
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._mask(step_state, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None

    def _dropped_step(self, inputs, h, training):
        """The step's inputs and ``h`` with this sequence's dropout masks applied."""
        if training and self.dropout > 0:
            inputs = ops.multiply(inputs, self.get_dropout_mask(inputs))
        if training and self.recurrent_dropout > 0:
            h = ops.multiply(h, self.get_recurrent_dropout_mask(h))
        return inputs, h

    # ---- the fused sequence -------------------------------------------------------
    def _activation_names(self) -> dict:
        return {"activation": activations.serialize(self.activation)}

    @property
    def fusable(self) -> bool:
        """Whether ``fused_sequence`` supports this cell's activations."""
        names = self._activation_names().values()
        return all(name in recurrent_ops.FUSED_ACTIVATIONS for name in names)

    def fused_sequence(self, sequences, initial_state, mask, go_backwards, return_sequences,
                       return_state, training):
        """The whole sequence as one node; arguments as in ``ops.recurrent``."""
        recurrent_mask = None
        if training and self.dropout > 0:
            step = sequences.data[:, 0]
            sequences = ops.multiply(sequences, self.get_dropout_mask(step)[:, None, :])
        if training and self.recurrent_dropout > 0:
            step = backend.xp.zeros((sequences.shape[0], self.units), dtype=sequences.dtype)
            recurrent_mask = self.get_recurrent_dropout_mask(step)
        return self._fused_op()(
            sequences, self.kernel, self.recurrent_kernel, self.bias, initial_state,
            mask=mask, go_backwards=go_backwards, return_sequences=return_sequences,
            return_state=return_state, recurrent_dropout_mask=recurrent_mask,
            **self._fused_options())

    def _fused_options(self) -> dict:
        return self._activation_names()

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_object(self.kernel_initializer),
                "recurrent_initializer": serialize_object(self.recurrent_initializer),
                "bias_initializer": serialize_object(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "recurrent_regularizer": serialize_object(self.recurrent_regularizer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint),
                "recurrent_constraint": serialize_object(self.recurrent_constraint),
                "bias_constraint": serialize_object(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_RecurrentCell):
    """One step of a fully connected RNN: ``h = activation(x @ kernel + h_prev @
    recurrent_kernel + bias)``.

    Args:
        units: positive int, the size of the state.
        activation: default ``"tanh"``.
        use_bias, kernel/recurrent/bias initializers (defaults ``"glorot_uniform"``,
            ``"orthogonal"``, ``"zeros"``), regularizers and constraints: as in Keras.
        dropout: fraction of the input units dropped (one mask per sequence).
        recurrent_dropout: fraction of the state units dropped where the state enters
            the recurrent GEMM.
        seed: optional int for the dropout masks.

    Call: ``cell(x_t, [h])`` -> ``(h_new, [h_new])``.

    Example:
        >>> rnn = RNN(SimpleRNNCell(4))
    """

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h = self._dropped_step(inputs, h_prev, training)
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        h_new = self.activation(z)
        return h_new, [h_new] if isinstance(states, (list, tuple)) else h_new

    def _fused_op(self):
        return recurrent_ops.simple_rnn


class LSTMCell(_RecurrentCell):
    """One LSTM step (Hochreiter & Schmidhuber 1997), Keras's gate order i, f, c, o.

    ``i, f, o = recurrent_activation(.)``, ``g = activation(.)`` of
    ``x @ kernel + h_prev @ recurrent_kernel + bias``; ``c = f * c_prev + i * g``;
    ``h = o * activation(c)``.

    Args:
        units: positive int, the size of ``h`` and ``c``.
        activation: default ``"tanh"``. recurrent_activation: default ``"sigmoid"``.
        unit_forget_bias: start the forget-gate bias at 1 (default ``True``).
        The other arguments: as in ``SimpleRNNCell``.

    Call: ``cell(x_t, [h, c])`` -> ``(h_new, [h_new, c_new])``.
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states
        inputs, h = self._dropped_step(inputs, h_prev, training)
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = ops.split(z, 4, axis=-1)
        c = (self.recurrent_activation(f) * c_prev
             + self.recurrent_activation(i) * self.activation(g))
        h_new = self.recurrent_activation(o) * self.activation(c)
        return h_new, [h_new, c]

    def _fused_op(self):
        return recurrent_ops.lstm

    def _activation_names(self) -> dict:
        return {"activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation)}

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_RecurrentCell):
    """One GRU step (Cho et al. 2014), Keras's gate order z, r, h.

    ``z, r = recurrent_activation(.)``; with ``reset_after`` (the default) the candidate
    is ``activation(x W_h + b_h + r * (h_prev U_h + b_rh))`` and the bias has shape
    ``(2, 3 * units)`` (input bias, recurrent bias); without it,
    ``activation(x W_h + (r * h_prev) U_h + b_h)`` and a bias of ``(3 * units,)`` (the
    layout of older Keras 2 files). ``h = z * h_prev + (1 - z) * candidate``.

    Args:
        units: positive int. activation: default ``"tanh"``.
        recurrent_activation: default ``"sigmoid"``. reset_after: default ``True``.
        The other arguments: as in ``SimpleRNNCell``.

    Call: ``cell(x_t, [h])`` -> ``(h_new, [h_new])``.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h = self._dropped_step(inputs, h_prev, training)
        n, bias = self.units, self.bias
        x = ops.matmul(inputs, self.kernel)
        if bias is not None:
            x = x + (bias[0] if self.reset_after else bias)
        x_z, x_r, x_h = ops.split(x, 3, axis=-1)
        if self.reset_after:
            inner = ops.matmul(h, self.recurrent_kernel)
            if bias is not None:
                inner = inner + bias[1]
            r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            gates = ops.matmul(h, self.recurrent_kernel[:, :2 * n])
            z = self.recurrent_activation(x_z + gates[:, :n])
            r = self.recurrent_activation(x_r + gates[:, n:])
            reset = ops.matmul(r * h, self.recurrent_kernel[:, 2 * n:])
            candidate = self.activation(x_h + reset)
        h_new = z * h_prev + (1 - z) * candidate
        return h_new, [h_new] if isinstance(states, (list, tuple)) else h_new

    def _fused_op(self):
        return recurrent_ops.gru

    def _activation_names(self) -> dict:
        return {"activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation)}

    def _fused_options(self) -> dict:
        return {**self._activation_names(), "reset_after": self.reset_after}

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class StackedRNNCells(Layer):
    """Cells run one after the other within each time step: ``RNN([cell_1, cell_2])``.

    The states are those of every cell, in order; the output is the last cell's.

    Args:
        cells: a list of cells.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = list(cells)
        for cell in self.cells:
            if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells '{self.name}': every cell needs a `call` "
                                 f"method and a `state_size`; received {cell!r}.")

    def _sizes(self, cell) -> list:
        size = cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def state_size(self) -> list:
        return [size for cell in self.cells for size in self._sizes(cell)]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        return getattr(last, "output_size", None) or self._sizes(last)[0]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell.build(shape)
                cell.built = True
            width = getattr(cell, "output_size", None) or self._sizes(cell)[0]
            shape = (shape[0], width)
        self.built = True

    def call(self, inputs, states, training=None):
        new_states, start = [], 0
        for cell in self.cells:
            count = len(self._sizes(cell))
            inputs, cell_states = cell(inputs, list(states[start:start + count]),
                                       training=training)
            start += count
            new_states += list(cell_states) if isinstance(cell_states, (list, tuple)) else [
                cell_states]
        return inputs, new_states

    def get_config(self):
        from . import serialize  # the registry lives in the package, above this module

        return {**super().get_config(), "cells": [serialize(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config: dict):
        from .recurrent import deserialize_nested  # recurrent imports this module first

        config = dict(config)
        return cls([deserialize_nested(c) for c in config.pop("cells")], **config)
