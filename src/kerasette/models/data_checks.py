"""Checks of array data against the model, made once per call on the host, before upload.

``fit`` / ``evaluate`` / ``predict`` / the batch methods compare what they are given with
what the model's symbolic inputs and outputs declare, so that a wrong shape, a dict key that
matches no input or a label outside the class range is an error naming ``x`` or ``y``, the
expected and the received value, raised before any weight changes. ``fit`` also warns once
when the data hold NaN or inf (``validation_data`` included). Batches from a generator or
a ``Sequence`` get the shape and label checks batch by batch, without the NaN scan.

None of this reads the device: arrays already there (CuPy) get the shape checks only
(shapes are metadata); their labels are checked by the loss at the next read-back, and NaN
in them shows as a NaN loss (``TerminateOnNaN``). Models whose outputs are not known before
the first batch (subclassed, or a ``Sequential`` without an input shape) get the loss's
check only.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd import Tensor
from ..layers.symbolic import flatten

__all__ = ["conform_inputs", "order_targets", "check_labels", "warn_non_finite"]


def _symbolic(model, which: str):
    """``(names, shapes)`` of the model's symbolic inputs or outputs; None when unknown
    (a subclassed model, or a Sequential that is not built yet)."""
    try:
        tensors, names = getattr(model, which + "s"), getattr(model, which + "_names")
    except (AttributeError, TypeError, ValueError):
        return None
    if not tensors or len(names) != len(tensors):
        return None
    return list(names), [tuple(t.shape) for t in tensors]


# ---- x against the model's inputs -------------------------------------------------------
def conform_inputs(model, x, argument: str = "x"):
    """``x`` matched with the model's inputs: a dict by input name (unknown keys refused
    when an input is missing, else ignored with a warning, as Keras does), every array's
    rank compared with its input's. As in Keras, an array one axis short of an input
    whose last axis is 1 gains that axis (``(n,)`` for ``(None, 1)``), one with an extra
    trailing axis of 1 loses it, and any other rank is refused naming both shapes.
    ``argument`` names ``x`` in the errors (``"validation_data[0]"`` for validation)."""
    spec = _symbolic(model, "input")
    if spec is None:
        return x
    names, shapes = spec
    if isinstance(x, dict):
        x = _match_keys(model, x, names, argument)
        return {name: _conform(x[name], shape, name, model, f"{argument}[{name!r}]")
                for name, shape in zip(names, shapes)} if set(names) <= set(x) else x
    leaves = flatten(x) if isinstance(x, (list, tuple)) else [x]
    if len(leaves) != len(names) or any(a is None for a in leaves):
        return x  # the model names the count mismatch itself
    what = [argument] if len(names) == 1 else [
        f"{argument}[{i}]" for i in range(len(names))]
    fixed = [_conform(a, s, n, model, w) for a, s, n, w in zip(leaves, shapes, names, what)]
    return fixed[0] if not isinstance(x, (list, tuple)) else fixed


def _match_keys(model, x: dict, names: list, argument: str) -> dict:
    unknown = [key for key in x if key not in names]
    if not unknown:
        return x
    missing = [name for name in names if name not in x]
    if missing:
        raise ValueError(f"`{argument}` has the key(s) {unknown}, which match no input of "
                         f"model '{model.name}'; its inputs are named {names} (no data for "
                         f"{missing}). Rename the keys to the input names (the `name=` "
                         f"given to keras.Input).")
    warnings.warn(f"Input dict `{argument}` contained keys {unknown} which did not match any "
                  f"input of model '{model.name}' (inputs {names}). They will be ignored by "
                  f"the model.", stacklevel=6)
    return {key: value for key, value in x.items() if key in names}


def _conform(array, expected: tuple, name: str, model, what: str):
    shape = tuple(getattr(array, "shape", ()))
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        return _reshaped(array, shape + (1,))
    if len(shape) == len(expected) + 1 and shape[-1] == 1:
        return _reshaped(array, shape[:-1])
    if len(shape) == len(expected):
        return array  # the first layer's input spec names a wrong size, as in Keras
    message = (f"Input '{name}' of model '{model.name}' expects arrays of shape "
               f"{_spelled(expected)} (None: any size), but `{what}` has shape {shape}.")
    features = expected[1:]
    if len(shape) == 1 and len(expected) == 2 and shape[0] == features[0]:
        message += (f" For a single sample, add the batch axis: `{what}[None]` or "
                    f"`np.expand_dims({what}, 0)`.")
    elif len(shape) == 1 and len(expected) == 2:
        message += (f" A 1-D array is one feature per sample, which fits only an input of "
                    f"shape (None, 1); reshape it to (samples, {features[0]}).")
    raise ValueError(message)


def _spelled(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _reshaped(array, shape: tuple):
    if isinstance(array, Tensor):
        return Tensor(array.data.reshape(shape))
    return array.reshape(shape)


# ---- y and sample_weight dicts against the outputs ---------------------------------------
def order_targets(model, targets, argument: str = "y"):
    """A dict of ``targets`` (``y`` or ``sample_weight``) in the order of the model's
    outputs, so each output gets its own entry whatever order the dict was written in.
    Keys are the output names (or the keys of a dict of outputs); a key that names no
    output, or an output without an entry, raises ``ValueError`` naming both."""
    spec = _symbolic(model, "output")
    if not isinstance(targets, dict) or spec is None:
        return targets
    names = spec[0]
    struct = getattr(model, "_output_struct", None)
    keys = list(struct) if isinstance(struct, dict) and len(struct) == len(names) else names
    order = keys if set(targets) <= set(keys) and not set(targets) <= set(names) else names
    unknown = [key for key in targets if key not in order]
    missing = [name for name in order if name not in targets]
    if unknown or missing:
        raise ValueError(f"`{argument}` is a dict with the key(s) {list(targets)}, but model "
                         f"'{model.name}' has the outputs {order}"
                         + (f"; {unknown} match no output" if unknown else "")
                         + (f"; no entry for {missing}" if missing else "")
                         + ". Key each target by its output's name.")
    return {key: targets[key] for key in order}


# ---- y against the outputs' class counts ------------------------------------------------
def _squashed_name(identifier) -> str:
    if isinstance(identifier, str):
        name = identifier
    else:
        name = getattr(identifier, "name", None) or getattr(identifier, "__name__", None) \
            or type(identifier).__name__
    return str(name).lower().replace("_", "")


def _takes_class_ids(identifier) -> bool:
    """True for the losses and metrics that take integer class ids (the sparse ones)."""
    name = _squashed_name(identifier)
    return "sparsecategorical" in name or "sparsetopk" in name


def _per_output(spec, names: list) -> list:
    if isinstance(spec, dict):
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1 and len(spec) == len(names):
        return list(spec)
    return [spec] * len(names)


def _metrics_per_output(spec, names: list) -> list:
    """``compile(metrics=...)`` spread over the outputs as ``CompileState`` spreads it."""
    if isinstance(spec, dict):
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1 and len(spec) == len(names) and all(
            isinstance(s, (list, tuple)) or s is None for s in spec):
        return list(spec)
    return [spec] * len(names)


def _label_users(state, names: list, labels: list, shapes: list) -> list:
    """For each output, the name of the loss or metric that wants class ids, or None."""
    losses = _per_output(state.loss_spec, names)
    plain = _metrics_per_output(state.metrics_spec, names)
    weighted = _metrics_per_output(state.weighted_metrics_spec, names)
    found = []
    for loss, wanted, more, y, shape in zip(losses, plain, weighted, labels, shapes):
        wanted = flatten([wanted, more])
        users = [loss] + [m for m in wanted if m is not None]
        user = next((u for u in users if u is not None and _takes_class_ids(u)), None)
        got = tuple(getattr(y, "shape", ()))
        sparse_shape = y is not None and shape[-1] not in (None, 1) and (
            len(got) < len(shape) or got[-1:] == (1,))
        if user is None and sparse_shape and any(
                isinstance(m, str) and m.lower() in ("accuracy", "acc") for m in wanted):
            user = "accuracy"  # resolved to sparse_categorical_accuracy from the shapes
        found.append(None if user is None else _display_name(user))
    return found


def _display_name(identifier) -> str:
    if isinstance(identifier, str):
        return identifier
    return getattr(identifier, "name", None) or getattr(identifier, "__name__", None) or \
        type(identifier).__name__


def check_labels(model, y, argument: str = "y") -> None:
    """Refuses host labels outside ``[0, classes)`` for the outputs whose loss or metric
    takes class ids (``sparse_categorical_crossentropy``, ``SparseCategoricalAccuracy``,
    ...), naming ``y``, the value, the valid range and the output's units."""
    state = getattr(model, "_compile_state", None)
    spec = _symbolic(model, "output")
    if state is None or spec is None or y is None:
        return
    names, shapes = spec
    if isinstance(y, dict):
        labels = list(order_targets(model, y).values())
    else:
        labels = flatten(y) if isinstance(y, (list, tuple)) else [y]
    if len(labels) != len(names):
        return
    for index, user in enumerate(_label_users(state, names, labels, shapes)):
        classes = shapes[index][-1]
        if user is None or labels[index] is None:
            continue
        what = argument if len(names) == 1 else f"{argument}[{names[index]!r}]" if \
            isinstance(y, dict) else f"{argument}[{index}]"
        _check_ids_shape(tuple(labels[index].shape), shapes[index], what, user)
        if isinstance(labels[index], np.ndarray) and classes:
            _check_range(labels[index], classes, what, names[index], user)


