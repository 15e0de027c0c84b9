"""The transport the twilio library's requests reach a mock by (``trkit.mock.client.MockTransport``): the same
request on the wire as the library's own ``requests``-based client sends, the library's bookkeeping kept, one
connection kept per thread, and failures raised as ``requests`` raises them."""

from __future__ import annotations

import threading

import pytest
import requests
from flask import Flask, Response, request
from twilio.http.http_client import TwilioHttpClient

from trkit.mock.client import LocalHttpClient, MockControl
from trkit.mock.serving import keep_alive_server


class Recorder:
    """A server on the mock's own stack that notes what reaches it and answers JSON."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        app = Flask("recorder")

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
