"""The one seam between NumPy and CuPy.

Everything above this package reaches array math through ``backend.xp`` (the array
module in force) and ``backend.kernels`` (the named kernels whose best form differs
between CPU and GPU). Nothing above this floor imports ``cupy`` or branches on which
backend is selected.

The backend is chosen by ``set_backend("numpy" | "cupy")`` or, at import time, by the
environment variable ``KERASETTE_BACKEND``. CuPy is imported only when selected.
"""

from __future__ import annotations

import numbers
import os
import random as _py_random
from types import ModuleType

import numpy as np

from . import numpy_kernels

__all__ = [
    "backend", "set_backend", "xp", "kernels", "get_array_module", "floatx", "set_floatx",
    "epsilon", "set_epsilon", "to_numpy", "to_device", "rng", "set_seed", "is_array",
    "clear_session", "get_value", "set_value", "device_info", "set_memory_limit",
    "check_range", "raise_pending", "SeedStream", "to_device_floatx", "image_data_format",
    "set_image_data_format",
]

_BACKENDS = ("numpy", "cupy")

xp: ModuleType = np
"""The array module in force: ``numpy`` or ``cupy``."""

kernels: ModuleType = numpy_kernels
"""The kernel module in force: ``numpy_kernels`` or ``cupy_kernels``."""

_name = "numpy"
_floatx = "float32"
_epsilon = 1e-7
_image_data_format = "channels_last"
_seed: int | None = None
_generator = np.random.default_rng()


def backend() -> str:
    """Returns the name of the backend in force, ``"numpy"`` or ``"cupy"``."""
    return _name


def set_backend(name: str) -> None:
    """Selects the array backend: ``"numpy"`` (CPU) or ``"cupy"`` (NVIDIA GPU).

    Arrays made before the switch stay where they are; build models after choosing.
    """
    global xp, kernels, _name, _generator
    if name not in _BACKENDS:
        raise ValueError(f"Unknown backend {name!r}. Expected one of {_BACKENDS}.")
    if name == "cupy":
        try:
            import cupy
        except ImportError as error:
            raise ImportError(
                "The 'cupy' backend was selected but CuPy is not installed. From the "
                "kerasette folder, install it with `pip install \".[cuda]\"` (CUDA 12 "
                "drivers) or `pip install \".[cuda13]\"` (CUDA 13), or use the 'numpy' "
                "backend."
            ) from error
        from . import cupy_kernels

        try:
            cupy.cuda.runtime.getDeviceCount()
        except Exception as error:  # CUDA raises its own error types
            raise RuntimeError(
                "The 'cupy' backend was selected but no NVIDIA GPU is visible: " f"{error}"
            ) from error
        xp, kernels = cupy, cupy_kernels
    else:
        xp, kernels = np, numpy_kernels
    _name = name
    _generator = _make_generator(_seed)


def get_array_module(x) -> ModuleType:
    """Returns ``numpy`` or ``cupy``, whichever owns the array ``x``."""
    if isinstance(x, np.ndarray) or _name == "numpy":
        return np
    return xp.get_array_module(x)


def is_array(x) -> bool:
    """True for an array of the backend in force (or a NumPy array)."""
    return isinstance(x, (np.ndarray, xp.ndarray))


def floatx() -> str:
    """Returns the default float type, as a string (default ``"float32"``)."""
    return _floatx


def set_floatx(value: str) -> None:
    """Sets the default float type: ``"float16"``, ``"float32"`` or ``"float64"``."""
    global _floatx
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx type {value!r}. Expected 'float16', 'float32' or 'float64'."
        )
    _floatx = value


