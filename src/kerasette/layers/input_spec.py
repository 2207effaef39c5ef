"""``InputSpec``: what a layer accepts, checked on every call with a clear error."""

from __future__ import annotations

__all__ = ["InputSpec"]


class InputSpec:
    """What a layer accepts: ``ndim``, ``min_ndim``, ``max_ndim`` and fixed ``axes`` sizes."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype, self.shape, self.name = dtype, shape, name
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})

    def check(self, layer_name: str, index: int, shape: tuple) -> None:
        def fail(what):
            raise ValueError(f'Input {index} of layer "{layer_name}" is incompatible with the '
                             f"layer: {what}, but received input with shape {shape}.")

        ndim = len(shape)
        if self.ndim is not None and ndim != self.ndim:
            fail(f"expected ndim={self.ndim}, found ndim={ndim}")
        if self.min_ndim is not None and ndim < self.min_ndim:
            fail(f"expected min_ndim={self.min_ndim}, found ndim={ndim}")
        if self.max_ndim is not None and ndim > self.max_ndim:
            fail(f"expected max_ndim={self.max_ndim}, found ndim={ndim}")
        for axis, size in self.axes.items():
            if size is not None and -ndim <= axis < ndim and shape[axis] not in (size, None):
                fail(f"expected axis {axis} of input shape to have value {size}")
