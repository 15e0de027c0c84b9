"""What API fuzzing from Twilio's spec found, one regression test per class, and atomicity of every write.

Each request goes over raw HTTP (as a fuzzer sends it), and after each refusal the stored state
must be exactly what it was before.
"""

from __future__ import annotations

import json

import pytest
import requests
from helpers import build_tutorial_workspace

from trkit.mock import MockServer
from trkit.mock.engine.clock import iso, parse_iso


@pytest.fixture
def mock():
    with MockServer() as server:
        yield server


def call(mock, method: str, path: str, data=None, **kwargs) -> requests.Response:
    return requests.request(method, mock.base_url + path, data=data, auth=(mock.account_sid, mock.auth_token), timeout=30, **kwargs)


def state(mock) -> dict:
    dumped = mock.engine.dump()
    dumped.pop("clock")
    return dumped


def assert_refused(response: requests.Response, *words: str, status: int = 400) -> None:
    body = response.json()
    assert response.status_code == status and body["status"] == status, body
    assert body["code"] == 20001 and body["more_info"] == "https://www.twilio.com/docs/errors/20001", body
    for word in words:
        assert word in body["message"], body["message"]


# ------------------------------------------------------------ 1. deeply nested JSON
def deep(levels: int) -> str:
    return '{"a":' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize(("method", "path", "field"), [
    ("POST", "/v1/Workspaces/{ws}/Workers", "Attributes"),
    ("POST", "/v1/Workspaces/{ws}/Workers/{alice}", "Attributes"),
    ("POST", "/v1/Workspaces/{ws}/Tasks", "Attributes"),
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}", "Attributes"),
    ("GET", "/v1/Workspaces/{ws}/TaskQueues", "EvaluateWorkerAttributes"),
    ("POST", "/v1/Workspaces/{ws}/Workflows/{wf}", "Configuration"),
    ("POST", "/v1/Workspaces/{ws}/Workflows", "Configuration"),
])
def test_deeply_nested_json_is_refused_naming_the_limit(mock, method, path, field):
    tw = build_tutorial_workspace(mock.client())
    task = tw.create_task("es")
    ids = {"ws": tw.sid, "alice": tw.workers["Alice"], "task": task.sid, "wf": tw.workflow_sid}
    before = state(mock)
    data = {field: deep(2000), "FriendlyName": "Deep"}
    if method == "GET":
        response = call(mock, "GET", path.format(**ids), params={field: deep(2000)})
    else:
        response = call(mock, method, path.format(**ids), data)
    assert_refused(response, field, "nested too deeply", "at most 64")
    assert state(mock) == before


def test_nesting_within_the_limit_is_kept():
    with MockServer() as server:
        tw = build_tutorial_workspace(server.client())
        attributes = json.dumps({"a": json.loads("[" * 60 + "]" * 60)})
        worker = tw.api.workers.create(friendly_name="Nested", attributes=attributes)
        assert json.loads(worker.attributes) == json.loads(attributes)


# ------------------------------------------------------------ 2. a workflow loses its filter
def test_a_workflow_that_loses_the_filter_of_a_waiting_task_keeps_working(mock):
    ws = call(mock, "POST", "/v1/Workspaces", {"FriendlyName": "Shrinks"}).json()["sid"]
    base = f"/v1/Workspaces/{ws}"
    queue = call(mock, "POST", f"{base}/TaskQueues", {"FriendlyName": "All", "TargetWorkers": "1==1"}).json()["sid"]
    other = call(mock, "POST", f"{base}/TaskQueues", {"FriendlyName": "Default", "TargetWorkers": "1==1"}).json()["sid"]
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}}
    wf = call(mock, "POST", f"{base}/Workflows", {"FriendlyName": "W", "Configuration": json.dumps(config)}).json()["sid"]
    task = call(mock, "POST", f"{base}/Tasks", {"Attributes": "{}", "WorkflowSid": wf}).json()["sid"]
    shrunk = {"task_routing": {"filters": [], "default_filter": {"queue": other}}}
    assert call(mock, "POST", f"{base}/Workflows/{wf}", {"Configuration": json.dumps(shrunk)}).status_code == 200
    # its step is gone, and without ReEvaluateTasks it is not routed again: it waits in its queue
    assert call(mock, "GET", f"{base}/Tasks/{task}").json()["task_queue_sid"] == queue
    available = [a["sid"] for a in call(mock, "GET", f"{base}/Activities").json()["activities"] if a["available"]][0]
    created = call(mock, "POST", f"{base}/Workers", {"FriendlyName": "Kim", "ActivitySid": available})
    assert created.status_code == 201, created.text
    reservations = call(mock, "GET", f"{base}/Tasks/{task}/Reservations").json()["reservations"]
    assert [(r["worker_sid"], r["reservation_status"]) for r in reservations] == [(created.json()["sid"], "pending")]
    # and what should be a 400 still is one
    assert_refused(call(mock, "POST", f"{base}/Workers", {"FriendlyName": "Kim"}), "FriendlyName")


