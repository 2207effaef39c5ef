"""Sequence ops: the embedding lookup, and a whole SimpleRNN, LSTM or GRU sequence as one
graph node.

The input projection of every time step is one GEMM up front; each step is then one GEMM
for all the gates plus the pointwise cell. The backward runs backpropagation through
time inside the node, keeps the gate gradients of every step, and ends with one GEMM per
weight. Weights use Keras's layout: LSTM gates i, f, c, o; GRU gates z, r, h, with a bias
of shape ``(2, 3 * units)`` (input bias, recurrent bias) when ``reset_after``.

A step whose mask is False carries the state through: its output and state are those of
the step before. ``go_backwards`` processes the sequence from the end and returns the
outputs in that (reversed) order, as Keras does.
"""

from __future__ import annotations

from .. import backend
from ..autograd import Tensor, record
from . import recurrent_inference as inference
from .math import convert_to_tensor
from .recurrent_base import Sequence, finish, parent_grads, start_grads

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
    x, kernel, recurrent = (convert_to_tensor(a) for a in (inputs, kernel, recurrent_kernel))
    units = recurrent.shape[0]
    bias = None if bias is None else convert_to_tensor(bias)
    parents = [x, kernel, recurrent] + ([] if bias is None else [bias])
    if inference.applies(parents + _tensors(initial_state)):
        seq = Sequence("simple_rnn", x, mask, go_backwards, units, initial_state, 1,
                       recurrent_dropout_mask, units_major=True)
        hs = inference.simple_rnn(seq, kernel.data, recurrent.data,
                                  None if bias is None else bias.data, activation,
                                  return_sequences)
        return finish(seq, hs, [], parents + seq.states, None, return_sequences,
                      return_state)
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
    x, kernel, recurrent = (convert_to_tensor(a) for a in (inputs, kernel, recurrent_kernel))
    units = recurrent.shape[0]
    seq = Sequence("lstm", x, mask, go_backwards, units, initial_state, 2,
                   recurrent_dropout_mask, units_major=True)
    bias = None if bias is None else convert_to_tensor(bias)
    if inference.applies([x, kernel, recurrent] + ([] if bias is None else [bias])
                         + seq.states):
        hs, c = inference.lstm(seq, kernel.data, recurrent.data,
                               None if bias is None else bias.data, activation,
                               recurrent_activation, return_sequences, x)
        return finish(seq, hs, [c], [x, kernel, recurrent] + seq.states, None,
                      return_sequences, return_state)
    loop = _LSTMLoop(seq, kernel.data, recurrent.data, None if bias is None else bias.data,
                     activation, recurrent_activation)
    parents = [x, kernel, recurrent] + ([] if bias is None else [bias]) + seq.states

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
            kernel, recurrent, bias = inference.negated_lstm_weights(kernel, recurrent, bias)
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


def _tensors(initial_state) -> list[Tensor]:
    """The initial states given as tensors (whether they need a gradient decides the path)."""
    return [s for s in initial_state or () if isinstance(s, Tensor)]


def _steps_inner(a):
    """(steps, rows, batch) -> a contiguous (rows, steps * batch) matrix."""
    return backend.xp.ascontiguousarray(a.transpose(1, 0, 2)).reshape(a.shape[1], -1)


