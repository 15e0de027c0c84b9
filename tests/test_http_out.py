"""The client callbacks go out with: answers read as HTTP says, one connection kept per server, failures named."""

from __future__ import annotations

import socket
import threading
from email.message import Message

import pytest

from trkit.mock.http_out import Answer, CallbackFailed, Connections, answer_of


def answer(content_type: str | None, body: bytes) -> Answer:
    return answer_of(200, [("Content-Type", content_type)] if content_type else [], body, "http://x/")


@pytest.mark.parametrize(("content_type", "body", "text"), [
    ("application/xml; charset=utf-8", "café".encode(), "café"),
    ("text/xml; charset=ISO-8859-1", "café".encode("latin-1"), "café"),
    ("text/xml", "café".encode("latin-1"), "café"),  # text/* without a charset: ISO-8859-1 (RFC 2616, 3.7.1)
    ("application/json", "café".encode(), "café"),  # JSON is UTF-8 (RFC 8259, 8.1)
    (None, "café".encode(), "café"),
    ("text/plain; charset=no-such-charset", "café".encode(), "café"),  # a charset Python does not know: UTF-8
])
def test_an_answers_text_is_decoded_in_the_charset_http_gives_it(content_type, body, text):
    assert answer(content_type, body).text == text


def test_an_answer_is_ok_below_400_and_its_headers_are_read_in_any_case():
    found = answer_of(302, [("location", "/next")], b"", "http://x/")
    assert found.ok and found.headers.get("Location") == "/next"
    assert not answer_of(400, [], b"", "http://x/").ok
    assert isinstance(found.headers, Message)


class Server:
    """A loopback server that answers each request on a connection with ``reply`` and counts connections."""

    def __init__(self, reply: bytes | None, close_after: bool = False) -> None:
        self.reply, self.close_after = reply, close_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.closed = threading.Semaphore(0)
        self.requests: list[bytes] = []
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffered = b""
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buffered += chunk
                head, sep, rest = buffered.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
                if not sep or len(rest) < length:
                    continue
                self.requests.append(head + sep + rest[:length])
                buffered = rest[length:]
                if self.reply is None:
                    continue  # never answers
                conn.sendall(self.reply)
                if self.close_after:
                    conn.close()
                    self.closed.release()
                    return

    def close(self) -> None:
        self.listener.close()
        for conn in self.open:
            conn.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def test_callbacks_to_one_server_share_one_connection_and_send_the_form_and_headers():
    server = Server(OK)
    connections = Connections()
    try:
        for i in range(3):
            got = connections.request("POST", f"http://127.0.0.1:{server.port}/assignment?x=1", {"TaskSid": f"WT{i}", "A": "b c"},
                                      {"X-Twilio-Signature": "sig", "Content-Type": "application/x-www-form-urlencoded"}, 5)
            assert (got.status_code, got.text) == (200, "{}")
        assert server.connections == 1
        first = server.requests[0]
        assert first.startswith(b"POST /assignment?x=1 HTTP/1.1\r\n")
        assert b"X-Twilio-Signature: sig" in first and first.endswith(b"\r\n\r\nTaskSid=WT0&A=b+c")
        connections.request("GET", f"http://127.0.0.1:{server.port}/twiml?CallSid=CA1", None, {}, 5)
        assert server.requests[-1].startswith(b"GET /twiml?CallSid=CA1 HTTP/1.1\r\n") and server.connections == 1
    finally:
        connections.close()
        server.close()


def test_a_connection_the_server_closed_is_not_reused():
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    server = Server(closing)
    connections = Connections()
    try:
        for _ in range(2):
            assert connections.request("POST", f"http://127.0.0.1:{server.port}/", {"A": "1"}, {}, 5).status_code == 200
        assert server.connections == 2  # "Connection: close" honoured
        quiet = Server(OK, close_after=True)  # closes without saying so: seen closed before the next request
        for _ in range(2):
            assert connections.request("POST", f"http://127.0.0.1:{quiet.port}/", {"A": "1"}, {}, 5).status_code == 200
            assert quiet.closed.acquire(timeout=5)
        assert quiet.connections == 2
        quiet.close()
    finally:
        connections.close()
        server.close()


def test_failures_are_one_line_naming_what_went_wrong():
    connections = Connections()
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    with pytest.raises(CallbackFailed, match=r"^ConnectionError: http://127\.0\.0\.1:\d+: .*refused"):
        connections.request("POST", f"http://127.0.0.1:{port}/", {"A": "1"}, {}, 5)
    with pytest.raises(CallbackFailed, match=r"^NameResolutionError: Failed to resolve 'no-such-host\.invalid'"):
        connections.request("POST", "http://no-such-host.invalid/", {"A": "1"}, {}, 5)
    with pytest.raises(CallbackFailed, match=r"^InvalidURL: 'ftp://x/' is not an http:// or https:// URL"):
        connections.request("POST", "ftp://x/", {"A": "1"}, {}, 5)
    silent = Server(None)
    try:
        with pytest.raises(CallbackFailed, match=r"^ReadTimeout: http://127\.0\.0\.1:\d+ did not answer within 0\.2 seconds$"):
            connections.request("POST", f"http://127.0.0.1:{silent.port}/", {"A": "1"}, {}, 0.2)
        assert connections.request("POST", f"http://127.0.0.1:{Server(OK).port}/", {"A": "1"}, {}, 5).ok  # the next one goes
    finally:
        silent.close()
        connections.close()


def test_callbacks_are_signed_as_twilios_docs_sign_their_example():
    """The example of https://www.twilio.com/docs/usage/webhooks/webhooks-security (auth token 12345), and the
    twilio library's validator agreeing on parameters with characters that need care."""
    from twilio.request_validator import RequestValidator

    from trkit.language.signatures import request_signature as sign

    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    assert sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    awkward = {"TaskAttributes": '{"name": "Zoë", "url": "a\\/b"}', "b": "", "B": "é ü", "a_b": "1&2=3"}
    url = "http://127.0.0.1:5000/assignment?x=é"
    assert RequestValidator("tok").validate(url, awkward, sign("tok", url, awkward))
