"""Atomic file writes: a save either completes or leaves the previous file untouched.

A failed write (a full disk, a file-size limit, a missing permission) raises an
``OSError`` naming the target path and keeps its errno. HDF5 files are built in memory
and written with Python's own ``write``: HDF5 defers writes to its file close, where a
full disk crashed the process (a segfault in h5py's close) instead of raising.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import time

import h5py

__all__ = ["atomic_path", "atomic_hdf5"]


@contextlib.contextmanager
def atomic_path(filepath: str):
    """Yields a temporary path in the target's folder; on success it is flushed to disk
    and renamed over ``filepath``, on failure removed. A crash (even SIGKILL) at any
    point leaves either the old file or the complete new one, never a torn file."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(filepath)
    _remove_stale(folder, name)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}~{os.getpid()}.",
                                             suffix=".tmp", dir=folder)
    except OSError as error:
        raise _naming(error, filepath) from error
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file 0600; give it what open() (and Keras) would: 0666 & ~umask.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, filepath)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError) and filepath not in str(error):
            raise _naming(error, filepath) from error
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


@contextlib.contextmanager
def atomic_hdf5(filepath: str):
    """Yields a new HDF5 file, open for writing in memory; on success its bytes are
    written to ``filepath`` atomically (see ``atomic_path``)."""
    filepath = os.fspath(filepath)
    buffer = io.BytesIO()
    try:
        with h5py.File(buffer, "w") as f:
            yield f
    except OSError as error:
        if filepath in str(error):
            raise
        raise _naming(error, filepath) from error
    with atomic_path(filepath) as temporary, open(temporary, "wb") as out:
        out.write(buffer.getbuffer())


def _naming(error: OSError, filepath: str) -> OSError:
    """The same kind of OSError (same errno), with a message naming the target."""
    reason = error.strerror or str(error)
    return type(error)(error.errno, f"Cannot save '{filepath}': {reason}. The previous "
                                    f"file, if any, is left as it was")


STALE_AFTER_S = 600.0


def _umask() -> int:
    """The process umask, read from /proc without changing it where Linux allows (setting
    it, the only portable way to read it, is process-wide and races other threads)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's live process (or unknown): keep its file
    return True


def _remove_stale(folder: str, name: str) -> None:
    """Removes temporary files that an earlier, killed save of ``name`` left in ``folder``.

    Only exact temp names of this target qualify: ``.{name}~{pid}.{8 chars}.tmp`` (or the
    older ``.{name}.{8 chars}.tmp``). A file is removed only when it is both untouched for
    ``STALE_AFTER_S`` (10 minutes) and its writer is gone: the pid in its name is no
    living process here (names without a pid rely on the age alone). A save still running
    keeps touching its file, or its pid is alive, so it is never pulled from under it; a
    recycled pid merely delays the clean-up. Errors are ignored: this is housekeeping.
    """
    pattern = re.compile(rf"\.{re.escape(name)}(?:~(\d+))?\.[a-z0-9_]{{8}}\.tmp")
    with contextlib.suppress(OSError):
        entries = os.listdir(folder)
        now = time.time()
        for entry in entries:
            match = pattern.fullmatch(entry)
            if match is None:
                continue
            path = os.path.join(folder, entry)
            with contextlib.suppress(OSError):
                if now - os.stat(path).st_mtime < STALE_AFTER_S:
                    continue
                if match.group(1) is not None and _pid_alive(int(match.group(1))):
                    continue
                os.remove(path)