def gru(inputs, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
        go_backwards=False, return_sequences=False, return_state=False, activation="tanh",
        recurrent_activation="sigmoid", reset_after=True, recurrent_dropout_mask=None):
    """A GRU sequence with Keras's equations and weight layout (gates z, r, h).

    ``z, r = recurrent_activation(.)``; the candidate is
    ``activation(x_t W_h + r * (h_{t-1} U_h + b_rh))`` with ``reset_after`` (Keras 3's
    default, bias (2, 3 * units)) or ``activation(x_t W_h + (r * h_{t-1}) U_h)`` without
    (bias (3 * units,)); ``h_t = z * h_{t-1} + (1 - z) * candidate``.

    Returns:
        The outputs (batch, timesteps, units) or the last output (batch, units); with
        ``return_state``, ``[outputs, h]``.
    """
    x, kernel, recurrent = (convert_to_tensor(a) for a in (inputs, kernel, recurrent_kernel))
    units = recurrent.shape[0]
    bias = None if bias is None else convert_to_tensor(bias)
    parents = [x, kernel, recurrent] + ([] if bias is None else [bias])
    if inference.applies(parents + _tensors(initial_state)):
        seq = Sequence("gru", x, mask, go_backwards, units, initial_state, 1,
                       recurrent_dropout_mask, units_major=True)
        hs = inference.gru(seq, kernel.data, recurrent.data,
                           None if bias is None else bias.data, activation,
                           recurrent_activation, reset_after, return_sequences)
        return finish(seq, hs, [], parents + seq.states, None, return_sequences,
                      return_state)
    seq = Sequence("gru", x, mask, go_backwards, units, initial_state, 1,
                   recurrent_dropout_mask)
    xp = backend.xp
    input_bias = None if bias is None else (bias.data[0] if reset_after else bias.data)
    recurrent_bias = bias.data[1] if bias is not None and reset_after else None
    gates = seq.project(kernel.data, input_bias)
    cell = (_GRUResetAfter if reset_after else _GRUResetBefore)(
        seq, gates, recurrent.data, recurrent_bias, activation, recurrent_activation)
    hs = cell.forward()
    parents += seq.states

    def backward(g_seq, g_last, g_extra):
        (dh,) = start_grads(seq, g_last, g_extra, units, x.dtype)
        dgates, d_recurrent = cell.backward(dh, g_seq)
        grads = [seq.input_grad(dgates, kernel.data) if x.requires_grad else None,
                 seq.weight_grad(seq.x, dgates),
                 d_recurrent]
        if bias is not None:
            d_input_bias = dgates.sum(axis=(0, 1))
            grads.append(xp.stack([d_input_bias, cell.d_recurrent_bias]) if reset_after
                         else d_input_bias)
        return parent_grads(parents, grads + [cell.dh0])

    return finish(seq, hs, [], parents, backward, return_sequences, return_state)


class _GRUCellLoop:
    """The time loop of a GRU: forward over the steps, then BPTT. ``gates`` holds the
    input projections (steps, batch, 3 * units) and becomes the gate activations."""

    def __init__(self, seq, gates, recurrent, recurrent_bias, activation,
                 recurrent_activation):
        xp = backend.xp
        self.seq, self.gates, self.u, self.b = seq, gates, recurrent, recurrent_bias
        self.act, self.rec_act = activation, recurrent_activation
        self.n = n = recurrent.shape[0]
        self.hs = xp.empty((seq.steps + 1, seq.batch, n), dtype=gates.dtype)
        self.hs[0] = seq.states[0].data
        self.h_in = self.hs[:-1] if seq.drop is None else xp.empty_like(self.hs[1:])

    def update(self, t: int) -> None:
        """``h_t = z * h_{t-1} + (1 - z) * candidate`` = candidate + z * (h_{t-1} - cand.)."""
        xp, n = backend.xp, self.n
        z, candidate, h = self.gates[t][:, :n], self.gates[t][:, 2 * n:], self.hs[t + 1]
        xp.subtract(self.hs[t], candidate, out=h)
        h *= z
        h += candidate
        self.seq.carry(t, self.hs[t], h)

    def gate_grads(self, t: int, dh, dgates):
        """The update's reverse: writes d candidate-preactivation and d z (before the
        slope of z) into ``dgates``; returns the direct path ``dh * z``."""
        xp, n = backend.xp, self.n
        z, candidate = self.gates[t][:, :n], self.gates[t][:, 2 * n:]
        d_candidate, dz = dgates[:, 2 * n:], dgates[:, :n]
        xp.subtract(1, z, out=d_candidate)
        d_candidate *= dh
        d_candidate *= backend.kernels.rnn_activation_derivative(
            self.act, candidate, xp.empty_like(candidate))
        xp.subtract(self.hs[t], candidate, out=dz)
        dz *= dh
        return dh * z

    def backward(self, dh, g_seq):
        xp, seq = backend.xp, self.seq
        dgates = xp.empty_like(self.gates)
        self.prepare_backward()
        for t in reversed(range(seq.steps)):
            if g_seq is not None:
                dh += g_seq[:, t]
            skipped = seq.split_masked(t, [dh])
            dh = self.step_backward(t, dh, dgates[t])
            if skipped:
                dh += skipped[0]
        self.dh0 = dh
        return dgates, self.recurrent_grad(dgates)


