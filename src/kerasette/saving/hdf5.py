"""The legacy Keras HDF5 format (``.h5``), both ways, and Keras 3's ``.weights.h5``.

Legacy layout: root attributes ``keras_version``, ``backend``, ``model_config`` (JSON)
and ``training_config``; group ``model_weights`` with attribute ``layer_names`` and, per
layer, a group whose ``weight_names`` attribute lists its datasets in order; group
``optimizer_weights`` with the optimizer's variables. Attributes too large for HDF5's
64 KB header are split into ``name0``, ``name1``, ... as Keras splits them.
"""

from __future__ import annotations

import json
import os
import warnings

import h5py
import numpy as np

from .. import __version__
from ..layers import (RNN, Bidirectional, MultiHeadAttention, StackedRNNCells,
                      TimeDistributed)
from ..models import Model
from ..naming import to_snake_case
from .atomic import atomic_hdf5
from .checksums import check_dataset, safe_attribute, seal_file, seal_text, write_dataset

__all__ = ["open_for_reading", "write_model_file", "read_layer_weights", "write_layer_weights",
           "write_keras3_weights", "read_keras3_weights", "read_attribute", "is_keras3_weights",
           "keras3_keys", "write_keras3_layout", "read_dataset", "weight_dataset_sizes"]

KERAS_VERSION = "3.0.0"  # the dialect kerasette writes; also marks Keras 3 semantics
_HEADER_LIMIT = 64512


