"""Sequence ops: the embedding lookup, and a whole SimpleRNN, LSTM or GRU sequence as one
graph node.

The input projection of every time step is one GEMM up front; each step is then one GEMM
for all the gates plus the pointwise cell. The backward runs backpropagation through
time inside the node, keeps the gate gradients of every step, and ends with one GEMM per
weight. Weights use Keras's layout: LSTM gates i, f, c, o; GRU gates z, r, h, with a bias
of shape ``(2, 3 * units)`` (input bias, recurrent bias) when ``reset_after``.

A step whose mask is False carries the state through: its output and state are those of
the step before. ``go_backwards`` processes the sequence from the end and returns the
outputs in that (reversed) order, as Keras does. The GRU lives in ``ops.recurrent_gru``
and is exported from here with the others.
"""

from __future__ import annotations

from .. import backend
from ..autograd import Tensor, record
from . import recurrent_inference as inference
from .math import convert_to_tensor
from .recurrent_base import (Sequence, finish, infer_one_state, op_tensors, parent_grads,
                             start_grads, tensor_states)
from .recurrent_gru import gru

__all__ = ["embedding", "simple_rnn", "lstm", "gru", "FUSED_ACTIVATIONS"]

FUSED_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear", "hard_sigmoid",
                     "legacy_hard_sigmoid")


def embedding(indices, table) -> Tensor:
    """``table[indices]``: one row of ``table`` (input_dim, width) per integer index.

    The backward scatter-adds the output gradient into the rows that were read
    (``backend.kernels.embedding_backward``); no one-hot matrix is ever formed.
    """
    table = convert_to_tensor(table)
    ids = indices.data if isinstance(indices, Tensor) else backend.xp.asarray(indices)
    input_dim = table.shape[0]
    out = record(table.data[ids], (table,), lambda g: (
        backend.kernels.embedding_backward(ids, g, input_dim),))
    if not out.requires_grad:
        inference.note_lookup(out, table.data, ids)
    return out


def simple_rnn(inputs, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
               go_backwards=False, return_sequences=False, return_state=False,
               activation="tanh", recurrent_dropout_mask=None):
    """A SimpleRNN sequence: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent + bias)``.

    Args:
        inputs: (batch, timesteps, features). kernel: (features, units).
        recurrent_kernel: (units, units). bias: (units,) or None.
        initial_state: None (zeros) or ``[h0]``. mask: None or (batch, timesteps) booleans.
        recurrent_dropout_mask: None or a (batch, units) array multiplying ``h_{t-1}``
            where it enters the recurrent GEMM.

    Returns:
        The outputs (batch, timesteps, units) or the last output (batch, units); with
        ``return_state``, ``[outputs, h]``.
    """
    x, kernel, recurrent, bias, parents = op_tensors(inputs, kernel, recurrent_kernel, bias)
    units = recurrent.shape[0]
    if inference.applies(parents + tensor_states(initial_state)):
        return infer_one_state("simple_rnn", inference.simple_rnn, x, (kernel, recurrent, bias),
                               parents, mask, go_backwards, initial_state,
                               recurrent_dropout_mask, return_sequences, return_state,
                               activation)
    seq = Sequence("simple_rnn", x, mask, go_backwards, units, initial_state, 1,
                   recurrent_dropout_mask)
    kernels, xp = backend.kernels, backend.xp
    z = seq.project(kernel.data, None if bias is None else bias.data)
    hs = xp.empty((seq.steps + 1, seq.batch, units), dtype=x.dtype)
    hs[0] = seq.states[0].data
    for t in range(seq.steps):
        z[t] += seq.dropped(hs[t]) @ recurrent.data
        kernels.rnn_activate(activation, z[t], out=hs[t + 1])
        seq.carry(t, hs[t], hs[t + 1])
    parents.append(seq.states[0])

    def backward(g_seq, g_last, g_extra):
        (dh,) = start_grads(seq, g_last, g_extra, units, x.dtype)
        dz = xp.empty_like(z)
        for t in reversed(range(seq.steps)):
            if g_seq is not None:
                dh += g_seq[:, t]
            skipped = seq.split_masked(t, [dh])
            kernels.rnn_activation_derivative(activation, hs[t + 1], out=dz[t])
            dz[t] *= dh
            dh = seq.dropped(dz[t] @ recurrent.data.T)
            if skipped:
                dh += skipped[0]
        h_in = hs[:-1] if seq.drop is None else hs[:-1] * seq.drop
        grads = [seq.input_grad(dz, kernel.data) if x.requires_grad else None,
                 seq.weight_grad(seq.x, dz),
                 seq.weight_grad(h_in, dz)]
        grads += ([] if bias is None else [dz.sum(axis=(0, 1))]) + [dh]
        return parent_grads(parents, grads)

    return finish(seq, hs, [], parents, backward, return_sequences, return_state)


