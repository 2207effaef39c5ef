"""The recurrent kernels of the NumPy side: the fused activations, the LSTM cell, and the
LSTM's and GRU's inference loops. ``numpy_kernels`` re-exports them (the kernel surface
is one module per backend); ``cupy_kernels`` overrides the ones it fuses into CUDA
kernels or runs on the whole batch.
"""

from __future__ import annotations

import numpy as np

from .cpu_threads import even_slices, parallel_threads, run_parts
from .numpy_kernels import array_module
from .openblas import FAST_TRANSPOSE, bind_matmul_add, bind_transpose

PARALLEL_MIN_BATCH = 192
"""From this batch the LSTM's and GRU's inference loops run their batch in parts on the
cores (``cpu_threads``); smaller ones stay whole (a step's work is then too small for two
Python threads: they wait on each other for the GIL)."""


def _batch_parts(batch: int) -> list[slice]:
    threads = parallel_threads() if batch >= PARALLEL_MIN_BATCH else 1
    return even_slices(batch, threads)


RNN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear", "hard_sigmoid", "legacy_hard_sigmoid")
_HARD_SIGMOID_SLOPE = {"hard_sigmoid": 1 / 6, "legacy_hard_sigmoid": 0.2}


def rnn_activate(name: str, x, out=None):
    """``out = activation(x)`` for the activations of ``RNN_ACTIVATIONS``; ``out``
    defaults to ``x`` (in place). Sigmoid is ``1 / (1 + exp(-x))``: NumPy's float32
    ``exp`` costs half its ``tanh``, and an ``exp`` overflowing to inf (x < -88) gives
    the limit 0."""
    xp = array_module(x)
    out = x if out is None else out
    if name == "tanh":
        return xp.tanh(x, out=out)
    if name == "sigmoid":
        xp.negative(x, out=out)
        with np.errstate(over="ignore"):
            xp.exp(out, out=out)
        out += 1
        return xp.divide(1, out, out=out)
    if name == "relu":
        return xp.maximum(x, 0, out=out)
    if name in _HARD_SIGMOID_SLOPE:
        xp.multiply(x, _HARD_SIGMOID_SLOPE[name], out=out)
        out += 0.5
        return xp.clip(out, 0, 1, out=out)
    if name == "linear":
        if out is not x:
            out[...] = x
        return out
    raise ValueError(f"No fused recurrent kernel for activation {name!r}; expected one of "
                     f"{RNN_ACTIVATIONS}.")


def rnn_activation_derivative(name: str, y, out):
    """``out = activation'(x)``, computed from the activation's output ``y``."""
    xp = array_module(y)
    if name == "tanh":
        xp.multiply(y, y, out=out)
        return xp.subtract(1, out, out=out)
    if name == "sigmoid":
        xp.subtract(1, y, out=out)
        out *= y
        return out
    if name == "relu":
        out[...] = y > 0
        return out
    if name in _HARD_SIGMOID_SLOPE:
        out[...] = (y > 0) & (y < 1)
        out *= _HARD_SIGMOID_SLOPE[name]
        return out
    if name == "linear":
        out.fill(1)
        return out
    raise ValueError(f"No fused recurrent kernel for activation {name!r}; expected one of "
                     f"{RNN_ACTIVATIONS}.")


