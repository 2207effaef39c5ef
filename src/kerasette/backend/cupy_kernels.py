"""Kernels whose best form differs between CPU and GPU: the CuPy (GPU) side.

Only imported when the ``cupy`` backend is selected. It starts from the NumPy side,
which is written against the array module of its arguments, and overrides what a fused
CuPy kernel does faster.
"""

from __future__ import annotations

import cupy
import numpy

from .numpy_kernels import *  # noqa: F401,F403  (the shared, module-agnostic kernels)
from .numpy_kernels import array_module  # noqa: F401

PYTHON_TWINS: dict = {}
"""NumPy twins of the CUDA bodies below, keyed by kernel name: the tests' CuPy stand-in
runs them in the kernels' place. Each takes the kernel's parameters by name, plus ``i``,
every thread's index; elementwise arguments come broadcast to the loop's shape and
``raw`` ones take flat indices."""


def _twin(name: str):
    def register(function):
        PYTHON_TWINS[name] = function
        return function

    return register

_relu_backward = cupy.ElementwiseKernel(
    "T g, T y", "T dx", "dx = y > 0 ? g : (T)0", "kerasette_relu_backward"
)


@_twin("kerasette_relu_backward")
def _(i, g, y, dx):
    dx[...] = numpy.where(y > 0, g, 0)


def relu_backward(grad, output):
    """Gradient of ``relu`` from its output, in one fused kernel."""
    return _relu_backward(grad, output)


_adam = cupy.ElementwiseKernel(
    "T g, T lr_t, T beta_1, T beta_2, T eps",
    "T var, T m, T v",
    """
    m += (g - m) * (1 - beta_1);
    v += (g * g - v) * (1 - beta_2);
    var -= lr_t * m / (sqrt(v) + eps);
    """,
    "kerasette_adam",
)


@_twin("kerasette_adam")
def _(i, g, lr_t, beta_1, beta_2, eps, var, m, v):
    m += (g - m) * (1 - beta_1)
    v += (g * g - v) * (1 - beta_2)
    var -= lr_t * m / (numpy.sqrt(v) + eps)


def adam_update(variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat=None):
    """One in-place Adam step in a single fused kernel (amsgrad falls back to the base)."""
    if v_hat is not None:
        from . import numpy_kernels

        return numpy_kernels.adam_update(
            variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat
        )
    dtype = variable.dtype.type
    _adam(gradient, dtype(lr_t), dtype(beta_1), dtype(beta_2), dtype(epsilon), variable, m, v)


def may_be_partial(keep) -> bool:
    """True without looking: reading the mask back would stall the GPU every call."""
    return True


def erf(x):
    """The error function, from CuPy's special functions."""
    from cupyx.scipy import special

    return special.erf(x)


def embedding_backward(indices, grad, input_dim: int):
    """The embedding table's gradient: an atomic scatter-add of the rows of ``grad``."""
    import cupyx

    width = grad.shape[-1]
    table = cupy.zeros((input_dim, width), dtype=grad.dtype)
    cupyx.scatter_add(table, indices.reshape(-1), grad.reshape(-1, width))
    return table


# One thread per (unit, sample). Units-major, as in numpy_kernels: the gates are
# (4 * units, batch) in Keras's order i, f, g, o, C-contiguous, so the four gates of the
# state element ``i`` sit ``block = units * batch`` apart.
_lstm_forward = cupy.ElementwiseKernel(
    "T c_prev, int64 block",
    "raw T gates, T c, T tc, T h",
    """
    // gates hold -z for i, f, o and -2z for g: see numpy_kernels.lstm_cell_forward
    const T gi = 1 / (1 + exp(gates[i]));
    const T gf = 1 / (1 + exp(gates[i + block]));
    const T gg = 2 / (1 + exp(gates[i + 2 * block])) - 1;
    const T go = 1 / (1 + exp(gates[i + 3 * block]));
    gates[i] = gi;
    gates[i + block] = gf;
    gates[i + 2 * block] = gg;
    gates[i + 3 * block] = go;
    c = gf * c_prev + gi * gg;
    tc = tanh(c);
    h = go * tc;
    """,
    "kerasette_lstm_forward",
)