@pytest.mark.parametrize(("re_evaluate", "queue_after"), [(True, "en"), (False, "es")])
def test_a_reserved_task_whose_step_was_removed_is_placed_when_its_reservation_ends(mock, re_evaluate, queue_after):
    """Re-evaluated (ReEvaluateTasks=true), it goes through the new configuration; otherwise it waits in its queue."""
    client = mock.client()
    tw = build_tutorial_workspace(client)
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    only_english = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": tw.queues["en"]}]}]}}
    tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(only_english), re_evaluate_tasks=str(re_evaluate).lower())
    assert tw.api.tasks(task.sid).fetch().assignment_status == "reserved"
    (offer,) = tw.reservations(task.sid)
    tw.api.tasks(task.sid).reservations(offer.sid).update(reservation_status="rejected", worker_activity_sid=tw.activities["Offline"])
    assert tw.api.tasks(task.sid).fetch().task_queue_sid == tw.queues[queue_after]


# ------------------------------------------------------------ 3. wrong types in a JSON body
@pytest.mark.parametrize("body", [
    {"QueueSids": [{"a": 1}]}, {"QueueSids": [1]}, {"QueueSids": [None]}, {"QueueSids": "WQ"}, {"QueueSids": []},
    [1, 2], "text",
])
def test_bulk_queue_statistics_refuse_what_is_not_a_list_of_sids(mock, body):
    tw = build_tutorial_workspace(mock.client())
    response = call(mock, "POST", f"/v1/Workspaces/{tw.sid}/TaskQueues/RealTimeStatistics", json.dumps(body),
                    headers={"Content-Type": "application/json"})
    assert_refused(response, "QueueSids")


def test_bulk_queue_statistics_refuse_nested_bodies(mock):
    tw = build_tutorial_workspace(mock.client())
    response = call(mock, "POST", f"/v1/Workspaces/{tw.sid}/TaskQueues/RealTimeStatistics", deep(500),
                    headers={"Content-Type": "application/json"})
    assert_refused(response, "nested too deeply")


# ------------------------------------------------------------ 4. callback URLs
URL_FIELDS = [
    ("POST", "/v1/Workspaces/{ws}", "EventCallbackUrl"),
    ("POST", "/v1/Workspaces", "EventCallbackUrl"),
    ("POST", "/v1/Workspaces/{ws}/Workflows/{wf}", "AssignmentCallbackUrl"),
    ("POST", "/v1/Workspaces/{ws}/Workflows/{wf}", "FallbackAssignmentCallbackUrl"),
    ("POST", "/v1/Workspaces/{ws}/Workflows", "AssignmentCallbackUrl"),
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}/Reservations/{res}", "CallUrl"),
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}/Reservations/{res}", "RedirectUrl"),
]


def url_case(mock):
    tw = build_tutorial_workspace(mock.client())
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    res = tw.reservations(task.sid)[0].sid
    ids = {"ws": tw.sid, "wf": tw.workflow_sid, "task": task.sid, "res": res}
    return tw, ids


