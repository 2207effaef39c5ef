"""Keras 2 path ``keras.utils.data_utils``: re-exports of ``kerasette.utils``."""

from .data import Sequence
from .file_utils import get_file, validate_file

__all__ = ["get_file", "validate_file", "Sequence"]
