"""Weight initializers: ``Dense(64, kernel_initializer="he_normal")`` resolves here.

An initializer is called as ``initializer(shape, dtype=None)`` and returns an array of the
backend in force (``backend.xp``), of ``dtype`` (default ``backend.floatx()``).

Randomness is explicit: with ``seed=None`` values come from the seeded generator
``backend.rng()`` (so ``backend.set_seed`` makes runs repeatable) and each call draws new
values; with an integer seed each call starts a fresh generator from that seed, so a
seeded initializer gives the same values every time (as in Keras 3).
"""

from __future__ import annotations

import math
import numbers

from . import backend
from .naming import lookup, serialize_object, to_snake_case

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
    "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "Identity",
    "IdentityInitializer", "OrthogonalInitializer", "compute_fans", "get", "serialize",
    "deserialize",
]

# The standard deviation of a unit normal truncated to [-2, 2]; dividing by it gives the
# truncated draw the variance that was asked for.
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape) -> tuple[int, int]:
    """Keras's ``(fan_in, fan_out)`` of a weight shape.

    A 2-D kernel ``(in, out)`` gives ``(in, out)``; a convolution kernel laid out as
    ``(*spatial, in_channels, out_channels)`` gives ``in_channels * receptive_field`` and
    ``out_channels * receptive_field``, the receptive field being the product of the
    spatial sizes. A 1-D shape gives ``(n, n)`` and a scalar ``(1, 1)``.
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__.")

    def get_config(self) -> dict:
        """The constructor arguments, as plain Python values."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        """Rebuilds the initializer from ``get_config()``'s dict."""
        config = dict(config)
        config.pop("dtype", None)  # tf.keras 1.x wrote a dtype into initializer configs
        for key in ("input_axes", "output_axes"):  # Keras 3.13+: custom fan axes
            if config.get(key) is not None:
                raise ValueError(f"{cls.__name__}: custom fan axes ({key}={config[key]}) "
                                 f"are not supported; only Keras's default fans are.")
            config.pop(key, None)
        return cls(**config)

    def clone(self) -> "Initializer":
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def _shape(shape) -> tuple:
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _dtype(dtype):
    return backend.xp.dtype(backend.floatx() if dtype is None else dtype)


def _float_dtype(owner: str, dtype):
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"{owner} draws floating-point values: expected a float dtype, "
                         f"received dtype={dtype}.")
    return dtype


