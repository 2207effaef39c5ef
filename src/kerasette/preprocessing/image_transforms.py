"""Batched random image transforms: affine warps, channel shifts, flips, brightness.

Every function works on a whole channels-last batch ``(n, height, width, channels)`` with
one set of parameters per image, vectorized over the batch and the pixels (no loop over
either). The affine warp follows Keras's ``apply_affine_transform``: the matrix
``rotation @ shift @ shear @ zoom``, centred on the image, maps each output pixel
``(row, col)`` to the input position it samples.
"""

from __future__ import annotations

import numpy as np

__all__ = ["affine_matrices", "warp", "channel_shift", "flip", "brightness"]

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def affine_matrices(theta, tx, ty, shear, zx, zy, height: int, width: int) -> np.ndarray:
    """``(n, 3, 3)`` matrices from per-image parameters (angles in degrees, shifts in
    pixels along rows ``tx`` and columns ``ty``, zooms ``zx`` on rows, ``zy`` on columns)."""
    n = len(theta)
    angle, shear = np.deg2rad(theta), np.deg2rad(shear)
    rotation = _stack(np.cos(angle), -np.sin(angle), 0, np.sin(angle), np.cos(angle), 0, n)
    shift = _stack(1, 0, tx, 0, 1, ty, n)
    shearing = _stack(1, -np.sin(shear), 0, 0, np.cos(shear), 0, n)
    zoom = _stack(zx, 0, 0, 0, zy, 0, n)
    matrix = rotation @ shift @ shearing @ zoom
    centre_row, centre_col = height / 2 - 0.5, width / 2 - 0.5
    to_centre = _stack(1, 0, centre_row, 0, 1, centre_col, n)
    from_centre = _stack(1, 0, -centre_row, 0, 1, -centre_col, n)
    return to_centre @ matrix @ from_centre


def _stack(a, b, c, d, e, f, n: int) -> np.ndarray:
    """``n`` matrices ``[[a, b, c], [d, e, f], [0, 0, 1]]`` (entries scalars or ``(n,)``)."""
    entries = [a, b, c, d, e, f, 0, 0, 1]
    return np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
                     for v in entries], axis=-1).reshape(n, 3, 3)


def _fill_index(index: np.ndarray, size: int, fill_mode: str) -> np.ndarray:
    """Integer neighbour positions mapped into ``[0, size)``: mirrored for
    ``"reflect"`` (d c b a | a b c d | d c b a), else clamped to the edge."""
    if fill_mode == "reflect":
        folded = np.mod(index, 2 * size)
        return np.where(folded < size, folded, 2 * size - 1 - folded)
    return np.clip(index, 0, size - 1)


def warp(images: np.ndarray, matrices: np.ndarray, fill_mode: str = "nearest",
         cval: float = 0.0, order: int = 1) -> np.ndarray:
    """Samples each image of a channels-last batch at ``matrix @ (row, col, 1)``.

    ``order`` 1 interpolates bilinearly between the four neighbours, 0 takes the nearest.
    Outside the image, as ``scipy.ndimage`` (which Keras uses): ``"nearest"`` repeats the
    edge, ``"reflect"`` mirrors it, ``"wrap"`` repeats the image with period ``size - 1``
    (first and last pixel overlap), ``"constant"`` gives ``cval`` beyond the outermost
    pixel centres.
    """
    if fill_mode not in FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {FILL_MODES}; received {fill_mode!r}.")
    n, height, width, channels = images.shape
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    grid = np.stack([rows.ravel(), cols.ravel(), np.ones(rows.size)])  # (3, h * w)
    source = matrices[:, :2] @ grid  # (n, 2, h * w)
    sizes = np.array([height, width]).reshape(1, 2, 1)
    inside = np.all((source >= 0) & (source <= sizes - 1), axis=1)
    if fill_mode == "wrap":  # only positions outside the image move
        outside = (source < 0) | (source > sizes - 1)
        source = np.where(outside, np.mod(source, np.maximum(sizes - 1, 1)), source)
    batch = np.arange(n)[:, None]

    def sample(r, c):
        return images[batch, _fill_index(r, height, fill_mode), _fill_index(c, width, fill_mode)]

    if order == 0:
        result = sample(np.rint(source[:, 0]).astype(int), np.rint(source[:, 1]).astype(int))
    else:
        low = np.floor(source).astype(int)
        frac = (source - low).astype(images.dtype)[..., None]
        fr, fc = frac[:, 0], frac[:, 1]
        r0, c0 = low[:, 0], low[:, 1]
        result = ((1 - fr) * ((1 - fc) * sample(r0, c0) + fc * sample(r0, c0 + 1))
                  + fr * ((1 - fc) * sample(r0 + 1, c0) + fc * sample(r0 + 1, c0 + 1)))
    if fill_mode == "constant":
        result = np.where(inside[..., None], result, images.dtype.type(cval))
    return result.reshape(n, height, width, channels).astype(images.dtype, copy=False)


def channel_shift(images: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """Adds one random value per image to every channel, clipped to the image's range."""
    low = images.min(axis=(1, 2, 3), keepdims=True)
    high = images.max(axis=(1, 2, 3), keepdims=True)
    shifted = images + intensity.reshape(-1, 1, 1, 1).astype(images.dtype)
    return np.clip(shifted, low, high)


def flip(images: np.ndarray, which: np.ndarray, axis: int) -> np.ndarray:
    """Reverses ``axis`` of the images where ``which`` is True."""
    if not which.any():
        return images
    flipped = np.flip(images, axis=axis)
    return np.where(which.reshape(-1, 1, 1, 1), flipped, images)


def brightness(images: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Keras's brightness shift: each image stretched to 0..255, then multiplied by its
    factor and clipped to 0..255 (values come back on the 0..255 scale)."""
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    stretched = (images - low) * (255 / np.where(span > 0, span, 1))
    shifted = stretched * factor.reshape(-1, 1, 1, 1)
    return np.clip(shifted, 0, 255).astype(images.dtype, copy=False)
