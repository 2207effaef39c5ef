"""How ``MultiHeadAttention`` lays its inputs out: the einsum of each projection, and
``HeadLayout``, which turns attention over any input axes into one batched matmul (the
masks laid out alike). Used by ``layers.attention`` only."""

from __future__ import annotations

import math

from .. import backend, ops
from ..autograd import Tensor

__all__ = ["PROJECT", "HeadLayout", "mask_like"]


def mask_like(mask, like: Tensor) -> Tensor:
    """A boolean or 0/1 mask as a float Tensor in ``like``'s dtype, on its device."""
    data = mask.data if isinstance(mask, Tensor) else backend.xp.asarray(mask)
    return Tensor(data.astype(like.dtype))


# ``(batch, *dims, features) x (features, heads, d) -> (batch, *dims, heads, d)``
PROJECT = {rank: f"a{'mnop'[:rank - 2]}c,cde->a{'mnop'[:rank - 2]}de" for rank in (3, 4, 5, 6)}


class HeadLayout:
    """How ``MultiHeadAttention`` lays its projections out for one batched matmul.

    A projection ``(batch, *dims, heads, d)`` becomes ``(batch, *other dims, heads, T, d)``:
    the axes attention does not run over act as batch axes, and the attention axes are
    flattened into one axis ``T`` (so one softmax covers them all). ``from_heads`` undoes
    it; masks given on the input's axes are laid out the same way.
    """

    def __init__(self, attention, others, query_shape, key_shape, heads):
        self.attention, self.others = attention, others
        self.query_dims = tuple(query_shape[a] for a in attention)
        self.key_dims = tuple(key_shape[a] for a in attention)
        self.query_size, self.key_size = math.prod(self.query_dims), math.prod(self.key_dims)
        self.lead = (query_shape[0],) + tuple(query_shape[a] for a in others)
        self.heads = heads
        rank = len(query_shape) + 1  # projected: heads at rank - 2, d at rank - 1
        self.perm = (0,) + others + (rank - 2,) + attention + (rank - 1,)
        self.identity = self.perm == tuple(range(rank))

    def to_heads(self, x: Tensor) -> Tensor:
        x = x if self.identity else ops.transpose(x, self.perm)
        if len(self.attention) == 1:
            return x
        return ops.reshape(x, x.shape[:len(self.lead) + 1] + (-1, x.shape[-1]))

    def from_heads(self, x: Tensor) -> Tensor:
        if len(self.attention) != 1:
            x = ops.reshape(x, x.shape[:-2] + self.query_dims + (x.shape[-1],))
        if self.identity:
            return x
        inverse = sorted(range(len(self.perm)), key=self.perm.__getitem__)
        return ops.transpose(x, tuple(inverse))

    def unflatten_scores(self, weights: Tensor) -> Tensor:
        if len(self.attention) == 1:
            return weights
        return ops.reshape(weights, weights.shape[:-2] + self.query_dims + self.key_dims)

    def flat_mask(self, mask, name: str, like: Tensor) -> Tensor:
        """A mask over the input's axes but the features, ``(batch, *dims)``, as
        ``(batch, *other dims, T)``."""
        mask = mask_like(mask, like)
        rank = len(self.perm) - 2
        if mask.ndim != rank:
            raise ValueError(f"MultiHeadAttention: `{name}` must cover every input axis but "
                             f"the features, rank {rank}; received shape {tuple(mask.shape)}.")
        order = (0,) + self.others + self.attention
        if order != tuple(range(rank)):
            mask = ops.transpose(mask, order)
        return ops.reshape(mask, mask.shape[:len(self.lead)] + (-1,))

    def flat_attention_mask(self, mask, like: Tensor) -> Tensor:
        """``attention_mask``, shaped like the scores without the heads axis (leading axes
        may be missing), as a mask broadcastable to the flat scores."""
        mask = mask_like(mask, like)
        n, given = len(self.attention), tuple(mask.shape)
        scores = self.lead + self.query_dims + self.key_dims
        if not 2 * n <= mask.ndim <= len(scores) + 1:
            raise ValueError(
                f"MultiHeadAttention: `attention_mask` must be shaped like the attention "
                f"scores without the heads axis, {scores}; received shape {given}.")
        while mask.ndim < len(scores) + 1:  # a heads axis, and any leading axes left out
            mask = ops.expand_dims(mask, mask.ndim - 2 * n)
        heads = mask.shape[len(self.lead)]
        full = self.lead + (heads,) + self.query_dims + self.key_dims
        if heads not in (1, self.heads) or any(
                m not in (1, f) for m, f in zip(mask.shape, full)):
            raise ValueError(
                f"MultiHeadAttention: `attention_mask` of shape {given} does not broadcast "
                f"to the attention scores {scores} (without the heads axis).")
        mask = ops.broadcast_to(mask, full)
        return ops.reshape(mask, self.lead + (heads, self.query_size, self.key_size))
