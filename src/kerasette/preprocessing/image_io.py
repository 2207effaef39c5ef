"""Image files: ``load_img``, ``save_img``, ``img_to_array``, ``array_to_img``.

Pillow (``pip install pillow``) is used when it is installed, for every format, and
``load_img`` then returns a PIL image as in Keras. Without it, 8-bit PNG files still work:
``save_img`` writes them, and ``load_img`` reads PNGs whose rows use the None, Sub or Up
filters (what ``save_img`` writes) and returns a ``uint8`` array of shape
``(height, width, channels)``; anything else asks for Pillow.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

__all__ = ["load_img", "save_img", "img_to_array", "array_to_img", "resize"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _need_pillow(what: str):
    raise ImportError(f"{what} needs Pillow, which is not installed. Install it with "
                      f"`pip install pillow` (without it only 8-bit PNG files are supported).")


def resize(image: np.ndarray, size, interpolation: str = "nearest") -> np.ndarray:
    """Resizes an ``(h, w, channels)`` array to ``size = (height, width)``, sampling at
    pixel centres: ``"nearest"`` or ``"bilinear"``."""
    height, width = image.shape[:2]
    new_height, new_width = size
    if interpolation == "nearest":
        rows = np.minimum(((np.arange(new_height) + 0.5) * height / new_height).astype(int),
                          height - 1)
        cols = np.minimum(((np.arange(new_width) + 0.5) * width / new_width).astype(int),
                          width - 1)
        return image[rows][:, cols]
    if interpolation != "bilinear":
        raise ValueError(f"resize: `interpolation` must be 'nearest' or 'bilinear' (others "
                         f"need Pillow); received {interpolation!r}.")
    values = image.astype(np.float64)
    values = np.tensordot(_linear_weights(height, new_height), values, axes=(1, 0))
    values = np.tensordot(_linear_weights(width, new_width), values, axes=(1, 1))
    values = values.transpose(1, 0, 2)
    if image.dtype.kind in "ui":
        values = np.clip(np.rint(values), 0, np.iinfo(image.dtype).max)
    return values.astype(image.dtype)


def _linear_weights(size: int, new_size: int) -> np.ndarray:
    """``(new_size, size)`` linear interpolation weights at half-pixel centres."""
    source = np.clip((np.arange(new_size) + 0.5) * size / new_size - 0.5, 0, size - 1)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, size - 1)
    weights = np.zeros((new_size, size))
    np.add.at(weights, (np.arange(new_size), low), 1 - (source - low))
    np.add.at(weights, (np.arange(new_size), high), source - low)
    return weights


def _chunks(data: bytes, path):
    if data[:8] != _SIGNATURE:
        raise ValueError(f"{path!r} is not a PNG file; reading other formats needs Pillow "
                         f"(`pip install pillow`).")
    offset = 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        yield kind, data[offset + 8:offset + 8 + length]
        offset += 12 + length


def _unfilter(raw: bytes, height: int, stride: int, pixel_bytes: int, path) -> np.ndarray:
    """Undoes the PNG row filters None (0), Sub (1) and Up (2), one row at a time."""
    rows = np.frombuffer(raw, np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    previous = np.zeros(stride, np.uint8)
    for index, (kind, row) in enumerate(zip(rows[:, 0], rows[:, 1:])):
        if kind == 0:
            out[index] = row
        elif kind == 1:  # each byte adds the reconstructed byte one pixel to the left
            sums = row.reshape(-1, pixel_bytes).astype(np.uint64).cumsum(axis=0)
            out[index] = (sums % 256).astype(np.uint8).reshape(-1)
        elif kind == 2:
            out[index] = row + previous
        else:
            _need_pillow(f"Reading {path!r} (a PNG with Average/Paeth row filters)")
        previous = out[index]
    return out


def _read_png(path) -> np.ndarray:
    """An 8-bit, non-interlaced PNG as a ``uint8`` array ``(height, width, samples)``."""
    with open(path, "rb") as handle:
        data = handle.read()
    header, palette, compressed = None, None, []
    for kind, body in _chunks(data, path):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            compressed.append(body)
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or interlace or colour not in _PNG_CHANNELS:
        _need_pillow(f"Reading {path!r} (bit depth {depth}, interlace {interlace})")
    samples = _PNG_CHANNELS[colour]
    raw = zlib.decompress(b"".join(compressed))
    pixels = _unfilter(raw, height, width * samples, samples, path)
    pixels = pixels.reshape(height, width, samples)
    return palette[pixels[..., 0]] if colour == 3 else pixels


def _convert(pixels: np.ndarray, color_mode: str) -> np.ndarray:
    """Grey, grey+alpha, RGB or RGBA pixels to ``color_mode``'s channels."""
    if pixels.shape[-1] in (2, 4):
        pixels = pixels[..., :-1] if color_mode != "rgba" else pixels
    if color_mode == "grayscale" and pixels.shape[-1] >= 3:
        weights = np.array([0.299, 0.587, 0.114])  # ITU-R 601-2 luma, as Pillow
        return np.rint(pixels[..., :3] @ weights).astype(np.uint8)[..., None]
    if color_mode in ("rgb", "rgba") and pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    if color_mode == "rgba" and pixels.shape[-1] == 3:
        pixels = np.concatenate([pixels, np.full(pixels.shape[:2] + (1,), 255, np.uint8)], -1)
    return pixels


