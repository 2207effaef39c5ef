"""``get_file``: fetch a file once into a local cache, verified, atomic, with clear errors.

The cache is ``$KERASETTE_HOME`` (default ``~/.kerasette``), sub-folder ``datasets``. A
file that Keras already downloaded into its own cache (``$KERAS_HOME``, default
``~/.keras``) is used where it is, after the same hash check, so nothing is fetched twice.

Downloads go to a ``.part`` file in the target's folder and are renamed into place only
once complete (the byte count the server announced) and matching the expected hash, so
an interrupted or corrupted transfer never looks like a cached file. Opening a
connection has a short deadline (``CONNECT_TIMEOUT`` seconds, name resolution included):
without a network the error comes at once, naming the file, its URL and where to put a
copy made by hand. Archives are extracted into a temporary folder renamed into place,
after every member is checked to stay inside the target folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.parse

from ._http import open_url

__all__ = ["DownloadError", "get_file", "hash_file", "validate_file"]

CONNECT_TIMEOUT = float(os.environ.get("KERASETTE_CONNECT_TIMEOUT", "0.75"))
"""Seconds allowed to resolve the host name and open the connection."""
READ_TIMEOUT = 60.0
"""Seconds a started download may wait for its next bytes."""
CHUNK_SIZE = 1 << 16


class DownloadError(OSError):
    """A file could not be fetched (no network, a server error, a truncated transfer)."""


def kerasette_home() -> str:
    """``$KERASETTE_HOME``, else ``~/.kerasette``: the root of kerasette's cache."""
    return os.path.expanduser(os.environ.get("KERASETTE_HOME") or "~/.kerasette")


def keras_home() -> str:
    """``$KERAS_HOME``, else ``~/.keras``: Keras's cache (kerasette reads, never writes)."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or "~/.keras")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False) -> str:
    """Downloads a file from ``origin`` unless a verified copy is already cached.

    Args:
        fname: the local file name; default the last part of ``origin``'s path. An
            absolute path (Keras 2) names the file's location directly. When
            extracting, a name without an extension names the extraction folder.
        origin: the URL of the file.
        untar: Keras 2's spelling of ``extract=True`` for a tar archive.
        md5_hash: Keras 2's spelling of ``file_hash=..., hash_algorithm="md5"``.
        file_hash: the expected sha256 or md5 hex digest; checked on every cached file
            and on every download. Default ``None`` (no check).
        cache_subdir: the sub-folder of the cache; default ``"datasets"``. An absolute
            path is used as the folder itself.
        hash_algorithm: ``"sha256"``, ``"md5"`` or ``"auto"`` (default: chosen by the
            length of ``file_hash``).
        extract: whether to extract a ``.tar(.gz|.bz2|.xz)`` or ``.zip`` archive;
            default ``False``.
        archive_format: ``"auto"`` (default), ``"tar"``, ``"zip"``, or a list of those.
        cache_dir: the cache root; default ``$KERASETTE_HOME`` or ``~/.kerasette``.
        force_download: download again even when a cached copy exists.

    Returns:
        The path of the file, or of the extraction folder when extracting.

    Raises:
        DownloadError: offline, refused connection, HTTP error or truncated transfer;
            the message names the file, the URL and where to put a copy by hand.
        ValueError: the downloaded file does not match ``file_hash``, or an archive
            member would land outside the extraction folder.

    Example:

    >>> path = get_file("mnist.npz", origin="https://storage.googleapis.com/"
    ...                 "tensorflow/tf-keras-datasets/mnist.npz")  # doctest: +SKIP
    """
    if origin is None:
        raise ValueError("get_file needs `origin`, the URL of the file to download. "
                         "Received: origin=None")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    extracting = bool(extract or untar)
    provided = fname is not None
    fname = os.fspath(fname) if provided else _name_from_url(origin)
    if os.path.isabs(fname):
        datadir, fname, mirrors = os.path.dirname(fname), os.path.basename(fname), False
    else:
        if os.sep in fname or (os.altsep and os.altsep in fname):
            raise ValueError("`fname` must be a file name or an absolute path. To choose "
                             "the folder, pass `cache_dir=` or `cache_subdir=`. "
                             f"Received: fname={fname!r}")
        datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
        mirrors = cache_dir is None and not os.path.isabs(cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    target, extraction_dir = _targets(datadir, fname, provided, extracting)

    keras_dir = os.path.join(keras_home(), cache_subdir) if mirrors else None
    source = None if force_download else _cached_copy(
        target, _keras_names(target, fname, origin, extracting), keras_dir, file_hash,
        hash_algorithm)
    if source is None:
        _download(origin, target, file_hash, hash_algorithm, keras_dir)
        source = target
    if not extracting:
        return source
    if _newer(source, extraction_dir):  # missing, or left from an older archive
        _remove(extraction_dir)
        extract_archive(source, extraction_dir, "tar" if untar else archive_format)
    return extraction_dir


def _name_from_url(origin: str) -> str:
    name = os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(f"Cannot take a file name from origin={origin!r}: pass `fname=`.")
    return name


def _cache_root(cache_dir) -> str:
    if cache_dir is not None:
        return os.path.expanduser(os.fspath(cache_dir))
    root = kerasette_home()
    with contextlib.suppress(OSError):
        os.makedirs(root, exist_ok=True)
    if os.access(root, os.W_OK):
        return root
    return os.path.join(tempfile.gettempdir(), ".kerasette")


def _targets(datadir: str, fname: str, provided: bool, extracting: bool):
    """(download path, extraction folder), named as Keras 3 names them."""
    if not extracting:
        return os.path.join(datadir, fname), None
    if provided and "." in fname:
        stem = fname[:fname.find(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def _newer(path: str, than: str) -> bool:
    """Whether ``than`` is missing or older than ``path`` (a re-downloaded archive)."""
    try:
        return os.path.getmtime(path) > os.path.getmtime(than)
    except OSError:
        return True


def _keras_names(target: str, fname: str, origin: str, extracting: bool) -> list:
    """The names Keras versions give this file in their cache: Keras 3's, and for an
    archive Keras 2's (``NAME.tar.gz`` for ``untar``, the URL's name for ``extract``)."""
    names = [os.path.basename(target)]
    if extracting:
        names += [f"{fname}.tar.gz", os.path.basename(urllib.parse.urlsplit(origin).path)]
    return [name for index, name in enumerate(names) if name and name not in names[:index]]


def _cached_copy(target, keras_names, keras_dir, file_hash, algorithm):
    """The path of a trusted cached copy, or None: ours first, then Keras's."""
    candidates = [target]
    if keras_dir is not None:
        candidates += [os.path.join(keras_dir, name) for name in keras_names]
    for path in candidates:
        if not os.path.isfile(path):
            continue
        if file_hash is None or validate_file(path, file_hash, algorithm):
            return path
        print(f"The cached file {path} does not match its expected "
              f"{_algorithm(algorithm, file_hash)} hash (incomplete or altered); it will "
              "not be used.")
    return None