def _check_ids_shape(got: tuple, output: tuple, what: str, user) -> None:
    """Class ids come one per sample (and time step): no axis of classes."""
    if len(got) != len(output) or got[-1] == 1:
        return
    one_hot = got[-1] == output[-1]
    raise ValueError(
        f"`{what}` has shape {got}, but {user!r} takes integer class ids, one per sample: "
        f"shape {got[:-1]} or {got[:-1] + (1,)}."
        + (" These look like one-hot rows: pass `y.argmax(axis=-1)`, or use the "
           "categorical (not sparse) loss and metric." if one_hot else ""))


def _check_range(labels: np.ndarray, classes: int, what: str, output: str, user) -> None:
    if labels.size == 0 or labels.dtype.kind not in "iuf":
        return
    if labels.dtype.kind == "f":
        labels = labels[np.isfinite(labels)]
        if labels.size == 0:
            return
    ids = labels.astype(np.int64)  # as the loss reads them
    low, high = int(ids.min()), int(ids.max())
    if low >= 0 and high < classes:
        return
    value = high if high >= classes else low
    hint = (" They look 1-based: subtract 1 (`y - 1`)." if low == 1 and high == classes
            else f" Give output '{output}' at least {high + 1} units, or map the labels to "
            f"0..{classes - 1}." if low >= 0 else " Class ids cannot be negative.")
    raise ValueError(f"Received a label value of {value} in `{what}`, which is outside the "
                     f"valid range of [0, {classes}) for output '{output}' with {classes} "
                     f"units: {user!r} takes integer class ids in [0, {classes - 1}].{hint}")