def lstm_cell_forward(gates, c_prev, c, tc, h, activation="tanh",
                      recurrent_activation="sigmoid", negated=False):
    """The pointwise half of one LSTM step, after the gate GEMM, units-major.

    ``gates`` (4 * units, batch) holds the pre-activations in Keras's order i, f, g, o
    and is overwritten with the activations; writes ``c = f * c_prev + i * g``,
    ``tc = activation(c)`` and ``h = o * tc``, each (units, batch). With ``negated``
    (sigmoid gates, tanh candidate only) ``gates`` holds ``-z`` for i, f, o and ``-2 z``
    for g, and one ``exp`` serves every gate: ``sigmoid(z) = 1 / (1 + exp(-z))``,
    ``tanh(z) = 2 / (1 + exp(-2 z)) - 1`` (an overflow to inf gives the right limits).
    """
    xp = array_module(c)
    n = c.shape[0]
    i, f, g, o = (gates[k * n:(k + 1) * n] for k in range(4))
    if negated:
        with np.errstate(over="ignore"):
            xp.exp(gates, out=gates)
        gates += 1
        xp.divide(1, gates, out=gates)  # faster than reciprocal, and the same number
        g *= 2
        g -= 1
    else:
        rnn_activate(recurrent_activation, gates[:2 * n])
        rnn_activate(activation, g)
        rnn_activate(recurrent_activation, o)
    xp.multiply(f, c_prev, out=c)
    xp.multiply(i, g, out=h)  # h is scratch until the last line
    c += h
    rnn_activate(activation, c, out=tc)
    xp.multiply(o, tc, out=h)


def lstm_inference_weights(kernel, recurrent, bias, activation="tanh",
                           recurrent_activation="sigmoid"):
    """The LSTM weights in the layout ``lstm_inference_steps`` takes.

    With the default activations NumPy's loop wants the gates in the order i, f, o, g,
    the columns of i, f, o negated and those of g times -2: then one ``exp`` and one
    reciprocal over the whole step give every gate, ``sigmoid(z) = 1 / (1 + exp(-z))``
    and ``tanh(z) = 2 sigmoid(2 z) - 1`` (NumPy's float32 ``exp`` costs half its
    ``tanh``). Other activations keep Keras's layout.
    """
    if not (activation == "tanh" and recurrent_activation == "sigmoid"):
        return kernel, recurrent, bias
    xp, n = array_module(kernel), recurrent.shape[0]
    order = xp.concatenate([xp.arange(2 * n), xp.arange(3 * n, 4 * n), xp.arange(2 * n, 3 * n)])
    scale = xp.full(4 * n, -1, dtype=kernel.dtype)
    scale[3 * n:] = -2
    return tuple(None if w is None else w[..., order] * scale for w in (kernel, recurrent, bias))


def lstm_inference_steps(gates, recurrent_t, h, c, hs=None, activation="tanh",
                         recurrent_activation="sigmoid", keep=None, drop=None):
    """The whole LSTM sequence of an inference pass, units-major.

    ``gates`` (steps, 4 * units, batch) holds each step's input projection (an array, or
    the ``LookedUpGates`` of an embedding's tokens) and ``recurrent_t`` the
    (4 * units, units) recurrent kernel, transposed, both from the weights of
    ``lstm_inference_weights``; ``h`` and ``c`` (units, batch) are the initial
    states, which the loop overwrites (pass copies). ``keep`` (steps, 1, batch),
    optional, is the step mask (a masked-out sample keeps both states) and ``drop``
    (units, batch) the recurrent dropout mask. Returns the last ``h`` and ``c``; with
    ``hs`` (steps, units, batch), every step's ``h`` is written there too.

    With the default activations the step is one GEMM into a reused buffer whose gate
    blocks are views made once, one ``exp`` and one reciprocal over all four gates, and
    a few multiplies and adds on the states; other activations go through
    ``lstm_cell_forward``.
    """
    parts = _batch_parts(c.shape[1])
    if len(parts) > 1:  # each part of the batch a loop of its own, on its own core
        def run(part):
            return lstm_inference_steps(gates[:, :, part], recurrent_t, h[:, part].copy(),
                                        c[:, part].copy(), None if hs is None else hs[..., part],
                                        activation, recurrent_activation,
                                        None if keep is None else keep[..., part],
                                        None if drop is None else drop[:, part])

        for part, (h_part, c_part) in zip(parts, run_parts(run, parts)):
            h[:, part], c[:, part] = h_part, c_part
        return h, c
    if not (activation == "tanh" and recurrent_activation == "sigmoid"):
        return lstm_steps_by_cell(lstm_cell_forward, gates, recurrent_t, h, c, hs,
                                  activation, recurrent_activation, False, keep, drop)
    n = c.shape[0]
    h_in = h if drop is None else np.empty_like(h)  # the GEMM's operand: h * drop
    h_prev = None if keep is None else np.empty_like(h)
    step, load = _step_loader(gates, recurrent_t, h_in)
    c_next = np.empty_like(c)
    views = step[:n], step[n:2 * n], step[2 * n:3 * n], step[3 * n:]
    with np.errstate(over="ignore"):  # exp(-z) = inf for z < -88: the gate's limit
        for t in range(gates.shape[0]):
            if drop is not None:
                np.multiply(h, drop, out=h_in)
            load(t)
            if keep is not None:
                h_prev[...] = h
            _exp_cell(step, views, c, c_next, h)
            if keep is not None:  # masked-out samples keep the previous states
                _carry(keep[t], (c_next, c), (h, h_prev))
            c, c_next = c_next, c
            if hs is not None:
                hs[t] = h
    return h, c


