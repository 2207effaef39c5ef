"""Keras 3's ``.keras`` format: a zip of ``metadata.json``, ``config.json`` and
``model.weights.h5``.

``config.json`` is the model's config in Keras 3's object form (``module``,
``class_name``, ``config``, ``registered_name``) with the compile arguments under
``compile_config``; ``model.weights.h5`` uses the layout of ``.weights.h5`` files, with
the optimizer's variables under ``optimizer/vars``. Nothing in the archive is executed
and nothing is extracted to disk.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import struct
import zipfile
import zlib

import h5py

from .. import __version__
from .. import layers as layers_module
from .atomic import atomic_path
from .checksums import text_digest
from .hdf5 import KERAS_VERSION, _json_default, write_keras3_layout

__all__ = ["keras3_config", "write_keras_zip", "read_keras_zip"]

_FILES = ("metadata.json", "config.json", "model.weights.h5")


def _keras3_object(config: dict, module: str) -> dict:
    """A ``{"class_name", "config"}`` config in Keras 3's object form."""
    return {"module": module, "class_name": config["class_name"],
            "config": config["config"], "registered_name": None}


def _with_modules(spec, module: str):
    """Loss and metric specs with the module Keras 3 imports their classes from."""
    if isinstance(spec, dict) and "class_name" in spec:
        return _keras3_object(spec, module)
    if isinstance(spec, dict):
        return {k: _with_modules(v, module) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_with_modules(v, module) for v in spec]
    return spec


def _layer_object(config: dict) -> dict:
    """A layer config in Keras 3's object form, and so are the layers inside it (a
    wrapper's ``layer``, a recurrent layer's ``cell``): Keras 3 looks those up by module."""
    def wrap(value):
        if isinstance(value, dict) and value.get("class_name") in layers_module.ALL and (
                "config" in value):
            return _layer_object(value)
        if isinstance(value, dict):
            return {k: wrap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [wrap(v) for v in value]
        return value

    inner = {k: wrap(v) for k, v in config["config"].items()}
    return {**config, **_keras3_object({**config, "config": inner}, "keras.layers")}


def keras3_config(model_config: dict, training_config: dict | None) -> dict:
    """``config.json``'s content from kerasette's model config and compile arguments."""
    inner = dict(model_config["config"])
    inner["layers"] = [_layer_object(entry) for entry in inner["layers"]]
    config = _keras3_object({**model_config, "config": inner}, "keras")
    if config["class_name"] == "Functional":  # where Keras 3 finds that class
        config.update(module="keras.src.models.functional", registered_name="Functional")
    if training_config is not None:
        config["compile_config"] = {
            "optimizer": _keras3_object(training_config["optimizer_config"],
                                        "keras.optimizers"),
            "loss": _with_modules(training_config["loss"], "keras.losses"),
            "loss_weights": training_config["loss_weights"],
            "metrics": _with_modules(training_config["metrics"], "keras.metrics"),
            "weighted_metrics": _with_modules(training_config["weighted_metrics"],
                                              "keras.metrics"),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}
    return config


def write_keras_zip(filepath, config: dict, layers, optimizer_variables=None) -> None:
    """Writes the archive atomically: an interrupted save leaves any old file intact."""
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        write_keras3_layout(f, layers, optimizer_variables)
    text = json.dumps(config, default=_json_default)
    metadata = {"keras_version": KERAS_VERSION, "kerasette_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "config_sha256": text_digest(text)}
    with atomic_path(filepath) as temporary:
        with zipfile.ZipFile(temporary, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", text)
            archive.writestr("model.weights.h5", weights.getvalue())


def read_keras_zip(filepath) -> tuple[dict, io.BytesIO]:
    """``(config, weights file)`` from a ``.keras`` archive, or a clear error."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath}")
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
            members = {name: archive.read(name) for name in _FILES if name in names}
    except _ZIP_ERRORS as error:  # a damaged archive (its CRC-32s fail, its headers lie)
        raise ValueError(f"'{filepath}' is not a readable .keras file "
                         f"({type(error).__name__}: {error}).") from None
    missing = [name for name in _FILES[1:] if name not in members]
    if missing:
        raise ValueError(f"'{filepath}' is not a Keras model archive: it lacks {missing}.")
    text = members["config.json"]
    _check_config(filepath, members.get("metadata.json"), text)
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ValueError(f"The 'config.json' of '{filepath}' is not valid JSON "
                         f"({error}).") from None
    if not isinstance(config, dict):
        raise ValueError(f"The 'config.json' of '{filepath}' holds a "
                         f"{type(config).__name__}, not the JSON object of a config.")
    return config, io.BytesIO(members["model.weights.h5"])


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, zlib.error, struct.error)


def _check_config(filepath, metadata: bytes | None, text: bytes) -> None:
    """Compares ``config.json`` with the digest kerasette stores in ``metadata.json``
    (archives Keras wrote have none; the zip's own CRC-32 still guards them)."""
    if metadata is None:
        return
    try:
        metadata = json.loads(metadata)
    except ValueError as error:
        raise ValueError(f"The 'metadata.json' of '{filepath}' is not valid JSON "
                         f"({error}).") from None
    stored = metadata.get("config_sha256") if isinstance(metadata, dict) else None
    if stored is not None and stored != hashlib.sha256(text).hexdigest():
        raise ValueError(f"The 'config.json' of '{filepath}' fails its checksum: the "
                         f"file is damaged.")