# ---- NaN and inf ------------------------------------------------------------------------
def warn_non_finite(parts: dict, stacklevel: int = 6) -> None:
    """One warning naming each of ``parts`` (``{"x": x, "y": y}``) whose host float arrays
    hold NaN or inf, with how many of each."""
    found = []
    for what, part in parts.items():
        nan = inf = 0
        for array in flatten(part):
            if isinstance(array, np.ndarray) and array.dtype.kind in "fc":
                counts = _non_finite(array)
                nan, inf = nan + counts[0], inf + counts[1]
        if nan or inf:
            found.append(f"`{what}` holds {nan} NaN and {inf} infinite value(s)")
    if found:
        warnings.warn("; ".join(found) + ". The loss and the weights will likely become NaN: "
                      "clean the data first (drop the rows, or `np.nan_to_num`), or stop on "
                      "a NaN loss with `keras.callbacks.TerminateOnNaN()`.",
                      stacklevel=stacklevel)


_CHUNK = 1 << 20  # elements per pass: bounded temporaries on a large training set


def _non_finite(array: np.ndarray) -> tuple[int, int]:
    """How many NaN and how many infinite values ``array`` holds (one fast pass when it
    holds none)."""
    flat = array.reshape(-1)
    nan = inf = 0
    for start in range(0, flat.size, _CHUNK):
        part = flat[start:start + _CHUNK]
        if not np.isfinite(part).all():
            nan += int(np.count_nonzero(np.isnan(part)))
            inf += int(np.count_nonzero(np.isinf(part)))
    return nan, inf