def _number(owner: str, name: str, value, positive: bool = False) -> float:
    """``value`` as a float, or a ValueError naming ``owner`` and the argument."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value > 0 or not positive)
    if not ok:
        kind = "a positive number" if positive else "a finite number"
        raise ValueError(f"{owner}: argument `{name}` must be {kind}; "
                         f"received {name}={value!r}.")
    return float(value)


def _seed(owner: str, seed):
    if seed is None:
        return None
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return int(seed)
    raise ValueError(f"{owner}: argument `seed` must be an integer or None; "
                     f"received seed={seed!r}.")


def _generator(seed):
    """The shared seeded generator, or a fresh one from an explicit seed."""
    if seed is None:
        return backend.rng()
    return backend.xp.random.default_rng(seed)


def _draw_dtype(dtype):
    """Generators draw float32 or float64; other float types are cast afterwards."""
    return dtype if dtype == backend.xp.float64 else backend.xp.dtype("float32")


def _uniform(seed, shape, dtype, low: float, high: float):
    unit = _generator(seed).random(shape, dtype=_draw_dtype(dtype))
    unit *= unit.dtype.type(high - low)  # in place: no full-size temporaries (VGG16's
    unit += unit.dtype.type(low)  # 400 MB fc1 kernel builds twice as fast)
    return unit.astype(dtype, copy=False)


def _normal(seed, shape, dtype, mean: float, stddev: float):
    unit = _generator(seed).standard_normal(shape, dtype=_draw_dtype(dtype))
    return (mean + stddev * unit).astype(dtype, copy=False)


def _truncated_normal(seed, shape, dtype, mean: float, stddev: float):
    """Normal draws, re-drawing every value more than two standard deviations out."""
    generator, draw = _generator(seed), _draw_dtype(dtype)
    unit = generator.standard_normal(shape, dtype=draw)
    outside = backend.xp.abs(unit) > 2.0
    while bool(outside.any()):
        unit[outside] = generator.standard_normal(int(outside.sum()), dtype=draw)
        outside = backend.xp.abs(unit) > 2.0
    return (mean + stddev * unit).astype(dtype, copy=False)


class Zeros(Initializer):
    """All zeros.

    Example:
    >>> Zeros()((2, 2)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """

    def __call__(self, shape, dtype=None):
        return backend.xp.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return backend.xp.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every entry equal to ``value`` (a scalar, or an array that broadcasts to the shape).

    Args:
        value: the constant (default ``0.0``).
    """

    def __init__(self, value=0.0):
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            value = backend.to_numpy(value).tolist()  # configs hold plain Python values
        self.value = value

    def __call__(self, shape, dtype=None):
        xp = backend.xp
        return xp.array(xp.broadcast_to(xp.asarray(self.value, dtype=_dtype(dtype)),
                                        _shape(shape)))

    def get_config(self) -> dict:
        return {"value": self.value}


class RandomUniform(Initializer):
    """Values drawn uniformly from ``[minval, maxval)``.

    Args:
        minval: the lower bound (default ``-0.05``).
        maxval: the upper bound (default ``0.05``).
        seed: an integer for the same values on every call, or ``None`` (default).
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval = _number("RandomUniform", "minval", minval)
        self.maxval = _number("RandomUniform", "maxval", maxval)
        if self.maxval < self.minval:
            raise ValueError(f"RandomUniform: argument `maxval` must be >= `minval`; "
                             f"received minval={minval!r}, maxval={maxval!r}.")
        self.seed = _seed("RandomUniform", seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype("RandomUniform", dtype)
        return _uniform(self.seed, _shape(shape), dtype, self.minval, self.maxval)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    """Values drawn from a normal distribution ``N(mean, stddev**2)``.

    Args:
        mean: the mean (default ``0.0``).
        stddev: the standard deviation, positive (default ``0.05``).
        seed: an integer for the same values on every call, or ``None`` (default).
    """

    _draw = staticmethod(_normal)

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        owner = type(self).__name__
        self.mean = _number(owner, "mean", mean)
        self.stddev = _number(owner, "stddev", stddev, positive=True)
        self.seed = _seed(owner, seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(type(self).__name__, dtype)
        return self._draw(self.seed, _shape(shape), dtype, self.mean, self.stddev)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal values ``N(mean, stddev**2)``, re-drawn where more than ``2 * stddev`` out.

    Args:
        mean: the mean (default ``0.0``).
        stddev: the standard deviation before truncation, positive (default ``0.05``).
        seed: an integer for the same values on every call, or ``None`` (default).
    """

    _draw = staticmethod(_truncated_normal)


class VarianceScaling(Initializer):
    """Values whose variance is ``scale / fan``, ``fan`` chosen by ``mode``.

    ``fan`` is ``fan_in``, ``fan_out`` or their mean (see ``compute_fans``);
    ``n = scale / max(1, fan)``. ``"truncated_normal"`` draws a normal truncated at two
    standard deviations with stddev ``sqrt(n) / .87962566103423978`` (so the truncated
    variance is ``n``); ``"untruncated_normal"`` has stddev ``sqrt(n)``; ``"uniform"``
    draws from ``[-limit, limit)`` with ``limit = sqrt(3 * n)``.

    Args:
        scale: the scaling factor, positive (default ``1.0``).
        mode: ``"fan_in"`` (default), ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (default), ``"untruncated_normal"`` or
            ``"uniform"``; Keras 2's ``"normal"`` means ``"truncated_normal"``.
        seed: an integer for the same values on every call, or ``None`` (default).
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed=None):
        owner = type(self).__name__
        self.scale = _number(owner, "scale", scale, positive=True)
        if mode not in self._MODES:
            raise ValueError(f"{owner}: argument `mode` must be one of {self._MODES}; "
                             f"received mode={mode!r}.")
        self.mode = mode
        name = distribution.lower() if isinstance(distribution, str) else distribution
        name = "truncated_normal" if name == "normal" else name
        if name not in self._DISTRIBUTIONS:
            raise ValueError(f"{owner}: argument `distribution` must be one of "
                             f"{self._DISTRIBUTIONS}; received distribution={distribution!r}.")
        self.distribution = name
        self.seed = _seed(owner, seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _float_dtype(type(self).__name__, dtype)
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return _uniform(self.seed, shape, dtype, -limit, limit)
        if self.distribution == "untruncated_normal":
            return _normal(self.seed, shape, dtype, 0.0, math.sqrt(variance))
        stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
        return _truncated_normal(self.seed, shape, dtype, 0.0, stddev)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _FixedVarianceScaling(VarianceScaling):
    """A ``VarianceScaling`` preset whose only argument is the seed.

    Args:
        seed: an integer for the same values on every call, or ``None`` (default).
    """

    _preset: tuple = ()

    def __init__(self, seed=None):
        scale, mode, distribution = self._preset
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


# Each preset takes one argument, ``seed`` (default ``None``); "normal" ones are truncated
# at two standard deviations and rescaled to the stated stddev.
class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: ``U(-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``."""

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal, ``stddev = sqrt(2 / (fan_in + fan_out))``."""

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: ``U(-limit, limit)``, ``limit = sqrt(6 / fan_in)``."""

    _preset = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal, ``stddev = sqrt(2 / fan_in)``."""

    _preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: ``U(-limit, limit)``, ``limit = sqrt(3 / fan_in)``."""

    _preset = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal, ``stddev = sqrt(1 / fan_in)``."""

    _preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain``, reshaped to the (at least 2-D) shape.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; the rows (if fewer) or
    the columns are orthonormal: ``W @ W.T = gain**2 * I`` or ``W.T @ W = gain**2 * I``.
    The matrix is the Q factor of a normal draw, its signs fixed by R's diagonal.

    Args:
        gain: the multiplicative factor (default ``1.0``).
        seed: an integer for the same values on every call, or ``None`` (default).
    """

    def __init__(self, gain: float = 1.0, seed=None):
        self.gain = _number("Orthogonal", "gain", gain)
        self.seed = _seed("Orthogonal", seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _float_dtype("Orthogonal", dtype)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of at least 2 dimensions; "
                             f"received shape={shape} of rank {len(shape)}.")
        xp = backend.xp
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        normal = _generator(self.seed).standard_normal(flat, dtype=_draw_dtype(dtype))
        q, r = xp.linalg.qr(normal)
        q = q * xp.sign(xp.diagonal(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype, copy=False)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangles get ``eye(n, m)``).

    Args:
        gain: the multiplicative factor (default ``1.0``).
    """

    def __init__(self, gain: float = 1.0):
        self.gain = _number("Identity", "gain", gain)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        if len(shape) != 2:
            raise ValueError(f"Identity can only initialize 2-D matrices; "
                             f"received shape={shape} of rank {len(shape)}.")
        return (self.gain * backend.xp.eye(*shape, dtype=dtype)).astype(dtype, copy=False)

    def get_config(self) -> dict:
        return {"gain": self.gain}


IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal

# Lower-case aliases, as ``keras.initializers`` exports them.
zeros, ones, constant = Zeros, Ones, Constant
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal

_CLASSES = (Zeros, Ones, Constant, RandomUniform, RandomNormal, TruncatedNormal,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, Orthogonal, Identity)
ALL = {cls.__name__: cls for cls in _CLASSES}
ALL.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL.update({"uniform": RandomUniform, "normal": RandomNormal, "zero": Zeros, "one": Ones,
            "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal})


def get(identifier):
    """An initializer from a name, a Keras config dict, a class, an instance or a callable.

    ``None`` gives ``None``. A name or class gives a new instance with default arguments;
    an unknown name raises ``ValueError``.

    Example:
    >>> get("he_normal")
    HeNormal(seed=None)
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}. "
                     f"Expected a name, a config dict, an Initializer or a callable.")


def serialize(initializer) -> dict | str:
    """Keras's ``{"class_name": ..., "config": ...}`` for an initializer."""
    return serialize_object(initializer)


def deserialize(config, custom_objects: dict | None = None):
    """An initializer instance from a name or a Keras config dict."""
    found = lookup(config, ALL, "initializer", custom_objects)
    return found() if isinstance(found, type) else found
