"""Sequence preprocessing (Keras 2's ``keras.preprocessing.sequence``).

``pad_sequences`` lives in ``kerasette.utils`` (Keras 3's home for it) and is re-exported
here for the tutorials that import it from this module, beside Keras 2's
``TimeseriesGenerator``.
"""

from __future__ import annotations

from ..utils.sequence import pad_sequences
from ..utils.timeseries import TimeseriesGenerator

__all__ = ["TimeseriesGenerator", "pad_sequences"]