def open_for_reading(filepath) -> h5py.File:
    """Opens an HDF5 file, or raises a clear error naming the file and the reason."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath}")
    try:
        return h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(f"Cannot read '{filepath}': it is not a valid HDF5 file, or it is "
                         f"truncated or damaged ({error}).") from error


def _decode(value):
    if isinstance(value, bytes):
        return value.decode("utf8")
    if isinstance(value, np.ndarray):
        return [_decode(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def read_attribute(group, name: str):
    """An attribute, joined from ``name0``, ``name1``, ... when Keras split it; decoded."""
    if name in group.attrs:
        return _decode(safe_attribute(group, name))
    parts, index = [], 0
    while f"{name}{index}" in group.attrs:
        parts.extend(_decode(safe_attribute(group, f"{name}{index}")))
        index += 1
    return parts if index else None


def write_attribute(group, name: str, values: list[str]) -> None:
    """A list-of-strings attribute, split in chunks when it would not fit the header."""
    data = np.array([v.encode("utf8") for v in values], dtype="S") if values else \
        np.array([], dtype="S1")
    chunks = 1
    while data.nbytes / chunks > _HEADER_LIMIT:
        chunks += 1
    if chunks == 1:
        group.attrs[name] = data
        return
    for index, piece in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{index}"] = piece


def _unique_names(variables) -> list[str]:
    """Dataset names ``path:0`` for each variable, made unique within the group."""
    names, seen = [], set()
    for variable in variables:
        base = f"{variable.path}:0"
        name, count = base, 1
        while name in seen:
            name = f"{base}_{count}"
            count += 1
        seen.add(name)
        names.append(name)
    return names


def write_layer_weights(group, layers) -> None:
    """``layer_names`` plus one group per layer holding its weights in order, each
    dataset checksummed (see ``checksums``; the caller seals the file)."""
    write_attribute(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = np.bytes_("numpy")
    group.attrs["keras_version"] = np.bytes_(KERAS_VERSION)
    for layer in layers:
        layer_group = group.create_group(layer.name)
        variables = layer.weights
        names = _unique_names(variables)
        write_attribute(layer_group, "weight_names", names)
        for name, variable in zip(names, variables):
            write_dataset(layer_group, name, variable.numpy())


def read_layer_weights(group) -> list[tuple[str, list[np.ndarray]]]:
    """``(layer name, [arrays])`` for every layer stored in a weights group, in order."""
    found = []
    for name in read_attribute(group, "layer_names") or []:
        layer_group = _member(group, name, "the group of layer")
        names = read_attribute(layer_group, "weight_names") or []
        found.append((name, [read_dataset(_member(layer_group, n, f"layer '{name}': weight"),
                                          f"layer '{name}'") for n in names]))
    return found


def _member(group, name: str, what: str):
    """``group[name]``, or a ValueError naming what is missing (h5py raises a bare
    KeyError)."""
    try:
        return group[name]
    except KeyError:
        raise ValueError(f"The file is damaged: {what} '{name}' is listed but missing "
                         f"from '{group.name}'.") from None


def weight_dataset_sizes(group) -> list[int]:
    """The element count of every dataset under ``group``, read from the headers only."""
    sizes = []
    group.visititems(lambda _, item: sizes.append(int(item.size))
                     if isinstance(item, h5py.Dataset) else None)
    return sizes


def read_dataset(dataset, owner: str) -> np.ndarray:
    """A stored weight as an array, once its dtype is numeric and its declared size is
    one the file can hold (a damaged header claiming gigabytes is refused unread), and
    its checksum, where the file has one, matches."""
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"The weight '{dataset.name}' of {owner} is a "
                         f"{type(dataset).__name__}, not a dataset: the file is damaged.")
    kind = dataset.dtype.kind
    if kind not in "fiu":
        raise ValueError(f"The weight '{dataset.name}' of {owner} holds {dataset.dtype} "
                         f"data; weights must be float or integer numbers.")
    stored = dataset.id.get_storage_size()
    if dataset.nbytes > 2**20 and dataset.nbytes > 1024 * stored:
        raise ValueError(f"The weight '{dataset.name}' of {owner} declares shape "
                         f"{dataset.shape} ({dataset.nbytes} bytes), but the file stores "
                         f"only {stored} bytes for it: the file is damaged or truncated.")
    try:
        array = np.asarray(dataset)
    except OSError as error:  # fletcher32 failed, or the data is unreadable
        raise ValueError(f"The weight '{dataset.name}' of {owner} cannot be read: its "
                         f"data is damaged ({error}).") from None
    check_dataset(dataset, array, owner)
    return array


def write_model_file(filepath, model_config: dict, weighted_layers, training_config=None,
                     optimizer_variables=None) -> None:
    """Writes a complete model file atomically (the previous file survives any failure)."""
    with atomic_hdf5(filepath) as f:
        f.attrs["keras_version"] = np.bytes_(KERAS_VERSION)
        f.attrs["backend"] = np.bytes_("numpy")
        f.attrs["kerasette_version"] = np.bytes_(__version__)
        seal_text(f.attrs, "model_config", json.dumps(model_config,
                                                      default=_json_default))
        if training_config is not None:
            seal_text(f.attrs, "training_config", json.dumps(training_config,
                                                             default=_json_default))
        write_layer_weights(f.create_group("model_weights"), weighted_layers)
        if optimizer_variables:
            group = f.create_group("optimizer_weights")
            names = _unique_names(optimizer_variables)
            write_attribute(group, "weight_names", names)
            for name, variable in zip(names, optimizer_variables):
                write_dataset(group, name, variable.numpy())
        seal_file(f)


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot write {value!r} (of type {type(value).__name__}) into a "
                    f"model config: only JSON values, numbers and arrays are supported.")


def is_keras3_weights(f) -> bool:
    """True for Keras 3's ``.weights.h5`` layout (``layers/<key>/vars/<i>``)."""
    return "layers" in f and "layer_names" not in f.attrs


def keras3_keys(layers) -> list[str]:
    """Keras 3's key for each layer of a container (a model's layers, a stack's cells):
    the snake-case class name, numbered from the second of a class (``dense``,
    ``dense_1``). Keras 3 never keys weights by the layers' own names."""
    counts, keys = {}, []
    for layer in layers:
        base = to_snake_case(type(layer).__name__)
        count = counts[base] = counts.get(base, -1) + 1
        keys.append(base if count == 0 else f"{base}_{count}")
    return keys


