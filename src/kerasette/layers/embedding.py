"""``Embedding``: turns integer ids into dense vectors, ``output = embeddings[inputs]``."""

from __future__ import annotations

import numpy as np

from .. import backend, constraints, initializers, ops, regularizers
from ..naming import serialize_object
from ..ops.recurrent import embedding
from .arguments import positive_int
from .base import Layer
from .legacy import EMBEDDING, keras1_arguments

__all__ = ["Embedding"]


class Embedding(Layer):
    """Maps each integer id in ``[0, input_dim)`` to a trainable vector of ``output_dim``.

    The gradient is a scatter-add into the rows that were looked up (no one-hot matmul).

    Args:
        input_dim: the vocabulary size: the largest id plus one.
        output_dim: the size of each vector.
        embeddings_initializer: default ``"uniform"`` (uniform in [-0.05, 0.05]).
        embeddings_regularizer, activity_regularizer, embeddings_constraint: optional.
        mask_zero: id 0 is padding: the layer emits a mask (``inputs != 0``) that
            recurrent layers use to skip those steps; ``input_dim`` must then count the
            0 (vocabulary + 1). Default ``False``.
        weights: optional ``[embeddings]`` array to start from (Keras 2).
        input_length: Keras 2's sequence length; as the first layer of a ``Sequential``,
            it declares the model's input ``(batch, input_length)`` so the model is built
            (and ``summary()`` shows shapes) before any data is seen.

    Input shape: ``(batch, ...)`` integer ids (floats are truncated to integers).
    Output shape: ``(batch, ..., output_dim)``.

    Example:
        >>> layer = Embedding(1000, 64, mask_zero=True)
    """

    @keras1_arguments(EMBEDDING)
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, activity_regularizer=None, **kwargs):
        kwargs.pop("sparse", None)
        input_length = kwargs.pop("input_length", None)
        if input_length is not None and not {"input_shape", "batch_input_shape",
                                             "input_dim"} & set(kwargs):
            # Keras 2: the length declares the input of a Sequential's first layer.
            kwargs["input_shape"] = tuple(np.atleast_1d(input_length).tolist())
        super().__init__(weights=weights, **kwargs)
        owner = f"Embedding '{self.name}'"
        self.input_dim = positive_int(owner, "input_dim", input_dim)
        self.output_dim = positive_int(owner, "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if lora_rank:
            raise ValueError(f"{owner}: LoRA (lora_rank={lora_rank!r}) is not supported.")

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), name="embeddings",
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = inputs.data
        if ids.dtype.kind not in "iu":
            ids = ids.astype("int64")
        last = self.input_dim - 1
        backend.check_range(
            ids, 0, last, f"Embedding '{self.name}': received token id {{value}}, outside the "
            f"valid range [0, {last}] for input_dim={self.input_dim}. Ids must be smaller "
            f"than input_dim: raise input_dim to the vocabulary size (+1 when 0 is padding), "
            f"or map rare words to an OOV id.")
        return embedding(ids, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": serialize_object(self.embeddings_initializer),
                "embeddings_regularizer": serialize_object(self.embeddings_regularizer),
                "activity_regularizer": serialize_object(self.activity_regularizer),
                "embeddings_constraint": serialize_object(self.embeddings_constraint),
                "mask_zero": self.mask_zero}
