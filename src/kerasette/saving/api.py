"""``save_model`` / ``load_model``, ``save_weights`` / ``load_weights``, JSON configs."""

from __future__ import annotations

import contextlib
import json
import os
import warnings

import h5py
import numpy as np

from .. import losses, metrics, optimizers
from ..layers import InputLayer
from .atomic import atomic_hdf5
from .checksums import check_complete, check_text, is_sealed, seal_file
from .hdf5 import (_json_default, is_keras3_weights, keras3_keys, open_for_reading,
                   read_attribute, read_dataset, read_keras3_weights, read_layer_weights,
                   weight_dataset_sizes, write_keras3_weights, write_layer_weights,
                   write_model_file)
from .keras_zip import keras3_config, read_keras_zip, write_keras_zip
from .legacy import convert_cudnn_weights, upgrade_config
from ..layers.base import weight_size_limit
from .model_config import model_from_config, model_to_config
from .object_registry import CustomObjectScope, custom_objects_in_force
from .optimizer_state import keras_order, restore_optimizer

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_from_json",
           "model_to_json"]


def _weighted_layers(model) -> list:
    """The layers whose weights a file stores, in Keras's order (input layers included)."""
    graph = getattr(model, "_graph", None)
    if graph is not None:  # a Sequential: its graph lists the InputLayer too
        return graph.layers
    return list(model.layers)


