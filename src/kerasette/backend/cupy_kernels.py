"""Kernels whose best form differs between CPU and GPU: the CuPy (GPU) side.

Only imported when the ``cupy`` backend is selected. It starts from the NumPy side,
which is written against the array module of its arguments, and overrides what a fused
CuPy kernel does faster.
"""

from __future__ import annotations

import cupy

from .numpy_kernels import *  # noqa: F401,F403  (the shared, module-agnostic kernels)
from .numpy_kernels import array_module  # noqa: F401

_relu_backward = cupy.ElementwiseKernel(
    "T g, T y", "T dx", "dx = y > 0 ? g : (T)0", "kerasette_relu_backward"
)


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


def adam_update(variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat=None):
    """One in-place Adam step in a single fused kernel (amsgrad falls back to the base)."""
    if v_hat is not None:
        from . import numpy_kernels

        return numpy_kernels.adam_update(
            variable, gradient, m, v, lr_t, beta_1, beta_2, epsilon, v_hat
        )
    dtype = variable.dtype.type
    _adam(gradient, dtype(lr_t), dtype(beta_1), dtype(beta_2), dtype(epsilon), variable, m, v)


def erf(x):
    """The error function, from CuPy's special functions."""
    from cupyx.scipy import special

    return special.erf(x)
