"""Attention layers: dot-product ``Attention`` (Luong), ``AdditiveAttention`` (Bahdanau)
and ``MultiHeadAttention``, with Keras 3's weights, masks and causal masking."""

from __future__ import annotations

import math

from .. import backend, constraints, initializers, ops, regularizers
from ..autograd import Tensor
from ..naming import serialize_object
from ._attention_layout import PROJECT, HeadLayout, mask_like
from .base import Layer
from .symbolic import KerasTensor

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]

_LARGE = 1.0e9  # what Keras subtracts from the scores of masked keys


def _causal(scores: Tensor) -> Tensor:
    """1 where key index <= query index: ``(1, ..., T, S)`` lower triangle."""
    return ops.tri(scores.shape[-2], scores.shape[-1], dtype=scores.dtype)


def _masked_softmax(scores: Tensor, keep) -> Tensor:
    """Softmax over the last axis; keys where ``keep`` is 0 get ``-1e9`` first."""
    if keep is not None:
        scores = scores - _LARGE * (1.0 - keep)
    return ops.softmax(scores, axis=-1)


def _drop(weights: Tensor, rate: float, generator, training) -> Tensor:
    if training and rate > 0:
        return ops.dropout(weights, rate, None, generator)
    return weights


class Attention(Layer):
    """Dot-product attention: ``softmax(query @ key^T) @ value``.

    Args:
        use_scale: if ``True``, a learned scalar ``scale`` multiplies the scores.
        score_mode: ``"dot"`` (``q @ k^T``) or ``"concat"``
            (``concat_score_weight * sum(tanh(scale * (q + k)))``).
        dropout: float in [0, 1), dropout on the attention weights when training.
        seed: optional int for the dropout mask.

    Call arguments: ``inputs=[query, value]`` or ``[query, value, key]`` (key defaults
    to value); ``mask=[query_mask, value_mask]``; ``return_attention_scores``;
    ``training``; ``use_causal_mask``.

    Input shape: query ``(batch, Tq, dim)``, value and key ``(batch, Tv, dim)``.
    Output shape: ``(batch, Tq, dim)``; the scores are ``(batch, Tq, Tv)``.

    Example:
        >>> out = Attention()([query, value])
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__} '{self.name}': invalid value for "
                             f"argument score_mode. Expected one of {{'dot', 'concat'}}. "
                             f"Received: score_mode={score_mode}")
        if not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__} '{self.name}': dropout must be in "
                             f"[0, 1); received dropout={dropout}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self._generator = None if seed is None else backend.SeedStream(seed)
        self.supports_masking = True

    def _check_structure(self, shapes) -> None:
        if not isinstance(shapes, (list, tuple)) or len(shapes) not in (2, 3) or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(f"{type(self).__name__} '{self.name}': expects inputs "
                             f"[query, value] or [query, value, key]; received {shapes}.")

    def build(self, input_shape):
        self._check_structure(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(), name="scale", initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), name="concat_score_weight",
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -1, -2))
            return scores if self.scale is None else scores * self.scale
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * ops.sum(ops.tanh(summed), axis=-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask, v_mask = (list(mask) + [None, None])[:2] if mask is not None else (None, None)
        scores = self._calculate_scores(query, key)
        keep = None
        if v_mask is not None:
            keep = ops.expand_dims(mask_like(v_mask, scores), -2)
        if use_causal_mask:
            causal = _causal(scores)
            keep = causal if keep is None else keep * causal
        weights = _masked_softmax(scores, keep)
        weights = _drop(weights, self.dropout, self._generator, training)
        output = ops.matmul(weights, value)
        if q_mask is not None:
            output = output * ops.expand_dims(mask_like(q_mask, output), -1)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        if mask is None or not isinstance(mask, (list, tuple)):
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (tuple(input_shape[1])[-1],)

    def compute_output_spec(self, inputs, *args, **kwargs):
        return self._trace(inputs, *args, **kwargs)  # the scores change the structure

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Bahdanau attention: scores ``sum(scale * tanh(query + key), axis=-1)``.

    Args:
        use_scale: if ``True`` (default), a learned vector ``scale`` of shape ``(dim,)``
            (glorot uniform) weights the summed terms.
        dropout: float in [0, 1), dropout on the attention weights when training.

    Calls, masks and shapes as ``Attention``.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_structure(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(dim,), name="scale",
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        terms = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        if self.scale is not None:
            terms = terms * self.scale
        return ops.sum(terms, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode")
        return config


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.):
    ``concat_h(softmax(Q_h K_h^T / sqrt(key_dim)) V_h) W_o``.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout on the attention weights when training.
        use_bias: whether the projections have biases (default ``True``).
        output_shape: the last dimension(s) of the output (default: the query's last).
        attention_axes: the input axes attention runs over, an int or a tuple (counted
            on the input: 1 is the first axis after the batch; negative from the end).
            Default ``None``: every axis but the batch and the features; for
            ``(batch, h, w, channels)`` that is ``(1, 2)``, one softmax over all ``h * w``
            key positions. The other axes act as batch axes.
        use_gate: if ``True``, a sigmoid projection of the query, ``gate`` (shaped like
            ``value``), multiplies each head's output before the output projection.
        sliding_window: None or an int ``w > 0``: query ``i`` attends only to keys ``j``
            with ``|i - j| < w`` (with ``use_causal_mask``: the ``w`` last positions).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as ``Dense``.
        seed: optional int for the dropout mask.

    Call: ``mha(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)``.

    Weights (Keras's order): query, key, (gate,) value kernels ``(dim, num_heads,
    key_dim or value_dim)`` and biases ``(num_heads, key_dim or value_dim)``; output
    kernel ``(num_heads, value_dim, dim)`` and bias ``(dim,)``.

    Input shape: query ``(batch, T, dim)``, value and key ``(batch, S, dim)``; or any
    rank: query ``(batch, *dims, dim)``, key and value alike, equal to the query on the
    axes attention does not run over.
    Output shape: ``(batch, T, dim)``; scores ``(batch, num_heads, T, S)``. In general
    ``(batch, *dims, dim)``, and scores ``(batch, *other dims, num_heads, *query
    attention dims, *key attention dims)``; ``attention_mask`` is shaped like the scores
    without the heads axis (``(batch, T, S)``), and may leave out leading axes.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, use_gate=False, sliding_window=None, **kwargs):
        super().__init__(**kwargs)
        where = f"MultiHeadAttention '{self.name}'"
        if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(
                sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"{where}: sliding_window must be None or a positive int; "
                             f"received sliding_window={sliding_window!r}.")
        self.use_gate, self.sliding_window = bool(use_gate), sliding_window
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{where}: {arg} must be a positive int; received {value!r}.")
        if isinstance(attention_axes, int) and not isinstance(attention_axes, bool):
            attention_axes = (attention_axes,)
        if attention_axes is not None:
            if not isinstance(attention_axes, (list, tuple)) or not attention_axes or any(
                    isinstance(a, bool) or not isinstance(a, int) for a in attention_axes):
                raise ValueError(f"{where}: attention_axes must be None, an int or a "
                                 f"non-empty list/tuple of ints; received "
                                 f"attention_axes={attention_axes!r}.")
            attention_axes = tuple(attention_axes)
        if not 0 <= dropout < 1:
            raise ValueError(f"{where}: dropout must be in [0, 1); received {dropout}.")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = key_dim if value_dim is None else int(value_dim)
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = None if output_shape is None else tuple(output_shape)
        self.attention_axes = attention_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._generator = None if seed is None else backend.SeedStream(seed)
        self.supports_masking = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f"MultiHeadAttention '{self.name}': call it as "
                             f"mha(query, value, key=None, ...); value is missing.")
        query, value, key = (t if t is None or isinstance(t, (Tensor, KerasTensor))
                             else ops.convert_to_tensor(t) for t in (query, value, key))
        if not self.built:
            self.build(tuple(query.shape), tuple(value.shape),
                       None if key is None else tuple(key.shape))
        masks = [getattr(t, "_keras_mask", None) for t in (query, value, key)]
        for name, mask in zip(("query_mask", "value_mask", "key_mask"), masks):
            if mask is not None and name not in kwargs:
                kwargs[name] = mask
        return super().__call__(query, value, key, **kwargs)

    def _projection(self, name: str, shape: tuple) -> tuple:
        kernel = self.add_weight(shape=shape, name=f"{name}/kernel",
                                 initializer=self.kernel_initializer,
                                 regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        bias = None
        if self.use_bias:
            bias_shape = shape[1:] if name != "attention_output" else shape[2:]
            bias = self.add_weight(shape=bias_shape, name=f"{name}/bias",
                                   initializer=self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint)
        return kernel, bias

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        heads = self.num_heads
        self._query = self._projection("query", (query_shape[-1], heads, self.key_dim))
        self._key = self._projection("key", (key_shape[-1], heads, self.key_dim))
        if self.use_gate:
            self._gate = self._projection("gate", (query_shape[-1], heads, self.value_dim))
        self._value = self._projection("value", (value_shape[-1], heads, self.value_dim))
        out = self._output_shape or (query_shape[-1],)
        self._out = self._projection("attention_output", (heads, self.value_dim) + out)
        self.built = True

    @staticmethod
    def _project(x, kernel, bias, subscripts: str):
        y = ops.einsum(subscripts, x, kernel)
        return y if bias is None else y + bias

    def _axes(self, rank: int) -> tuple:
        """``(attention axes, other axes)`` of an input of ``rank``, counted on the input."""
        inner = range(1, rank - 1)
        if rank not in PROJECT:
            raise ValueError(
                f"MultiHeadAttention '{self.name}': inputs must have rank 3 to 6, (batch, "
                f"..., features); received a query of rank {rank}.")
        if self.attention_axes is None:
            return tuple(inner), ()
        attention = tuple(a + rank if a < 0 else a for a in self.attention_axes)
        if any(a not in inner for a in attention) or len(set(attention)) < len(attention):
            raise ValueError(
                f"MultiHeadAttention '{self.name}': attention_axes={self.attention_axes} "
                f"does not fit an input of rank {rank}: each axis must be one of "
                f"{list(inner)} (not the batch or the features), each once.")
        return attention, tuple(a for a in inner if a not in attention)

    def _check_shapes(self, query, value, key, attention, others) -> None:
        fits = query.ndim == value.ndim == key.ndim and all(
            query.shape[a] == value.shape[a] == key.shape[a] for a in (0,) + others) and all(
            value.shape[a] == key.shape[a] for a in attention)
        if not fits:
            raise ValueError(
                f"MultiHeadAttention '{self.name}': query, value and key must have one rank "
                f"and equal sizes on the batch and non-attention axes {list(others)}, and "
                f"value and key equal sizes on the attention axes {list(attention)}; "
                f"received query {tuple(query.shape)}, value {tuple(value.shape)}, key "
                f"{tuple(key.shape)}.")

    def _keep_mask(self, layout, query_mask, value_mask, key_mask, attention_mask,
                   use_causal_mask, like):
        """1 where a query position may attend to a key position, broadcastable to the
        scores ``(batch, *other dims, heads, Tq, Tk)``; None when all may."""
        keep = None
        if query_mask is not None:
            term = layout.flat_mask(query_mask, "query_mask", like)
            keep = ops.expand_dims(ops.expand_dims(term, -2), -1)
        for name, mask in (("value_mask", value_mask), ("key_mask", key_mask)):
            if mask is not None:
                term = ops.expand_dims(ops.expand_dims(layout.flat_mask(mask, name, like),
                                                       -2), -2)
                keep = term if keep is None else keep * term
        if attention_mask is not None:
            term = layout.flat_attention_mask(attention_mask, like)
            keep = term if keep is None else keep * term
        if use_causal_mask or self.sliding_window:
            if len(layout.attention) != 1:
                option = "use_causal_mask" if use_causal_mask else "sliding_window"
                raise ValueError(
                    f"MultiHeadAttention '{self.name}': {option} needs attention over one "
                    f"axis; attention_axes={self.attention_axes} gives "
                    f"{list(layout.attention)}. Pass an attention_mask instead.")
            rows, cols, w = layout.query_size, layout.key_size, self.sliding_window
            band = ops.tri(rows, cols, dtype=like.dtype) if use_causal_mask else 1.0
            if w:  # |i - j| < w: below diagonal w - 1, not below diagonal -w
                band = band * (ops.tri(rows, cols, w - 1, like.dtype)
                               - ops.tri(rows, cols, -w, like.dtype))
            keep = band if keep is None else keep * band
        return keep

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        attention, others = self._axes(query.ndim)
        self._check_shapes(query, value, key, attention, others)
        layout = HeadLayout(attention, others, query.shape, key.shape, self.num_heads)
        q = self._project(query, *self._query, PROJECT[query.ndim])
        k = self._project(key, *self._key, PROJECT[query.ndim])
        v = self._project(value, *self._value, PROJECT[query.ndim])
        q = layout.to_heads(q * (1.0 / math.sqrt(self.key_dim)))
        scores = ops.matmul(q, ops.swapaxes(layout.to_heads(k), -1, -2))
        keep = self._keep_mask(layout, query_mask, value_mask, key_mask, attention_mask,
                               use_causal_mask, scores)
        weights = _masked_softmax(scores, keep)  # one softmax over all key positions
        dropped = _drop(weights, self.dropout, self._generator, training)
        context = layout.from_heads(ops.matmul(dropped, layout.to_heads(v)))
        if self.use_gate:
            context = context * ops.sigmoid(
                self._project(query, *self._gate, PROJECT[query.ndim]))
        extra = "fghi"[:len(self._out[0].shape) - 2]
        inner = "mnop"[:query.ndim - 2]
        subscripts = f"a{inner}cd,cd{extra}->a{inner}{extra}"
        output = self._project(context, *self._out, subscripts)
        if return_attention_scores:
            return output, layout.unflatten_scores(weights)
        return output

    def compute_output_spec(self, inputs, *args, **kwargs):
        return self._trace(inputs, *args, **kwargs)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self._output_shape or (query_shape[-1],))

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads,
                "key_dim": self.key_dim, "value_dim": self.value_dim,
                "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": None if self._output_shape is None else list(
                    self._output_shape),
                "attention_axes": None if self.attention_axes is None else list(
                    self.attention_axes),
                "kernel_initializer": serialize_object(self.kernel_initializer),
                "bias_initializer": serialize_object(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "activity_regularizer": serialize_object(self.activity_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint),
                "bias_constraint": serialize_object(self.bias_constraint),
                "seed": self.seed, "use_gate": self.use_gate,
                "sliding_window": self.sliding_window}
