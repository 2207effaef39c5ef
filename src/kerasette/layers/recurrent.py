"""Recurrent layers: ``RNN`` (any cell over time), ``SimpleRNN``, ``LSTM`` and ``GRU``.

``SimpleRNN``, ``LSTM`` and ``GRU`` are ``RNN`` over their cell. Whenever the cell's
activations allow it, the whole sequence is one graph node (``ops.recurrent``): one GEMM
for the input projection of every step, one GEMM per step for all the gates, and
backpropagation through time inside the node. Other cells run step by step, composed of
ordinary ops.
"""

from __future__ import annotations

import inspect

from .. import backend, ops, regularizers
from ..autograd import Tensor
from ..naming import serialize_object, to_snake_case
from .base import InputSpec, Layer
from .legacy import RECURRENT, keras1_arguments, sequence_input
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU"]


class RNN(Layer):
    """Runs a cell over the time axis of a ``(batch, timesteps, features)`` input.

    Args:
        cell: a cell: a layer whose ``call(inputs, states, training=None)`` returns
            ``(output, new_states)`` and that has a ``state_size`` (an int or a list);
            or a list of cells, stacked (``StackedRNNCells``).
        return_sequences: return every step's output (default ``False``: the last one).
        return_state: also return the final states (default ``False``).
        go_backwards: process the sequence from its end and return the outputs in that
            reversed order (default ``False``).
        stateful: each batch starts from the final states of the batch before (same
            batch size); ``reset_states()`` clears them (default ``False``).
        unroll: accepted for compatibility; the time loop is never unrolled.
        zero_output_for_mask: masked steps output zeros instead of repeating the output
            before them (default ``False``; ``Bidirectional`` sets it).

    Call arguments: ``inputs``; ``mask`` (batch, timesteps) booleans, False marking
    steps that keep the previous state; ``training``; ``initial_state``: a list of
    ``(batch, size)`` tensors, one per state (also accepted as ``[inputs, *states]``).

    Input shape: ``(batch, timesteps, features)``.
    Output shape: ``(batch, timesteps, units)`` with ``return_sequences``, else
    ``(batch, units)``; with ``return_state``, a list ``[output, *final_states]``.

    Example:
        >>> layer = RNN(LSTMCell(8), return_sequences=True)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, time_major=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        super().__init__(**kwargs)
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise ValueError(f"RNN '{self.name}': the argument `cell` should have a `call` "
                             f"method and a `state_size` attribute; received cell={cell!r}.")
        if time_major:
            raise ValueError(f"RNN '{self.name}': time_major=True is not supported; pass "
                             f"inputs of shape (batch, timesteps, features).")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None  # the carried states of a stateful layer (backend arrays)

    @property
    def _state_sizes(self) -> list[int]:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def _output_size(self) -> int:
        return getattr(self.cell, "output_size", None) or self._state_sizes[0]

    def _describe(self) -> str:
        return f"{type(self).__name__} layer '{self.name}'"

    def build(self, input_shape):
        shape = _sequence_shape(input_shape)
        if len(shape) != 3:
            raise ValueError(
                f"{self._describe()} expects inputs of shape (batch, timesteps, features), "
                f"ndim=3; received input with shape {tuple(shape)}. A sequence of scalars "
                f"needs a trailing axis of 1: (batch, timesteps, 1).")
        if not self.cell.built:
            self.cell.build((shape[0],) + tuple(shape[2:]))
            self.cell.built = True
            _prefix_weight_paths(self.cell, self.name)
        self.input_spec = InputSpec(ndim=3, axes={-1: shape[-1]})
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(sequences, (list, tuple)):
            sequences, *states = sequences
            initial_state = states or initial_state
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch, steps = sequences.shape[:2]
        mask = self._check_mask(mask, batch, steps)
        states = self._check_initial_state(initial_state, batch, sequences.dtype)
        want_state = self.return_state or self.stateful
        if getattr(self.cell, "fusable", False):
            result = self.cell.fused_sequence(sequences, states, mask, self.go_backwards,
                                              self.return_sequences, want_state, training)
        else:
            result = self._loop(sequences, states, mask, training, want_state)
        for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            getattr(self.cell, reset, lambda: None)()
        output, final = (result[0], result[1:]) if want_state else (result, [])
        if self.zero_output_for_mask and mask is not None and self.return_sequences:
            keep = mask[:, ::-1] if self.go_backwards else mask
            output = ops.multiply(output, keep[:, :, None].astype(output.dtype))
        if self.stateful:
            self.states = [backend.xp.array(s.data) for s in final]
        return [output] + list(final) if self.return_state else output

    def _loop(self, sequences, states, mask, training, want_state):
        """The generic path: the cell called once per step, composed of ordinary ops."""
        batch, steps = sequences.shape[:2]
        if states is None:
            states = self._zero_states(batch, sequences.dtype)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, previous = [], None
        for t in order:
            output, new_states = self.cell(sequences[:, t], list(states), training=training)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            if mask is not None:
                keep = Tensor(mask[:, t:t + 1])
                if previous is None:
                    previous = Tensor(backend.xp.zeros(output.shape, dtype=output.dtype))
                output = ops.where(keep, output, previous)
                new_states = [ops.where(keep, new, old) for new, old in zip(new_states, states)]
            outputs.append(output)
            previous, states = output, list(new_states)
        result = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [result] + states if want_state else result

    def _zero_states(self, batch, dtype) -> list[Tensor]:
        if hasattr(self.cell, "get_initial_state"):
            return list(self.cell.get_initial_state(batch))
        return [Tensor(backend.xp.zeros((batch, size), dtype=dtype))
                for size in self._state_sizes]

    def _check_mask(self, mask, batch, steps):
        if mask is None:
            return None
        keep = backend.xp.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if keep.shape != (batch, steps):
            raise ValueError(
                f"{self._describe()}: the mask must have shape (batch, timesteps) = "
                f"{(batch, steps)}, matching the inputs; received a mask of shape "
                f"{tuple(keep.shape)}.")
        return keep.astype(bool)

    def _check_initial_state(self, initial_state, batch, dtype):
        sizes = self._state_sizes
        if initial_state is None:
            if not (self.stateful and self.states is not None):
                return None
            if self.states[0].shape[0] != batch:
                raise ValueError(
                    f"{self._describe()} is stateful and holds states for batches of "
                    f"{self.states[0].shape[0]}; received a batch of {batch}. Feed batches "
                    f"of one fixed size, or call `reset_states()` first.")
            return [Tensor(s) for s in self.states]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        if len(states) != len(sizes):
            raise ValueError(
                f"{self._describe()} expects {len(sizes)} initial state tensor(s) (state "
                f"sizes {sizes}); received {len(states)}.")
        checked = []
        for index, (state, size) in enumerate(zip(states, sizes)):
            state = ops.convert_to_tensor(state)
            if tuple(state.shape) != (batch, size):
                raise ValueError(
                    f"{self._describe()}: initial_state[{index}] must have shape "
                    f"(batch_size, {size}) = {(batch, size)}; received {tuple(state.shape)}.")
            checked.append(state if state.dtype == dtype else ops.cast(state, dtype))
        return checked

    def reset_states(self, states=None) -> None:
        """Clears the carried states of a stateful layer, or sets them to ``states``."""
        if states is None:
            self.states = None
            return
        states = states if isinstance(states, (list, tuple)) else [states]
        self.states = [backend.to_device(s, dtype=self.dtype) for s in states]

    reset_state = reset_states

    def compute_output_shape(self, input_shape):
        shape = _sequence_shape(input_shape)
        width = self._output_size
        output = (shape[0], shape[1], width) if self.return_sequences else (shape[0], width)
        if not self.return_state:
            return output
        return [output] + [(shape[0], size) for size in self._state_sizes]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if output_mask is not None and not isinstance(output_mask, Tensor):
            output_mask = Tensor(backend.xp.asarray(output_mask).astype(bool))
        if self.return_state:
            return [output_mask] + [None] * len(self._state_sizes)
        return output_mask

    def _attach_mask(self, inputs, outputs, mask) -> None:
        _attach_masks(outputs, self.compute_mask(inputs, mask))

    def get_config(self):
        from . import serialize  # the registry lives in the package, above this module

        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize(self.cell)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        return cls(deserialize_nested(config.pop("cell")), **config)


def deserialize_nested(config):
    """A layer from the config nested in another's (an RNN's cell, a wrapper's layer).

    Keras 3 writes ``quantization_config: None`` into some layers' configs; like the file
    loaders do for top-level layers, it is dropped here. Layer objects pass through.
    """
    from . import deserialize  # the registry lives in the package, above this module

    if not isinstance(config, dict):
        return config
    inner = {k: v for k, v in config.get("config", {}).items()
             if not (k == "quantization_config" and v is None)}
    return deserialize({**config, "config": inner})


def _sequence_shape(input_shape) -> tuple:
    """The sequence's shape, when the input is ``[sequence, *initial_states]``."""
    if input_shape and isinstance(input_shape[0], (list, tuple)):
        return tuple(input_shape[0])
    return tuple(input_shape)


