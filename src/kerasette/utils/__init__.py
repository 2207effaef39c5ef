"""Utilities around models: labels, sequences, datasets of batches, seeding."""

from .data import PyDataset, Sequence
from .numerical import normalize, to_categorical
from .seeding import set_random_seed
from .sequence import pad_sequences

__all__ = ["PyDataset", "Sequence", "normalize", "pad_sequences", "set_random_seed",
           "to_categorical"]