def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True,
               **kwargs) -> None:
    """Saves architecture, weights, compile arguments and optimizer state to ``.keras``
    (Keras 3's zip format) or ``.h5`` (the Keras HDF5 format).

    The write is atomic: an interrupted save never damages an existing file.
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith((".h5", ".hdf5", ".keras")):
        raise ValueError(f"Invalid filepath extension for saving: {filepath!r}. Use a name "
                         f"ending in '.keras' (Keras 3's format) or '.h5' (Keras HDF5).")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet; call it on data (or "
                         f"give its first layer an input shape) before saving.")
    training_config, optimizer_variables = None, None
    if getattr(model, "compiled", False) and model.optimizer is not None:
        training_config = _training_config(model)
        if include_optimizer and model.optimizer.built:
            variables = list(model.optimizer.variables)
            optimizer_variables = [variables[j] for j in keras_order(model.optimizer)]
    if filepath.endswith(".keras"):
        config = keras3_config(model_to_config(model, keras3_nodes=True), training_config)
        write_keras_zip(filepath, config, _weighted_layers(model), optimizer_variables)
        return
    write_model_file(filepath, model_to_config(model), _weighted_layers(model),
                     training_config, optimizer_variables)


def _training_config(model) -> dict:
    state = model._compile_state
    return {"loss": _portable(state.loss_spec, losses),
            "metrics": _portable(state.metrics_spec, metrics),
            "weighted_metrics": _portable(state.weighted_metrics_spec, metrics),
            "loss_weights": state.loss_weights_spec,
            "optimizer_config": _portable_optimizer(model.optimizer)}


_KERAS3_ONLY = {"weight_decay": None, "use_ema": False, "ema_momentum": None,
                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None, "clipnorm": None, "clipvalue": None,
                "global_clipnorm": None}


def _portable_optimizer(optimizer) -> dict:
    """The optimizer config without Keras 3 keys left at their defaults: tf-keras 2
    rebuilds optimizers from ``.h5`` files with its legacy classes, which reject them."""
    config = optimizers.serialize(optimizer)
    inner = dict(config["config"])
    use_ema = inner.get("use_ema", False)
    for key, default in _KERAS3_ONLY.items():
        if key in inner and (inner[key] == default or (key == "ema_momentum" and not use_ema)):
            del inner[key]
    return {**config, "config": inner}


def _portable(spec, module):
    """Compile arguments as Keras 3 and tf-keras both read them back.

    Keras 3's legacy loader cannot resolve function names such as ``"mse"``, so a name
    is written as the config of the matching class, keeping the user's name for
    metrics (``"mae"`` still logs as ``mae``). ``"accuracy"``-style names stay strings.
    """
    if spec is None:
        return None
    if isinstance(spec, dict):
        return {k: _portable(v, module) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_portable(v, module) for v in spec]
    if isinstance(spec, str):
        if spec in ("accuracy", "acc", "crossentropy", "ce"):
            return spec
        found = _class_for_function(module, module.get(spec))
        if found is None:
            return spec
        instance = found(name=spec) if module is metrics else found()
        return module.serialize(instance)
    return module.serialize(spec)


def _class_for_function(module, function):
    """The wrapper class of ``module`` whose instances compute ``function``, if any."""
    if not callable(function) or isinstance(function, type):
        return None
    for candidate in module.ALL.values():
        if not isinstance(candidate, type):
            continue
        try:
            instance = candidate()
        except TypeError:
            continue
        if getattr(instance, "fn", None) is function or getattr(
                instance, "_fn", None) is function:
            return candidate
    return None


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True):
    """Loads a model saved by kerasette, tf-keras 2, Keras 2 or Keras 3's legacy writer.

    Args:
        filepath: the ``.h5`` file.
        custom_objects: names -> classes/functions for user-defined layers, losses...
        compile: compile the model with the saved loss, metrics and optimizer (state too).
        safe_mode: refuse to run Python bytecode stored in ``Lambda`` layers (also off
            after ``keras.config.enable_unsafe_deserialization()``).
    """
    from .. import config as keras_config

    safe_mode = safe_mode and keras_config.in_safe_mode()
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        return _load_keras_zip(filepath, custom_objects, compile, safe_mode)
    with open_for_reading(filepath) as f, _damage_named(filepath):
        check_text(f, "model_config", read_attribute(f, "model_config"), filepath)
        if read_attribute(f, "model_config") is None:
            raise ValueError(f"No model config found in the file at '{filepath}': it holds "
                             f"weights only. Build the model in code and call "
                             f"`model.load_weights('{filepath}')`.")
        config = _json_attribute(f, "model_config", filepath)
        version = str(read_attribute(f, "keras_version") or "")
        ours = "kerasette_version" in f.attrs or is_sealed(f)
        legacy = not ours and version.startswith(("1.", "2."))
        if "model_weights" not in f:
            raise ValueError(f"'{filepath}' has a model config but no 'model_weights' group.")
        model = _build_model(upgrade_config(config, legacy), f["model_weights"],
                             custom_objects, safe_mode, filepath)
        stored = read_layer_weights(f["model_weights"])
        check_complete(f, filepath)
        _assign_by_topology(model, stored, filepath)
        training = _training_attribute(f, filepath) if compile else None
        if training and _compiled_from(model, training, custom_objects, filepath):
            if "optimizer_weights" in f:
                group = f["optimizer_weights"]
                names = read_attribute(group, "weight_names") or []
                restore_optimizer(model, [read_dataset(group[n], "the optimizer")
                                          for n in names], names, filepath)
    return model


@contextlib.contextmanager
def _damage_named(filepath):
    """h5py's bare errors for a missing member or unreadable metadata, naming the file."""
    try:
        yield
    except ValueError as error:
        if filepath in str(error):
            raise
        raise ValueError(f"{error} (file '{filepath}')") from None
    except KeyError as error:
        raise ValueError(f"'{filepath}' is damaged: a group, dataset or attribute it lists "
                         f"is missing ({error}).") from None
    except OSError as error:
        if not isinstance(error, (FileNotFoundError, PermissionError)):
            raise OSError(f"Cannot read '{filepath}': its HDF5 metadata is damaged "
                          f"({error}).") from error
        raise
    except RuntimeError as error:  # h5py's bare error for a damaged object header or heap
        raise OSError(f"Cannot read '{filepath}': its HDF5 metadata is damaged "
                      f"({error}).") from error
    except TypeError as error:  # h5py cannot map a damaged datatype message to NumPy
        raise ValueError(f"Cannot read '{filepath}': it stores a damaged data type "
                         f"({error}).") from error


def _json_attribute(f, name: str, filepath):
    """The root attribute ``name`` parsed as a JSON object, or a ValueError naming both."""
    raw = read_attribute(f, name)
    try:
        value = json.loads(raw)
    except (TypeError, ValueError) as error:
        raise ValueError(f"The '{name}' attribute of '{filepath}' is not valid JSON "
                         f"({error}).") from None
    if not isinstance(value, dict):
        raise ValueError(f"The '{name}' attribute of '{filepath}' holds a "
                         f"{type(value).__name__}, not the JSON object of a config.")
    return value


def _training_attribute(f, filepath):
    """The training config, or None with a warning when it is unreadable: the model
    still loads, uncompiled, as Keras loads it. A config that fails its checksum (a
    damaged kerasette file) is an error that suggests ``compile=False``."""
    raw = read_attribute(f, "training_config")
    try:
        check_text(f, "training_config", raw, filepath)
    except ValueError as error:
        raise ValueError(f"{error} Pass `compile=False` to load the model without its "
                         f"training config.") from None
    if raw is None:
        return None
    try:
        return _json_attribute(f, "training_config", filepath)
    except ValueError as error:
        _warn_uncompiled(error)
        return None


