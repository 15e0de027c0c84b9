"""The mock's and the kit's HTTP server keeps a connection open between requests, whatever the application
read of each body, and closes it where it cannot tell where the next request begins."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest
from flask import Flask, request

from trkit.mock.serving import keep_alive_server


@pytest.fixture(scope="module")
def server():
    app = Flask("serving")

    @app.post("/read")
    def read_body():
        return {"form": dict(request.form), "peer": request.environ["REMOTE_PORT"]}

    @app.post("/ignore")
    def ignore_body():  # answers without reading the body (as a refusal before parsing does)
        return {"peer": request.environ["REMOTE_PORT"]}

    @app.post("/goodbye")
    def goodbye():  # the application itself ends the connection after its answer
        return {"bye": True}, 200, {"Connection": "close"}

    @app.post("/stream")
    def stream():
        return app.response_class((part for part in (b"one ", b"two")), mimetype="text/plain")  # no length: chunked

    server = keep_alive_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def post(connection: http.client.HTTPConnection, path: str, body: bytes = b"a=1&b=2", **headers: str) -> http.client.HTTPResponse:
    connection.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    return connection.getresponse()


def test_requests_on_one_connection_are_answered_in_turn_on_that_connection(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    answers = []
    for n in range(3):
        response = post(connection, "/read", f"n={n}".encode())
        assert response.getheader("Connection") is None
        answers.append(json.loads(response.read()))
    assert [a["form"] for a in answers] == [{"n": "0"}, {"n": "1"}, {"n": "2"}]
    assert len({a["peer"] for a in answers}) == 1  # one client port: the same connection throughout
    connection.close()


def test_a_body_the_application_did_not_read_is_read_off_before_the_next_request(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    first = post(connection, "/ignore", b"x=" + b"y" * 100_000)
    assert first.status == 200
    first.read()
    second = post(connection, "/read", b"after=ignored")
    assert second.status == 200 and json.loads(second.read())["form"] == {"after": "ignored"}
    connection.close()


def test_an_answer_without_a_length_is_chunked_and_the_connection_goes_on(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    response = post(connection, "/stream")
    assert response.getheader("Transfer-Encoding") == "chunked" and response.read() == b"one two"
    assert post(connection, "/read", b"next=1").status == 200
    connection.close()


def test_an_application_that_asks_to_close_is_answered_and_closed(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    response = post(connection, "/goodbye")
    assert response.status == 200 and response.getheader("Connection") == "close"
    assert json.loads(response.read()) == {"bye": True} and response.will_close
    again = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    first = post(again, "/read")
    assert first.getheader("Connection") is None and not first.will_close  # the others stay open
    first.read()
    again.close()


def test_a_client_that_asks_to_close_is_answered_and_closed(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    response = post(connection, "/read", Connection="close")
    assert response.status == 200 and response.getheader("Connection") == "close"
    response.read()
    assert response.will_close


def test_a_chunked_request_is_answered_and_its_connection_closed(server):
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as raw:
        raw.sendall(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):  # the server closes: the read ends
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b"Connection: close" in answer and b'"a":"1"' in answer


def test_a_client_that_stops_sending_its_body_loses_the_connection_not_the_server(server):
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as raw:
        raw.sendall(b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly this")
        raw.shutdown(socket.SHUT_WR)  # the other 991 bytes never come
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    assert post(connection, "/read").status == 200  # others are served as before
    connection.close()


def test_an_idle_connection_is_closed_quietly(server, monkeypatch, capsys):
    from trkit.mock import serving

    monkeypatch.setattr(serving.KeepAliveRequestHandler, "timeout", 0.2)
    logged: list[str] = []
    monkeypatch.setattr(serving.WSGIRequestHandler, "log", lambda self, kind, message, *args: logged.append(message % args))
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as raw:
        raw.sendall(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1")
        answer = b""
        while chunk := raw.recv(65536):  # answered, then closed once idle
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and not [line for line in logged if "timed out" in line]


def test_a_server_stopping_ends_the_connections_it_holds_open():
    app = Flask("stopping")
    app.post("/read")(lambda: "ok")
    stopping = keep_alive_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=stopping.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", stopping.server_port, timeout=5)
    assert post(connection, "/read").read() == b"ok"
    assert stopping.open_connections == 1  # kept open, its thread waiting for the next request
    stopping.shutdown()
    stopping.server_close()
    stopping.close_connections()
    assert connection.sock.recv(1) == b""  # ended by the server, not left for the idle timeout
    connection.close()
