"""The geometry that convolutions and pools share: their arguments checked and
normalised (``normalize_tuple``, ``normalize_data_format``, ``normalize_padding``), the
padding each needs (``padding_amounts``, ``transpose_output_length``), and the
channels-last views, padding and cropping every spatial op works through.
"""

from __future__ import annotations

from .. import backend

__all__: list[str] = []  # helpers of the spatial ops; ``keras.ops`` exports none of them

DATA_FORMATS = ("channels_last", "channels_first")


def normalize_tuple(value, rank: int, name: str, owner: str = "conv",
                    allow_zero: bool = False) -> tuple[int, ...]:
    """``3`` -> ``(3, 3)`` for rank 2; checks every entry is a positive integer."""
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    least = 0 if allow_zero else 1
    if len(values) != rank or any(isinstance(v, bool) or not isinstance(v, int) or v < least
                                  for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: `{name}` must be a {kind} integer or a tuple of {rank} "
                         f"{kind} integers; received {name}={value!r}.")
    return values


def normalize_data_format(data_format, owner: str = "conv") -> str:
    """``None`` -> ``keras.config.image_data_format()`` (``"channels_last"`` unless set);
    anything else must be one of the two formats."""
    value = backend.image_data_format() if data_format is None else str(data_format).lower()
    if value not in DATA_FORMATS:
        raise ValueError(f"{owner}: `data_format` must be 'channels_last' or "
                         f"'channels_first'; received data_format={data_format!r}.")
    return value


def normalize_padding(padding, owner: str = "conv", allow_causal: bool = False) -> str:
    """Lower-cases and checks ``padding``: ``"valid"``, ``"same"`` (or ``"causal"``)."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    value = str(padding).lower()
    if value not in allowed:
        raise ValueError(f"{owner}: `padding` must be one of {allowed}; received "
                         f"padding={padding!r}.")
    return value


def padding_amounts(spatial, kernel_size, strides, dilation, padding: str,
                    owner: str = "conv", what: str = "kernel"):
    """``((before, after) per spatial axis, output spatial shape)`` of a convolution.

    ``"same"`` pads so the output has ``ceil(size / stride)`` positions, the odd pixel
    going after (as TensorFlow); ``"causal"`` pads ``dilated_kernel - 1`` before only.
    Unknown sizes (``None``) give unknown outputs. A kernel (``what``: or a pool window)
    that does not fit a ``"valid"`` input raises a ValueError naming the sizes.
    """
    if what == "kernel":
        detail = f"kernel_size={tuple(kernel_size)}, dilation_rate={tuple(dilation)}"
    else:
        detail = f"{what}={tuple(kernel_size)}"
    pads, out = [], []
    for axis, (n, k, s, d) in enumerate(zip(spatial, kernel_size, strides, dilation)):
        extent = (k - 1) * d + 1
        if n is None:
            pads.append((0, 0))
            out.append(None)
        elif padding == "valid":
            if n < extent:
                raise ValueError(
                    f"{owner}: the window is larger than the input along spatial axis "
                    f"{axis}: it spans {extent} positions ({detail}) but the input has {n} "
                    f"with padding='valid'. Use padding='same', a smaller {what}, or a "
                    f"larger input.")
            pads.append((0, 0))
            out.append((n - extent) // s + 1)
        elif padding == "causal":
            pads.append((extent - 1, 0))
            out.append((n - 1) // s + 1)
        else:
            size = -(-n // s)
            total = max((size - 1) * s + extent - n, 0)
            pads.append((total // 2, total - total // 2))
            out.append(size)
    return tuple(pads), tuple(out)


def to_channels_last(array, data_format: str):
    """A channels-last view of a channels-first array (no copy)."""
    if data_format == "channels_first":
        return backend.xp.moveaxis(array, 1, -1)
    return array


def from_channels_last(array, data_format: str):
    """The inverse view of ``to_channels_last``."""
    if data_format == "channels_first":
        return backend.xp.moveaxis(array, -1, 1)
    return array


def pad_spatial(array, pads, value=0):
    """Pads the spatial axes of a channels-last array (no copy when nothing is padded)."""
    if not any(before or after for before, after in pads):
        return array
    width = ((0, 0),) + tuple(pads) + ((0, 0),)
    return backend.xp.pad(array, width, constant_values=value)


def crop_spatial(array, pads):
    """The inverse of ``pad_spatial`` (a view)."""
    return array[(slice(None),) + tuple(slice(b, array.shape[i + 1] - a)
                                        for i, (b, a) in enumerate(pads))]


def transpose_output_length(size, kernel: int, stride: int, dilation: int, padding: str,
                            output_padding=None):
    """Keras's output length of a transposed convolution along one axis."""
    if size is None:
        return None
    extent = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(extent - stride, 0)
        return size * stride
    pad = extent // 2 if padding == "same" else 0
    return (size - 1) * stride + extent - 2 * pad + output_padding
