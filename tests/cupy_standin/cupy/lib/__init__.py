"""``cupy.lib``: only ``stride_tricks``, as in CuPy."""

from . import stride_tricks  # noqa: F401
