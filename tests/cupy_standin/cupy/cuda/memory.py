"""``cupy.cuda.memory``: a pool whose figures are the bytes of the live stand-in arrays
that own their memory, and whose limit refuses what would pass it."""

from __future__ import annotations


class OutOfMemoryError(MemoryError):
    pass


class MemoryPool:
    def __init__(self, allocator=None):
        self._limit = 0

    def _allocate(self, nbytes: int) -> None:
        if self.used_bytes() + nbytes > self._limit:
            raise OutOfMemoryError(f"Out of memory allocating {nbytes:,} bytes (the pool's "
                                   f"limit is {self._limit:,} bytes)")

    def used_bytes(self):
        import gc

        import numpy

        from .._ndarray import ndarray

        gc.collect()
        return sum(o._a.nbytes for o in gc.get_objects()
                   if type(o) is ndarray and isinstance(o._a, numpy.ndarray)
                   and o._a.base is None)

    total_bytes = used_bytes

    def free_bytes(self):
        return 0

    def free_all_blocks(self, stream=None):
        pass

    def set_limit(self, size=None, fraction=None):
        self._limit = size or 0

    def get_limit(self):
        return self._limit

    def n_free_blocks(self):
        return 0


class PinnedMemoryPool:
    def __init__(self, allocator=None):
        pass

    def free_all_blocks(self):
        pass

    def n_free_blocks(self):
        return 0


default_pool = MemoryPool()
pinned_pool = PinnedMemoryPool()
