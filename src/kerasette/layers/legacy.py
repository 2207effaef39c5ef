"""Keras 1 argument names, accepted with a warning that shows the Keras 2 call.

Keras 2 converted Keras 1 calls such as ``Convolution2D(32, 3, 3, border_mode="same")``
or ``Dense(output_dim=10, init="normal")`` and warned; kerasette does the same, and the
warning points at the user's line. A call that could mean two things is refused, never
guessed, and an old spelling passed together with its new one is a TypeError naming both.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings

from .arguments import is_int

__all__ = ["warn", "keras1_arguments", "convolution_kernel", "sequence_input", "DENSE",
           "CONVOLUTION", "POOLING", "RECURRENT", "EMBEDDING", "DROPOUT"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def warn(message: str, category: type = UserWarning) -> None:
    """``warnings.warn`` attributed to the first frame outside kerasette: the user's line,
    however deep inside the library (subclass ``__init__`` chains) the warning is raised."""
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_WEIGHTS = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
            "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
            "b_constraint": "bias_constraint", "bias": "use_bias"}
DENSE = {"output_dim": "units", **_WEIGHTS}
CONVOLUTION = {"nb_filter": "filters", "subsample": "strides", "subsample_length": "strides",
               "border_mode": "padding", "dim_ordering": "data_format", **_WEIGHTS}
POOLING = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding",
           "dim_ordering": "data_format"}
RECURRENT = {"output_dim": "units", "init": "kernel_initializer",
             "inner_init": "recurrent_initializer", "inner_activation": "recurrent_activation",
             "W_regularizer": "kernel_regularizer", "U_regularizer": "recurrent_regularizer",
             "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
             "U_constraint": "recurrent_constraint", "b_constraint": "bias_constraint",
             "dropout_W": "dropout", "dropout_U": "recurrent_dropout"}
EMBEDDING = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
             "W_constraint": "embeddings_constraint"}
DROPOUT = {"p": "rate"}
_VALUES = {"dim_ordering": {"tf": "channels_last", "th": "channels_first", "default": None}}


def keras1_arguments(renames: dict, convert=None):
    """Decorator for a layer's ``__init__``: each Keras 1 keyword of ``renames`` (old ->
    new) is passed on under its new name, with one warning that shows the Keras 2 call.

    ``convert(layer, args, kwargs)``, if given, first rewrites what is more than a rename
    (the kernel of ``Convolution2D(32, 3, 3)``) and returns ``(args, kwargs, notes)``.
    """
    def decorate(init):
        parameters = list(inspect.signature(init).parameters.values())[1:]
        names = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]

        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            notes = []
            if convert is not None:
                args, kwargs, notes = convert(self, args, kwargs)
            if notes or renames.keys() & kwargs.keys():
                where = type(self).__name__
                kwargs, renamed = _rename(where, renames, dict(zip(names, args)), kwargs)
                warn(f"Update your `{where}` call to the Keras 2 API: "
                     f"{_call_text(where, names, args, kwargs)} "
                     f"({'; '.join(notes + renamed)}).")
            return init(self, *args, **kwargs)

        return wrapper

    return decorate


def _rename(where: str, renames: dict, bound: dict, kwargs: dict) -> tuple[dict, list]:
    for old in renames.keys() & kwargs.keys():
        new = renames[old]
        if new in kwargs or new in bound:
            raise TypeError(f"`{where}` received both the Keras 1 argument `{old}` and its "
                            f"Keras 2 spelling `{new}`; pass only `{new}`.")
    result, notes = {}, []
    for key, value in kwargs.items():
        if key not in renames:
            result[key] = value
            continue
        if isinstance(value, str):
            value = _VALUES.get(key, {}).get(value, value)
        result[renames[key]] = value
        notes.append(f"`{key}` is now `{renames[key]}`")
    return result, notes


def _call_text(where: str, names: list, args: tuple, kwargs: dict) -> str:
    order = {name: i for i, name in enumerate(names)}
    keys = sorted(kwargs, key=lambda k: order.get(k, len(order)))  # stable for the rest
    parts = [_short(v) for v in args] + [f"{k}={_short(kwargs[k])}" for k in keys]
    return f"`{where}({', '.join(parts)})`"


def _short(value) -> str:
    text = "array" if hasattr(value, "shape") and hasattr(value, "dtype") else repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


_KERNEL_NAMES = {1: ("filter_length",), 2: ("nb_row", "nb_col"),
                 3: ("kernel_dim1", "kernel_dim2", "kernel_dim3")}
_KERAS2_ONLY = ("strides", "padding", "data_format", "dilation_rate")


def convolution_kernel(layer, args: tuple, kwargs: dict):
    """The Keras 1 kernel of a convolution: ``Convolution2D(32, 3, 3)``,
    ``Convolution2D(32, nb_row=3, nb_col=3)``, ``Convolution1D(64, filter_length=3)``
    become ``kernel_size``, as Keras 2 converted them. Integers after ``filters`` that
    could be the Keras 2 ``strides`` (a Keras 2 keyword is also passed, or more
    positional arguments follow) are refused as ambiguous."""
    where, rank = type(layer).__name__, layer.rank
    _refuse_other_ranks(where, rank, kwargs)
    names, lead = _KERNEL_NAMES[rank], list(args[1:])
    given = [n for n in names if n in kwargs]
    if given:
        if "kernel_size" in kwargs or len(lead) + len(given) > rank:
            raise TypeError(f"`{where}` received both the Keras 1 argument(s) "
                            f"{_listing(given)} and the Keras 2 argument `kernel_size`; "
                            f"pass only `kernel_size`.")
        if tuple(given) != names[len(lead):] or not all(is_int(v) for v in lead):
            raise TypeError(f"`{where}`: the Keras 1 kernel size needs all of "
                            f"{_listing(names)}; received {_listing(given)}. Pass "
                            f"`kernel_size` instead.")
        kwargs = dict(kwargs)
        kernel = tuple(lead) + tuple(kwargs.pop(n) for n in given)
        note = f"{_listing(names, '/')} now form `kernel_size`"
    elif rank > 1 and len(lead) >= rank and all(is_int(v) for v in lead[:rank]):
        _refuse_ambiguous(where, rank, args, kwargs)
        kernel = tuple(lead)
        note = (f"the {rank} integers after `filters` are Keras 1's {_listing(names, ', ')}; "
                f"the Keras 2 argument after `kernel_size` is `strides`")
    else:
        return (args, kwargs, []) if rank > 1 else sequence_input(layer, args, kwargs)
    kernel = kernel[0] if rank == 1 else kernel
    if args:
        args = (args[0], kernel)
    else:
        kwargs["kernel_size"] = kernel
    if rank == 1:
        args, kwargs, more = sequence_input(layer, args, kwargs)
        return args, kwargs, [note] + more
    return args, kwargs, [note]


def _refuse_other_ranks(where: str, rank: int, kwargs: dict) -> None:
    for other, names in _KERNEL_NAMES.items():
        for name in names:
            if other != rank and name in kwargs:
                raise TypeError(f"`{where}`: `{name}` is a Keras 1 argument of "
                                f"Convolution{other}D, not of a {rank}-D convolution; pass "
                                f"`kernel_size`.")
    wrong = "subsample" if rank == 1 else "subsample_length"
    if wrong in kwargs:
        right = "subsample_length" if rank == 1 else "subsample"
        raise TypeError(f"`{where}`: `{wrong}` is not a Keras 1 argument of a {rank}-D "
                        f"convolution (that was `{right}`); pass `strides`.")


def _refuse_ambiguous(where: str, rank: int, args: tuple, kwargs: dict) -> None:
    clash = [k for k in _KERAS2_ONLY if k in kwargs]
    if len(args) == rank + 1 and not clash:
        return
    ints = ", ".join(map(repr, args[1:rank + 1]))
    reason = (f"it also passes the Keras 2 argument(s) {_listing(clash)}" if clash else
              "more positional arguments follow")
    raise ValueError(
        f"`{where}({args[0]!r}, {ints}, ...)` is ambiguous: Keras 1 reads the integers "
        f"after `filters` as the kernel size ({_listing(_KERNEL_NAMES[rank], ', ')}), "
        f"Keras 2 and 3 read them as `kernel_size`, `strides`, ...; and {reason}. Pass "
        f"keywords: `{where}({args[0]!r}, kernel_size=({ints}))` for a Keras 1 kernel, or "
        f"`{where}({args[0]!r}, kernel_size={args[1]!r}, strides={args[2]!r})`.")


def sequence_input(layer, args: tuple, kwargs: dict):
    """Keras 1's ``input_dim`` (+ ``input_length``) of a sequence layer (a recurrent
    layer, a 1-D convolution) counts the features of each step: it becomes
    ``input_shape=(input_length, input_dim)``, as Keras 2 converted it."""
    if "input_dim" not in kwargs:
        return args, kwargs, []
    where = type(layer).__name__
    for new in ("input_shape", "batch_input_shape"):
        if new in kwargs:
            raise TypeError(f"`{where}` received both the Keras 1 argument `input_dim` and "
                            f"the Keras 2 argument `{new}`; pass only `{new}`.")
    kwargs = dict(kwargs)
    length = kwargs.pop("input_length", None)
    kwargs["input_shape"] = (length, kwargs.pop("input_dim"))
    return args, kwargs, ["`input_dim`/`input_length` are now `input_shape` "
                          "(steps, features)"]


def _listing(names, separator: str = ", ") -> str:
    return separator.join(f"`{n}`" for n in names)
