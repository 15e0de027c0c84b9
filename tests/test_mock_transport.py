"""The transport the twilio library's requests reach a mock by (``trkit.mock.client.MockTransport``): the same
request on the wire as the library's own ``requests``-based client sends, the library's bookkeeping kept, one
connection kept per thread, and failures raised as ``requests`` raises them."""

from __future__ import annotations

import threading

import pytest
import requests
from flask import Flask, Response, request
from twilio.http.http_client import TwilioHttpClient

from trkit.mock.client import LocalHttpClient, MockControl, MockTransport
from trkit.mock.serving import keep_alive_server


class Recorder:
    """A server on the mock's own stack that notes what reaches it and answers JSON."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        app = Flask("recorder")

        @app.route("/moved", methods=["GET"])
        def moved():
            return Response("", 302, headers={"Location": "/v1/Workspaces"})

        @app.route("/plain", methods=["GET", "POST"])
        def plain():
            return Response("not JSON", 502, mimetype="text/plain")

        @app.route("/<path:path>", methods=["GET", "POST", "DELETE"])
        def anything(path: str):
            self.seen.append({"method": request.method, "path": request.path, "query": request.query_string.decode(),
                              "body": request.get_data(as_text=True), "headers": dict(request.headers),
                              "connection": request.environ.get("REMOTE_PORT")})
            status = 404 if path.endswith("missing") else 200
            return Response('{"sid": "WS1", "café": "é"}', status, mimetype="application/json",
                            headers={"X-Answer": "yes"})

        self.server = keep_alive_server("127.0.0.1", 0, app)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.stop()


# what the twilio library passes its http client (twilio/base/client_base.py): its headers, a form, a query
HEADERS = {"User-Agent": "twilio-python/9", "X-Twilio-Client": "python-9", "Accept-Charset": "utf-8",
           "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
CALLS = [
    ("POST", "/v1/Workspaces", None, {"FriendlyName": "Café ☎", "EventsFilter": ["task.created", "task.canceled"],
                                      "Template": None, "MultiTaskEnabled": "true", "Priority": 5}),
    ("GET", "/v1/Workspaces/WS1/Events", {"EventType": "task.created", "Minutes": 60, "Sid": None, "PageSize": 50}, None),
    ("GET", "/v1/Workspaces/WS1/Tasks?PageSize=50&Page=1&PageToken=PT50", None, None),
    ("GET", "/v1/Workspaces/WS1/Tasks?PageSize=50", {"AssignmentStatus": ["pending", "reserved"]}, None),
    ("DELETE", "/v1/Workspaces/WS1", None, None),
    ("POST", "/v1/Workspaces/WS1", None, {}),
    ("GET", "/v1/Workspaces/WS1/TaskChannels/café voice", None, None),  # a unique name as the library puts it in a path
]


def wire(seen: dict) -> dict:
    """What a server can tell of a request, less what varies between two clients of the same library."""
    headers = {k: v for k, v in seen["headers"].items() if k not in ("Accept-Encoding", "Connection", "Host")}
    return {**{k: v for k, v in seen.items() if k not in ("headers", "connection")}, "headers": headers}


@pytest.mark.parametrize(("method", "path", "params", "data"), CALLS)
def test_a_request_reaches_the_mock_as_the_twilio_librarys_own_client_sends_it(recorder, method, path, params, data):
    auth = ("AC" + "0" * 31 + "1", "tökén")
    TwilioHttpClient().request(method, recorder.url + path, params, data, HEADERS, auth)
    LocalHttpClient(recorder.url).request(method, recorder.url + path, params, data, HEADERS, auth)
    by_requests, by_transport = (wire(seen) for seen in recorder.seen)
    assert by_transport == by_requests


def test_the_twilio_librarys_bookkeeping_is_kept_and_the_answer_read_as_requests_reads_it(recorder):
    client = LocalHttpClient(recorder.url)
    response = client.request("GET", f"{recorder.url}/v1/Workspaces/missing", {"PageSize": 1}, None, HEADERS, ("AC1", "t"))
    reference = TwilioHttpClient().request("GET", f"{recorder.url}/v1/Workspaces/missing", {"PageSize": 1}, None, HEADERS,
                                           ("AC1", "t"))
    assert (response.status_code, response.text, response.ok) == (reference.status_code, reference.text, reference.ok)
    assert response.headers["x-answer"] == response.headers["X-Answer"] == reference.headers["X-Answer"] == "yes"
    assert client._test_only_last_response is response
    last = client._test_only_last_request
    assert (last.method, last.url, last.params, last.auth) == ("GET", f"{recorder.url}/v1/Workspaces/missing",
                                                                {"PageSize": 1}, ("AC1", "t"))


def test_a_timeout_of_zero_is_refused_as_the_library_refuses_it(recorder):
    with pytest.raises(ValueError):
        LocalHttpClient(recorder.url).request("GET", recorder.url + "/v1/Workspaces", timeout=0)


def test_one_thread_keeps_one_connection_and_close_gives_it_back(recorder):
    client = LocalHttpClient(recorder.url)
    for _ in range(5):
        client.request("GET", recorder.url + "/v1/Workspaces", None, None, HEADERS, ("AC1", "t"))
    other = threading.Thread(target=client.request, args=("GET", recorder.url + "/v1/Workspaces", None, None, HEADERS))
    other.start()
    other.join()
    assert len({seen["connection"] for seen in recorder.seen[:5]}) == 1
    assert recorder.seen[5]["connection"] != recorder.seen[0]["connection"]  # another thread, its own connection
    client.close()
    client.request("GET", recorder.url + "/v1/Workspaces", None, None, HEADERS)
    assert recorder.seen[6]["connection"] not in (recorder.seen[0]["connection"], recorder.seen[5]["connection"])


def test_a_mock_that_is_not_there_fails_as_requests_fails_naming_the_url():
    import socket

    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()
    with pytest.raises(requests.exceptions.ConnectionError) as refused:
        LocalHttpClient(url).request("GET", url + "/v1/Workspaces", None, None, HEADERS)
    assert refused.value.request.url == url + "/v1/Workspaces"
    with pytest.raises(requests.exceptions.ConnectionError):
        MockControl(url, "AC1", "t").state()


def test_an_answer_that_does_not_come_in_time_is_requests_read_timeout():
    import socket

    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog), never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(requests.exceptions.ReadTimeout, match="did not answer within 0.2 seconds"):
            LocalHttpClient(url).request("GET", url + "/v1/Workspaces", None, None, HEADERS, timeout=0.2)
    finally:
        silent.close()


def test_an_in_process_mocks_app_is_handed_the_environment_its_server_would_have_made(recorder):
    """The same requests, once through the server on its socket and once handed to the app: what the app sees is the
    same, but for the socket itself and the headers http.client adds on the wire (Host is in both)."""
    environs: list[dict] = []

    def app(environ, start_response):
        environs.append({**environ, "body": environ["wsgi.input"].read()})
        start_response("201 CREATED", [("Content-Type", "application/json"), ("X-Seen", "1")])
        return [b'{"ok": ', b"true}"]

    server = keep_alive_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    netloc = f"127.0.0.1:{server.server_port}"
    try:
        for method, path, params, data in CALLS:
            answers = [MockTransport(app if handed else None, netloc).request(
                TwilioHttpClient(), method, f"http://{netloc}{path}", params, data, HEADERS, ("AC1", "t"))
                for handed in (False, True)]
            assert [(a.status_code, a.text, a.headers["x-seen"]) for a in answers] == [(201, '{"ok": true}', "1")] * 2
            on_the_wire, handed_over = ({k: v for k, v in e.items() if k not in UNSEEN} for e in environs[-2:])
            assert handed_over == on_the_wire
    finally:
        server.shutdown()
        server.server_close()


# what differs between a request on a socket and one handed over: the socket, the streams, the client's port and the
# Accept-Encoding header http.client adds on the wire
UNSEEN = {"werkzeug.socket", "wsgi.input", "wsgi.errors", "REMOTE_PORT", "HTTP_ACCEPT_ENCODING"}


def test_a_mock_in_this_process_answers_its_own_clients_without_a_socket():
    from trkit.mock import MockServer

    with MockServer() as mock:
        client = mock.client()
        client.taskrouter.v1.workspaces.create(friendly_name="Handed over")
        assert [w.friendly_name for w in client.taskrouter.v1.workspaces.list()] == ["Handed over"]
        assert mock._server.open_connections == 0  # nothing came by socket


def test_a_json_body_goes_as_the_librarys_own_client_sends_it(recorder):
    headers = {**HEADERS, "Content-Type": "application/json"}
    data = {"FriendlyName": "Café", "Nested": {"a": [1, 2]}}
    TwilioHttpClient().request("POST", recorder.url + "/v1/Json", None, data, headers, ("AC1", "t"))
    LocalHttpClient(recorder.url).request("POST", recorder.url + "/v1/Json", None, data, headers, ("AC1", "t"))
    by_requests, by_transport = (wire(seen) for seen in recorder.seen)
    assert by_transport == by_requests


def test_a_redirect_is_followed_only_when_asked_as_the_library_does(recorder):
    for allow in (False, True):
        ours = LocalHttpClient(recorder.url).request("GET", recorder.url + "/moved", allow_redirects=allow)
        reference = TwilioHttpClient().request("GET", recorder.url + "/moved", allow_redirects=allow)
        assert ours.status_code == reference.status_code == (200 if allow else 302)


def test_without_a_timeout_of_its_own_a_request_has_the_clients():
    import socket

    silent = socket.create_server(("127.0.0.1", 0))
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        client = LocalHttpClient(url, timeout=0.2)
        with pytest.raises(requests.exceptions.ReadTimeout, match="within 0.2 seconds"):
            client.request("GET", url + "/v1/Workspaces", None, None, HEADERS)
    finally:
        silent.close()


def test_the_control_plane_says_so_when_an_answer_is_not_json(recorder):
    from trkit.mock.client import MockRefused

    with pytest.raises(MockRefused, match="HTTP 502 and no JSON: 'not JSON'") as refused:
        MockControl(recorder.url, "AC1", "t")._call("GET", "/plain")
    assert refused.value.status == 502
