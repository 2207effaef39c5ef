"""Records one forward pass of a subclassed model's ``call`` for ONNX export.

While a ``Trace`` is active, ``Layer.__call__``, the functions of ``kerasette.ops`` and
``kerasette.activations`` and the operators of ``Tensor`` are wrapped: a call of a layer
that has an ONNX converter (a *leaf*) is recorded whole, without looking inside; any
other layer (a custom layer, a nested model) runs transparently, so its own layer calls
and ops are recorded; an op that reads a tensor derived from the inputs is recorded with
its arguments. Everything is put back when the trace ends.

As with ``torch.onnx``, Python control flow runs once, for the sample input: the graph
holds the branch and the loop count that the sample took.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from .. import activations, ops
from ..autograd import Tensor, no_grad
from ..layers.base import Layer
from ..layers.symbolic import flatten

__all__ = ["Event", "Trace", "trace_call"]

# Tensor methods and the op each stands for; a reflected operator swaps its operands.
_OPERATORS = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("subtract", False), "__rsub__": ("subtract", True),
    "__mul__": ("multiply", False), "__rmul__": ("multiply", True),
    "__truediv__": ("divide", False), "__rtruediv__": ("divide", True),
    "__pow__": ("power", False), "__rpow__": ("power", True),
    "__matmul__": ("matmul", False), "__rmatmul__": ("matmul", True),
    "__neg__": ("negative", False), "__abs__": ("abs", False),
    "__getitem__": ("getitem", False), "__eq__": ("equal", False),
    "__ne__": ("not_equal", False), "__lt__": ("less", False),
    "__le__": ("less_equal", False), "__gt__": ("greater", False),
    "__ge__": ("greater_equal", False), "sum": ("sum", False), "mean": ("mean", False),
    "max": ("max", False), "min": ("min", False), "astype": ("cast", False),
}
# Ops that return host values (not tensors), and the activations module's lookups.
_SKIPPED = {"shape", "ndim", "size", "get", "serialize", "deserialize"}


@dataclass
class Event:
    """One recorded call: ``kind`` is "layer" (``target`` is the layer) or "op"
    (``target`` is the op's name); ``args`` and ``kwargs`` are as called."""

    kind: str
    target: object
    args: tuple
    kwargs: dict
    outputs: object
    masked: bool = False
    opaque: bool = False  # a layer whose output untraced code computed
    function: object = None  # the op's original function (its signature binds ``args``)

    def tensors_in(self) -> list[Tensor]:
        return [t for t in flatten((list(self.args), self.kwargs)) if isinstance(t, Tensor)]

    def tensors_out(self) -> list[Tensor]:
        return [t for t in flatten(self.outputs) if isinstance(t, Tensor)]

    def describe(self) -> str:
        if self.kind == "layer":
            return f"layer '{self.target.name}' ({type(self.target).__name__})"
        return f"keras.ops.{self.target}"


@dataclass
class Trace:
    """The events of one forward pass and the tensors that depend on the inputs."""

    is_leaf: object
    events: list = field(default_factory=list)
    producer: dict = field(default_factory=dict)  # id(tensor) -> Event
    derived: set = field(default_factory=set)  # ids of tensors computed from the inputs
    constants: set = field(default_factory=set)  # ids of traced results free of inputs
    keep: list = field(default_factory=list)  # holds traced tensors so ids stay unique
    depth: int = 0  # > 0 inside a leaf layer or a recorded op: nothing is recorded there

    def mark_inputs(self, tensors) -> None:
        for t in tensors:
            self.derived.add(id(t))
            self.keep.append(t)

    def _depends(self, structure) -> bool:
        return any(isinstance(t, Tensor) and id(t) in self.derived for t in flatten(structure))

    def _run(self, fn, args, kwargs):
        self.depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.depth -= 1

    def _record(self, event: Event):
        self.events.append(event)
        self.keep.append(event)
        for t in event.tensors_out():
            if id(t) not in self.derived:  # a result that is an input passes through
                self.derived.add(id(t))
                self.producer[id(t)] = event
        return event.outputs

    def _constant(self, outputs):
        if not self.depth:
            for t in flatten(outputs):
                if isinstance(t, Tensor) and id(t) not in self.derived:
                    self.constants.add(id(t))
                    self.keep.append(t)
        return outputs

    def call_op(self, name: str, fn, args: tuple, kwargs: dict, function=None):
        """Runs ``fn``; records it as op ``name`` when it reads a traced tensor.

        ``function`` is the public op whose signature binds ``args`` (None: ``ops.<name>``).
        """
        if self.depth:
            return self._run(fn, args, kwargs)
        if not self._depends((list(args), kwargs)):
            return self._constant(self._run(fn, args, kwargs))
        outputs = self._run(fn, args, kwargs)
        return self._record(Event("op", name, args, kwargs, outputs, function=function))

    def call_layer(self, original, layer, inputs, args, kwargs):
        """A leaf layer is recorded whole; any other runs with its inside traced, and is
        recorded (as a layer with no ONNX form) only if untraced code made its output."""
        if self.depth:
            return original(layer, inputs, *args, **kwargs)
        if not self._depends((inputs, args, kwargs)):
            return self._constant(original(layer, inputs, *args, **kwargs))
        if not self.is_leaf(layer):
            outputs = original(layer, inputs, *args, **kwargs)
            if any(isinstance(t, Tensor) and id(t) not in self.derived
                   for t in flatten(outputs)):
                self._record(Event("layer", layer, (inputs,) + args, kwargs, outputs,
                                   opaque=True))
            return outputs
        masked = kwargs.get("mask") is not None or any(
            getattr(t, "_keras_mask", None) is not None for t in flatten(inputs))
        outputs = self._run(original, (layer, inputs) + args, kwargs)
        return self._record(Event("layer", layer, (inputs,) + args, kwargs, outputs, masked))


def _op_names() -> dict:
    """``id(function) -> op name`` for the public ops (activations reuse these objects)."""
    names = {}
    for name in ops.__all__:
        fn = getattr(ops, name, None)
        if callable(fn) and name not in _SKIPPED:
            names.setdefault(id(fn), name)
    return names


_MISSING = object()


@contextlib.contextmanager
def _patched(trace: Trace):
    """Wraps the ops, activations, Tensor operators and ``Layer.__call__`` for ``trace``;
    everything is put back on exit, also after an error. (Not thread-safe: another thread
    running the model meanwhile would be traced too.)"""
    saved = []

    def patch(owner, attribute, value):
        saved.append((owner, attribute, owner.__dict__.get(attribute, _MISSING)))
        setattr(owner, attribute, value)

    def op_wrapper(name, fn):
        return lambda *args, **kwargs: trace.call_op(name, fn, args, kwargs, fn)

    names, transpose, original_call = _op_names(), Tensor.__dict__["T"], Layer.__call__
    try:
        for module in (ops, activations):
            for attribute in module.__all__:
                fn = getattr(module, attribute, None)
                if callable(fn) and attribute not in _SKIPPED and not isinstance(fn, type):
                    patch(module, attribute, op_wrapper(names.get(id(fn), attribute), fn))
        for attribute, (name, reflected) in _OPERATORS.items():
            method = getattr(Tensor, attribute)
            patch(Tensor, attribute, _operator(trace, name, reflected, method))
        for attribute, make in (("reshape", _reshape_method), ("transpose", _transpose_method)):
            patch(Tensor, attribute, make(trace, getattr(Tensor, attribute)))
        patch(Tensor, "T", property(lambda self: trace.call_op(
            "transpose", lambda x, axes: transpose.fget(x), (self, None), {})))
        patch(Layer, "__call__", lambda layer, inputs, *args, **kwargs: trace.call_layer(
            original_call, layer, inputs, args, kwargs))
        yield
    finally:
        for owner, attribute, value in reversed(saved):
            if value is _MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, value)