def _warn_uncompiled(error) -> None:
    warnings.warn(f"The training config is unreadable: {error} The model is loaded "
                  f"uncompiled; pass `compile=False` to skip it, then compile it yourself.",
                  stacklevel=4)


def _compiled_from(model, config: dict, custom_objects, filepath) -> bool:
    """Compiles from a stored config; a config of the wrong shape warns instead."""
    try:
        _compile_from(model, config, custom_objects)
    except (TypeError, KeyError, AttributeError, ValueError) as error:
        # as Keras 3 does when compile_from_config fails: warn, and keep the model
        _warn_uncompiled(f"'{filepath}' holds a damaged training config ({error!r}).")
        return False
    return True


def _build_model(config: dict, weights_group, custom_objects, safe_mode, filepath):
    """The model of ``config``, refusing any weight larger than the file's datasets
    together (a damaged size fails before it allocates) and naming the file on errors."""
    limit = sum(weight_dataset_sizes(weights_group)) + 1
    try:
        with weight_size_limit(limit):
            return model_from_config(config, custom_objects, safe_mode)
    except ValueError as error:
        raise ValueError(f"{error} (model config of '{filepath}')") from None
    except (TypeError, KeyError, AttributeError, IndexError) as error:
        raise ValueError(f"The 'model_config' of '{filepath}' is damaged: {error!r}.") \
            from None


def _load_keras_zip(filepath, custom_objects, compile: bool, safe_mode: bool):
    config, weights = read_keras_zip(filepath)
    with _damage_named(filepath), h5py.File(weights, "r") as f:
        check_complete(f, filepath)
        model = _build_model(upgrade_config(config, False), f, custom_objects, safe_mode,
                             filepath)
        _load_keras3_weights(model, f, filepath, by_name=False, skip_mismatch=False)
        compile_config = config.get("compile_config")
        if compile and compile_config is not None and not isinstance(compile_config, dict):
            _warn_uncompiled(f"'{filepath}' holds a {type(compile_config).__name__} as "
                             f"compile_config.")
        elif compile and compile_config and _compiled_from(model, compile_config,
                                                           custom_objects, filepath):
            stored = f.get("optimizer/vars")
            if stored is not None and len(stored):
                keys = sorted(stored.keys(), key=int)
                restore_optimizer(model, [read_dataset(stored[k], "the optimizer")
                                          for k in keys], [], filepath)
    return model


def _compile_from(model, config: dict, custom_objects) -> None:
    """Compiles from an ``.h5`` file's ``training_config`` or a ``.keras`` file's
    ``compile_config`` (whose optimizer key is ``optimizer``); ``custom_objects`` are in
    scope, so that the functions named inside metric and loss configs are found too."""
    objects = custom_objects_in_force(custom_objects)
    optimizer = config.get("optimizer_config", config.get("optimizer"))
    with CustomObjectScope(custom_objects or {}):
        optimizer = optimizers.deserialize(upgrade_config(optimizer, True),
                                           custom_objects=objects)
        wanted = {key: _resolve(_metrics_by_output(config.get(key), model), metrics, objects)
                  for key in ("metrics", "weighted_metrics")}
        model.compile(optimizer=optimizer, loss=_resolve(config.get("loss"), losses, objects),
                      loss_weights=config.get("loss_weights"), **wanted)


def _metrics_by_output(spec, model):
    """tf-keras 2 stores metrics as one list per output (``[["accuracy"]]``, or lists of
    ``MeanMetricWrapper`` configs): the single output's list, or a dict by output name."""
    per_output = isinstance(spec, list) and spec and all(
        isinstance(entry, list) or entry is None for entry in spec)
    if not per_output:
        return spec
    names = list(getattr(model, "output_names", None) or [])
    if len(spec) == 1:
        return spec[0]
    if len(names) != len(spec):
        raise ValueError(f"The saved metrics hold {len(spec)} lists, one per output, but "
                         f"model '{model.name}' has {len(names)} outputs ({names}).")
    return dict(zip(names, spec))


def _resolve(spec, module, objects):
    if spec is None:
        return None
    if isinstance(spec, str):
        return objects.get(spec) or spec
    if isinstance(spec, list):
        return [_resolve(s, module, objects) for s in spec]
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _resolve(v, module, objects) for k, v in spec.items()}
    if isinstance(spec, dict) and spec.get("class_name") in objects:
        return objects[spec["class_name"]].from_config(spec.get("config", {}))
    return module.deserialize(spec, custom_objects=objects)