@pytest.mark.parametrize(("method", "path", "field"), URL_FIELDS)
@pytest.mark.parametrize("bad", ["j", "not a url", "ftp://example.com/x", "http://", "//host/path", "http://exa mple.com/"])
def test_callback_urls_must_be_absolute_http_urls(mock, method, path, field, bad):
    tw, ids = url_case(mock)
    before = state(mock)
    data = {field: bad, "FriendlyName": "New one", "Configuration": tw.api.workflows(tw.workflow_sid).fetch().configuration,
            "ReservationStatus": "accepted"}
    assert_refused(call(mock, method, path.format(**ids), data), field, "absolute http or https URL")
    assert state(mock) == before


def test_an_empty_callback_url_is_accepted_and_clears_it(mock):
    tw, ids = url_case(mock)
    response = call(mock, "POST", f"/v1/Workspaces/{tw.sid}/Workflows/{tw.workflow_sid}", {"AssignmentCallbackUrl": ""})
    assert response.status_code == 200 and response.json()["assignment_callback_url"] in ("", None)
    good = call(mock, "POST", f"/v1/Workspaces/{tw.sid}", {"EventCallbackUrl": "https://example.com:8443/events?x=1"})
    assert good.status_code == 200 and good.json()["event_callback_url"] == "https://example.com:8443/events?x=1"


# ------------------------------------------------------------ 5. dates
@pytest.mark.parametrize("when", ["1899-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0999-05-01T00:00:00Z"])
@pytest.mark.parametrize("path", ["/v1/Workspaces/{ws}/Tasks", "/v1/Workspaces/{ws}/Tasks/{task}"])
def test_virtual_start_time_before_1900_is_refused(mock, when, path):
    tw = build_tutorial_workspace(mock.client())
    task = tw.create_task("es")
    before = state(mock)
    response = call(mock, "POST", path.format(ws=tw.sid, task=task.sid), {"VirtualStartTime": when, "Attributes": "{}"})
    assert_refused(response, "VirtualStartTime", "1900-01-01T00:00:00Z")
    assert state(mock) == before


@pytest.mark.parametrize("text", ["1900-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "1969-07-20T20:17:40Z", "2026-11-30T12:00:00Z"])
def test_dates_are_always_written_in_full(text):
    assert iso(parse_iso(text)) == text


def test_a_task_started_in_1900_comes_back_as_a_valid_date(mock):
    tw = build_tutorial_workspace(mock.client())
    response = call(mock, "POST", f"/v1/Workspaces/{tw.sid}/Tasks",
                    {"VirtualStartTime": "1900-01-01T00:00:00Z", "Attributes": '{"selected_language": "es"}'})
    assert response.status_code == 201 and response.json()["virtual_start_time"] == "1900-01-01T00:00:00Z"


# ------------------------------------------------------------ time does not depend on how it is asked
@pytest.mark.parametrize("steps", [[200], [10] * 20, [59, 1, 59, 1, 80]])
def test_advancing_the_clock_in_one_step_or_many_gives_the_same_state(mock, steps):
    """Reservation timeout 60 s, two available workers, one task: A times out at 60 and B is reserved
    at once; B times out at 120; the task waits again with both workers in the timeout activity."""
    client = mock.client()
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Clock", multi_task_enabled=False)
    api = client.taskrouter.v1.workspaces(ws.sid)
    idle = api.activities.create(friendly_name="Idle", available=True).sid
    queue = api.task_queues.create(friendly_name="All", target_workers="1==1").sid
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}}
    api.workflows.create(friendly_name="W", configuration=json.dumps(config), task_reservation_timeout=60)
    a = api.workers.create(friendly_name="A", activity_sid=idle).sid
    b = api.workers.create(friendly_name="B", activity_sid=idle).sid
    task = api.tasks.create(attributes="{}").sid
    for seconds in steps:
        mock.control().advance(seconds)
    offers = sorted(api.tasks(task).reservations.list(), key=lambda r: r.date_created)
    assert [(r.worker_sid, r.reservation_status) for r in offers] == [(a, "timeout"), (b, "timeout")]
    assert api.tasks(task).fetch().assignment_status == "pending"
    timeout_activity = api.fetch().timeout_activity_sid
    assert [api.workers(w).fetch().activity_sid for w in (a, b)] == [timeout_activity, timeout_activity]
