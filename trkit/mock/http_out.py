"""The HTTP client the mock's callbacks go out with: one kept-open connection per thread and server.

A callback is one small request to a server the learner runs, most often on loopback, and the time it
takes is the last stretch of every routing. The standard library's ``http.client`` sends one in about
half the time ``requests`` takes, which builds a session's worth of machinery per request. What the
dispatcher needs of an answer is small (:class:`Answer`). Failures come back as one line naming what
went wrong, in the words the callback log and Voice's error codes read (``ConnectionError``,
``NameResolutionError``, ``ConnectTimeout``, ``ReadTimeout``).
"""

from __future__ import annotations

import functools
import http.client
import io
import select
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from importlib.metadata import version
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class Answer:
    """A server's answer: its status, headers (case-insensitive ``get``), body and the URL asked."""

    status_code: int
    headers: Message
    content: bytes
    url: str
    _text: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        """The body as text: in the charset the Content-Type names; else UTF-8 for JSON, ISO-8859-1 for ``text/*``
        as HTTP/1.1 had it (RFC 2616, section 3.7.1; what ``requests`` does too), UTF-8 for anything else."""
        if self._text is None:
            content_type = self.headers.get_content_type() if self.headers.get("Content-Type") else ""
            charset = self.headers.get_content_charset()
            if charset is None:
                charset = "ISO-8859-1" if content_type.startswith("text/") else "utf-8"
            try:
                self._text = self.content.decode(charset, errors="replace")
            except LookupError:  # a charset Python does not know
                self._text = self.content.decode("utf-8", errors="replace")
        return self._text


class CallbackFailed(Exception):
    """No answer came: ``str()`` is one line, the kind of failure first (``ConnectionError: ...``)."""

    @property
    def kind(self) -> str:
        """``ConnectionError``, ``NameResolutionError``, ``ConnectTimeout``, ``ReadTimeout``, ``SSLError`` or ``InvalidURL``."""
        return str(self).split(":", 1)[0]


def answer_of(status: int, headers: list[tuple[str, str]], body: bytes, url: str) -> Answer:
    message = Message()
    for name, value in headers:
        message[name] = value
    return Answer(status, message, body, url)


class Connections:
    """Per thread, one open connection to each server asked: a callback reuses the last one to the same server."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._every: set[http.client.HTTPConnection] = set()  # every thread's, for close_all
        self._every_lock = threading.Lock()

    def request(self, method: str, url: str, params: dict[str, str] | None, headers: dict[str, str],
                timeout: float) -> Answer:
        """Send ``params`` form-encoded (POST) or as they are in ``url`` (GET); raise :class:`CallbackFailed`."""
        return self.send(method, url, urlencode(params).encode() if params else None, headers, timeout)

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float | None) -> Answer:
        """Send ``body`` as it is (``timeout`` None: wait as long as it takes); raise :class:`CallbackFailed`."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise CallbackFailed(f"InvalidURL: {url!r} is not an http:// or https:// URL")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        connection = self._connection(key, timeout)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            stage = "connect" if connection.sock is None else "read"
            self._drop(key)
            raise CallbackFailed(_why(exc, key, stage, timeout)) from None
        if response.will_close:
            self._drop(key)
        return answer_of(response.status, response.getheaders(), content, url)

    def _connection(self, key: tuple[str, str, int], timeout: float | None) -> http.client.HTTPConnection:
        opened: dict = self._local.__dict__.setdefault("opened", {})
        connection = opened.get(key)
        if connection is not None and connection.sock is not None and _closed_by_server(connection.sock):
            self._drop(key)
            connection = None
        if connection is None:
            scheme, host, port = key
            if scheme == "https":
                connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            opened[key] = connection
        if connection.sock is None:  # it connects when it sends: close_all must find it then
            with self._every_lock:
                self._every.add(connection)
        else:
            connection.sock.settimeout(timeout)
        connection.timeout = timeout
        return connection

    def _drop(self, key: tuple[str, str, int]) -> None:
        connection = self._local.__dict__.get("opened", {}).pop(key, None)
        if connection is not None:
            with self._every_lock:
                self._every.discard(connection)
            connection.close()

    def close(self) -> None:
        """Close this thread's connections."""
        for key in list(self._local.__dict__.get("opened", {})):
            self._drop(key)

    def close_all(self) -> None:
        """Close every thread's connections (when the servers they lead to are going away): a thread that sends
        again opens a new one."""
        with self._every_lock:
            every, self._every = self._every, set()
        for connection in every:
            connection.close()


def _closed_by_server(sock: socket.socket) -> bool:
    """An idle kept connection the server has closed (or written to unasked) reads as ready: not to be reused."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _why(exc: BaseException, key: tuple[str, str, int], stage: str, timeout: float | None) -> str:
    scheme, host, port = key
    where = f"{scheme}://{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"NameResolutionError: Failed to resolve {host!r} ({exc})"
    if isinstance(exc, TimeoutError | socket.timeout):
        kind = "ConnectTimeout" if stage == "connect" else "ReadTimeout"
        return f"{kind}: {where} did not answer within {timeout:g} seconds"
    if isinstance(exc, ssl.SSLError):
        return f"SSLError: {where}: {exc}"
    return f"ConnectionError: {where}: {exc}"


def handed_to_app(app: Callable, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
    """``app`` (a WSGI app in this process) answers the request in the calling thread, without a socket, handed the
    environment Werkzeug's server would have made of it (``tests/test_mock_transport.py`` holds the two equal)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query, "REQUEST_URI": target, "RAW_URI": target, "SERVER_NAME": parts.hostname or "",
        "SERVER_PORT": str(parts.port or DEFAULT_PORTS.get(parts.scheme, 80)), "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": _server_software(), "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": 0, "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0), "wsgi.url_scheme": parts.scheme, "wsgi.input": io.BytesIO(body or b""), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    if body or method in ("POST", "PUT", "PATCH"):  # the length http.client would have sent
        environ["CONTENT_LENGTH"] = str(len(body or b""))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        elif key != "HOST" and "_" not in name:  # Werkzeug's server drops a header with "_" in its name
            environ[f"HTTP_{key}"] = value
    started: list = []
    chunks = app(environ, lambda status, response_headers, exc_info=None: started.extend((status, response_headers)))
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    status, response_headers = started
    return answer_of(int(status.split(" ", 1)[0]), response_headers, content, url)


@functools.cache
def _server_software() -> str:
    return f"Werkzeug/{version('werkzeug')}"  # what the mock's server says it is
