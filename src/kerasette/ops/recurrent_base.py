"""What the fused recurrent ops share: the time-major sequence, masks, initial states,
and the one graph node each op records over its packed outputs."""

from __future__ import annotations

from .. import backend
from ..autograd import Tensor, as_array, record
from .math import convert_to_tensor
from .shape import getitem

__all__ = ["Sequence", "initial_states", "finish", "start_grads", "parent_grads"]


class Sequence:
    """The time-major input, the step mask and the bookkeeping every fused op shares.

    With ``units_major`` the op keeps each step's arrays as (units, batch) instead of
    (batch, units): the mask and the recurrent-dropout mask are laid out to match, and
    ``project_units_major`` gives the input projection in that layout.
    """

    def __init__(self, op: str, inputs: Tensor, mask, go_backwards: bool, units: int,
                 initial_state, count: int, recurrent_dropout_mask, units_major=False):
        xp = backend.xp
        if inputs.ndim != 3:
            raise ValueError(f"{op}: expected inputs of shape (batch, timesteps, features); "
                             f"received shape {inputs.shape}.")
        self.batch, self.steps, self.features = inputs.shape
        self.go_backwards = go_backwards
        data = inputs.data[:, ::-1] if go_backwards else inputs.data
        self.x = xp.ascontiguousarray(data.transpose(1, 0, 2))
        self.keep = self.keep_f = None
        if mask is not None:
            keep = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
            if keep.shape != (self.batch, self.steps):
                raise ValueError(f"{op}: the mask must have shape (batch, timesteps) = "
                                 f"{(self.batch, self.steps)}; received {keep.shape}.")
            if backend.kernels.may_be_partial(keep):
                keep = keep[:, ::-1] if go_backwards else keep
                keep = keep.T[:, None, :] if units_major else keep.T[:, :, None]
                self.keep = xp.ascontiguousarray(keep)
                self.keep_f = self.keep.astype(inputs.dtype)
        self.states = initial_states(op, initial_state, count, self.batch, units,
                                      inputs.dtype)
        drop = None if recurrent_dropout_mask is None else as_array(recurrent_dropout_mask)
        if units_major and drop is not None:
            drop = xp.ascontiguousarray(drop.T)
        self.drop = drop

    def project(self, kernel, bias):
        """``x @ kernel + bias`` for every step at once: (steps, batch, columns)."""
        flat = self.x.reshape(-1, self.features) @ kernel
        if bias is not None:
            flat += bias
        return flat.reshape(self.steps, self.batch, -1)

    def project_units_major(self, kernel, bias):
        """``x @ kernel + bias`` for every step, laid out (steps, columns, batch)."""
        xp = backend.xp
        projected = xp.matmul(kernel.T, self.x.transpose(0, 2, 1))
        if bias is not None:  # as a whole (columns, batch) block: long contiguous runs
            projected += xp.repeat(bias[:, None], self.batch, axis=1)
        return projected

    def dropped(self, h):
        return h if self.drop is None else h * self.drop

    def carry(self, t: int, previous, current) -> None:
        """Masked-out rows of step ``t`` keep the previous state."""
        if self.keep is not None:
            backend.xp.copyto(current, previous, where=~self.keep[t])

    def split_masked(self, t: int, grads):
        """Zeroes the masked rows of ``grads`` in place; returns what they held (the part
        that flows straight to the previous step through the carried state)."""
        if self.keep is None:
            return None
        skipped = [g * (1 - self.keep_f[t]) for g in grads]
        for g in grads:
            g *= self.keep_f[t]
        return skipped

    def input_grad(self, d_projection, kernel):
        """d loss / d inputs, batch-major and in the original time order.
        ``d_projection`` is (steps, batch, columns) or (steps * batch, columns)."""
        flat = d_projection.reshape(-1, d_projection.shape[-1]) @ kernel.T
        grad = flat.reshape(self.steps, self.batch, self.features).transpose(1, 0, 2)
        return grad[:, ::-1] if self.go_backwards else grad

    def weight_grad(self, left, d_projection):
        """``left^T @ d_projection`` with both flattened over (steps, batch) (either may
        come flattened already, as a (steps * batch, columns) matrix)."""
        return left.reshape(-1, left.shape[-1]).T @ d_projection.reshape(
            -1, d_projection.shape[-1])


