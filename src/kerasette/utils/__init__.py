"""Utilities around models: labels, sequences, datasets of batches, seeding, downloads."""

from .data import PyDataset, Sequence
from .file_utils import get_file
from .numerical import normalize, to_categorical
from .plotting import plot_history
from .seeding import set_random_seed
from .sequence import pad_sequences
from .timeseries import timeseries_dataset_from_array

__all__ = ["PyDataset", "Sequence", "get_file", "normalize", "pad_sequences",
           "plot_history", "set_random_seed", "timeseries_dataset_from_array",
           "to_categorical"]