def lstm(inputs, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
         go_backwards=False, return_sequences=False, return_state=False, activation="tanh",
         recurrent_activation="sigmoid", recurrent_dropout_mask=None):
    """An LSTM sequence with Keras's equations and weight layout (gates i, f, c, o).

    ``i, f, o = recurrent_activation(.)``, ``g = activation(.)`` of
    ``x_t @ kernel + h_{t-1} @ recurrent_kernel + bias``; ``c_t = f * c_{t-1} + i * g``;
    ``h_t = o * activation(c_t)``.

    Args:
        inputs: (batch, timesteps, features). kernel: (features, 4 * units).
        recurrent_kernel: (units, 4 * units). bias: (4 * units,) or None.
        initial_state: None (zeros) or ``[h0, c0]``. mask, recurrent_dropout_mask: as in
            ``simple_rnn``.

    Returns:
        The outputs (batch, timesteps, units) or the last output (batch, units); with
        ``return_state``, ``[outputs, h, c]``.
    """
    x, kernel, recurrent, bias, parents = op_tensors(inputs, kernel, recurrent_kernel, bias)
    units = recurrent.shape[0]
    seq = Sequence("lstm", x, mask, go_backwards, units, initial_state, 2,
                   recurrent_dropout_mask, units_major=True)
    parents += seq.states
    if inference.applies(parents):
        hs, c = inference.lstm(seq, kernel.data, recurrent.data,
                               None if bias is None else bias.data, activation,
                               recurrent_activation, return_sequences, x)
        return finish(seq, hs, [c], parents, None, return_sequences, return_state)
    loop = _LSTMLoop(seq, kernel.data, recurrent.data, None if bias is None else bias.data,
                     activation, recurrent_activation)

    def backward(g_seq, g_last, g_extra):
        dh, dc = (g.T.copy() for g in start_grads(seq, g_last, g_extra, units, x.dtype))
        dgates = loop.backward(dh, dc, g_seq)  # (4 * units, steps * batch)
        grads = [seq.input_grad(dgates.T, kernel.data) if x.requires_grad else None,
                 seq.weight_grad(seq.x, dgates.T),
                 seq.weight_grad(loop.h_in(), dgates.T)]
        if bias is not None:
            grads.append(dgates.sum(axis=1))
        return parent_grads(parents, grads + [loop.dh0.T, loop.dc0.T])

    return finish(seq, loop.hs.transpose(0, 2, 1), [loop.cs[-1].T], parents, backward,
                  return_sequences, return_state)


class _LSTMLoop:
    """The LSTM's time loop: ``forward`` at construction, then BPTT in ``backward``.

    It runs units-major: each step's gates are (4 * units, batch) and its states
    (units, batch), so every gate's block is whole contiguous rows for the pointwise
    cell, and the step's GEMM is ``recurrent^T @ h``, which BLAS runs faster than
    ``h @ recurrent`` for small batches (``benchmarks/README.md``).

    With the default activations the cell takes -z (i, f, o) and -2z (g), so that one exp
    serves all four gates (``kernels.lstm_cell_forward``); those factors go into the
    copies of the weights the forward uses.
    """

    def __init__(self, seq, kernel, recurrent, bias, activation, recurrent_activation):
        xp, n = backend.xp, recurrent.shape[0]
        self.seq, self.u = seq, recurrent
        self.act, self.rec_act = activation, recurrent_activation
        self.negated = activation == "tanh" and recurrent_activation == "sigmoid"
        if self.negated:
            kernel, recurrent, bias = _negated_lstm_weights(kernel, recurrent, bias)
        self.gates = seq.project_units_major(kernel, bias)
        self.hs = xp.empty((seq.steps + 1, n, seq.batch), dtype=kernel.dtype)
        self.cs, self.tcs = xp.empty_like(self.hs), xp.empty_like(self.hs[1:])
        self.hs[0], self.cs[0] = seq.states[0].data.T, seq.states[1].data.T
        self.forward(xp.ascontiguousarray(recurrent.T))

    def forward(self, u_forward) -> None:
        xp, seq, hs, cs = backend.xp, self.seq, self.hs, self.cs
        step = xp.empty(self.gates.shape[1:], dtype=self.gates.dtype)
        for t in range(seq.steps):
            self.gates[t] += xp.matmul(u_forward, seq.dropped(hs[t]), out=step)
            backend.kernels.lstm_cell_forward(self.gates[t], cs[t], cs[t + 1], self.tcs[t],
                                              hs[t + 1], self.act, self.rec_act, self.negated)
            seq.carry(t, hs[t], hs[t + 1])
            seq.carry(t, cs[t], cs[t + 1])

    def backward(self, dh, dc, g_seq):
        """BPTT from the final states' gradients (units, batch); returns the gates'
        gradients as one (4 * units, steps * batch) matrix and leaves the initial states'
        in ``dh0``, ``dc0``."""
        xp, kernels, seq, n = backend.xp, backend.kernels, self.seq, self.u.shape[0]
        dgates, carry = kernels.lstm_backward_factors(self.gates, self.cs[:-1], self.tcs,
                                                      self.act, self.rec_act)
        for t in reversed(range(seq.steps)):
            if g_seq is not None:
                dh += g_seq[:, t].T
            skipped = seq.split_masked(t, [dh, dc])
            kernels.lstm_cell_backward(dgates[t], carry[t], self.gates[t][n:2 * n], dh, dc)
            dh = seq.dropped(xp.matmul(self.u, dgates[t], out=dh))
            if skipped:
                dh += skipped[0]
                dc += skipped[1]
        self.dh0, self.dc0 = dh, dc
        return _steps_inner(dgates)

    def h_in(self):
        """Each step's ``h_{t-1}`` as the recurrent GEMM saw it (after recurrent dropout),
        as a (steps * batch, units) matrix."""
        h = self.hs[:-1] if self.seq.drop is None else self.hs[:-1] * self.seq.drop
        return _steps_inner(h).T


def _negated_lstm_weights(kernel, recurrent, bias):
    """The LSTM weights scaled by -1 (gates i, f, o) and -2 (gate g), so that one ``exp``
    serves every gate (``kernels.lstm_cell_forward`` with ``negated``)."""
    xp, n = backend.xp, recurrent.shape[0]
    scale = xp.full(4 * n, -1, dtype=kernel.dtype)  # made on the device: no upload
    scale[2 * n:3 * n] = -2
    return kernel * scale, recurrent * scale, None if bias is None else bias * scale


def _steps_inner(a):
    """(steps, rows, batch) -> a contiguous (rows, steps * batch) matrix."""
    return backend.xp.ascontiguousarray(a.transpose(1, 0, 2)).reshape(a.shape[1], -1)