def _carry(keep_t, *pairs) -> None:
    """``new = old`` for each ``(new, old)`` pair where ``keep_t`` is False."""
    skip = ~keep_t
    for new, old in pairs:
        array_module(new).copyto(new, old, where=skip)


def _step_loader(gates, recurrent_t, h):
    """A step buffer and ``load(t)``, which writes ``gates[t] + recurrent_t @ h`` there.
    Gates looked up by token are transposed straight into the buffer and the GEMM adds
    to them (``beta = 1``): one pass over the step fewer."""
    if isinstance(gates, LookedUpGates):
        step, add = gates.step, bind_matmul_add(recurrent_t, h, gates.step)

        def load(t):
            gates[t]
            add()
    else:
        step = np.empty(gates.shape[1:], dtype=gates.dtype)

        def load(t):
            np.matmul(recurrent_t, h, out=step)
            np.add(step, gates[t], out=step)
    return step, load


def _exp_cell(step, views, c, c_next, h) -> None:
    """One step's cell in ``lstm_inference_weights``'s layout: ``step`` holds the gate
    pre-activations (negated for i, f, o, times -2 for g), ``views`` its (i, f, o, g)
    blocks; writes ``c_next = f * c + i * g`` and ``h = o * tanh(c_next)``."""
    i, f, o, g = views
    np.exp(step, out=step)
    step += 1
    np.divide(1, step, out=step)  # i, f, o = sigmoid(z); g = sigmoid(2 z)
    g *= 2
    g -= 1  # tanh(z)
    np.multiply(f, c, out=c_next)
    g *= i
    c_next += g
    np.tanh(c_next, out=h)
    h *= o


PROJECTION_TABLES = FAST_TRANSPOSE
"""Whether an inference pass may project a whole embedding table through a recurrent
layer's input kernel once (``ops.recurrent_inference``): on the CPU that GEMM is a third
of a step's work. Each step then transposes the rows it gathers, which only OpenBLAS's
transposing copy does fast enough (``openblas.FAST_TRANSPOSE``)."""


class LookedUpGates:
    """Each step's input projection gathered from a projected embedding table, in the
    place of the (steps, columns, batch) array the inference loops take.

    ``table`` (vocabulary, columns) holds ``embedding @ kernel + bias`` and ``ids``
    (steps, batch) the tokens. ``gates[t]`` is ``table[ids[t]].T``: the rows gathered
    into a buffer that stays in cache and transposed into one (columns, batch) block,
    ``step``, that every step reuses (valid until the next step's); ``gates[:, :, part]``
    is the lookup for a part of the batch, with buffers of its own.
    """

    def __init__(self, table, ids):
        self.table, self.ids, self.dtype = table, ids, table.dtype
        self.shape = (ids.shape[0], table.shape[1], ids.shape[1])
        self._rows = np.empty((ids.shape[1], table.shape[1]), dtype=table.dtype)
        self.step = np.empty(self.shape[1:], dtype=table.dtype)
        self._transpose = bind_transpose(self._rows, self.step)

    def __getitem__(self, key):
        if isinstance(key, tuple):  # (:, :, part)
            return LookedUpGates(self.table, self.ids[:, key[2]])
        np.take(self.table, self.ids[key], axis=0, out=self._rows)
        self._transpose()
        return self.step