def keras3_groups(layer, path: str) -> list[tuple[str, list]]:
    """``(group path, variables)`` for ``layer`` and the layers inside it, where Keras 3
    keeps them: a layer's own variables under ``path/vars``; a recurrent layer's cell
    under ``cell``, a stack's cells under ``cells/<key>``, Bidirectional's two layers
    under ``forward_layer`` and ``backward_layer``, TimeDistributed's under ``layer``, a
    nested model's under ``layers/<key>``."""
    if isinstance(layer, MultiHeadAttention):
        return _attention_groups(layer, path)
    groups = [(path, list(layer._own_weights))]
    if isinstance(layer, Model):
        children = list(zip(keras3_keys(layer.layers), layer.layers))
        children = [(f"layers/{key}", child) for key, child in children]
    elif isinstance(layer, StackedRNNCells):
        children = [(f"cells/{key}", cell)
                    for key, cell in zip(keras3_keys(layer.cells), layer.cells)]
    else:
        attributes = {RNN: ["cell"], Bidirectional: ["forward_layer", "backward_layer"],
                      TimeDistributed: ["layer"]}
        names = next((names for kind, names in attributes.items()
                      if isinstance(layer, kind)), [])
        children = [(name, getattr(layer, name)) for name in names]
    for name, child in children:
        groups += keras3_groups(child, f"{path}/{name}")
    return groups


def _attention_groups(layer, path: str) -> list[tuple[str, list]]:
    """MultiHeadAttention's projections, each under its sub-layer's group as in Keras 3
    (``query_dense``, ..., ``_gate_dense``), beside the weightless softmax and dropout."""
    parts = [("query_dense", "_query"), ("key_dense", "_key"), ("value_dense", "_value"),
             ("output_dense", "_out"), ("_gate_dense", "_gate")]
    groups = [(path, []), (f"{path}/_softmax", []), (f"{path}/_dropout_layer", [])]
    for group, attribute in parts:
        if hasattr(layer, attribute):
            variables = [w for w in getattr(layer, attribute) if w is not None]
            groups.append((f"{path}/{group}", variables))
    return groups


def write_keras3_weights(filepath, layers, optimizer_variables=None) -> None:
    """Keras 3's ``.weights.h5`` layout for a model's ``layers``, atomically."""
    with atomic_hdf5(filepath) as f:
        write_keras3_layout(f, layers, optimizer_variables)


def write_keras3_layout(f, layers, optimizer_variables=None) -> None:
    """Writes the layers' (and the optimizer's) variables into the open file ``f``,
    each dataset checksummed, and seals it."""
    f.create_group("layers")
    for key, layer in zip(keras3_keys(layers), layers):
        for path, variables in keras3_groups(layer, f"layers/{key}"):
            group = f.require_group(path).require_group("vars")
            for index, variable in enumerate(variables):
                write_dataset(group, str(index), variable.numpy())
    if optimizer_variables:
        group = f.create_group("optimizer").create_group("vars")
        for index, variable in enumerate(optimizer_variables):
            write_dataset(group, str(index), variable.numpy())
    f.create_group("vars")
    seal_file(f)


def read_keras3_weights(f, layer, path: str):
    """The arrays stored for ``layer`` under ``path`` (Keras 3's layout), in the order of
    ``layer.weights``; None when the file has no group for it."""
    if path not in f:
        return None
    found = {}
    groups = keras3_groups(layer, path)
    if isinstance(layer, MultiHeadAttention) and f"{path}/query_dense" not in f:
        groups = [(path, list(layer._own_weights))]  # kerasette 0.x wrote them flat
    for group_path, variables in groups:
        stored = f.get(f"{group_path}/vars")
        keys = [] if stored is None else sorted(stored.keys(), key=int)
        if len(keys) != len(variables):
            raise ValueError(f"Layer '{layer.name}': '{group_path}' in the weights file "
                             f"holds {len(keys)} variables; the layer expects "
                             f"{len(variables)}.")
        for variable, key in zip(variables, keys):
            found[id(variable)] = read_dataset(stored[key], f"layer '{layer.name}'")
    return [found[id(w)] for w in layer.weights]
