"""Werkzeug's threaded server, with HTTP/1.1 connections kept open between requests.

Werkzeug's development server closes every connection after one answer ("Connection: close"), because
it cannot tell where a request's body ends if the application left some of it unread, and so a client
pays a new TCP connection and a new server thread for each request. The twilio library and the mock's
callback sender both keep their connections open (a ``requests.Session``), so here each request's body
is read through a reader that stops at its ``Content-Length``; whatever the application left unread is
read off before the next request. A request whose body has no length (chunked) or that takes the
connection over (a WebSocket upgrade) is answered as Werkzeug always does: the connection then closes.
An idle connection closes after ``IDLE_SECONDS``, and its thread ends with it.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

IDLE_SECONDS = 30.0  # an open connection nobody sends a request on is closed after this long
HANDLER_KEY = "trkit.keep_alive.handler"


class _Body(io.RawIOBase):
    """One request's body, read from the connection: never past its ``Content-Length``."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream, self.left = stream, length

    def readable(self) -> bool:
        return True

    def _take(self, size: int | None, reader: Any) -> bytes:
        """At most ``size`` bytes (all that is left if None or negative) from ``reader``, never past the body."""
        wanted = self.left if size is None or size < 0 else min(size, self.left)
        if wanted <= 0:
            return b""
        data = reader(wanted)
        self.left -= len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:  # without RawIOBase's buffer of ``size`` bytes (Werkzeug asks for 10 MB)
        return self._take(size, self._stream.read)

    def readinto(self, buffer: Any) -> int:
        data = self._take(len(buffer), self._stream.read)
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._take(size, self._stream.readline)

    def finish(self) -> bool:
        """Read off what the application left of the body; False if the client stopped sending it."""
        while self.left > 0:
            if not self.read(65536):
                return False
        return True


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS  # socketserver sets it on the connection: a silent client frees the thread
    _connection_rfile: Any = None  # while a kept-open request runs: the connection's own reader
    _app_closes = False  # the application's own answer asked for "Connection: close"
    # an answer goes out as its headers then its body: on a connection kept open, Nagle's algorithm would hold
    # the body back until the client acknowledged the headers, which it delays
    disable_nagle_algorithm = True

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        self._connection_rfile = None
        self._app_closes = False
        length = self.headers.get("Content-Length", "0").strip() or "0"
        kept = (self.request_version == "HTTP/1.1" and not self.close_connection and length.isdigit()
                and "Transfer-Encoding" not in self.headers and "Upgrade" not in self.headers)
        if kept:  # this request's body is read through a reader that stops where the next request begins
            self._connection_rfile, self.rfile = self.rfile, _Body(self.rfile, int(length))
        return True

    def send_header(self, keyword: str, value: str) -> None:
        # Werkzeug asks for "Connection: close" on every answer; a connection whose body is bounded stays open,
        # unless the application's answer asked for the close itself
        if keyword.lower() == "connection" and value.lower() == "close" and self._connection_rfile is not None:
            if not self._app_closes or self.close_connection:
                return  # Werkzeug's own, or said once already
        super().send_header(keyword, value)

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[HANDLER_KEY] = self  # for _NoticeClose, which sees the application's own headers
        return environ

    server: KeepAliveServer

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        self.server.closed(self.connection)
        super().finish()

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an open connection nobody used for IDLE_SECONDS: closed, as it should be (not an error)
        super().log_error(format, *args)

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            if self._connection_rfile is not None:
                body, self.rfile, self._connection_rfile = self.rfile, self._connection_rfile, None
                if not body.finish():
                    self.close_connection = True


class _NoticeClose:
    """The application, its answers looked at on their way out: one asking for "Connection: close" gets it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        handler = environ.pop(HANDLER_KEY, None)

        def noticing(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            if handler is not None and any(k.lower() == "connection" and v.lower() == "close" for k, v in headers):
                handler._app_closes = True
            return start_response(status, headers, *exc_info)

        return self.app(environ, noticing)


class KeepAliveServer(ThreadedWSGIServer):
    """Werkzeug's threaded server, its connections kept open (``KeepAliveRequestHandler``) and known, so that
    stopping it can end them."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        super().__init__(host, port, _NoticeClose(app), handler=KeepAliveRequestHandler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def opened(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    @property
    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    def close_connections(self) -> None:
        """End the connections still open (the server is stopping: each one's thread ends with it, instead of waiting
        ``IDLE_SECONDS`` for a client that has gone on to another server)."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def keep_alive_server(host: str, port: int, app: Any) -> KeepAliveServer:
    """A threaded Werkzeug server for ``app`` that keeps HTTP/1.1 connections open between requests."""
    return KeepAliveServer(host, port, app)