def epsilon() -> float:
    """Returns the fuzz factor used in numeric expressions (default ``1e-7``)."""
    return _epsilon


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor used in numeric expressions (a small positive number)."""
    global _epsilon
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(
            f"epsilon must be a number between 0 and 1 (exclusive), such as 1e-7; "
            f"received {value!r}.")
    _epsilon = float(value)


def image_data_format() -> str:
    """Returns the default image layout, ``"channels_last"`` (default) or
    ``"channels_first"``."""
    return _image_data_format


def set_image_data_format(data_format: str) -> None:
    """Sets the default image layout: ``"channels_last"`` or ``"channels_first"``."""
    global _image_data_format
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be 'channels_last' or "
                         f"'channels_first'; received data_format={data_format!r}.")
    _image_data_format = value


def check_range(values, low: int, high: int, message: str) -> None:
    """Raises ``ValueError(message.format(value=v))`` for a value ``v`` of the integer
    array ``values`` outside ``[low, high]``.

    NumPy checks at once. CuPy keeps the extremes on the device and checks them at the
    next read-back (``to_numpy``, ``float(tensor)``, a metric shown at the end of an
    epoch), so that no training step waits for the GPU.
    """
    if values.size == 0:
        return
    if _name == "numpy":
        _raise_if_outside(int(values.min()), int(values.max()), low, high, message)
        return
    key = (low, high, message)
    least, most = values.min(), values.max()
    if key in _pending:
        least, most = xp.minimum(least, _pending[key][0]), xp.maximum(most, _pending[key][1])
    _pending[key] = (least, most)


def raise_pending() -> None:
    """Raises the first failed ``check_range`` that CuPy deferred (one read for all)."""
    if not _pending:
        return
    checks = list(_pending.items())
    _pending.clear()
    extremes = xp.asnumpy(xp.stack([xp.stack(pair).astype("int64") for _, pair in checks]))
    for ((low, high, message), _), (least, most) in zip(checks, extremes.tolist()):
        _raise_if_outside(least, most, low, high, message)


def _raise_if_outside(least: int, most: int, low: int, high: int, message: str) -> None:
    if least < low or most > high:
        raise ValueError(message.format(value=most if most > high else least))


_pending: dict = {}


def to_numpy(x) -> np.ndarray:
    """Copies a backend array (or anything array-like) to a NumPy array on the host."""
    raise_pending()
    if isinstance(x, np.ndarray):
        return x
    if _name == "cupy" and isinstance(x, xp.ndarray):
        return xp.asnumpy(x)
    return np.asarray(x)


def to_device(x, dtype=None):
    """Moves an array-like to the backend in force, optionally casting to ``dtype``."""
    if dtype is not None:
        return xp.asarray(x, dtype=dtype)
    return xp.asarray(x)


def to_device_floatx(x):
    """``x`` on the device, float64 (and object) data as floatx, as Keras takes NumPy and
    Python floats. Host data is cast before the copy: half the bytes cross the bus."""
    if isinstance(x, np.ndarray) or not is_array(x):
        x = np.asarray(x)
        if x.dtype == np.float64 or x.dtype == np.object_:
            x = x.astype(_floatx)
        return xp.asarray(x)
    return x.astype(_floatx) if x.dtype == np.float64 else x


def rng(stream=None):
    """The random generator of the backend in force: the global seeded one, or that of
    ``stream`` (a ``SeedStream``: a layer's own ``seed=``); a generator is returned as is."""
    if stream is None:
        return _generator
    return stream.generator() if isinstance(stream, SeedStream) else stream


class SeedStream:
    """A seeded random stream that follows the backend: its generator is made on first
    use, and made anew from the same seed after ``set_backend`` switches array modules
    (a generator made at build time would otherwise keep drawing NumPy arrays)."""

    def __init__(self, seed: int):
        self.seed = seed
        self._made = None  # (backend name, generator)

    def generator(self):
        if self._made is None or self._made[0] != _name:
            self._made = (_name, _make_generator(self.seed))
        return self._made[1]


def set_seed(seed: int | None) -> None:
    """Seeds Python's ``random``, NumPy's global generator and the backend generator."""
    global _seed, _generator
    _seed = seed
    _py_random.seed(seed)
    np.random.seed(None if seed is None else seed % 2**32)
    _generator = _make_generator(seed)


def device_info() -> dict:
    """What the backend in force runs on.

    NumPy: ``{"backend": "numpy", "device": "cpu"}``. CuPy: the GPU's name, the CUDA
    runtime version, and the bytes CuPy's memory pool uses and holds.
    """
    if _name == "numpy":
        return {"backend": "numpy", "device": "cpu"}
    device = xp.cuda.Device()
    properties = xp.cuda.runtime.getDeviceProperties(device.id)
    version = xp.cuda.runtime.runtimeGetVersion()
    pool = xp.get_default_memory_pool()
    name = properties["name"]
    return {"backend": "cupy", "device": name.decode() if isinstance(name, bytes) else name,
            "device_id": device.id, "cuda_runtime": f"{version // 1000}.{version % 1000 // 10}",
            "memory_used_bytes": pool.used_bytes(), "memory_held_bytes": pool.total_bytes()}


def set_memory_limit(limit_bytes: int | None) -> None:
    """Caps CuPy's memory pool at ``limit_bytes`` (None removes the cap); on NumPy, a no-op
    that raises only for a bad value. Allocations beyond the cap raise CuPy's OutOfMemory."""
    if limit_bytes is not None and (not isinstance(limit_bytes, int) or limit_bytes <= 0):
        raise ValueError(f"set_memory_limit: expected a positive number of bytes or None; "
                         f"received {limit_bytes!r}.")
    if _name == "cupy":
        xp.get_default_memory_pool().set_limit(size=limit_bytes or 0)


def clear_session() -> None:
    """Restarts Keras's automatic layer names (``dense``, ``dense_1``, ...) from zero."""
    from ..naming import reset_names

    reset_names()


def get_value(x):
    """The value of a variable or tensor as a NumPy array (tf.keras's ``K.get_value``)."""
    return to_numpy(getattr(x, "data", x))


def set_value(x, value) -> None:
    """Assigns ``value`` to a variable in place (tf.keras's ``K.set_value``)."""
    x.assign(value)


def _make_generator(seed):
    if _name == "cupy":
        return xp.random.default_rng(seed)
    return np.random.default_rng(seed)


# Keras 2's ``K`` functions (``from kerasette import backend as K; K.mean(...)``) live in
# ``kerasette.backend_compat``, above ``ops``; they load on first use, so this floor
# imports nothing from above it.
_KERAS2_NAMES = frozenset((
    "sum mean std var max min prod any all cumsum square sqrt abs clip round exp log pow "
    "sign maximum minimum dot batch_dot concatenate reshape flatten batch_flatten "
    "expand_dims squeeze stack transpose int_shape shape ndim dtype cast variable constant "
    "eval zeros ones zeros_like ones_like learning_phase softmax relu sigmoid tanh "
    "binary_crossentropy categorical_crossentropy sparse_categorical_crossentropy argmax "
    "argmin equal not_equal greater greater_equal less less_equal l2_normalize function"
).split())


def __getattr__(name: str):
    if name not in _KERAS2_NAMES:
        raise AttributeError(f"module 'kerasette.backend' has no attribute {name!r}")
    from .. import backend_compat

    return getattr(backend_compat, name)


if os.environ.get("KERASETTE_BACKEND", "numpy") != "numpy":
    set_backend(os.environ["KERASETTE_BACKEND"])