def lstm_steps_by_cell(cell, gates, recurrent_t, h, c, hs, activation, recurrent_activation,
                       negated, keep=None, drop=None):
    """``lstm_inference_steps`` one ``cell`` call (``lstm_cell_forward``) per step, each
    state in two buffers used in turn."""
    xp = array_module(c)
    step = xp.empty(gates.shape[1:], dtype=gates.dtype)
    c_next, tc, h_next = xp.empty_like(c), xp.empty_like(c), xp.empty_like(h)
    dropped = None if drop is None else xp.empty_like(h)
    for t in range(gates.shape[0]):
        xp.matmul(recurrent_t, h if drop is None else xp.multiply(h, drop, out=dropped),
                  out=step)
        step += gates[t]
        cell(step, c, c_next, tc, h_next, activation, recurrent_activation, negated)
        if keep is not None:
            _carry(keep[t], (c_next, c), (h_next, h))
        c, c_next, h, h_next = c_next, c, h_next, h
        if hs is not None:
            hs[t] = h
    return h, c


def gru_inference_steps(gates, recurrent_t, recurrent_bias, h, hs=None, activation="tanh",
                        recurrent_activation="sigmoid", reset_after=True, keep=None,
                        drop=None):
    """The whole GRU sequence of an inference pass, units-major.

    ``gates`` (steps, 3 * units, batch) holds each step's input projection (input bias
    included; an array or ``LookedUpGates``), ``recurrent_t`` the (3 * units, units)
    recurrent kernel, transposed, and ``recurrent_bias`` the (3 * units, 1) recurrent
    bias of ``reset_after`` (or None); ``h`` (units, batch) is the initial state, which
    the loop overwrites. ``keep`` (steps, 1, batch), optional, is the step mask (a
    masked-out sample keeps its state) and ``drop`` (units, batch) the recurrent dropout
    mask. Returns the last ``h``; with
    ``hs`` (steps, units, batch), every step's ``h`` is written there too. A large batch
    runs in parts, each its own loop on its own core.
    """
    parts = _batch_parts(h.shape[1])
    if len(parts) > 1:
        def run(part):
            return gru_steps(gates[:, :, part], recurrent_t, recurrent_bias, h[:, part].copy(),
                             None if hs is None else hs[..., part], activation,
                             recurrent_activation, reset_after,
                             None if keep is None else keep[..., part],
                             None if drop is None else drop[:, part])

        for part, h_part in zip(parts, run_parts(run, parts)):
            h[:, part] = h_part
        return h
    return gru_steps(gates, recurrent_t, recurrent_bias, h, hs, activation,
                     recurrent_activation, reset_after, keep, drop)