def _operator(trace, name, reflected, method):
    if reflected:
        return lambda self, other: trace.call_op(
            name, lambda a, b: method(b, a), (other, self), {})
    return lambda self, *args, **kwargs: trace.call_op(
        name, lambda *a, **k: method(*a, **k), (self,) + args, kwargs)


def _reshape_method(trace, method):
    def reshape(self, *shape):
        new_shape = shape[0] if len(shape) == 1 else shape
        return trace.call_op("reshape", lambda x, s: method(x, s), (self, new_shape), {})
    return reshape


def _transpose_method(trace, method):
    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return trace.call_op("transpose", lambda x, a: method(x, *(a or ())),
                             (self, tuple(axes) or None), {})
    return transpose


def _stored_tensors(model) -> list[Tensor]:
    """The tensors kept as attributes of the model and its layers (constants that
    ``__init__`` made, such as ``self.offset = ops.convert_to_tensor(...)``)."""
    found, layers, seen = [], [model], set()
    while layers:
        layer = layers.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        for value in flatten(list(vars(layer).values())):
            if isinstance(value, Tensor):
                found.append(value)
            elif isinstance(value, Layer):
                layers.append(value)
    return found


def trace_call(model, args: tuple, is_leaf) -> tuple[Trace, object]:
    """Runs ``model(*args, training=False)`` once under a trace; returns it and the outputs."""
    trace = Trace(is_leaf)
    trace.mark_inputs([t for t in flatten(list(args)) if isinstance(t, Tensor)])
    for tensor in _stored_tensors(model):
        trace.constants.add(id(tensor))
        trace.keep.append(tensor)
    with no_grad(), _patched(trace):
        outputs = model(*args, training=False)
    return trace, outputs
