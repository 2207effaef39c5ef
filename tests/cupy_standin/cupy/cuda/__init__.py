"""``cupy.cuda``: one pretend device, its memory pool, streams that are always done."""

from __future__ import annotations

from . import memory, runtime  # noqa: F401
from .memory import MemoryPool, PinnedMemoryPool  # noqa: F401


class Device:
    """The stand-in's one device, ``0``."""

    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise RuntimeError(f"cudaErrorInvalidDevice: device {self.id} (the stand-in "
                               f"has one device)")

    def use(self):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    compute_capability = property(lambda self: "90")


class Stream:
    def __init__(self, null=False, non_blocking=False, ptds=False):
        self.null = null

    def synchronize(self):
        pass

    def use(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def get_current_stream(device_id=-1):
    return Stream(null=True)


def get_device_id():
    return 0


def is_available():
    return True