def resolve_hasher(algorithm: str = "auto", file_hash: str | None = None):
    """A fresh hashlib object: sha256, md5, or for ``"auto"`` the one whose digest length
    matches ``file_hash`` (64 hex digits: sha256)."""
    name = _algorithm(algorithm, file_hash)
    return hashlib.sha256() if name == "sha256" else hashlib.md5()


def _algorithm(algorithm: str, file_hash) -> str:
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError('`hash_algorithm` must be "auto", "sha256" or "md5". '
                         f"Received: hash_algorithm={algorithm!r}")
    if algorithm == "auto":
        return "sha256" if file_hash is None or len(file_hash) == 64 else "md5"
    return algorithm


def hash_file(fpath, algorithm: str = "sha256", chunk_size: int = CHUNK_SIZE) -> str:
    """The hex digest of a file, read in chunks."""
    hasher = resolve_hasher(algorithm)
    with open(fpath, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash: str, algorithm: str = "auto") -> bool:
    """Whether the file's digest equals ``file_hash`` (case-insensitive)."""
    return hash_file(fpath, _algorithm(algorithm, file_hash)) == file_hash.lower()


def _download(origin: str, target: str, file_hash, algorithm, keras_dir=None) -> None:
    """Streams ``origin`` into a ``.part`` file beside ``target``; renames it only when
    complete and verified. On any failure the partial file is removed."""
    name = os.path.basename(target)
    hasher = resolve_hasher(algorithm, file_hash)
    handle, part = tempfile.mkstemp(prefix=f".{name}.", suffix=".part",
                                    dir=os.path.dirname(target))
    try:
        os.chmod(part, 0o644)  # mkstemp's 0600 would hide the file from other users
        with os.fdopen(handle, "wb") as stream:
            _fetch(origin, target, stream, hasher, keras_dir)
            stream.flush()
            os.fsync(stream.fileno())
        if file_hash is not None and hasher.hexdigest() != file_hash.lower():
            raise ValueError(
                f"The file downloaded from {origin} does not match its expected "
                f"{_algorithm(algorithm, file_hash)} hash: expected {file_hash}, received "
                f"{hasher.hexdigest()}. The transfer was corrupted or the file changed on "
                "the server; it was not kept. Try again, or check the URL and the hash.")
        os.replace(part, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(part)
        raise


def _fetch(origin: str, target: str, stream, hasher, keras_dir) -> None:
    from tqdm.auto import tqdm

    def failure(reason: str) -> DownloadError:
        return DownloadError(_message(origin, target, keras_dir, reason))

    print(f"Downloading data from {origin}")
    try:
        response = open_url(origin, CONNECT_TIMEOUT, READ_TIMEOUT)
    except urllib.error.HTTPError as error:
        raise failure(f"the server answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise failure(f"{reason} (is this machine offline?)") from None
    received = 0  # counted here: a disabled tqdm bar does not count
    total = int(response.headers.get("Content-Length") or 0) or None
    with response, tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                        leave=False, desc=os.path.basename(target)) as bar:
        while True:
            try:
                chunk = response.read(CHUNK_SIZE)
            except (OSError, http.client.HTTPException) as error:
                raise failure(f"the transfer stopped after {received} bytes: "
                              f"{error!r}") from None
            if not chunk:
                break
            stream.write(chunk)
            hasher.update(chunk)
            received += len(chunk)
            bar.update(len(chunk))
    if total is not None and received != total:
        raise failure(f"the transfer stopped after {received} of {total} bytes")


def _message(origin: str, target: str, keras_dir, reason: str) -> str:
    name = os.path.basename(target)
    also = ("" if keras_dir is None else
            f" (a copy in Keras's cache, {os.path.join(keras_dir, name)}, is used too)")
    return (f"Could not download {name!r} from {origin}: {reason}. Without a network, "
            f"fetch that URL on another machine and copy the file to {target}{also}; "
            "then call again.")


# -- archives ---------------------------------------------------------------------------

def extract_archive(file_path, path, archive_format="auto") -> None:
    """Extracts a tar or zip archive into the folder ``path``, atomically.

    Every member is checked first: one whose path (or link target) would land outside
    ``path``, or that is a device or pipe, stops the extraction with a ValueError and
    nothing is written. The members go to a temporary folder renamed to ``path``.
    """
    import tarfile
    import zipfile

    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats or [])
    file_path, path = os.fspath(file_path), os.fspath(path)
    if "tar" in formats and tarfile.is_tarfile(file_path):
        opener, check = tarfile.open, _check_tar_members
    elif "zip" in formats and zipfile.is_zipfile(file_path):
        opener, check = zipfile.ZipFile, _check_zip_members
    else:
        raise ValueError(f"Cannot extract {file_path}: it is not a {' or '.join(formats)} "
                         "archive. Pass the right `archive_format`, or `extract=False`.")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                               dir=parent)
    try:
        os.chmod(scratch, 0o755)  # mkdtemp's 0700 would hide the folder from other users
        with opener(file_path) as archive:
            check(archive, os.path.realpath(scratch), file_path)
            if opener is tarfile.open and hasattr(tarfile, "data_filter"):
                archive.extractall(scratch, filter="data")
            else:
                archive.extractall(scratch)
        _remove(path)
        os.replace(scratch, path)
    except BaseException:
        _remove(scratch)
        raise


