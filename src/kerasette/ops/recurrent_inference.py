"""The recurrent ops' inference path: a forward pass that keeps nothing for backpropagation.

``predict`` and ``evaluate`` run without a graph, so a SimpleRNN, LSTM or GRU there needs
neither the gates of every step nor the states of every step (only the outputs, when the
layer returns sequences). Every cell runs units-major, as the LSTM's training loop does:
each step's gates are ``(gates * units, batch)`` and its state ``(units, batch)``, so each
gate is a block of whole contiguous rows and the step's GEMM is ``recurrent^T @ h``, the
faster orientation for a small batch. The input projection of all the steps is one batched
GEMM up front; the step buffers are allocated once and reused by every step.

On the CPU, ``predict`` and ``evaluate`` open a ``session``: a recurrent layer fed
straight by an ``Embedding`` then projects the whole embedding table through its input
kernel once per call, when that is cheaper than projecting the call's sequences, and each
step gathers its rows (``E[ids] @ K == (E @ K)[ids]``, ``kernels.LookedUpGates``). The
session assumes the weights stay fixed during the call, as they do unless a callback of
that ``predict`` changes them.

The numbers are those of the training path (``ops.recurrent``): the same equations, weight
layouts, masks and ``go_backwards`` order; ``tests/test_recurrent.py`` compares the two.
"""

from __future__ import annotations

import contextlib
import contextvars
import weakref

from .. import backend
from ..autograd import is_grad_enabled

__all__ = ["applies", "session", "note_lookup", "simple_rnn", "lstm", "gru"]

TABLE_BYTES = 1 << 28
"""The largest projected embedding table a session builds (256 MiB)."""

def applies(parents) -> bool:
    """Whether the op's result would record no graph node (so no backward can run)."""
    return not (is_grad_enabled() and any(p.requires_grad for p in parents))


class _Session:
    """What one ``predict`` / ``evaluate`` call shares between its batches: the weights
    stay fixed, so an embedding table projected through an LSTM's input kernel once
    serves every batch (``(E[ids]) @ K == (E @ K)[ids]``)."""

    def __init__(self, samples: int):
        self.samples = samples
        self.tables: dict = {}
        self.lookup = None  # (weakref to the last embedding output, its table, its ids)


_SESSION: contextvars.ContextVar = contextvars.ContextVar("kerasette_inference_session",
                                                          default=None)


@contextlib.contextmanager
def session(samples):
    """Marks an inference pass over ``samples`` rows whose weights do not change (the
    batches of ``predict`` / ``evaluate``); ``None`` (an unknown count) opens none."""
    token = _SESSION.set(_Session(samples) if samples and backend.kernels.PROJECTION_TABLES
                         else None)
    try:
        yield
    finally:
        _SESSION.reset(token)


def note_lookup(output, table, ids) -> None:
    """Called by ``ops.embedding`` without a graph: remembers that ``output`` is
    ``table[ids]``, for a recurrent layer it feeds in the same session."""
    current = _SESSION.get()
    if current is not None:
        current.lookup = (weakref.ref(output), table, ids)


def _projections(seq, inputs, weights, kernel, bias):
    """Every step's ``x_t @ kernel + bias``, units-major, as the inference loops take it:
    looked up by token from the embedding table projected once per session, when
    ``inputs`` is an embedding lookup of this session and the table is cheaper to project
    than the session's sequences; else projected here. ``weights`` are the layer's own
    arrays (``kernel`` and ``bias`` may be fresh copies of them, scaled): they name the
    table in the session."""
    current = _SESSION.get()
    if (inputs is None or current is None or current.lookup is None
            or current.lookup[0]() is not inputs):
        return seq.project_units_major(kernel, bias)
    _, table, ids = current.lookup
    columns = kernel.shape[1]
    if (2 * table.shape[0] > current.samples * seq.steps
            or table.shape[0] * columns * table.dtype.itemsize > TABLE_BYTES):
        return seq.project_units_major(kernel, bias)
    key = (id(table),) + tuple(id(w) for w in weights)
    entry = current.tables.get(key)
    if entry is None:  # the arrays are kept with it, so no id is reused meanwhile
        projected = table @ kernel
        if bias is not None:
            projected += bias
        entry = current.tables[key] = (projected, table, weights)
    ids = ids[:, ::-1] if seq.go_backwards else ids
    return backend.kernels.LookedUpGates(entry[0], backend.xp.ascontiguousarray(ids.T))


