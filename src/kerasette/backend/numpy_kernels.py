"""Kernels whose best form differs between CPU and GPU: the NumPy (CPU) side.

Each function is written against the array module of its arguments, so the CuPy side
(``cupy_kernels``) reuses it and overrides only what it does faster on the GPU.
"""

from __future__ import annotations

import sys

import numpy as np


def array_module(x):
    """``numpy`` for a NumPy array, ``cupy`` for a CuPy array."""
    if isinstance(x, np.ndarray):
        return np
    return sys.modules["cupy"]


def softmax(x, axis=-1):
    """Numerically stable softmax along ``axis``."""
    xp = array_module(x)
    e = x - x.max(axis=axis, keepdims=True)
    xp.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(x, axis=-1):
    """Numerically stable ``log(softmax(x))`` along ``axis``."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def dropout_mask(generator, shape, rate, dtype):
    """A mask of ``0`` (dropped, with probability ``rate``) and ``1 / (1 - rate)``."""
    keep = generator.random(shape, dtype=np.float32) >= rate
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))


def may_be_partial(keep) -> bool:
    """Whether a boolean mask may hold a ``False`` (masked code paths are then needed).
    NumPy looks; CuPy answers True rather than read the device back."""
    return not keep.all()


def relu_backward(grad, output):
    """Gradient of ``relu`` from its output: ``grad * (output > 0)``."""
    return grad * (output > 0)


_scratch_buffers: dict = {}


def scratch(shape, dtype):
    """A reusable work buffer of ``shape``; reusing it avoids fresh (page-faulting)
    allocations of large temporaries on every optimizer step."""
    key = (tuple(shape), str(dtype))
    buffer = _scratch_buffers.get(key)
    if buffer is None:
        buffer = _scratch_buffers[key] = np.empty(shape, dtype=dtype)
    return buffer


_PARALLEL_MIN = 1 << 20  # elements; below this one thread is as fast
_CHUNK = 1 << 17  # elements per piece: the piece's arrays stay in cache across the passes
_pool = None


def _two_threads():
    """A two-thread pool for big elementwise kernels (NumPy's loops release the GIL)."""
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kerasette-kernel")
    return _pool


def adam_update(variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat=None):
    """One in-place Adam step (``lr_t`` already holds the bias corrections).

    ``m += (1 - beta_1) * (g - m)``; ``v += (1 - beta_2) * (g^2 - v)``;
    ``variable -= lr_t * m / (sqrt(v) + epsilon)`` (``v_hat = max(v_hat, v)`` with amsgrad).
    Every step writes into one scratch buffer: no temporaries. Big variables (an
    embedding table) are updated in cache-sized pieces on two threads.
    """
    xp = array_module(variable)
    constants = (lr_t, beta_1, beta_2, epsilon)
    if xp is not np:
        return _adam_pass(xp, variable, gradient, m, v, v_hat, xp.empty_like(variable),
                          *constants)
    work = scratch(variable.shape, variable.dtype)
    arrays = (variable, m, v) if v_hat is None else (variable, m, v, v_hat)
    if variable.size < _PARALLEL_MIN or not all(a.flags.c_contiguous for a in arrays):
        return _adam_pass(np, variable, gradient, m, v, v_hat, work, *constants)
    flat = [a.reshape(-1) for a in (variable, np.ascontiguousarray(gradient), m, v, work)]
    flat_hat = None if v_hat is None else v_hat.reshape(-1)

    def pieces(first: int) -> None:
        for start in range(first * _CHUNK, variable.size, 2 * _CHUNK):
            piece = slice(start, start + _CHUNK)
            _adam_pass(np, *(a[piece] for a in flat[:4]),
                       None if flat_hat is None else flat_hat[piece], flat[4][piece],
                       *constants)

    list(_two_threads().map(pieces, (0, 1)))


def _adam_pass(xp, variable, gradient, m, v, v_hat, work, lr_t, beta_1, beta_2, epsilon):
    dtype = variable.dtype.type
    xp.subtract(gradient, m, out=work)
    work *= dtype(1 - beta_1)
    m += work
    xp.multiply(gradient, gradient, out=work)
    work -= v
    work *= dtype(1 - beta_2)
    v += work
    if v_hat is not None:
        xp.maximum(v_hat, v, out=v_hat)
        v = v_hat
    xp.sqrt(v, out=work)
    work += dtype(epsilon)
    xp.divide(m, work, out=work)
    work *= dtype(lr_t)
    variable -= work


def erf(x):
    """The error function (NumPy has none), accurate to float64 round-off.

    A Maclaurin series for ``|x| < 2`` and a continued fraction for ``erfc`` beyond.
    """
    xp = array_module(x)
    x64 = x.astype(np.float64)
    a = xp.abs(x64)
    # Taylor series for |x| < 2 (converges fast enough in float64 with 40 terms).
    small = a < 2.0
    xs = xp.where(small, x64, 0.0)
    term = xs.copy()
    total = xs.copy()
    x2 = xs * xs
    for n in range(1, 40):
        term = term * (-x2) / n
        total = total + term / (2 * n + 1)
    series = total * (2.0 / np.sqrt(np.pi))
    # Continued fraction for erfc when |x| >= 2.
    al = xp.where(small, 2.0, a)
    frac = xp.zeros_like(al)
    for k in range(60, 0, -1):
        frac = (k / 2.0) / (al + frac)
    tail = 1.0 - xp.exp(-al * al) / np.sqrt(np.pi) / (al + frac)
    result = xp.where(small, series, xp.sign(x64) * tail)
    return result.astype(x.dtype)


def window_view_geometry(x, kernel_size, strides, dilation):
    """The ``(shape, byte strides)`` of ``sliding_windows``'s view of ``x``."""
    rank = len(kernel_size)
    spatial = x.shape[1:1 + rank]
    out = tuple((n - (k - 1) * d - 1) // s + 1
                for n, k, s, d in zip(spatial, kernel_size, strides, dilation))
    steps = x.strides[1:1 + rank]
    shape = (x.shape[0],) + out + tuple(kernel_size) + (x.shape[-1],)
    strides_bytes = ((x.strides[0],) + tuple(st * s for st, s in zip(steps, strides))
                     + tuple(st * d for st, d in zip(steps, dilation)) + (x.strides[-1],))
    return shape, strides_bytes


def sliding_windows(x, kernel_size, strides, dilation, writeable=False):
    """A strided view of the windows of a channels-last array; no copy.

    ``x`` has shape ``(batch, *spatial, channels)``; the view has shape
    ``(batch, *out, *kernel_size, channels)``, where window ``out`` position ``o`` and
    kernel offset ``k`` along an axis read input position ``o * stride + k * dilation``.
    The view is read-only unless ``writeable`` (only safe for disjoint windows).
    """
    shape, strides_bytes = window_view_geometry(x, kernel_size, strides, dilation)
    xp = array_module(x)
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides_bytes, writeable=writeable)
    return xp.lib.stride_tricks.as_strided(x, shape, strides_bytes)  # no read-only flag


