"""Bad input over raw HTTP, callback faults, and credentials on every route."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from flask import Response
from helpers import CallbackListener, build_tutorial_workspace

from trkit.mock import MockServer


def dump(mock) -> dict:
    state = requests.get(mock.base_url + "/mock/state", auth=(mock.account_sid, mock.auth_token), timeout=10).json()
    state.pop("clock")
    return state


@pytest.fixture
def raw(mock, tutorial):
    """(method, path, data) -> response, against the tutorial workspace, with the right credentials."""
    auth = (mock.account_sid, mock.auth_token)

    def call(method: str, path: str, data=None, **kwargs):
        return requests.request(method, mock.base_url + path.format(ws=tutorial.sid, **tutorial_ids(tutorial)),
                                data=data, auth=auth, timeout=30, **kwargs)

    return call


def tutorial_ids(tw) -> dict:
    return {"alice": tw.workers["Alice"], "bob": tw.workers["Bob"], "es": tw.queues["es"], "wf": tw.workflow_sid,
            "idle": tw.activities["Idle"], "offline": tw.activities["Offline"], "busy": tw.activities["Busy"]}


WS = "/v1/Workspaces/{ws}"
BAD_INPUTS = [
    # (method, path, form, status, code, words in the message)
    ("POST", WS + "/Workers", {"FriendlyName": "Eve", "Attributes": "{bad"}, 400, 20001, ["Attributes", "JSON"]),
    ("POST", WS + "/Workers", {"FriendlyName": "Eve", "Attributes": "42"}, 400, 20001, ["Attributes", "object"]),
    ("POST", WS + "/Workers", {"FriendlyName": "Eve", "Attributes": "null"}, 400, 20001, ["Attributes", "object"]),
    ("POST", WS + "/Workers", {"FriendlyName": "Eve", "ActivitySid": "WA" + "0" * 32}, 400, 20001, ["ActivitySid"]),
    ("POST", WS + "/Workers", {"FriendlyName": "Eve", "ActivitySid": "{alice}"}, 400, 20001, ["ActivitySid"]),
    ("POST", WS + "/Workers", {"FriendlyName": "Alice"}, 400, 20001, ["FriendlyName", "already"]),
    ("POST", WS + "/Workers", {"FriendlyName": "tab\there"}, 400, 20001, ["control characters"]),
    ("POST", WS + "/Workers", {}, 400, 20001, ["FriendlyName"]),
    ("POST", WS + "/Workers/{alice}", {"ActivitySid": "not-a-sid"}, 400, 20001, ["ActivitySid"]),
    ("POST", WS + "/Workers/{alice}", {"RejectPendingReservations": "maybe", "ActivitySid": "{idle}"}, 400, 20001, ["RejectPendingReservations"]),
    ("GET", WS + "/Workers/WK" + "f" * 32, None, 404, 20404, ["not found"]),
    ("GET", WS + "/Workers/{es}", None, 404, 20404, ["not found"]),
    ("GET", "/v1/Workspaces/WS" + "f" * 32 + "/Workers", None, 404, 20404, ["not found"]),
    ("POST", WS + "/TaskQueues", {"FriendlyName": "Q", "TargetWorkers": "languages HAS ("}, 400, 20001, ["TargetWorkers", "position"]),
    ("POST", WS + "/TaskQueues", {"FriendlyName": "Q", "MaxReservedWorkers": "0"}, 400, 20001, ["MaxReservedWorkers"]),
    ("POST", WS + "/TaskQueues", {"FriendlyName": "Q", "MaxReservedWorkers": "many"}, 400, 20001, ["MaxReservedWorkers", "integer"]),
    ("POST", WS + "/TaskQueues", {"FriendlyName": "Q", "TaskOrder": "fifo"}, 400, 20001, ["TaskOrder"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "Priority": "-5"}, 400, 20001, ["Priority"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "Priority": "99999999999"}, 400, 20001, ["Priority"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "Timeout": "0"}, 400, 20001, ["Timeout"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "Attributes": "[]"}, 400, 20001, ["Attributes"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "WW" + "0" * 32}, 400, 20001, ["WorkflowSid"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "TaskChannel": "pigeon"}, 400, 20001, ["TaskChannel"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "VirtualStartTime": "yesterday"}, 400, 20001, ["VirtualStartTime"]),
    ("POST", WS + "/Tasks", {"WorkflowSid": "{wf}", "VirtualStartTime": "2999-01-01T00:00:00Z"}, 400, 20001, ["future"]),
    ("GET", WS + "/Tasks?AssignmentStatus=lost", None, 400, 20001, ["AssignmentStatus"]),
    ("GET", WS + "/Tasks?Ordering=Size:asc", None, 400, 20001, ["Ordering"]),
    ("GET", WS + "/Tasks?PageSize=0", None, 400, 20001, ["PageSize"]),
    ("GET", WS + "/Tasks?PageSize=5000", None, 400, 20001, ["PageSize"]),
    ("GET", WS + "/Tasks?PageToken=forged", None, 400, 20001, ["PageToken"]),
    ("GET", WS + "/Tasks?EvaluateTaskAttributes=a%20%3D%3D", None, 400, 20001, ["EvaluateTaskAttributes"]),
    ("POST", WS + "/Workflows/{wf}", {"Configuration": "not json"}, 400, 20001, ["Configuration", "JSON"]),
    ("POST", WS + "/Workflows/{wf}", {"Configuration": '{"task_routing": {"filters": [{"expression": "1==1", "targets": []}]}}'},
     400, 20001, ["targets"]),
    ("POST", WS + "/Workflows/{wf}", {"Configuration": '{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{es}", "expression": "x == 1"}]}]}}'},
     400, 20001, ["task.", "worker."]),
    ("POST", WS + "/Workflows/{wf}", {"TaskReservationTimeout": "86401"}, 400, 20001, ["TaskReservationTimeout"]),
    ("POST", WS + "/Activities", {"FriendlyName": "Idle"}, 400, 20001, ["already"]),
    ("DELETE", WS + "/Activities/{busy}", None, 400, 20001, ["TaskQueue"]),
    ("DELETE", WS + "/Activities/{offline}", None, 400, 20001, ["default"]),
    ("DELETE", WS + "/TaskQueues/{es}", None, 400, 20001, ["Workflow"]),
    ("POST", "/mock/clock", {"Advance": "-1"}, 400, 20001, ["Advance"]),
    ("POST", "/mock/clock", {"Advance": "soon"}, 400, 20001, ["Advance"]),
    ("POST", "/mock/seed", {}, 400, 20001, ["Seed"]),
]


@pytest.mark.parametrize("method,path,form,status,code,words", BAD_INPUTS, ids=[f"{m} {p[-30:]} {list(f or {})}" for m, p, f, *_ in BAD_INPUTS])
def test_bad_input_is_refused_and_changes_nothing(mock, tutorial, raw, method, path, form, status, code, words):
    ids = tutorial_ids(tutorial)
    if form:
        for name, value in ids.items():
            form = {key: text.replace("{" + name + "}", value) for key, text in form.items()}
    before = dump(mock)
    response = raw(method, path, form)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code and body["status"] == status
    for word in words:
        assert word in body["message"], body["message"]
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert dump(mock) == before


def test_illegal_reservation_transitions(mock, tutorial, raw, advance):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    reservation = tutorial.reservations(task.sid)[0]
    tutorial.api.tasks(task.sid).update(assignment_status="canceled", reason="test")
    before = dump(mock)
    response = raw("POST", f"{WS}/Tasks/{task.sid}/Reservations/{reservation.sid}", {"ReservationStatus": "accepted"})
    assert response.status_code == 400 and "already in state [canceled]" in response.json()["message"]
    response = raw("POST", f"{WS}/Tasks/{task.sid}/Reservations/{reservation.sid}", {"ReservationStatus": "timeout"})
    assert response.status_code == 400
    response = raw("POST", f"{WS}/Tasks/{task.sid}/Reservations/{reservation.sid}", {})
    assert response.status_code == 400 and "ReservationStatus" in response.json()["message"]
    response = raw("POST", f"{WS}/Workers/{tutorial.workers['Bob']}/Reservations/{reservation.sid}", {"ReservationStatus": "accepted"})
    assert response.status_code == 404  # Bob's reservations do not include Alice's
    assert dump(mock) == before


def test_every_route_demands_credentials(mock, tutorial):
    """Each route of the app, with placeholder SIDs, refuses no / wrong credentials with 401."""
    if mock.engine is None:
        pytest.skip("needs the in-process mock to list its routes")
    from trkit.mock.api import routes as app_routes

    routes = app_routes(mock.app)
    placeholders = {"ws": tutorial.sid, "sid": "XX" + "0" * 32, "worker_sid": tutorial.workers["Alice"], "task_sid": "WT" + "0" * 32}
    assert len(routes) > 50
    for method, rule in routes:
        path = rule
        for name, value in placeholders.items():
            path = path.replace(f"<{name}>", value)
        socket = rule.startswith("/v1/wschannels") and method == "GET"  # a WebSocket route: asked with an upgrade
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                   "Sec-WebSocket-Version": "13"} if socket else {}
        for auth in (None, (mock.account_sid, "wrong"), ("AC" + "9" * 32, mock.auth_token)):
            response = requests.request(method, mock.base_url + path, auth=auth, timeout=10, headers=upgrade)
            assert response.status_code == 401, (method, rule, auth, response.status_code)
            # the worker SDK's event bridge takes a worker token, not the account's credentials (20101: no valid token)
            assert response.json()["code"] == (20101 if rule.startswith("/v1/wschannels") else 20003)


class FaultyEndpoint(CallbackListener):
    """A callback URL that misbehaves in a chosen way."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.answer = self._misbehave
        self.release = threading.Event()

    def stop(self) -> None:
        self.release.set()
        super().stop()

    def _misbehave(self, req):
        if self.mode == "slow":
            self.release.wait(30)  # answers only once the test lets it: always later than the mock waits
            return {"instruction": "accept"}
        if self.mode == "500":
            return Response('{"instruction": "accept"}', 500, mimetype="application/json")
        if self.mode == "garbage":
            return Response("<html>oops", 200, mimetype="application/json")
        if self.mode == "text":
            return Response('{"instruction": "accept"}', 200, mimetype="text/plain")
        if self.mode == "unknown":
            return {"instruction": "teleport"}
        if self.mode == "bad-reject":
            return {"instruction": "reject", "activity_sid": "WA" + "0" * 32}
        return {}


