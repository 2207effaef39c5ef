"""Layer wrappers: ``Bidirectional`` (an RNN both ways) and ``TimeDistributed``."""

from __future__ import annotations

from .. import ops
from .base import Layer
from .recurrent import _attach_masks, _prefix_weight_paths, deserialize_nested

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the two.

    The backward layer reads the sequence from its end; with ``return_sequences`` its
    outputs are put back in time order before merging, and masked steps output zeros.

    Args:
        layer: an ``RNN`` (``LSTM``, ``GRU``, ``SimpleRNN``, ...). It is copied, as
            ``forward_<name>``; the original is not used.
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"``, or ``None``
            (a list ``[forward, backward]``).
        backward_layer: optional layer for the backward direction (with
            ``go_backwards`` opposite to ``layer``'s); default: a copy of ``layer``.
        weights: optional initial weights (Keras 2): forward ones, then backward ones.

    Output shape: the wrapped layer's, with the last axis doubled for ``"concat"``;
    with ``return_state``, ``[output, *forward_states, *backward_states]``.

    Example:
        >>> layer = Bidirectional(LSTM(64, return_sequences=True))
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        super().__init__(weights=weights, **kwargs)
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"Bidirectional '{self.name}': please initialize "
                             f"`Bidirectional` with a recurrent layer instance (an RNN, "
                             f"LSTM, GRU, ...); received layer={layer!r}.")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional '{self.name}': invalid merge mode. Received: "
                             f"{merge_mode!r}. Merge mode should be one of {_MERGE_MODES}.")
        config = layer.get_config()
        if kwargs.get("dtype") is not None:  # an explicit dtype reaches the copies
            config["dtype"] = self.dtype
        base = _strip(layer.name, "forward_")
        self.forward_layer = type(layer).from_config({**config, "name": f"forward_{base}"})
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                {**config, "name": f"backward_{base}", "go_backwards": not layer.go_backwards})
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError(f"Bidirectional '{self.name}': `backward_layer.go_backwards` must "
                             f"be the opposite of `layer.go_backwards` "
                             f"({layer.go_backwards}).")
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        for inner in (self.forward_layer, self.backward_layer):
            inner.zero_output_for_mask = self.return_sequences
        self.supports_masking = True

    def build(self, input_shape):
        for inner in (self.forward_layer, self.backward_layer):
            if not inner.built:
                inner.build(input_shape)
                inner.built = True
                _prefix_weight_paths(inner, self.name)
        self.built = True

    def call(self, inputs, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        forward = self.forward_layer(inputs, initial_state=forward_state, mask=mask,
                                     training=training)
        backward = self.backward_layer(inputs, initial_state=backward_state, mask=mask,
                                       training=training)
        states = []
        if self.return_state:
            states = list(forward[1:]) + list(backward[1:])
            forward, backward = forward[0], backward[0]
        if self.return_sequences:
            backward = ops.getitem(backward, (slice(None), slice(None, None, -1)))
        output = self._merge(forward, backward)
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def _merge(self, forward, backward):
        if self.merge_mode == "concat":
            return ops.concatenate([forward, backward], axis=-1)
        if self.merge_mode == "sum":
            return forward + backward
        if self.merge_mode == "mul":
            return forward * backward
        if self.merge_mode == "ave":
            return (forward + backward) * 0.5
        return [forward, backward]

    def compute_output_shape(self, input_shape):
        shapes = self.forward_layer.compute_output_shape(input_shape)
        output, states = (shapes[0], list(shapes[1:])) if self.return_state else (shapes, [])
        if self.merge_mode == "concat":
            output = tuple(output[:-1]) + (output[-1] * 2,)
        outputs = [tuple(output), tuple(output)] if self.merge_mode is None else [output]
        if not self.return_state:
            return outputs if self.merge_mode is None else output
        return outputs + states + states

    def compute_mask(self, inputs, mask=None):
        output_mask = self.forward_layer.compute_mask(inputs, mask)
        if self.return_state:
            output_mask = output_mask[0]
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            count = len(self.forward_layer._state_sizes) * 2
            return masks + [None] * count
        return masks if self.merge_mode is None else output_mask

    def _attach_mask(self, inputs, outputs, mask) -> None:
        _attach_masks(outputs, self.compute_mask(inputs, mask))

    def reset_states(self, states=None) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        from . import serialize  # the registry lives in the package, above this module

        return {**super().get_config(), "layer": serialize(self.forward_layer),
                "merge_mode": self.merge_mode,
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        layer = deserialize_nested(config.pop("layer"))
        backward = deserialize_nested(config.pop("backward_layer", None))
        return cls(layer, backward_layer=backward, **config)


class TimeDistributed(Layer):
    """Applies a layer to every time step: ``(batch, timesteps, ...)`` in, the layer's
    output per step out, ``(batch, timesteps, ...)``; one set of weights for all steps.

    The steps are folded into the batch, so the wrapped layer runs once, not once per step.

    Args:
        layer: the layer to apply (``Dense``, ``Conv2D``, a model, ...).

    Input shape: ``(batch, timesteps, ...)``, at least 3 axes.

    Example:
        >>> layer = TimeDistributed(Dense(10, activation="softmax"))
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed '{self.name}': please initialize "
                             f"`TimeDistributed` with a `keras.layers.Layer` instance; "
                             f"received layer={layer!r}.")
        self.layer = layer
        self.supports_masking = True

    def _check_rank(self, input_shape) -> None:
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}': the input must have at least "
                             f"3 dimensions (batch, timesteps, ...); received input_shape="
                             f"{tuple(input_shape)}.")

    def build(self, input_shape):
        self._check_rank(input_shape)
        if not self.layer.built:
            self.layer.build((input_shape[0],) + tuple(input_shape[2:]))
            self.layer.built = True
            _prefix_weight_paths(self.layer, self.name)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._check_rank(inputs.shape)
        batch, steps = inputs.shape[:2]
        folded = ops.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {"training": training}
        if mask is not None and self.layer._call_takes_mask:
            # A (batch, timesteps, ...) mask is folded like the inputs, so a wrapped
            # layer that reads masks (an LSTM over an inner time axis) sees each step's.
            if tuple(mask.shape[:2]) != (batch, steps):
                raise ValueError(f"TimeDistributed '{self.name}': the mask must start with "
                                 f"the input's (batch, timesteps) = {(batch, steps)}; "
                                 f"received mask shape {tuple(mask.shape)}.")
            kwargs["mask"] = ops.reshape(mask, (batch * steps,) + tuple(mask.shape[2:]))
        outputs = self.layer(folded, **kwargs)
        return ops.reshape(outputs, (batch, steps) + tuple(outputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def get_config(self):
        from . import serialize

        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        return cls(deserialize_nested(config.pop("layer")), **config)