def im2col(x, kernel_size, strides, dilation):
    """The windows of a channels-last ``x`` copied into one contiguous array.

    Returns shape ``(batch, *out, *kernel_size, channels)``: reshaped to
    ``(batch * prod(out), prod(kernel_size) * channels)`` it is the left operand of the
    convolution's GEMM against a Keras kernel reshaped to ``(-1, filters)``.
    """
    xp = array_module(x)
    return xp.ascontiguousarray(sliding_windows(x, kernel_size, strides, dilation))


def col2im(cols, spatial_shape, kernel_size, strides, dilation, out=None):
    """The adjoint of ``im2col``: scatter-adds windows back onto the input grid.

    ``cols`` has shape ``(batch, *out, *kernel_size, channels)`` (any strides: a
    kernel-major layout makes each added block contiguous); returns the
    ``(batch, *spatial_shape, channels)`` sum of every window's values at the input
    positions it read (added into ``out`` when given). One vectorized add per kernel
    offset, none per pixel.
    """
    xp = array_module(cols)
    rank = len(kernel_size)
    positions = cols.shape[1:1 + rank]
    if out is None:
        out = xp.zeros((cols.shape[0],) + tuple(spatial_shape) + (cols.shape[-1],),
                       dtype=cols.dtype)
    lead = (slice(None),) * (1 + rank)
    for offset in np.ndindex(*kernel_size):
        window = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                       for k, d, o, s in zip(offset, dilation, positions, strides))
        out[(slice(None),) + window] += cols[lead + offset]
    return out


