"""Opening a URL with a short deadline for connecting and a longer one for reading.

urllib's single ``timeout`` neither bounds name resolution (a resolver with no network
can stall for many seconds) nor tells connecting from reading. The connections made
here resolve the host and connect within ``connect_timeout`` seconds, then read with
``read_timeout``; proxies, redirects and HTTPS work as in ``urllib.request.urlopen``.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.request

__all__ = ["open_url"]


def open_url(url: str, connect_timeout: float, read_timeout: float):
    """``urllib.request.urlopen(url)`` with a deadline on connecting.

    Raises:
        urllib.error.HTTPError: the server answered with an error status.
        urllib.error.URLError / OSError: no name resolution, refused connection, or
            no answer within ``connect_timeout`` seconds.
    """
    def open_socket(address, timeout=None, source_address=None):
        return _open_socket(address, connect_timeout, read_timeout, source_address)

    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = open_socket  # http.client's own seam for this

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    handlers = [Handler()]
    if hasattr(http.client, "HTTPSConnection"):  # Python built with ssl
        import ssl

        class SecureConnection(http.client.HTTPSConnection):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._create_connection = open_socket

        context = ssl.create_default_context()

        class SecureHandler(urllib.request.HTTPSHandler):
            def https_open(self, req):
                return self.do_open(SecureConnection, req, context=context)

        handlers.append(SecureHandler())
    return urllib.request.build_opener(*handlers).open(url, timeout=read_timeout)


def _resolve(host: str, port: int, timeout: float):
    """``getaddrinfo`` in a daemon thread, given up after ``timeout`` seconds."""
    found: dict = {}

    def lookup():
        try:
            found["addresses"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            found["error"] = error

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"could not resolve the host name {host!r} within {timeout:g} s")
    if "error" in found:
        raise found["error"]
    return found["addresses"]


def _open_socket(address, connect_timeout: float, read_timeout: float, source_address):
    """A connected socket to ``address`` (trying each resolved address in turn) within
    ``connect_timeout`` seconds in all, then set to ``read_timeout``."""
    host, port = address
    deadline = time.monotonic() + connect_timeout
    last_error: OSError = TimeoutError(f"could not connect to {host}:{port} within "
                                       f"{connect_timeout:g} s")
    for family, kind, proto, _, sockaddr in _resolve(host, port, connect_timeout):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(remaining)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            last_error = error
            continue
        sock.settimeout(read_timeout)
        return sock
    raise last_error
