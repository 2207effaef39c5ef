"""Utilities around models: labels, sequences, datasets of batches, seeding, downloads."""

from ..saving.object_registry import (CustomObjectScope, custom_object_scope,
                                      get_custom_objects, get_registered_name,
                                      get_registered_object, register_keras_serializable)
from .data import PyDataset, Sequence
from .file_utils import get_file
from .numerical import normalize, to_categorical
from .plotting import plot_history
from .seeding import set_random_seed
from .sequence import pad_sequences
from .timeseries import timeseries_dataset_from_array
from .vis_utils import model_to_dot, plot_model

__all__ = ["PyDataset", "Sequence", "get_file", "normalize", "pad_sequences",
           "plot_history", "set_random_seed", "timeseries_dataset_from_array",
           "to_categorical", "CustomObjectScope", "custom_object_scope",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "model_to_dot", "plot_model"]

# Keras 2's module paths (keras.utils.np_utils.to_categorical, ...): re-exports.
from . import data_utils, np_utils, vis_utils  # noqa: E402