def _assign_by_topology(model, stored, filepath, skip_mismatch: bool = False) -> None:
    """Stored layers (those with weights) onto the model's layers with weights, in order."""
    targets = [layer for layer in _weighted_layers(model)
               if layer.weights and not isinstance(layer, InputLayer)]
    stored = [(name, arrays) for name, arrays in stored if arrays]
    if len(stored) != len(targets):
        raise ValueError(
            f"Layer count mismatch when loading weights from '{filepath}': the file has "
            f"{len(stored)} layers with weights ({[n for n, _ in stored]}), the model has "
            f"{len(targets)} ({[layer.name for layer in targets]}).")
    _check_and_set([(layer, arrays, name) for layer, (name, arrays) in zip(targets, stored)],
                   filepath, skip_mismatch)


def _check_and_set(pairs, filepath, skip_mismatch: bool = False) -> None:
    """Checks every shape first, then assigns: a failed load changes nothing."""
    accepted = []
    for layer, arrays, stored_name in pairs:
        refused = [str(a.dtype) for a in arrays if np.asarray(a).dtype.kind not in "fiu"]
        if refused:
            raise ValueError(f"Layer '{stored_name}' in '{filepath}' stores weights of dtype "
                             f"{refused}; weights must be float or integer numbers.")
        arrays = convert_cudnn_weights(layer, arrays)
        shapes = [w.shape for w in layer.weights]
        got = [tuple(a.shape) for a in arrays]
        if shapes != got:
            message = (f"Layer '{layer.name}' weight shapes {shapes} do not match the shapes "
                       f"{got} stored for layer '{stored_name}' in '{filepath}'.")
            if skip_mismatch:
                warnings.warn(f"Skipping: {message}", stacklevel=4)
                continue
            raise ValueError(message)
        accepted.append((layer, arrays))
    for layer, arrays in accepted:
        layer.set_weights(arrays)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Saves only the weights: ``.weights.h5`` in Keras 3's layout, ``.h5`` in the legacy one."""
    filepath = os.fspath(filepath)
    if not filepath.endswith((".h5", ".hdf5")):
        raise ValueError(f"kerasette saves weights to HDF5: the filepath must end in "
                         f"'.weights.h5' or '.h5'. Received: {filepath!r}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    layers = _weighted_layers(model)
    if filepath.endswith(".weights.h5"):
        write_keras3_weights(filepath, layers)
        return
    with atomic_hdf5(filepath) as f:
        write_layer_weights(f, layers)
        seal_file(f)


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Loads weights saved by ``save_weights`` (either layout) or a whole-model file.

    By default layers are matched in topological order; with ``by_name=True`` by name,
    and ``skip_mismatch=True`` skips layers whose shapes differ (with a warning).
    """
    filepath = os.fspath(filepath)
    with open_for_reading(filepath) as f, _damage_named(filepath):
        if is_keras3_weights(f):
            check_complete(f, filepath)
            _load_keras3_weights(model, f, filepath, by_name, skip_mismatch)
            return
        group = f["model_weights"] if "model_weights" in f else f
        stored = read_layer_weights(group)
        check_complete(f, filepath)
    if by_name:
        layers = {layer.name: layer for layer in _weighted_layers(model)}
        pairs = [(layers[name], arrays, name) for name, arrays in stored
                 if name in layers and arrays]
        _check_and_set(pairs, filepath, skip_mismatch)
        return
    _assign_by_topology(model, stored, filepath, skip_mismatch)


def _load_keras3_weights(model, f, filepath, by_name: bool, skip_mismatch: bool) -> None:
    """Keras 3's layout keys a model's layers by class (``dense``, ``dense_1``) in Keras's
    layer order; ``by_name=True`` looks for groups named like the layers instead, and
    skips layers the file does not have."""
    layers = _weighted_layers(model)
    pairs = []
    for key, layer in zip(keras3_keys(layers), layers):
        if not layer.weights:
            continue
        name = layer.name if by_name else key
        try:
            arrays = read_keras3_weights(f, layer, f"layers/{name}")
        except ValueError as error:
            if not skip_mismatch:
                raise ValueError(f"{error} (file '{filepath}')") from None
            warnings.warn(f"Skipping: {error}", stacklevel=4)
            continue
        if arrays is None and not by_name:
            raise ValueError(f"Layer '{layer.name}' has no weights in '{filepath}': "
                             f"Keras 3's layout keeps them under 'layers/{key}'.")
        if arrays is not None:
            pairs.append((layer, arrays, name))
    _check_and_set(pairs, filepath, skip_mismatch)


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """A new, unweighted model from ``model.to_json()`` (or a Keras JSON config)."""
    return model_from_config(upgrade_config(json.loads(json_string), False), custom_objects)


def model_to_json(model, **kwargs) -> str:
    """The model's architecture as a Keras JSON config."""
    return json.dumps(model_to_config(model), default=_json_default, **kwargs)