def load_img(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False):
    """Loads an image file, optionally resized to ``target_size = (height, width)``.

    Args:
        path: the file.
        color_mode: ``"grayscale"``, ``"rgb"`` (default) or ``"rgba"``.
        target_size: ``None`` (original size) or ``(height, width)``.
        interpolation: ``"nearest"`` (default) or ``"bilinear"`` (and, with Pillow,
            ``"bicubic"``, ``"lanczos"``, ``"box"``, ``"hamming"``).
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Returns:
        A PIL image with Pillow; without it (PNG only) a ``uint8`` array.
    """
    if color_mode not in _CHANNELS:
        raise ValueError(f"load_img: `color_mode` must be 'grayscale', 'rgb' or 'rgba'; "
                         f"received {color_mode!r}.")
    image_module = _pillow()
    if image_module is not None:
        return _load_with_pillow(image_module, path, color_mode, target_size, interpolation,
                                 keep_aspect_ratio)
    pixels = _convert(_read_png(os.fspath(path)), color_mode)
    if target_size is None:
        return pixels
    if keep_aspect_ratio:
        pixels = _crop_to_ratio(pixels, target_size)
    return resize(pixels, tuple(target_size), interpolation)


def _load_with_pillow(image_module, path, color_mode, target_size, interpolation,
                      keep_aspect_ratio):
    """Keras's ``load_img`` on Pillow: open, convert the mode, crop, resize."""
    with open(path, "rb") as handle:
        img = image_module.open(handle)
        img.load()
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode]
    if img.mode != mode:
        img = img.convert(mode)
    if target_size is None:
        return img
    width_height = (int(target_size[1]), int(target_size[0]))
    if img.size == width_height:
        return img
    methods = getattr(image_module, "Resampling", image_module)
    if interpolation.upper() not in ("NEAREST", "BILINEAR", "BICUBIC", "LANCZOS", "BOX",
                                     "HAMMING"):
        raise ValueError(f"load_img: unknown `interpolation` {interpolation!r}.")
    if keep_aspect_ratio:
        width, height = img.size
        ratio = width_height[0] / width_height[1]
        crop_w, crop_h = min(width, int(height * ratio)), min(height, int(width / ratio))
        left, top = (width - crop_w) // 2, (height - crop_h) // 2
        img = img.crop((left, top, left + crop_w, top + crop_h))
    return img.resize(width_height, getattr(methods, interpolation.upper()))


def _crop_to_ratio(pixels: np.ndarray, target_size) -> np.ndarray:
    """The centre crop of ``pixels`` with the aspect ratio of ``target_size``."""
    height, width = pixels.shape[:2]
    ratio = target_size[1] / target_size[0]
    crop_height, crop_width = min(height, int(width / ratio)), min(width, int(height * ratio))
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return pixels[top:top + crop_height, left:left + crop_width]


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A PIL image or an array as a float array ``(height, width, channels)`` (or
    channels first); a 2-D grey image gains a channel axis."""
    array = np.asarray(img, dtype=dtype or "float32")
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {array.shape}; expected "
                         f"(height, width) or (height, width, channels).")
    return np.moveaxis(array, -1, 0) if data_format == "channels_first" else array


def _to_uint8(x, data_format=None, scale: bool = True) -> np.ndarray:
    x = np.asarray(x, dtype="float64")
    if x.ndim != 3:
        raise ValueError(f"Expected an image array of rank 3 (height, width, channels); "
                         f"received shape {x.shape}.")
    if data_format == "channels_first":
        x = np.moveaxis(x, 0, -1)
    if scale:
        x = x - x.min()
        peak = x.max()
        x = x / peak * 255 if peak else x
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """A PIL image from an ``(height, width, channels)`` array (needs Pillow); with
    ``scale`` the values are stretched to 0..255 first."""
    image_module = _pillow() or _need_pillow("array_to_img")
    pixels = _to_uint8(x, data_format, scale)
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    return image_module.fromarray(pixels, modes[1 if pixels.ndim == 2 else pixels.shape[-1]])


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs):
    """Saves an image array ``(height, width, channels)`` to a file (PNG without Pillow).

    With ``scale`` (default) the values are stretched to 0..255.
    """
    path = os.fspath(path)
    if _pillow() is not None:
        array_to_img(x, data_format, scale).save(path, format=file_format, **kwargs)
        return
    if (file_format or os.path.splitext(path)[1].lstrip(".")).lower() != "png":
        _need_pillow(f"Saving {path!r}")
    pixels = _to_uint8(x, data_format, scale)
    height, width, channels = pixels.shape
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = np.concatenate([np.zeros((height, 1), np.uint8),
                           pixels.reshape(height, width * channels)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    with open(path, "wb") as handle:
        handle.write(_SIGNATURE + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows.tobytes()))
                     + chunk(b"IEND", b""))
