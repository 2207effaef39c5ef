"""``utils.get_file`` against a local HTTP server on 127.0.0.1 (never the real network):
download, cache hits, hashes, atomic writes, errors, offline failures, extraction."""

import hashlib
import http.server
import io
import os
import socket
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from kerasette.utils import file_utils, get_file


class LocalServer:
    """Serves ``files`` (name -> bytes) from a thread and records each request path.

    ``faults[name]`` makes one file misbehave: ``"truncate"`` announces the full length
    but sends half and closes; an integer answers with that HTTP error status.
    """

    def __init__(self):
        self.files, self.faults, self.requests = {}, {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                server.requests.append(name)
                fault = server.faults.get(name)
                if isinstance(fault, int) or name not in server.files:
                    self.send_error(fault if isinstance(fault, int) else 404)
                    return
                body = server.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if fault == "truncate":
                    self.wfile.write(body[:len(body) // 2])
                    self.close_connection = True
                else:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def serve(self, name: str, body: bytes) -> str:
        """Adds a file; returns its URL."""
        self.files[name] = body
        return self.url(name)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """Both caches in the test's folder: (kerasette's datasets folder, Keras's)."""
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "kerasette"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "kerasette" / "datasets", tmp_path / "keras" / "datasets"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def closed_port_url(name: str) -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connections are refused at once
    return f"http://127.0.0.1:{port}/{name}"


def leftovers(folder) -> list:
    return sorted(p for p in os.listdir(folder) if p.endswith(".part"))


BODY = bytes(range(256)) * 400


def test_downloads_once_then_hits_the_cache(server, homes):
    ours, _ = homes
    url = server.serve("data.bin", BODY)
    path = get_file("data.bin", origin=url, file_hash=sha256(BODY))
    assert path == str(ours / "data.bin")
    assert Path(path).read_bytes() == BODY
    assert get_file("data.bin", origin=url, file_hash=sha256(BODY)) == path
    assert server.requests == ["data.bin"]


def test_md5_is_detected_from_the_hash_length_and_md5_hash_spelling(server, homes):
    url = server.serve("data.bin", BODY)
    md5 = hashlib.md5(BODY).hexdigest()
    path = get_file("data.bin", origin=url, file_hash=md5.upper())
    assert get_file("data.bin", origin=url, md5_hash=md5) == path
    assert get_file("data.bin", origin=url, file_hash=md5, hash_algorithm="md5") == path
    assert server.requests == ["data.bin"]


@pytest.mark.parametrize("damage", ["tamper", "truncate"])
def test_a_damaged_cached_file_is_detected_and_fetched_again(server, homes, damage):
    url = server.serve("data.bin", BODY)
    path = get_file("data.bin", origin=url, file_hash=sha256(BODY))
    with open(path, "r+b") as stream:
        if damage == "tamper":
            stream.seek(100)
            stream.write(b"\xff\xfe")
        else:
            stream.truncate(len(BODY) // 3)
    assert get_file("data.bin", origin=url, file_hash=sha256(BODY)) == path
    assert Path(path).read_bytes() == BODY
    assert server.requests == ["data.bin", "data.bin"]


def test_a_download_with_the_wrong_hash_is_not_kept(server, homes):
    ours, _ = homes
    url = server.serve("data.bin", BODY)
    with pytest.raises(ValueError, match="expected sha256 hash") as error:
        get_file("data.bin", origin=url, file_hash=sha256(b"another file"))
    assert url in str(error.value)
    assert not (ours / "data.bin").exists() and leftovers(ours) == []


@pytest.mark.parametrize("file_hash", [None, sha256(BODY)])
def test_an_interrupted_download_leaves_nothing_trusted(server, homes, file_hash):
    ours, _ = homes
    url = server.serve("data.bin", BODY)
    server.faults["data.bin"] = "truncate"
    half = len(BODY) // 2
    with pytest.raises(file_utils.DownloadError, match=f"stopped after {half} of"):
        get_file("data.bin", origin=url, file_hash=file_hash)
    assert not (ours / "data.bin").exists() and leftovers(ours) == []
    del server.faults["data.bin"]
    path = get_file("data.bin", origin=url, file_hash=file_hash)
    assert Path(path).read_bytes() == BODY and len(server.requests) == 2


def test_a_crash_just_before_the_rename_leaves_nothing(server, homes, monkeypatch):
    ours, _ = homes
    url = server.serve("data.bin", BODY)

    def crash(_):
        raise KeyboardInterrupt

    monkeypatch.setattr(file_utils.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        get_file("data.bin", origin=url)
    assert os.listdir(ours) == []


@pytest.mark.parametrize("status", [404, 500])
def test_a_server_error_is_reported_with_the_url_and_the_place_to_copy_to(
        server, homes, status):
    ours, _ = homes
    url = server.serve("data.bin", BODY)
    server.faults["data.bin"] = status
    with pytest.raises(file_utils.DownloadError, match=f"HTTP {status}") as error:
        get_file("data.bin", origin=url)
    message = str(error.value)
    assert "'data.bin'" in message and url in message and str(ours / "data.bin") in message
    assert os.listdir(ours) == []


def test_offline_fails_within_a_second_with_a_clear_message(homes):
    ours, _ = homes
    url = closed_port_url("mnist.npz")
    start = time.perf_counter()
    with pytest.raises(file_utils.DownloadError) as error:
        get_file("mnist.npz", origin=url)
    assert time.perf_counter() - start < 1.0
    message = str(error.value)
    assert "'mnist.npz'" in message and url in message
    assert str(ours / "mnist.npz") in message and "offline" in message
    assert os.listdir(ours) == []


def test_a_stalled_name_resolver_is_given_up_on_quickly(homes, monkeypatch):
    released = threading.Event()

    def stalled_lookup(*args, **kwargs):
        released.wait(10)  # a resolver with no network to ask
        raise socket.gaierror("no network")

    monkeypatch.setattr(socket, "getaddrinfo", stalled_lookup)
    monkeypatch.setattr(file_utils, "CONNECT_TIMEOUT", 0.3)
    start = time.perf_counter()
    try:
        with pytest.raises(file_utils.DownloadError, match="could not resolve"):
            get_file("x.bin", origin="http://datasets.example.invalid/x.bin")
        assert time.perf_counter() - start < 1.0
    finally:
        released.set()


def test_kerasette_home_and_cache_dir_are_respected(server, homes, tmp_path):
    ours, _ = homes
    url = server.serve("data.bin", BODY)
    assert get_file("data.bin", origin=url).startswith(os.environ["KERASETTE_HOME"])
    elsewhere = get_file("data.bin", origin=url, cache_dir=tmp_path / "c", cache_subdir="s")
    assert elsewhere == str(tmp_path / "c" / "s" / "data.bin")
    absolute = get_file(str(tmp_path / "abs" / "d.bin"), origin=url)
    assert absolute == str(tmp_path / "abs" / "d.bin") and os.path.isfile(absolute)
    assert get_file(origin=url) == str(ours / "data.bin")  # name taken from the URL


def test_a_file_in_keras_cache_is_used_where_it_is(server, homes):
    _, keras = homes
    keras.mkdir(parents=True)
    (keras / "data.bin").write_bytes(BODY)
    url = server.serve("data.bin", BODY)
    path = get_file("data.bin", origin=url, file_hash=sha256(BODY))
    assert path == str(keras / "data.bin") and server.requests == []


def test_a_damaged_file_in_keras_cache_is_left_alone_and_fetched(server, homes):
    ours, keras = homes
    keras.mkdir(parents=True)
    (keras / "data.bin").write_bytes(BODY[:100])
    url = server.serve("data.bin", BODY)
    path = get_file("data.bin", origin=url, file_hash=sha256(BODY))
    assert path == str(ours / "data.bin") and server.requests == ["data.bin"]
    assert (keras / "data.bin").read_bytes() == BODY[:100]


def test_force_download_fetches_again(server, homes):
    url = server.serve("data.bin", BODY)
    get_file("data.bin", origin=url)
    get_file("data.bin", origin=url, force_download=True)
    assert server.requests == ["data.bin", "data.bin"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin")
    with pytest.raises(ValueError, match="fname"):
        get_file(os.path.join("sub", "x.bin"), origin="http://127.0.0.1:9/x.bin")
    with pytest.raises(ValueError, match="hash_algorithm"):
        file_utils.resolve_hasher("sha1")


# -- archives ---------------------------------------------------------------------------

def tar_bytes(members: dict, links: dict | None = None) -> bytes:
    """A .tar.gz of ``members`` (name -> bytes) and symbolic ``links`` (name -> target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def zip_bytes(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_tar_gz_is_extracted_once(server, homes):
    ours, _ = homes
    data = tar_bytes({"pack/a.txt": b"alpha", "pack/sub/b.txt": b"beta"})
    url = server.serve("pack.tar.gz", data)
    folder = get_file("pack", origin=url, extract=True, file_hash=sha256(data))
    assert folder == str(ours / "pack")
    assert (ours / "pack" / "pack" / "sub" / "b.txt").read_bytes() == b"beta"
    assert (ours / "pack_archive").read_bytes() == data  # Keras 3's names
    (ours / "pack" / "marker").write_text("kept")
    assert get_file("pack", origin=url, extract=True, file_hash=sha256(data)) == folder
    assert (ours / "pack" / "marker").exists()  # not extracted again
    assert server.requests == ["pack.tar.gz"] and leftovers(ours) == []


def test_zip_with_an_extension_in_fname_and_keras2_untar(server, homes):
    ours, keras = homes
    url = server.serve("z.zip", zip_bytes({"z/a.txt": b"alpha"}))
    assert get_file("z.zip", origin=url, extract=True) == str(ours / "z_extracted")
    assert (ours / "z_extracted" / "z" / "a.txt").read_bytes() == b"alpha"
    keras.mkdir(parents=True)  # Keras 2 kept `untar` archives as NAME.tar.gz
    (keras / "old.tar.gz").write_bytes(tar_bytes({"old/x.txt": b"x"}))
    folder = get_file("old", origin=server.url("old.tar.gz"), untar=True)
    assert os.path.isfile(os.path.join(folder, "old", "x.txt"))
    assert server.requests == ["z.zip"]


@pytest.mark.parametrize("archive", [
    ("evil.tar.gz", tar_bytes({"ok.txt": b"fine", "../escaped.txt": b"evil"})),
    ("evil.zip", zip_bytes({"ok.txt": b"fine", "../escaped.txt": b"evil"})),
    ("link.tar.gz", tar_bytes({"ok.txt": b"fine"}, links={"out": "../../outside"})),
    ("abs.tar.gz", tar_bytes({"/tmp/kerasette-escaped.txt": b"evil"})),
])
def test_members_escaping_the_folder_are_refused(server, homes, archive):
    ours, _ = homes
    name, data = archive
    url = server.serve(name, data)
    with pytest.raises(ValueError, match="outside the target folder"):
        get_file("unpacked", origin=url, extract=True)
    assert not (ours / "unpacked").exists() and not (ours / "escaped.txt").exists()
    assert not (ours.parent / "escaped.txt").exists()
    assert [p for p in os.listdir(ours) if p.endswith(".part")] == []


def test_a_file_that_is_no_archive_is_reported(server, homes):
    url = server.serve("plain.tar.gz", b"not an archive at all")
    with pytest.raises(ValueError, match="not a tar or zip archive"):
        get_file("plain", origin=url, extract=True)