PREPARED_LIMIT = 16
"""The most prepared weight sets a session keeps (a model whose weights are cast afresh
for every batch would otherwise add one per batch)."""


def _per_session(key, make):
    """``make()``, computed once per session for the arrays and names of ``key`` (kept
    with the entry, so no id is reused meanwhile); computed every time without one."""
    current = _SESSION.get()
    if current is None:
        return make()
    ids = ("prepared",) + tuple(id(k) for k in key)
    entry = current.tables.get(ids)
    if entry is None:
        if sum(1 for k in current.tables if k[0] == "prepared") >= PREPARED_LIMIT:
            return make()
        entry = current.tables[ids] = (make(), key)
    return entry[0]


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


def simple_rnn(seq, kernel, recurrent, bias, activation: str, every_step: bool, inputs=None):
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent + bias)`` for every step;
    ``inputs`` as in ``lstm``."""
    xp = backend.xp
    z = _projections(seq, inputs, (kernel, bias), kernel, bias)
    u = xp.ascontiguousarray(recurrent.T)
    hs = _States(seq.steps, recurrent.shape[0], seq.batch, z.dtype, every_step,
                 seq.states[0].data)
    step = xp.empty(z.shape[1:], dtype=z.dtype)
    for t in range(seq.steps):
        h_prev, h = hs.previous(t), hs.current(t)
        z_t = z[t]  # a view of the projections, or the lookup's step buffer
        z_t += xp.matmul(u, seq.dropped(h_prev), out=step)
        backend.kernels.rnn_activate(activation, z_t, out=h)
        seq.carry(t, h_prev, h)
    return hs.batch_major(seq.steps)


def lstm(seq, kernel, recurrent, bias, activation: str, recurrent_activation: str,
         every_step: bool, inputs=None):
    """The LSTM's forward with Keras's gates (i, f, c, o); returns the outputs as ``finish``
    takes them and the last cell state (batch, units). ``inputs`` is the input tensor,
    which may be an embedding lookup (see ``session``)."""
    xp, kernels, n = backend.xp, backend.kernels, recurrent.shape[0]
    weights = kernel, bias
    kernel, recurrent, bias = _per_session(
        (kernel, recurrent, bias, activation, recurrent_activation),
        lambda: kernels.lstm_inference_weights(kernel, recurrent, bias, activation,
                                               recurrent_activation))
    every = xp.empty((seq.steps, n, seq.batch), dtype=kernel.dtype) if every_step else None
    gates = _projections(seq, inputs, weights, kernel, bias)
    h, c = kernels.lstm_inference_steps(
        gates, xp.ascontiguousarray(recurrent.T), seq.states[0].data.T.copy(),
        seq.states[1].data.T.copy(), every, activation, recurrent_activation, seq.keep,
        seq.drop)
    if every_step:
        return xp.concatenate([seq.states[0].data[None], every.transpose(0, 2, 1)]), c.T
    return h.T[None], c.T


def gru(seq, kernel, recurrent, bias, activation: str, recurrent_activation: str,
        reset_after: bool, every_step: bool, inputs=None):
    """The GRU's forward with Keras's gates (z, r, h), ``reset_after`` either way;
    ``inputs`` as in ``lstm``."""
    xp, n = backend.xp, recurrent.shape[0]
    input_bias = None if bias is None else (bias[0] if reset_after else bias)
    gates = _projections(seq, inputs, (kernel, bias), kernel, input_bias)
    u = xp.ascontiguousarray(recurrent.T)  # (3 * units, units)
    recurrent_bias = bias[1][:, None] if reset_after and bias is not None else None
    every = xp.empty((seq.steps, n, seq.batch), dtype=gates.dtype) if every_step else None
    h = backend.kernels.gru_inference_steps(
        gates, u, recurrent_bias, seq.states[0].data.T.copy(), every, activation,
        recurrent_activation, reset_after, seq.keep, seq.drop)
    if every_step:
        return xp.concatenate([seq.states[0].data[None], every.transpose(0, 2, 1)])
    return h.T[None]
