"""A PNG encoder on ``zlib`` and ``struct``: 8-bit grayscale or RGB images to files.

A PNG is an 8-byte signature and chunks ``length | type | data | CRC-32(type + data)``:
``IHDR`` (size, bit depth 8, color type 0 gray or 2 RGB), ``pHYs`` (pixels per metre,
from ``dpi``), ``IDAT`` (the rows, each after a filter byte 0, deflated), ``IEND``.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

__all__ = ["encode_png", "write_png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(pixels, dpi: float | None = None) -> bytes:
    """The bytes of a PNG holding ``pixels``: a uint8 array ``(height, width)`` (gray)
    or ``(height, width, 3)`` (RGB); ``dpi`` is recorded when given."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (
            pixels.ndim == 3 and pixels.shape[2] != 3) or 0 in pixels.shape:
        raise ValueError("encode_png expects a non-empty uint8 array of shape (h, w) or "
                         f"(h, w, 3); received {pixels.dtype} of shape {pixels.shape}.")
    height, width = pixels.shape[:2]
    color_type = 0 if pixels.ndim == 2 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    rows = pixels.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1)  # filter 0
    out = SIGNATURE + _chunk(b"IHDR", header)
    if dpi:
        per_metre = int(round(dpi / 0.0254))
        out += _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    return out + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + _chunk(b"IEND", b"")


def write_png(path, pixels, dpi: float | None = None) -> str:
    """Writes ``pixels`` (see ``encode_png``) to ``path``, creating its folder; returns
    the path."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as stream:
        stream.write(encode_png(pixels, dpi))
    return path