def _prefix_weight_paths(layer, prefix: str) -> None:
    """Names ``layer``'s weights under ``prefix`` (``lstm/lstm_cell/kernel``), as Keras."""
    for weight in layer.weights:
        if not weight.path.startswith(prefix + "/"):
            weight.path = f"{prefix}/{weight.path}"


def _attach_masks(outputs, masks) -> None:
    """Attaches each mask to its output (a list of outputs gets a list of masks)."""
    if not isinstance(outputs, (list, tuple)):
        outputs, masks = [outputs], [masks]
    elif not isinstance(masks, (list, tuple)):
        masks = [masks] * len(outputs)
    for output, mask in zip(outputs, masks):
        if mask is not None and isinstance(output, Tensor):
            output._keras_mask = mask


_LAYER_ONLY = ("activity_regularizer", "return_sequences", "return_state", "go_backwards",
               "stateful", "unroll", "zero_output_for_mask", "time_major")
_BASE_CONFIG = ("name", "trainable", "dtype", "batch_input_shape")


class _CellLayer(RNN):
    """``RNN`` over a built-in cell made from the layer's own arguments."""

    cell_class: type = LSTMCell

    @keras1_arguments(RECURRENT, sequence_input)  # Keras 1: output_dim, dropout_W, ...
    def __init__(self, units, **kwargs):
        for ignored in ("use_cudnn", "implementation"):
            kwargs.pop(ignored, None)
        names = _cell_arguments(self.cell_class)
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        cell = self.cell_class(units, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True),
                               name=to_snake_case(self.cell_class.__name__), **cell_kwargs)
        super().__init__(cell, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def __getattr__(self, name):
        # Keras exposes the cell's arguments on the layer: ``lstm.units``, ...
        cell = self.__dict__.get("cell")
        if cell is not None and name in _cell_arguments(type(cell)) | {"state_size"}:
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = {k: v for k, v in self.cell.get_config().items()
                       if k not in _BASE_CONFIG}
        regularizer = self.activity_regularizer
        return {**config, **cell_config, "activity_regularizer": None if regularizer is None
                else serialize_object(regularizer)}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _cell_arguments(cell_class) -> set[str]:
    """The keyword arguments a cell class takes (its own and its base's)."""
    names = set()
    for klass in cell_class.__mro__:
        if klass is Layer:
            break
        names |= set(inspect.signature(klass.__init__).parameters) - {"self", "kwargs"}
    return names


class SimpleRNN(_CellLayer):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel +
    bias)``.

    Args:
        units: positive int, the size of the output and state.
        activation: default ``"tanh"``. use_bias: default ``True``.
        kernel_initializer, recurrent_initializer, bias_initializer: defaults
            ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
        kernel/recurrent/bias/activity regularizers and kernel/recurrent/bias
            constraints: optional.
        dropout, recurrent_dropout: fractions of the input and state units dropped in
            training (one mask per sequence). seed: optional int for those masks.
        return_sequences, return_state, go_backwards, stateful, unroll: as in ``RNN``.

    Input shape: ``(batch, timesteps, features)``. Output shape: as in ``RNN``.

    Example:
        >>> model = Sequential([Input((20, 3)), SimpleRNN(16), Dense(1)])
    """

    cell_class = SimpleRNNCell


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), Keras's gate order i, f, c, o.

    ``c_t = f * c_{t-1} + i * activation(g)``, ``h_t = o * activation(c_t)``, with
    ``i, f, o`` from ``recurrent_activation``; weights ``kernel`` (features, 4 * units),
    ``recurrent_kernel`` (units, 4 * units), ``bias`` (4 * units,).

    Args:
        units: positive int. activation: default ``"tanh"``.
        recurrent_activation: default ``"sigmoid"``.
        unit_forget_bias: start the forget-gate bias at 1 (default ``True``).
        The other arguments: as in ``SimpleRNN``. With ``return_state`` the layer returns
        ``[output, h, c]``; ``initial_state`` is ``[h0, c0]``.

    Example:
        >>> model = Sequential([Input((80,), dtype="int32"), Embedding(20000, 128),
        ...                     LSTM(128), Dense(1, activation="sigmoid")])
    """

    cell_class = LSTMCell


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al. 2014), Keras's gate order z, r, h.

    ``h_t = z * h_{t-1} + (1 - z) * candidate``; with ``reset_after=True`` (Keras 3's
    default, bias of shape (2, 3 * units)) the reset gate multiplies the recurrent
    projection, with ``False`` (bias (3 * units,), older Keras 2 files) the state before
    it.

    Args:
        units: positive int. activation: default ``"tanh"``.
        recurrent_activation: default ``"sigmoid"``. reset_after: default ``True``.
        The other arguments: as in ``SimpleRNN``.

    Example:
        >>> layer = GRU(32, return_sequences=True)
    """

    cell_class = GRUCell