@pytest.fixture
def quick_mock():
    """A mock whose assignment callbacks give up after 1 s instead of 5, to keep fault tests short."""
    with MockServer(assignment_timeout=1.0) as server:
        yield server


@pytest.mark.parametrize("mode,fallback_used", [
    ("down", True), ("slow", True), ("500", True), ("garbage", False), ("text", False), ("unknown", False), ("bad-reject", False),
])
def test_callback_faults_leave_the_reservation_as_twilio_would(quick_mock, mode, fallback_used):
    client = quick_mock.client()
    faulty = FaultyEndpoint(mode)
    fallback = CallbackListener()
    try:
        url = "http://127.0.0.1:9/down" if mode == "down" else faulty.url("/assignment")
        tw = build_tutorial_workspace(client, callback_url=url, reservation_timeout=60)
        tw.api.workflows(tw.workflow_sid).update(fallback_assignment_callback_url=fallback.url("/fallback"))
        task = tw.create_task("es")
        tw.set_activity("Alice", "Idle")  # answered once the callback's fate is decided
        reservation = tw.reservations(task.sid)[0]
        assert reservation.reservation_status == "pending"  # the fallback answers {}: nothing decided
        assert bool(fallback.of("/fallback")) == fallback_used
        log = quick_mock.engine.callback_log
        assert log and all(entry["reservation_sid"] == reservation.sid for entry in log if entry["kind"] == "assignment")
        requests.post(quick_mock.base_url + "/mock/clock", data={"Advance": "61"}, auth=(quick_mock.account_sid, quick_mock.auth_token), timeout=30)
        assert tw.api.tasks(task.sid).reservations(reservation.sid).fetch().reservation_status == "timeout"
    finally:
        faulty.stop()
        fallback.stop()