def gru_steps(gates, recurrent_t, recurrent_bias, h, hs, activation, recurrent_activation,
              reset_after, keep=None, drop=None):
    """``gru_inference_steps`` on one thread, in buffers made once: each step's gates are
    computed into one contiguous (3 * units, batch) block (``gates`` may be a strided
    part of the batch), and the two state buffers are used in turn."""
    xp, n = array_module(h), h.shape[0]
    step = xp.empty(gates.shape[1:], dtype=gates.dtype)
    rec = xp.empty_like(step)  # h @ U (+ the recurrent bias), or r * h then its GEMM
    h_next = xp.empty_like(h)
    dropped = None if drop is None else xp.empty_like(h)
    zr, z, r, candidate = step[:2 * n], step[:n], step[n:2 * n], step[2 * n:]
    bias = None
    if reset_after and recurrent_bias is not None:  # whole rows: long contiguous runs
        bias = xp.repeat(recurrent_bias, h.shape[1], axis=1)
    for t in range(gates.shape[0]):
        g = gates[t]
        h_in = h if drop is None else xp.multiply(h, drop, out=dropped)
        if reset_after:
            xp.matmul(recurrent_t, h_in, out=rec)
            if bias is not None:
                rec += bias
            xp.add(g[:2 * n], rec[:2 * n], out=zr)
            rnn_activate(recurrent_activation, zr)
            xp.multiply(rec[2 * n:], r, out=candidate)
        else:
            xp.matmul(recurrent_t[:2 * n], h_in, out=rec[:2 * n])
            xp.add(g[:2 * n], rec[:2 * n], out=zr)
            rnn_activate(recurrent_activation, zr)
            xp.multiply(r, h_in, out=rec[:n])
            xp.matmul(recurrent_t[2 * n:], rec[:n], out=candidate)
        candidate += g[2 * n:]
        rnn_activate(activation, candidate)
        xp.subtract(h, candidate, out=h_next)  # h_t = candidate + z * (h_{t-1} - candidate)
        h_next *= z
        h_next += candidate
        if keep is not None:  # masked-out samples keep the previous state
            _carry(keep[t], (h_next, h))
        h, h_next = h_next, h
        if hs is not None:
            hs[t] = h
    return h


def lstm_backward_factors(gates, c_prev, tc, activation="tanh",
                          recurrent_activation="sigmoid"):
    """What BPTT multiplies by at each step, computed for every step at once.

    From the gate activations ``gates`` (steps, 4 * units, batch; order i, f, g, o), the
    previous cell states ``c_prev`` and ``tc = activation(c)`` (steps, units, batch),
    returns ``factors`` shaped like ``gates``: ``g * i'``, ``c_prev * f'``, ``i * g'`` and
    ``tc * o'`` (the primes are the activations' slopes), and ``carry = o * activation'(c)``,
    the path from ``h`` into ``c``. ``lstm_cell_backward`` then needs a few multiplies
    per step: large array operations like these cost a fraction of the same work done in
    per-step pieces.
    """
    xp = array_module(gates)
    n = tc.shape[-2]
    i, g, o = gates[:, :n], gates[:, 2 * n:3 * n], gates[:, 3 * n:]
    factors = xp.empty_like(gates)
    # The recurrent slope is taken over all four gates at once, then g's block is redone.
    rnn_activation_derivative(recurrent_activation, gates, factors)
    rnn_activation_derivative(activation, g, factors[:, 2 * n:3 * n])
    for k, other in enumerate((g, c_prev, i, tc)):
        factors[:, k * n:(k + 1) * n] *= other
    carry = rnn_activation_derivative(activation, tc, xp.empty_like(tc))
    carry *= o
    return factors, carry


def lstm_cell_backward(dgates, carry, forget, dh, dc):
    """The reverse of ``lstm_cell_forward`` for one step, units-major.

    ``dgates`` (4 * units, batch) holds the step's ``factors`` from
    ``lstm_backward_factors`` and is overwritten with the gradients w.r.t. the gate
    pre-activations; ``dh`` and ``dc`` (units, batch) are the loss's gradients w.r.t. this
    step's ``h`` and ``c``, and ``dc`` becomes the gradient w.r.t. ``c_prev`` (``forget``
    is the step's forget gate).
    """
    n = dh.shape[0]
    dc += dh * carry
    first_three = dgates[:3 * n].reshape(3, n, -1)  # a view: dgates is C-contiguous
    first_three *= dc
    dgates[3 * n:] *= dh
    dc *= forget
