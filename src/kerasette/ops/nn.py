"""Neural-network ops: activations, the fused dense op, dropout, and cross-entropies.

The cross-entropies take the fused path whenever they can see logits: with
``from_logits=True``, or when the probabilities came straight out of ``softmax`` /
``sigmoid`` (those ops leave their input on ``output._logits``). The gradient is then
``probabilities - target``, with no division by small probabilities.
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import Tensor, record
from .math import clip, convert_to_tensor, elementwise, log, multiply
from .reduce import sum
from .shape import getitem, reshape

__all__ = [
    "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "hard_silu", "tanh", "softmax",
    "log_softmax", "softplus", "softsign", "elu", "selu", "gelu", "silu", "exponential",
    "linear", "mish", "log_sigmoid", "dense", "dropout", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy",
]

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def linear(x) -> Tensor:
    """``linear(x) = x``."""
    return convert_to_tensor(x)


def relu(x, negative_slope: float = 0.0, max_value=None, threshold: float = 0.0,
         alpha=None) -> Tensor:
    """Rectified linear unit: ``max(x, 0)``, with Keras's three refinements.

    ``max_value`` caps the output, ``threshold`` moves the kink, and below it the output
    is ``negative_slope * (x - threshold)``. ``alpha`` is the Keras 2 name of the slope.
    """
    x = convert_to_tensor(x)
    if alpha is not None:
        negative_slope = alpha
    if negative_slope == 0 and max_value is None and threshold == 0:
        out = backend.xp.maximum(x.data, 0)
        return record(out, (x,), lambda g: (backend.kernels.relu_backward(g, out),))
    xp = backend.xp
    dtype = x.dtype.type

    def forward(v):
        y = xp.where(v >= threshold, v, dtype(negative_slope) * (v - dtype(threshold)))
        return y if max_value is None else xp.minimum(y, dtype(max_value))

    def derivative(v, out):
        d = xp.where(v >= threshold, dtype(1), dtype(negative_slope))
        return d if max_value is None else d * (v < max_value)

    return elementwise(x, forward, derivative)


def relu6(x) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return relu(x, max_value=6.0)


def leaky_relu(x, negative_slope: float = 0.2) -> Tensor:
    """``x`` for ``x >= 0``, else ``negative_slope * x``."""
    return relu(x, negative_slope=negative_slope)


def _sigmoid_array(v):
    return backend.xp.tanh(v * v.dtype.type(0.5)) * v.dtype.type(0.5) + v.dtype.type(0.5)


def sigmoid(x) -> Tensor:
    """``1 / (1 + exp(-x))``, computed as ``0.5 * tanh(x / 2) + 0.5`` (never overflows)."""
    x = convert_to_tensor(x)
    out = elementwise(x, _sigmoid_array, lambda v, s: s * (1 - s))
    out._logits, out._logits_kind = x, "sigmoid"
    return out


def hard_sigmoid(x) -> Tensor:
    """Keras 3's piecewise-linear sigmoid: ``clip(x / 6 + 0.5, 0, 1)``."""
    return clip(convert_to_tensor(x) * (1 / 6) + 0.5, 0.0, 1.0)


def hard_silu(x) -> Tensor:
    """``x * hard_sigmoid(x)`` (also called hard swish)."""
    x = convert_to_tensor(x)
    return multiply(x, hard_sigmoid(x))


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return elementwise(x, backend.xp.tanh, lambda v, out: 1 - out * out)


def softplus(x) -> Tensor:
    """``log(exp(x) + 1)``, computed without overflow."""
    return elementwise(x, lambda v: backend.xp.logaddexp(v, v.dtype.type(0)),
                       lambda v, out: _sigmoid_array(v))


def softsign(x) -> Tensor:
    """``x / (abs(x) + 1)``."""
    xp = backend.xp
    return elementwise(x, lambda v: v / (xp.abs(v) + 1),
                       lambda v, out: 1 / (xp.abs(v) + 1) ** 2)


def elu(x, alpha: float = 1.0) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    xp = backend.xp
    return elementwise(x, lambda v: xp.where(v > 0, v, alpha * xp.expm1(xp.minimum(v, 0))),
                       lambda v, out: xp.where(v > 0, 1, out + alpha).astype(v.dtype))


def selu(x) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalizing constants of Klambauer et al."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