def _inside(root: str, member: str) -> bool:
    resolved = os.path.realpath(os.path.join(root, member))
    return os.path.commonpath([resolved, root]) == root


def _check_tar_members(archive, root: str, file_path: str) -> None:
    for member in archive.getmembers():
        name = member.name
        if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
            raise ValueError(f"Refusing to extract {file_path}: member {name!r} is a "
                             "device, pipe or other special file.")
        if os.path.isabs(name) or not _inside(root, name):
            raise ValueError(f"Refusing to extract {file_path}: member {name!r} would "
                             f"land outside the target folder.")
        link = member.linkname
        if member.issym():
            link = os.path.join(os.path.dirname(name), link)
        if (member.issym() or member.islnk()) and (os.path.isabs(member.linkname)
                                                   or not _inside(root, link)):
            raise ValueError(f"Refusing to extract {file_path}: link {name!r} points to "
                             f"{member.linkname!r}, outside the target folder.")


def _check_zip_members(archive, root: str, file_path: str) -> None:
    for name in archive.namelist():
        if os.path.isabs(name) or name.startswith(("/", "\\")) or not _inside(root, name):
            raise ValueError(f"Refusing to extract {file_path}: member {name!r} would "
                             "land outside the target folder.")


def _remove(path) -> None:
    if path is None:
        return
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        with contextlib.suppress(OSError):
            os.remove(path)
