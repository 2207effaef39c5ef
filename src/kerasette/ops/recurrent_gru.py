"""The GRU sequence op, one graph node for the whole sequence (see ``ops.recurrent``):
Keras's gates z, r, h, ``reset_after`` either way, masks and ``go_backwards`` as the other
cells; without a graph it takes the inference path (``ops.recurrent_inference.gru``).
"""

from __future__ import annotations

from .. import backend
from . import recurrent_inference as inference
from .recurrent_base import (Sequence, finish, infer_one_state, op_tensors, parent_grads,
                             start_grads, tensor_states)

__all__ = ["gru"]


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
    x, kernel, recurrent, bias, parents = op_tensors(inputs, kernel, recurrent_kernel, bias)
    units = recurrent.shape[0]
    if inference.applies(parents + tensor_states(initial_state)):
        return infer_one_state("gru", inference.gru, x, (kernel, recurrent, bias), parents,
                               mask, go_backwards, initial_state, recurrent_dropout_mask,
                               return_sequences, return_state, activation,
                               recurrent_activation, reset_after)
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
