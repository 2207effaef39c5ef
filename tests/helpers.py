"""The shared test helpers: numerical gradient checks and plain-NumPy parity checks."""

from __future__ import annotations

import numpy as np

from kerasette import backend
from kerasette.autograd import Tensor, gradients


def check_gradients(fn, *inputs, wrt=None, eps: float = 1e-6, atol: float = 1e-5,
                    rtol: float = 1e-4, seed: int = 0) -> None:
    """Compares autograd's gradients of ``fn`` with float64 central differences.

    ``fn(*tensors)`` returns a Tensor; its output is projected on a random direction so
    every output entry matters. ``inputs`` are array-likes (converted to float64 unless
    integer); ``wrt`` lists the positions to differentiate (default: every float input).
    """
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in inputs]
    arrays = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    tensors = [Tensor(backend.to_device(a), requires_grad=i in wrt)
               for i, a in enumerate(arrays)]
    out = fn(*tensors)
    direction = rng.standard_normal(out.shape)
    seed_grad = backend.to_device(direction.astype(np.float64))
    analytic = gradients(out, [tensors[i] for i in wrt], seed=seed_grad)

    def projected(values) -> float:
        ts = [Tensor(backend.to_device(v)) for v in values]
        return float(np.sum(backend.to_numpy(fn(*ts).data) * direction))

    for position, grad in zip(wrt, analytic):
        base = arrays[position]
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            values = list(arrays)
            plus, minus = base.copy(), base.copy()
            plus[index] += eps
            minus[index] -= eps
            values[position] = plus
            up = projected(values)
            values[position] = minus
            numeric[index] = (up - projected(values)) / (2 * eps)
        got = np.zeros_like(base) if grad is None else backend.to_numpy(grad)
        np.testing.assert_allclose(
            got, numeric, atol=atol, rtol=rtol,
            err_msg=f"gradient of input {position} disagrees with central differences")


def dodge_kinks(x: np.ndarray, points=(0.0,), margin: float = 0.05) -> np.ndarray:
    """Moves entries of ``x`` away from non-differentiable points such as relu's 0."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, margin, -margin) * 2
    return x
