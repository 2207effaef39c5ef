"""``keras.random``: random tensors on the backend in force.

Randomness is explicit, as in Keras 3. Every function takes ``seed``:

- ``None`` draws from the global generator (``keras.utils.set_random_seed`` makes runs
  repeatable), so each call gives new numbers;
- an integer starts a fresh generator, so the same seed gives the same numbers;
- a ``SeedGenerator`` draws from its own stream, which advances with every call.

>>> import kerasette as keras
>>> x = keras.random.normal((2, 3), seed=1)
>>> bool((x.data == keras.random.normal((2, 3), seed=1).data).all())
True
"""

from __future__ import annotations

import numbers
import random as _py_random

from . import backend
from .autograd import Tensor
from .ops import nn as _nn
from .ops.shape import take
from .ops.math import convert_to_tensor

__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "dropout",
           "shuffle", "categorical"]


class SeedGenerator:
    """A seeded random stream: each draw from it advances it.

    Args:
        seed: an integer, or ``None`` (default) for one drawn from Python's ``random``
            (seeded by ``keras.utils.set_random_seed``).
        name: an optional name.

    Example:
    >>> gen = SeedGenerator(42)
    >>> a, b = normal((2,), seed=gen), normal((2,), seed=gen)  # different values
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = _py_random.randint(1, 2**31 - 1)
        self.seed = _check_seed(seed, "SeedGenerator")
        self.name = name or "seed_generator"
        self._stream = backend.SeedStream(self.seed)

    def generator(self):
        """The backend generator behind this stream (remade after a backend switch)."""
        return self._stream.generator()

    def get_config(self) -> dict:
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from the normal distribution ``N(mean, stddev**2)``.

    Args:
        shape: the output shape.
        mean, stddev: the distribution's mean (default ``0.0``) and standard deviation
            (default ``1.0``).
        dtype: a float type (default ``keras.config.floatx()``).
        seed: an integer, a ``SeedGenerator``, or ``None`` (see the module docstring).
    """
    dtype = _float_dtype(dtype, "normal")
    unit = _generator(seed).standard_normal(_check_shape(shape), dtype=_draw(dtype))
    return Tensor((unit * unit.dtype.type(stddev) + unit.dtype.type(mean)).astype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Draws uniformly from ``[minval, maxval)``. Use ``randint`` for integers.

    Args:
        shape: the output shape.
        minval, maxval: the bounds (default ``0.0`` and ``1.0``).
        dtype: a float type (default ``keras.config.floatx()``).
        seed: an integer, a ``SeedGenerator``, or ``None``.
    """
    dtype = _float_dtype(dtype, "uniform")
    unit = _generator(seed).random(_check_shape(shape), dtype=_draw(dtype))
    scale, low = unit.dtype.type(maxval - minval), unit.dtype.type(minval)
    return Tensor((unit * scale + low).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Normal draws, each value further than two standard deviations from ``mean``
    drawn again. Arguments as for ``normal``."""
    dtype = _float_dtype(dtype, "truncated_normal")
    generator, draw, xp = _generator(seed), _draw(dtype), backend.xp
    unit = generator.standard_normal(_check_shape(shape), dtype=draw)
    outside = xp.abs(unit) > 2.0
    while bool(outside.any()):
        unit[outside] = generator.standard_normal(int(outside.sum()), dtype=draw)
        outside = xp.abs(unit) > 2.0
    return Tensor((unit * unit.dtype.type(stddev) + unit.dtype.type(mean)).astype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Draws integers uniformly from ``[minval, maxval)``.

    Args:
        shape: the output shape.
        minval, maxval: the bounds; ``maxval`` is excluded.
        dtype: an integer type (default ``"int32"``).
        seed: an integer, a ``SeedGenerator``, or ``None``.
    """
    dtype = backend.xp.dtype(dtype)
    if dtype.kind not in "iu":
        raise ValueError(f"randint: `dtype` must be an integer type; received dtype={dtype}."
                         " Use keras.random.uniform for floats.")
    if not int(maxval) > int(minval):
        raise ValueError(f"randint: `maxval` must be greater than `minval`; received "
                         f"minval={minval}, maxval={maxval}.")
    values = _generator(seed).integers(int(minval), int(maxval), _check_shape(shape),
                                       dtype="int64")
    return Tensor(values.astype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """Zeroes each entry with probability ``rate`` and scales the rest by
    ``1 / (1 - rate)`` (differentiable in ``inputs``).

    Args:
        inputs: the tensor.
        rate: the drop probability, in ``[0, 1)``.
        noise_shape: a shape broadcastable to ``inputs`` that shares one decision along
            its axes of size 1 (``None`` entries take the size of ``inputs``).
        seed: an integer, a ``SeedGenerator``, or ``None``.
    """
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"dropout: `rate` must be a number in [0, 1); received rate={rate!r}.")
    return _nn.dropout(inputs, float(rate), noise_shape, _generator(seed))


def shuffle(x, axis=0, seed=None) -> Tensor:
    """``x`` with its entries along ``axis`` in a random order.

    Args:
        x: the tensor.
        axis: the axis to shuffle (default ``0``).
        seed: an integer, a ``SeedGenerator``, or ``None``.
    """
    x = convert_to_tensor(x)
    order = backend.xp.argsort(_generator(seed).random((x.shape[axis],)))
    return take(x, Tensor(order), axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """Draws class indices from the categorical distributions given by ``logits``.

    Args:
        logits: a ``(batch, num_classes)`` tensor of unnormalized log-probabilities.
        num_samples: how many indices to draw per row.
        dtype: an integer type (default ``"int32"``).
        seed: an integer, a ``SeedGenerator``, or ``None``.

    Returns:
        A ``(batch, num_samples)`` integer tensor.
    """
    logits = convert_to_tensor(logits).data
    if logits.ndim != 2:
        raise ValueError("categorical: `logits` must have shape (batch, num_classes); "
                         f"received shape {logits.shape}.")
    xp = backend.xp
    batch, classes = logits.shape
    # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits).
    unit = _generator(seed).random((batch, int(num_samples), classes), dtype=xp.float64)
    gumbel = -xp.log(-xp.log(xp.maximum(unit, 1e-300)))
    picks = xp.argmax(logits[:, None, :].astype(xp.float64) + gumbel, axis=-1)
    return Tensor(picks.astype(dtype))


def _generator(seed):
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator()
    return backend.xp.random.default_rng(_check_seed(seed, "keras.random"))


def _check_seed(seed, owner: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"{owner}: `seed` must be an integer, a keras.random.SeedGenerator "
                         f"or None; received seed={seed!r}.")
    return int(seed)


def _check_shape(shape) -> tuple:
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    if not all(isinstance(d, numbers.Integral) and d >= 0 for d in shape):
        raise ValueError(f"`shape` must be a tuple of non-negative integers; received {shape!r}.")
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, owner: str):
    dtype = backend.xp.dtype(dtype or backend.floatx())
    if dtype.kind != "f":
        raise ValueError(f"{owner}: `dtype` must be a float type; received dtype={dtype}. "
                         "For integers, use keras.random.randint.")
    return dtype


def _draw(dtype):
    """Generators draw float32 or float64; float16 is cast afterwards."""
    return dtype if dtype == backend.xp.float64 else backend.xp.dtype("float32")