def embedding_backward(indices, grad, input_dim: int):
    """The gradient of an embedding table after a row gather: row ``k`` is the sum of the
    rows of ``grad`` whose index is ``k``. Ids read once are copied into place; the
    repeated ones (padding, common words) are summed by one bincount. No one-hot matrix.
    ``indices`` has shape ``(...)``, ``grad`` shape ``(..., width)``."""
    xp = array_module(grad)
    width = grad.shape[-1]
    ids, rows = indices.reshape(-1), grad.reshape(-1, width)
    _, inverse, counts = xp.unique(ids, return_inverse=True, return_counts=True)
    once = counts[inverse.reshape(-1)] == 1
    table = xp.zeros((input_dim, width), dtype=grad.dtype)
    table[ids[once]] = rows[once]
    if not once.all():
        repeated, where = xp.unique(ids[~once], return_inverse=True)
        flat = (where.reshape(-1, 1) * width + xp.arange(width)).reshape(-1)
        sums = xp.bincount(flat, weights=rows[~once].reshape(-1),
                           minlength=len(repeated) * width)
        table[repeated] = sums.reshape(len(repeated), width)
    return table


# ---- recurrent cells: activations in place, and the pointwise half of an LSTM step ----

RNN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear", "hard_sigmoid", "legacy_hard_sigmoid")
_HARD_SIGMOID_SLOPE = {"hard_sigmoid": 1 / 6, "legacy_hard_sigmoid": 0.2}


def rnn_activate(name: str, x, out=None):
    """``out = activation(x)`` for the activations of ``RNN_ACTIVATIONS``; ``out``
    defaults to ``x`` (in place). Sigmoid is ``0.5 * tanh(x / 2) + 0.5``: no overflow."""
    xp = array_module(x)
    out = x if out is None else out
    if name == "tanh":
        return xp.tanh(x, out=out)
    if name == "sigmoid":
        xp.multiply(x, 0.5, out=out)
        xp.tanh(out, out=out)
        out *= 0.5
        out += 0.5
        return out
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

    With the default activations NumPy's loop wants the gates in the order i, f, o, g and
    the columns of i, f, o halved: then one ``tanh`` over the whole step gives every gate,
    ``sigmoid(z) = (1 + tanh(z / 2)) / 2``. Other activations keep Keras's layout.
    """
    if not (activation == "tanh" and recurrent_activation == "sigmoid"):
        return kernel, recurrent, bias
    xp, n = array_module(kernel), recurrent.shape[0]
    order = xp.concatenate([xp.arange(2 * n), xp.arange(3 * n, 4 * n), xp.arange(2 * n, 3 * n)])
    scale = xp.full(4 * n, 0.5, dtype=kernel.dtype)
    scale[3 * n:] = 1
    return tuple(None if w is None else w[..., order] * scale for w in (kernel, recurrent, bias))


def lstm_inference_steps(gates, recurrent_t, h, c, hs=None, activation="tanh",
                         recurrent_activation="sigmoid"):
    """The whole LSTM sequence of an inference pass, units-major, no mask.

    ``gates`` (steps, 4 * units, batch) holds each step's input projection and
    ``recurrent_t`` the (4 * units, units) recurrent kernel, transposed, both from the
    weights of ``lstm_inference_weights``; ``h`` and ``c`` (units, batch) are the initial
    states, which the loop overwrites (pass copies). Returns the last ``h`` and ``c``;
    with ``hs`` (steps, units, batch), every step's ``h`` is written there too.

    With the default activations the step is one GEMM into a reused buffer whose gate
    blocks are views made once, one ``tanh`` over all four gates, and five multiplies
    and adds on the states; other activations go through ``lstm_cell_forward``.
    """
    if not (activation == "tanh" and recurrent_activation == "sigmoid"):
        return lstm_steps_by_cell(lstm_cell_forward, gates, recurrent_t, h, c, hs,
                                  activation, recurrent_activation, False)
    n = c.shape[0]
    step = np.empty(gates.shape[1:], dtype=gates.dtype)
    c_next = np.empty_like(c)
    ifo, i, f, o, g = step[:3 * n], step[:n], step[n:2 * n], step[2 * n:3 * n], step[3 * n:]
    for t in range(gates.shape[0]):
        np.matmul(recurrent_t, h, out=step)
        step += gates[t]
        np.tanh(step, out=step)
        ifo *= 0.5
        ifo += 0.5  # i, f, o = sigmoid; g = tanh
        np.multiply(f, c, out=c_next)
        g *= i
        c_next += g
        np.tanh(c_next, out=h)
        h *= o
        c, c_next = c_next, c
        if hs is not None:
            hs[t] = h
    return h, c


CACHE_CHUNK_BYTES = 1 << 19
"""How much input a chain of elementwise passes works on at a time (512 KiB): the
chunk stays in the core's L2 cache between the passes."""