class _GRUResetAfter(_GRUCellLoop):
    """``reset_after=True``: the reset gate multiplies ``h_{t-1} @ U_h + b_rh``."""

    def forward(self):
        xp, seq, n = backend.xp, self.seq, self.n
        self.rec = xp.empty_like(self.gates)  # h_{t-1} @ U + recurrent bias, per step
        for t in range(seq.steps):
            h_in = self.hs[t] if seq.drop is None else xp.multiply(
                self.hs[t], seq.drop, out=self.h_in[t])
            xp.matmul(h_in, self.u, out=self.rec[t])
            if self.b is not None:
                self.rec[t] += self.b
            gates = self.gates[t]
            gates[:, :2 * n] += self.rec[t][:, :2 * n]
            backend.kernels.rnn_activate(self.rec_act, gates[:, :2 * n])
            gates[:, 2 * n:] += gates[:, n:2 * n] * self.rec[t][:, 2 * n:]
            backend.kernels.rnn_activate(self.act, gates[:, 2 * n:])
            self.update(t)
        return self.hs

    def prepare_backward(self):
        self.d_rec = backend.xp.empty_like(self.gates)

    def step_backward(self, t, dh, dgates):
        xp, n = backend.xp, self.n
        direct = self.gate_grads(t, dh, dgates)
        r, d_rec = self.gates[t][:, n:2 * n], self.d_rec[t]
        xp.multiply(dgates[:, 2 * n:], self.rec[t][:, 2 * n:], out=dgates[:, n:2 * n])
        slope = backend.kernels.rnn_activation_derivative(
            self.rec_act, self.gates[t][:, :2 * n], xp.empty_like(d_rec[:, :2 * n]))
        xp.multiply(dgates[:, :2 * n], slope, out=dgates[:, :2 * n])
        d_rec[:, :2 * n] = dgates[:, :2 * n]
        xp.multiply(dgates[:, 2 * n:], r, out=d_rec[:, 2 * n:])
        return self.seq.dropped(d_rec @ self.u.T) + direct

    def recurrent_grad(self, dgates):
        self.d_recurrent_bias = self.d_rec.sum(axis=(0, 1))
        return self.seq.weight_grad(self.h_in, self.d_rec)


class _GRUResetBefore(_GRUCellLoop):
    """``reset_after=False``: the reset gate multiplies ``h_{t-1}`` before ``U_h``."""

    def forward(self):
        xp, seq, n = backend.xp, self.seq, self.n
        self.reset_h = xp.empty_like(self.hs[1:])  # r * h_{t-1}, per step
        for t in range(seq.steps):
            h_in = self.hs[t] if seq.drop is None else xp.multiply(
                self.hs[t], seq.drop, out=self.h_in[t])
            gates = self.gates[t]
            gates[:, :2 * n] += h_in @ self.u[:, :2 * n]
            backend.kernels.rnn_activate(self.rec_act, gates[:, :2 * n])
            xp.multiply(gates[:, n:2 * n], h_in, out=self.reset_h[t])
            gates[:, 2 * n:] += self.reset_h[t] @ self.u[:, 2 * n:]
            backend.kernels.rnn_activate(self.act, gates[:, 2 * n:])
            self.update(t)
        return self.hs

    def prepare_backward(self):
        pass

    def step_backward(self, t, dh, dgates):
        xp, n = backend.xp, self.n
        direct = self.gate_grads(t, dh, dgates)
        d_reset_h = dgates[:, 2 * n:] @ self.u[:, 2 * n:].T
        xp.multiply(d_reset_h, self.h_in[t], out=dgates[:, n:2 * n])
        slope = backend.kernels.rnn_activation_derivative(
            self.rec_act, self.gates[t][:, :2 * n], xp.empty_like(dgates[:, :2 * n]))
        dgates[:, :2 * n] *= slope
        d_reset_h *= self.gates[t][:, n:2 * n]
        d_reset_h += dgates[:, :2 * n] @ self.u[:, :2 * n].T
        return self.seq.dropped(d_reset_h) + direct

    def recurrent_grad(self, dgates):
        n, seq = self.n, self.seq
        self.d_recurrent_bias = None
        return backend.xp.concatenate([seq.weight_grad(self.h_in, dgates[:, :, :2 * n]),
                                       seq.weight_grad(self.reset_h, dgates[:, :, 2 * n:])],
                                      axis=1)
