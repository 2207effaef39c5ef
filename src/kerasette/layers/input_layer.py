"""``keras.Input`` and the ``InputLayer`` that stands for it in a model."""

from __future__ import annotations

from .. import backend
from .arguments import positive_int, shape_tuple
from .base import Layer
from .symbolic import KerasTensor, Node

__all__ = ["Input", "InputLayer"]


class InputLayer(Layer):
    """The entry point of a functional model: holds the symbolic input tensor.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. ``(784,)``.
        batch_size: an optional fixed batch size.
        dtype: the input dtype (default ``floatx()``).
        batch_shape: the full shape including the batch axis (instead of ``shape``).
        name: the input's name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, name=None, input_shape=None,
                 batch_input_shape=None, **kwargs):
        kwargs.pop("ragged", None)
        kwargs.pop("optional", None)  # Keras 3 writes it; optional inputs are not supported
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: pass either `shape` or `batch_shape`, not both.")
        if batch_shape is None and shape is None:
            raise ValueError("InputLayer: an input needs a `shape`, e.g. "
                             "`keras.Input(shape=(784,))`.")
        super().__init__(name=name, dtype=dtype or backend.floatx(), **kwargs)
        owner = f"InputLayer '{self.name}'"
        if batch_shape is None:
            if batch_size is not None:
                batch_size = positive_int(owner, "batch_size", batch_size)
            batch_shape = (batch_size,) + shape_tuple(owner, "shape", shape)
        self._batch_shape = shape_tuple(owner, "batch_shape", batch_shape)
        self.built = True
        tensor = KerasTensor(self._batch_shape, self.dtype, name=self.name,
                             history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, tensor))

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def input(self):
        return self.output

    def get_config(self) -> dict:
        return {"batch_shape": self._batch_shape, "dtype": self.dtype, "sparse": False,
                "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,  # noqa: N802
          name=None, tensor=None):
    """A symbolic input for a functional model: ``x = keras.Input(shape=(784,))``.

    Args:
        shape: the shape of one sample, without the batch axis.
        batch_size: optional fixed batch size.
        dtype: the dtype of the data (default ``floatx()``; use ``"int32"`` for token ids).
        batch_shape: the full shape with the batch axis, instead of ``shape``.
        name: a name for the input (unique in a model).

    Returns:
        A ``KerasTensor``.
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name)
    return layer.output