def test_the_api_answers_while_an_assignment_callback_is_in_flight():
    with MockServer(assignment_timeout=30.0) as mock:
        client = mock.client()
        held = FaultyEndpoint("slow")
        other = None
        try:
            tw = build_tutorial_workspace(client, callback_url=held.url("/assignment"))
            task = tw.create_task("es")
            other = threading.Thread(target=lambda: tw.set_activity("Alice", "Idle"))
            other.start()
            held.wait_for(lambda reqs: len(reqs) >= 1)  # the callback is at the endpoint, which holds it
            assert client.taskrouter.v1.workspaces(tw.sid).fetch().sid == tw.sid
            assert tw.api.tasks(task.sid).fetch().assignment_status == "reserved"
            # both answered while the callback was still in flight: the API never waits on a callback
            assert other.is_alive() and not mock.engine.callback_log
        finally:
            held.stop()
            if other is not None:
                other.join(timeout=30)


def test_callback_log_and_kit_outputs_never_show_the_auth_token(quick_mock):
    client = quick_mock.client()
    listener = CallbackListener()
    try:
        tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
        tw.create_task("es")
        tw.set_activity("Alice", "Idle")
        text = json.dumps(quick_mock.engine.callback_log) + json.dumps(dump_state(quick_mock))
        assert quick_mock.auth_token not in text
        for request in listener.requests:
            assert quick_mock.auth_token not in json.dumps(request.form)
    finally:
        listener.stop()


def dump_state(mock) -> dict:
    return requests.get(mock.base_url + "/mock/state", auth=(mock.account_sid, mock.auth_token), timeout=10).json()
