"""The recurrent ops' inference path: a forward pass that keeps nothing for backpropagation.

``predict`` and ``evaluate`` run without a graph, so a SimpleRNN, LSTM or GRU there needs
neither the gates of every step nor the states of every step (only the outputs, when the
layer returns sequences). Every cell runs units-major, as the LSTM's training loop does:
each step's gates are ``(gates * units, batch)`` and its state ``(units, batch)``, so each
gate is a block of whole contiguous rows and the step's GEMM is ``recurrent^T @ h``, the
faster orientation for a small batch. The input projection of all the steps is one batched
GEMM up front; the step buffers are allocated once and reused by every step.

The numbers are those of the training path (``ops.recurrent``): the same equations, weight
layouts, masks and ``go_backwards`` order; ``tests/test_recurrent.py`` compares the two.
"""

from __future__ import annotations

from .. import backend
from ..autograd import is_grad_enabled

__all__ = ["applies", "negated_lstm_weights", "simple_rnn", "lstm", "gru"]


def applies(parents) -> bool:
    """Whether the op's result would record no graph node (so no backward can run)."""
    return not (is_grad_enabled() and any(p.requires_grad for p in parents))


def negated_lstm_weights(kernel, recurrent, bias):
    """The LSTM weights scaled by -1 (gates i, f, o) and -2 (gate g), so that one ``exp``
    serves every gate (``kernels.lstm_cell_forward`` with ``negated``)."""
    xp, n = backend.xp, recurrent.shape[0]
    scale = xp.full(4 * n, -1, dtype=kernel.dtype)  # made on the device: no upload
    scale[2 * n:3 * n] = -2
    return kernel * scale, recurrent * scale, None if bias is None else bias * scale


class _States:
    """The per-step state buffers: every step's (for ``return_sequences``) or two used in
    turn. ``previous(t)`` / ``current(t)`` are the (units, batch) states around step t."""

    def __init__(self, steps: int, units: int, batch: int, dtype, every_step: bool, first):
        count = steps + 1 if every_step else 2
        self.every_step = every_step
        self.data = backend.xp.empty((count, units, batch), dtype=dtype)
        self.data[0] = first.T

    def previous(self, t: int):
        return self.data[t if self.every_step else t % 2]

    def current(self, t: int):
        return self.data[t + 1 if self.every_step else (t + 1) % 2]

    def batch_major(self, steps: int):
        """As ``finish`` takes them: (count, batch, units), the last step's last."""
        if self.every_step:
            return self.data.transpose(0, 2, 1)
        return self.data[steps % 2].T[None]


def simple_rnn(seq, kernel, recurrent, bias, activation: str, every_step: bool):
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent + bias)`` for every step."""
    xp = backend.xp
    z = seq.project_units_major(kernel, bias)
    u = xp.ascontiguousarray(recurrent.T)
    hs = _States(seq.steps, recurrent.shape[0], seq.batch, z.dtype, every_step,
                 seq.states[0].data)
    step = xp.empty(z.shape[1:], dtype=z.dtype)
    for t in range(seq.steps):
        h_prev, h = hs.previous(t), hs.current(t)
        z[t] += xp.matmul(u, seq.dropped(h_prev), out=step)
        backend.kernels.rnn_activate(activation, z[t], out=h)
        seq.carry(t, h_prev, h)
    return hs.batch_major(seq.steps)


def lstm(seq, kernel, recurrent, bias, activation: str, recurrent_activation: str,
         every_step: bool):
    """The LSTM's forward with Keras's gates (i, f, c, o); returns the outputs as ``finish``
    takes them and the last cell state (batch, units)."""
    xp, n = backend.xp, recurrent.shape[0]
    negated = activation == "tanh" and recurrent_activation == "sigmoid"
    if negated:
        kernel, recurrent, bias = negated_lstm_weights(kernel, recurrent, bias)
    gates = seq.project_units_major(kernel, bias)
    u = xp.ascontiguousarray(recurrent.T)
    hs = _States(seq.steps, n, seq.batch, gates.dtype, every_step, seq.states[0].data)
    cs = _States(seq.steps, n, seq.batch, gates.dtype, False, seq.states[1].data)
    step, tc = xp.empty(gates.shape[1:], dtype=gates.dtype), xp.empty_like(cs.data[0])
    for t in range(seq.steps):
        h_prev, h, c_prev, c = hs.previous(t), hs.current(t), cs.previous(t), cs.current(t)
        gates[t] += xp.matmul(u, seq.dropped(h_prev), out=step)
        backend.kernels.lstm_cell_forward(gates[t], c_prev, c, tc, h, activation,
                                          recurrent_activation, negated)
        seq.carry(t, h_prev, h)
        seq.carry(t, c_prev, c)
    return hs.batch_major(seq.steps), cs.current(seq.steps - 1).T


def gru(seq, kernel, recurrent, bias, activation: str, recurrent_activation: str,
        reset_after: bool, every_step: bool):
    """The GRU's forward with Keras's gates (z, r, h), ``reset_after`` either way."""
    xp, n = backend.xp, recurrent.shape[0]
    input_bias = None if bias is None else (bias[0] if reset_after else bias)
    gates = seq.project_units_major(kernel, input_bias)
    u = xp.ascontiguousarray(recurrent.T)  # (3 * units, units)
    hs = _States(seq.steps, n, seq.batch, gates.dtype, every_step, seq.states[0].data)
    rec = xp.empty(gates.shape[1:], dtype=gates.dtype)  # h_{t-1} @ U (+ recurrent bias)
    recurrent_bias = None
    if reset_after and bias is not None:
        recurrent_bias = xp.repeat(bias[1][:, None], seq.batch, axis=1)
    for t in range(seq.steps):
        h_prev, h, g = hs.previous(t), hs.current(t), gates[t]
        h_in = seq.dropped(h_prev)
        if reset_after:
            xp.matmul(u, h_in, out=rec)
            if recurrent_bias is not None:
                rec += recurrent_bias
            g[:2 * n] += rec[:2 * n]
            backend.kernels.rnn_activate(recurrent_activation, g[:2 * n])
            rec[2 * n:] *= g[n:2 * n]
            g[2 * n:] += rec[2 * n:]
        else:
            g[:2 * n] += xp.matmul(u[:2 * n], h_in, out=rec[:2 * n])
            backend.kernels.rnn_activate(recurrent_activation, g[:2 * n])
            xp.multiply(g[n:2 * n], h_in, out=rec[2 * n:])
            g[2 * n:] += xp.matmul(u[2 * n:], rec[2 * n:], out=rec[:n])
        backend.kernels.rnn_activate(activation, g[2 * n:])
        candidate = g[2 * n:]  # h_t = candidate + z * (h_{t-1} - candidate)
        xp.subtract(h_prev, candidate, out=h)
        h *= g[:n]
        h += candidate
        seq.carry(t, h_prev, h)
    return hs.batch_major(seq.steps)