PROJECTION_TABLES = True
"""Whether an inference pass may project a whole embedding table through an LSTM's input
kernel once (``ops.recurrent_inference``): on the CPU that GEMM is half a step's work."""


def lstm_lookup_steps(table, ids, recurrent, h, c, hs=None):
    """``lstm_inference_steps`` batch-major, for input projections looked up by token.

    ``table`` (vocabulary, 4 * units) holds ``embedding @ kernel + bias`` and ``ids``
    (steps, batch) the tokens, so step t's projection is ``table[ids[t]]``; ``recurrent``
    is the (units, 4 * units) recurrent kernel, both in ``lstm_inference_weights``'s
    layout for the default activations; ``h`` and ``c`` (batch, units) are overwritten.
    Returns the last ``h`` and ``c``; with ``hs`` (steps, batch, units) every step's ``h``
    is written there. Each step gathers its rows into a buffer that stays in cache.
    """
    n = c.shape[1]
    step = np.empty((ids.shape[1], table.shape[1]), dtype=table.dtype)
    rows, c_next = np.empty_like(step), np.empty_like(c)
    ifo, i, f = step[:, :3 * n], step[:, :n], step[:, n:2 * n]
    o, g = step[:, 2 * n:3 * n], step[:, 3 * n:]
    for t in range(ids.shape[0]):
        np.matmul(h, recurrent, out=step)
        step += np.take(table, ids[t], axis=0, out=rows)
        np.tanh(step, out=step)
        ifo *= 0.5
        ifo += 0.5  # i, f, o = sigmoid; g = tanh
        np.multiply(f, c, out=c_next)
        g *= i
        c_next += g
        np.tanh(c_next, out=h)
        h *= o
        c, c_next = c_next, c
        if hs is not None:
            hs[t] = h
    return h, c


def lstm_steps_by_cell(cell, gates, recurrent_t, h, c, hs, activation, recurrent_activation,
                       negated):
    """``lstm_inference_steps`` one ``cell`` call (``lstm_cell_forward``) per step."""
    xp = array_module(c)
    step = xp.empty(gates.shape[1:], dtype=gates.dtype)
    c_next, tc = xp.empty_like(c), xp.empty_like(c)
    for t in range(gates.shape[0]):
        xp.matmul(recurrent_t, h, out=step)
        step += gates[t]
        cell(step, c, c_next, tc, h, activation, recurrent_activation, negated)
        c, c_next = c_next, c
        if hs is not None:
            hs[t] = h
    return h, c


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
