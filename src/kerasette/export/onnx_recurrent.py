"""The ONNX form of the recurrent layers: LSTM, GRU and SimpleRNN as ONNX's fused ops.

Keras runs channels-last ``(batch, timesteps, features)``; the ONNX ops (``layout=0``)
want ``(timesteps, batch, features)`` and weights stacked per gate as ``(gates * units,
features)``, so each converter transposes the sequence, reorders and transposes the
kernels, and turns ``Y (timesteps, 1, batch, units)`` or ``Y_h (1, batch, units)`` back
into Keras's output.
"""

from __future__ import annotations

import numpy as np

from .. import activations, backend

__all__ = ["RECURRENT_CONVERTERS"]

_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}


def _refuse(layer, why: str) -> ValueError:
    return ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}) to ONNX: "
                      f"{why}.")


def _host(variable) -> np.ndarray:
    return np.asarray(backend.to_numpy(variable.value), np.float64)


def _mask_source(tensor):
    """The upstream ``Embedding(mask_zero=True)`` whose mask reaches ``tensor``, if any.

    A traced (subclassed) model's tensors have no history: its exporter checks masks.
    """
    if tensor._keras_history is None:
        return None
    layer, node_index, _ = tensor._keras_history
    if getattr(layer, "mask_zero", False):
        return layer
    for parent in layer._inbound_nodes[node_index].input_tensors:
        found = _mask_source(parent)
        if found is not None:
            return found
    return None


def _check_layer(layer, keras_tensor) -> None:
    for flag in ("go_backwards", "stateful", "return_state"):
        if getattr(layer, flag):
            raise _refuse(layer, f"`{flag}=True` is not exported; build the layer with "
                                 f"`{flag}=False` to export it")
    source = _mask_source(keras_tensor)
    if source is not None:
        raise _refuse(layer, f"its input is masked by '{source.name}' (mask_zero=True), and "
                             f"masked steps are not exported; use mask_zero=False")


def _activation_names(layer, wanted: dict[str, tuple[str, ...]]) -> list[str]:
    """The ONNX names of the cell's activations, in ``wanted``'s order; refuses others."""
    names = []
    for attribute, allowed in wanted.items():
        name = activations.serialize(getattr(layer.cell, attribute))
        if name not in allowed:
            raise _refuse(layer, f"`{attribute}='{name}'` is not exported; expected one of "
                                 f"{list(allowed)}")
        names.append(_ACTIVATIONS[name])
    return names


def _gate_blocks(array: np.ndarray, units: int, order: list[int]) -> np.ndarray:
    """The ``units``-wide column blocks of ``array``'s last axis, rearranged to ``order``."""
    return np.concatenate([array[..., k * units:(k + 1) * units] for k in order], axis=-1)


def _recurrent_op(g, layer, x: str, op_type: str, weights, act_names, **attributes) -> str:
    """Runs one ONNX recurrent op over ``x`` and returns Keras's output.

    ``weights`` is ``(kernel, recurrent_kernel, input_bias, recurrent_bias)`` already in
    ONNX gate order, Keras's ``(features, gates * units)`` layout; a bias may be None.
    """
    name, units = layer.name, layer.cell.units
    kernel, recurrent, input_bias, recurrent_bias = weights
    inputs = [g.op("Transpose", [x], name + "/time_major", perm=[1, 0, 2]),
              g.const(name + "/W", kernel.T[None]), g.const(name + "/R", recurrent.T[None])]
    if input_bias is not None or recurrent_bias is not None:
        zeros = np.zeros(kernel.shape[1])
        bias = np.concatenate([zeros if input_bias is None else input_bias,
                               zeros if recurrent_bias is None else recurrent_bias])
        inputs.append(g.const(name + "/B", bias[None]))
    y, y_h = g.op_outputs(op_type, inputs, [name + "/Y", name + "/Y_h"], hidden_size=units,
                          activations=act_names, direction="forward", layout=0, **attributes)
    if not layer.return_sequences:
        return g.op("Squeeze", [y_h, g.const(name + "/axis0", [0], np.int64)], name)
    y = g.op("Squeeze", [y, g.const(name + "/axis1", [1], np.int64)], name + "/squeezed")
    return g.op("Transpose", [y], name, perm=[1, 0, 2])


def _lstm(g, layer, xs, ins, out):
    _check_layer(layer, ins[0])
    acts = _activation_names(layer, {"recurrent_activation": ("sigmoid",),
                                     "activation": ("tanh",)})
    cell, order = layer.cell, [0, 3, 1, 2]  # Keras i, f, c, o -> ONNX i, o, f, c
    kernel = _gate_blocks(_host(cell.kernel), cell.units, order)
    recurrent = _gate_blocks(_host(cell.recurrent_kernel), cell.units, order)
    bias = None if cell.bias is None else _gate_blocks(_host(cell.bias), cell.units, order)
    return _recurrent_op(g, layer, xs[0], "LSTM", (kernel, recurrent, bias, None),
                         [acts[0], acts[1], acts[1]])


def _gru(g, layer, xs, ins, out):
    """Keras's z, r, h order is ONNX's; ``reset_after`` is ``linear_before_reset``."""
    _check_layer(layer, ins[0])
    acts = _activation_names(layer, {"recurrent_activation": ("sigmoid",),
                                     "activation": ("tanh",)})
    cell = layer.cell
    bias = None if cell.bias is None else _host(cell.bias)
    if bias is None:
        biases = (None, None)
    else:
        biases = (bias[0], bias[1]) if cell.reset_after else (bias, None)
    weights = (_host(cell.kernel), _host(cell.recurrent_kernel)) + biases
    return _recurrent_op(g, layer, xs[0], "GRU", weights, acts,
                         linear_before_reset=int(cell.reset_after))


def _simple_rnn(g, layer, xs, ins, out):
    _check_layer(layer, ins[0])
    acts = _activation_names(layer, {"activation": ("tanh", "relu")})
    cell = layer.cell
    bias = None if cell.bias is None else _host(cell.bias)
    weights = (_host(cell.kernel), _host(cell.recurrent_kernel), bias, None)
    return _recurrent_op(g, layer, xs[0], "RNN", weights, acts)


RECURRENT_CONVERTERS = {"LSTM": _lstm, "GRU": _gru, "SimpleRNN": _simple_rnn}