def op_tensors(inputs, kernel, recurrent_kernel, bias):
    """A sequence op's arguments as tensors: ``(x, kernel, recurrent, bias, parents)``,
    ``parents`` the ones the op's node depends on (bias only when given)."""
    x, kernel, recurrent = (convert_to_tensor(a) for a in (inputs, kernel, recurrent_kernel))
    bias = None if bias is None else convert_to_tensor(bias)
    return x, kernel, recurrent, bias, [x, kernel, recurrent] + ([] if bias is None else [bias])


def infer_one_state(op: str, loop, x, weights, parents, mask, go_backwards, initial_state,
                    dropout, return_sequences: bool, return_state: bool, *config):
    """A one-state cell's sequence without a graph (SimpleRNN, GRU): ``loop`` is its
    inference loop (``recurrent_inference.simple_rnn`` / ``gru``), called with the
    units-major ``Sequence``, the ``weights`` (kernel, recurrent, bias) as arrays, the
    cell's ``config``, whether every step's output is wanted and the input tensor (an
    embedding lookup may give the input projections)."""
    kernel, recurrent, bias = weights
    seq = Sequence(op, x, mask, go_backwards, recurrent.shape[0], initial_state, 1, dropout,
                   units_major=True)
    hs = loop(seq, kernel.data, recurrent.data, None if bias is None else bias.data, *config,
              return_sequences, inputs=x)
    return finish(seq, hs, [], parents + seq.states, None, return_sequences, return_state)


def tensor_states(initial_state) -> list[Tensor]:
    """The initial states given as tensors (whether they need a gradient decides the path)."""
    return [s for s in initial_state or () if isinstance(s, Tensor)]


def initial_states(op, initial_state, count, batch, units, dtype) -> list[Tensor]:
    if initial_state is None:
        return [Tensor(backend.xp.zeros((batch, units), dtype=dtype)) for _ in range(count)]
    states = [convert_to_tensor(s) for s in initial_state]
    if len(states) != count:
        raise ValueError(f"{op}: expected {count} initial state tensor(s); received "
                         f"{len(states)}.")
    for index, state in enumerate(states):
        if state.shape != (batch, units):
            raise ValueError(f"{op}: initial_state[{index}] must have shape (batch, units) = "
                             f"{(batch, units)}; received {state.shape}.")
    return [s if s.dtype == dtype else Tensor(s.data.astype(dtype)) for s in states]


def finish(seq: Sequence, hs, extra_states, parents, backward, return_sequences: bool,
            return_state: bool):
    """Records the node over the packed outputs and returns what the layer returns.

    ``hs`` (steps + 1, batch, units) holds the initial and every step's output;
    ``backward(g_seq, g_last, g_extra)`` receives the gradient of the output sequence
    (or of the last output) and of each extra state (the LSTM's ``c``).
    """
    xp = backend.xp
    outputs = hs[1:].transpose(1, 0, 2) if return_sequences else hs[-1][:, None]
    width = outputs.shape[1]
    if return_state:
        packed = xp.concatenate([outputs] + [s[:, None] for s in extra_states], axis=1)
    else:
        packed = xp.ascontiguousarray(outputs if return_sequences else outputs[:, 0])

    def node_backward(g):
        if return_state:
            g_out, g_extra = g[:, :width], [g[:, width + k] for k in range(len(extra_states))]
        else:
            g_out, g_extra = (g if return_sequences else g[:, None]), [None] * len(
                extra_states)
        if return_sequences:
            return backward(g_out, None, g_extra)
        return backward(None, g_out[:, 0], g_extra)

    node = record(packed, tuple(parents), node_backward)
    if not return_state:
        return node
    everything = slice(None)
    output = getitem(node, (everything, slice(0, width)) if return_sequences
                     else (everything, 0))
    states = [getitem(node, (everything, width - 1))]
    states += [getitem(node, (everything, width + k)) for k in range(len(extra_states))]
    return [output] + states


def start_grads(seq: Sequence, g_last, g_extra, units: int, dtype) -> list:
    """The gradient w.r.t. the final state(s), as fresh arrays BPTT can update in place."""
    xp = backend.xp
    grads = []
    for g in [g_last] + list(g_extra):
        grads.append(xp.zeros((seq.batch, units), dtype) if g is None else g.astype(
            dtype, copy=True))
    return grads


def parent_grads(parents, grads):
    return tuple(g if p.requires_grad else None for p, g in zip(parents, grads))