@_twin("kerasette_lstm_forward")
def _(i, c_prev, block, gates, c, tc, h):
    with numpy.errstate(over="ignore"):
        gi = 1 / (1 + numpy.exp(gates[i]))
        gf = 1 / (1 + numpy.exp(gates[i + block]))
        gg = 2 / (1 + numpy.exp(gates[i + 2 * block])) - 1
        go = 1 / (1 + numpy.exp(gates[i + 3 * block]))
    gates[i], gates[i + block], gates[i + 2 * block], gates[i + 3 * block] = gi, gf, gg, go
    c[...] = gf * c_prev + gi * gg
    tc[...] = numpy.tanh(c)
    h[...] = go * tc


def lstm_cell_forward(gates, c_prev, c, tc, h, activation="tanh",
                      recurrent_activation="sigmoid", negated=False):
    """One LSTM step's pointwise half in one kernel (default activations; see
    ``numpy_kernels.lstm_cell_forward``); other activations take the shared version."""
    if not negated:
        from . import numpy_kernels

        return numpy_kernels.lstm_cell_forward(gates, c_prev, c, tc, h, activation,
                                               recurrent_activation, negated)
    _lstm_forward(c_prev, numpy.int64(c.size), gates, c, tc, h)


CACHE_CHUNK_BYTES = 1 << 62
"""On the GPU every pass takes the whole array: no chunks (each would be a launch)."""

CONV_CHUNK_BYTES = 1 << 62
"""On the GPU a convolution's chunks are as large as ``ops.conv.CHUNK_BYTES`` allows."""

PROJECTION_TABLES = False  # the input projection's GEMM is cheap on a GPU


def parallel_threads() -> int:
    """One: the GPU runs each part's kernels in parallel already."""
    return 1


def run_parts(work, parts) -> list:
    """``[work(part) for part in parts]`` in order, on this thread (the GPU's launches
    go to one stream; host threads would add nothing)."""
    return [work(part) for part in parts]


def lstm_inference_weights(kernel, recurrent, bias, activation="tanh",
                           recurrent_activation="sigmoid"):
    """The weights ``lstm_inference_steps`` takes: with the default activations negated
    for the fused cell (see ``numpy_kernels.lstm_cell_forward``), else Keras's."""
    if not (activation == "tanh" and recurrent_activation == "sigmoid"):
        return kernel, recurrent, bias
    n = recurrent.shape[0]
    scale = cupy.full(4 * n, -1, dtype=kernel.dtype)
    scale[2 * n:3 * n] = -2
    return tuple(None if w is None else w * scale for w in (kernel, recurrent, bias))


def lstm_inference_steps(gates, recurrent_t, h, c, hs=None, activation="tanh",
                         recurrent_activation="sigmoid", keep=None, drop=None):
    """``numpy_kernels.lstm_inference_steps`` with this module's fused cell per step."""
    from .numpy_kernels import lstm_steps_by_cell

    negated = activation == "tanh" and recurrent_activation == "sigmoid"
    return lstm_steps_by_cell(lstm_cell_forward, gates, recurrent_t, h, c, hs, activation,
                              recurrent_activation, negated, keep, drop)


def gru_inference_steps(gates, recurrent_t, recurrent_bias, h, hs=None, activation="tanh",
                        recurrent_activation="sigmoid", reset_after=True, keep=None,
                        drop=None):
    """``numpy_kernels.gru_inference_steps`` with the whole batch in one loop."""
    from .numpy_kernels import gru_steps

    return gru_steps(gates, recurrent_t, recurrent_bias, h, hs, activation,
                     recurrent_activation, reset_after, keep, drop)


_lstm_backward = cupy.ElementwiseKernel(
    "T carry, T forget, T dh, int64 block",
    "T dc, raw T dgates",
    """
    const T d = dc + dh * carry;
    dgates[i] *= d;
    dgates[i + block] *= d;
    dgates[i + 2 * block] *= d;
    dgates[i + 3 * block] *= dh;
    dc = d * forget;
    """,
    "kerasette_lstm_backward",
)


@_twin("kerasette_lstm_backward")
def _(i, carry, forget, dh, block, dc, dgates):
    d = dc + dh * carry
    for k in range(3):
        dgates[i + k * block] *= d
    dgates[i + 3 * block] *= dh
    dc[...] = d * forget


def lstm_cell_backward(dgates, carry, forget, dh, dc):
    """``numpy_kernels.lstm_cell_backward`` in one kernel (``dgates`` C-contiguous)."""
    _lstm_backward(carry, forget, dh, numpy.int64(dh.size), dc, dgates)