def gelu(x, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit: ``x * P(X <= x)`` for a standard normal ``X``.

    With ``approximate=True`` (the default of ``keras.ops.gelu``) the tanh form
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))``; else the exact
    ``0.5 * x * (1 + erf(x / sqrt(2)))`` (the default of ``keras.activations.gelu``).
    """
    xp = backend.xp
    if approximate:
        c = math.sqrt(2 / math.pi)

        def forward(v):
            return 0.5 * v * (1 + xp.tanh(c * (v + 0.044715 * v ** 3)))

        def derivative(v, out):
            t = xp.tanh(c * (v + 0.044715 * v ** 3))
            return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)

        return elementwise(x, forward, derivative)

    def forward_exact(v):
        return 0.5 * v * (1 + backend.kernels.erf(v * (1 / math.sqrt(2))))

    def derivative_exact(v, out):
        cdf = 0.5 * (1 + backend.kernels.erf(v * (1 / math.sqrt(2))))
        return cdf + v * xp.exp(-0.5 * v * v) * (1 / math.sqrt(2 * math.pi))

    return elementwise(x, forward_exact, derivative_exact)


def silu(x) -> Tensor:
    """``x * sigmoid(x)`` (also called swish)."""

    def derivative(v, out):
        s = _sigmoid_array(v)
        return s * (1 + v * (1 - s))

    return elementwise(x, lambda v: v * _sigmoid_array(v), derivative)


def mish(x) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = convert_to_tensor(x)
    return multiply(x, tanh(softplus(x)))


def log_sigmoid(x) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return -softplus(-convert_to_tensor(x))


def exponential(x) -> Tensor:
    """``exp(x)``."""
    return elementwise(x, backend.xp.exp, lambda v, out: out)


def softmax(x, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (the last by default)."""
    x = convert_to_tensor(x)
    out = backend.kernels.softmax(x.data, axis=axis)

    def backward(g):
        return ((g - (g * out).sum(axis=axis, keepdims=True)) * out,)

    result = record(out, (x,), backward)
    if axis in (-1, x.ndim - 1):
        result._logits, result._logits_kind = x, "softmax"
    return result


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``."""
    x = convert_to_tensor(x)
    out = backend.kernels.log_softmax(x.data, axis=axis)
    xp = backend.xp

    def backward(g):
        return (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),)

    return record(out, (x,), backward)


def dense(x, kernel, bias=None, relu: bool = False) -> Tensor:
    """``x @ kernel + bias`` over the last axis of ``x`` (then ``max(., 0)`` when
    ``relu``), as one graph node; the relu works in place on the product."""
    x, kernel = convert_to_tensor(x), convert_to_tensor(kernel)
    xp = backend.xp
    out = xp.matmul(x.data, kernel.data)
    if bias is not None:
        bias = convert_to_tensor(bias)
        out += bias.data
    if relu:
        xp.maximum(out, 0, out=out)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(g):
        if relu:
            g = backend.kernels.relu_backward(g, out)
        g2 = g.reshape(-1, g.shape[-1])
        gx = (g @ kernel.data.T) if x.requires_grad else None
        gk = (x.data.reshape(-1, x.shape[-1]).T @ g2) if kernel.requires_grad else None
        if bias is None:
            return gx, gk
        return gx, gk, (g2.sum(axis=0) if bias.requires_grad else None)

    return record(out, parents, backward)


def dropout(x, rate: float, noise_shape=None, generator=None) -> Tensor:
    """Zeroes each entry with probability ``rate`` and scales the rest by ``1/(1-rate)``.

    ``noise_shape`` (broadcastable to ``x``) shares one decision across axes of size 1;
    ``generator`` is a ``backend.SeedStream`` (a layer's ``seed=``), or None for the
    global seeded generator.
    """
    x = convert_to_tensor(x)
    generator = backend.rng(generator)
    shape = x.shape if noise_shape is None else tuple(
        n if n is not None else s for n, s in zip(noise_shape, x.shape))
    mask = backend.kernels.dropout_mask(generator, shape, rate, x.dtype)
    return record(x.data * mask, (x,), lambda g: (g * mask,))


def _smooth(target, label_smoothing: float, num_classes: int):
    if not label_smoothing:
        return target
    return target * (1.0 - label_smoothing) + label_smoothing / num_classes


def _logits_of(output: Tensor, from_logits: bool, kind: str):
    """The logits behind ``output``, or None when only probabilities are known.

    ``kind`` is the activation the loss inverts (``"softmax"`` or ``"sigmoid"``); logits
    left by the other one are not used (binary cross-entropy on a softmax output).
    """
    if from_logits:
        return output
    if output._logits_kind not in (None, kind):
        return None
    return output._logits


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1,
                             label_smoothing: float = 0.0) -> Tensor:
    """Per-sample ``-sum(target * log(p))`` along ``axis``.

    Probabilities are clipped to ``[epsilon, 1 - epsilon]`` after normalizing, as Keras
    does; with logits the fused log-softmax path is exact.
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    _check_same_shape("categorical_crossentropy", target, output)
    target_data = _smooth(target.data.astype(output.dtype), label_smoothing,
                          output.shape[axis])
    logits = _logits_of(output, from_logits, "softmax")
    if logits is None or axis not in (-1, output.ndim - 1):
        eps = backend.epsilon()
        probs = output / sum(output, axis=axis, keepdims=True)
        probs = clip(probs, eps, 1.0 - eps)
        return -sum(multiply(Tensor(target_data), log(probs)), axis=axis)
    log_probs = backend.kernels.log_softmax(logits.data, axis=-1)
    loss = -(target_data * log_probs).sum(axis=-1)
    xp = backend.xp

    def backward(g):
        total = target_data.sum(axis=-1, keepdims=True)
        return ((xp.exp(log_probs) * total - target_data) * g[..., None],)

    return record(loss, (logits,), backward)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False,
                                    axis: int = -1) -> Tensor:
    """Per-sample ``-log(p[label])`` for integer labels; labels are checked for range."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    labels = target.data
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    labels = labels.astype("int64")
    classes = output.shape[axis]
    if labels.shape != output.shape[:-1]:
        raise ValueError(
            f"sparse_categorical_crossentropy: labels of shape {target.shape} do not match "
            f"predictions of shape {output.shape}; expected labels of shape "
            f"{output.shape[:-1]} (one integer class index per sample).")
    backend.check_range(
        labels, 0, classes - 1, "sparse_categorical_crossentropy: received a label value of "
        "{value}, which is outside the valid range of " f"[0, {classes - 1}] for {classes} "
        "classes.")
    xp = backend.xp
    logits = _logits_of(output, from_logits, "softmax")
    rows = xp.arange(labels.size)
    if logits is None:
        eps = backend.epsilon()
        probs = output / sum(output, axis=-1, keepdims=True)  # normalize, as Keras does
        flat = reshape(clip(probs, eps, 1.0 - eps), (-1, classes))
        picked = getitem(flat, (rows, labels.reshape(-1)))
        return reshape(-log(picked), labels.shape)
    log_probs = backend.kernels.log_softmax(logits.data, axis=-1).reshape(-1, classes)
    flat_labels = labels.reshape(-1)
    loss = -log_probs[rows, flat_labels].reshape(labels.shape)

    def backward(g):
        grad = xp.exp(log_probs)
        grad[rows, flat_labels] -= 1
        return ((grad * g.reshape(-1, 1)).reshape(logits.shape),)

    return record(loss, (logits,), backward)


def binary_crossentropy(target, output, from_logits: bool = False) -> Tensor:
    """Elementwise ``-(t * log(p) + (1 - t) * log(1 - p))`` (not yet averaged)."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    _check_same_shape("binary_crossentropy", target, output)
    t = target.data.astype(output.dtype)
    logits = _logits_of(output, from_logits, "sigmoid")
    xp = backend.xp
    if logits is None:
        eps = backend.epsilon()
        p = clip(output, eps, 1.0 - eps)
        return -(multiply(Tensor(t), log(p)) + multiply(Tensor(1 - t), log(1 - p)))
    z = logits.data
    loss = xp.maximum(z, 0) - z * t + xp.log1p(xp.exp(-xp.abs(z)))
    return record(loss, (logits,), lambda g: ((_sigmoid_array(z) - t) * g,))


def _check_same_shape(name: str, target: Tensor, output: Tensor) -> None:
    if target.shape != output.shape:
        raise ValueError(
            f"{name}: `y_true` and `y_pred` must have the same shape; received "
            f"y_true.shape={target.shape} and y_pred.shape={output.shape}.")


