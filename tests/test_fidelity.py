"""What the spec lets a client send is honoured, or refused saying the mock does not emulate it.

From Twilio's TaskRouter pages (under https://www.twilio.com/docs/taskrouter/): Reason is required to cancel or complete a task (https://www.twilio.com/docs/taskrouter/api/task); ETag on Task,
Worker and Reservation answers and 412 on a stale If-Match (https://www.twilio.com/docs/taskrouter/api, https://www.twilio.com/docs/taskrouter/api/worker, https://www.twilio.com/docs/taskrouter/api/task); finished tasks
are deleted about 5 minutes later (https://www.twilio.com/docs/taskrouter/api/task, https://www.twilio.com/docs/taskrouter/lifecycle-task-state); dequeue and call add worker_call_sid to the task
(https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks). Workflow target keys the mock does not route by are refused.
"""

from __future__ import annotations

import json

import pytest
import requests
from helpers import build_tutorial_workspace
from twilio.base.exceptions import TwilioRestException

from trkit.language.workflow_config import read_configuration
from trkit.mock import MockServer


@pytest.fixture
def mock():
    with MockServer() as server:
        yield server


@pytest.fixture
def tw(mock):
    return build_tutorial_workspace(mock.client())


def raw(mock, method: str, path: str, data=None, headers=None) -> requests.Response:
    return requests.request(method, mock.base_url + path, data=data, headers=headers,
                            auth=(mock.account_sid, mock.auth_token), timeout=30)


# ------------------------------------------------------------------------- Reason
@pytest.mark.parametrize("status", ["canceled", "completed"])
def test_reason_is_required_to_cancel_or_complete(tw, status):
    task = tw.create_task("es")
    if status == "completed":
        tw.set_activity("Alice", "Idle")
        tw.api.tasks(task.sid).reservations(tw.reservations(task.sid)[0].sid).update(reservation_status="accepted")
    with pytest.raises(TwilioRestException) as info:
        tw.api.tasks(task.sid).update(assignment_status=status)
    assert info.value.status == 400 and "Missing required parameter Reason" in info.value.msg
    done = tw.api.tasks(task.sid).update(assignment_status=status, reason="customer helped")
    assert (done.assignment_status, done.reason) == (status, "customer helped")


# --------------------------------------------------------------------- ETag / If-Match
def test_task_worker_and_reservation_answers_carry_an_etag_that_changes_with_them(mock, tw):
    base = f"/v1/Workspaces/{tw.sid}"
    created = raw(mock, "POST", f"{base}/Tasks", {"Attributes": '{"selected_language": "es"}'})
    task = created.json()["sid"]
    fetched = raw(mock, "GET", f"{base}/Tasks/{task}")
    assert created.headers["ETag"] and fetched.headers["ETag"]
    updated = raw(mock, "POST", f"{base}/Tasks/{task}", {"Priority": "3"})
    assert updated.headers["ETag"] != fetched.headers["ETag"]
    alice = f"{base}/Workers/{tw.workers['Alice']}"
    assert raw(mock, "GET", alice).headers["ETag"] != raw(mock, "POST", alice, {"ActivitySid": tw.activities["Idle"]}).headers["ETag"]
    reservation = tw.reservations(task)[0].sid
    assert raw(mock, "GET", f"{base}/Tasks/{task}/Reservations/{reservation}").headers["ETag"]
    assert raw(mock, "GET", f"{alice}/Reservations/{reservation}").headers["ETag"]
    assert "ETag" not in raw(mock, "GET", f"{base}/Activities/{tw.activities['Idle']}").headers


@pytest.mark.parametrize(("path", "data", "method"), [
    ("/Tasks/{task}", {"Priority": "4"}, "POST"),
    ("/Tasks/{task}", None, "DELETE"),
    ("/Workers/{alice}", {"FriendlyName": "Alicia"}, "POST"),
    ("/Workers/{bob}", None, "DELETE"),
    ("/Tasks/{task}/Reservations/{reservation}", {"ReservationStatus": "accepted"}, "POST"),
    ("/Workers/{alice}/Reservations/{reservation}", {"ReservationStatus": "rejected"}, "POST"),
])
def test_a_stale_if_match_is_refused_with_412_and_a_current_one_is_honoured(mock, tw, path, data, method):
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    ids = {"task": task.sid, "alice": tw.workers["Alice"], "bob": tw.workers["Bob"], "reservation": tw.reservations(task.sid)[0].sid}
    url = f"/v1/Workspaces/{tw.sid}" + path.format(**ids)
    current = raw(mock, "GET", url).headers["ETag"]
    before = mock.engine.dump()
    stale = raw(mock, method, url, data, headers={"If-Match": '"999"'})
    assert stale.status_code == 412 and "If-Match" in stale.json()["message"], stale.text
    before.pop("clock")
    after = mock.engine.dump()
    after.pop("clock")
    assert after == before
    assert raw(mock, method, url, data, headers={"If-Match": current}).status_code in (200, 204)


def test_the_twilio_library_sends_if_match_on_update(tw):
    task = tw.create_task("es")
    with pytest.raises(TwilioRestException) as info:
        tw.api.tasks(task.sid).update(priority=2, if_match='"12345"')
    assert info.value.status == 412


# --------------------------------------------------------------- finished tasks go away
def test_finished_tasks_are_deleted_five_minutes_later_with_their_reservations(mock, tw):
    done = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    reservation = tw.reservations(done.sid)[0].sid
    tw.api.tasks(done.sid).reservations(reservation).update(reservation_status="accepted")
    tw.api.tasks(done.sid).update(assignment_status="completed", reason="helped")
    dropped = tw.create_task("en")
    tw.api.tasks(dropped.sid).update(assignment_status="canceled", reason="caller hung up")
    waiting = tw.create_task("en")
    mock.control().advance(299)
    assert tw.api.tasks(done.sid).fetch().assignment_status == "completed"
    mock.control().advance(1)
    for gone in (done.sid, dropped.sid):
        with pytest.raises(TwilioRestException) as info:
            tw.api.tasks(gone).fetch()
        assert info.value.status == 404
    with pytest.raises(TwilioRestException):
        tw.api.workers(tw.workers["Alice"]).reservations(reservation).fetch()
    assert tw.api.tasks(waiting.sid).fetch().assignment_status == "pending"  # only finished tasks go
    deleted = [e.resource_sid for e in tw.api.events.list(event_type="task.system-deleted")]
    assert sorted(deleted) == sorted([done.sid, dropped.sid])


def test_the_lifetime_of_finished_tasks_is_a_switch():
    with MockServer(finished_task_lifetime=None) as mock:
        tw = build_tutorial_workspace(mock.client())
        task = tw.create_task("es")
        tw.api.tasks(task.sid).update(assignment_status="canceled", reason="kept")
        mock.control().advance(3600)
        assert tw.api.tasks(task.sid).fetch().assignment_status == "canceled"


# ------------------------------------------------------------ refused, never ignored
def test_skip_if_is_honoured_through_the_library(tw):
    # nobody in the Spanish queue is available: the step is skipped at once, to the English queue
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [
        {"queue": tw.queues["es"], "skip_if": "workers.available == 0"}, {"queue": tw.queues["en"]}]}]}}
    tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(config))
    task = tw.create_task("es")
    assert tw.api.tasks(task.sid).fetch().task_queue_sid == tw.queues["en"]


def test_a_skip_if_that_does_not_parse_is_refused_naming_it(tw):
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": tw.queues["es"], "skip_if": "workers.available =="}]}]}}
    with pytest.raises(TwilioRestException) as info:
        tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(config))
    assert info.value.status == 400 and "Configuration: task_routing.filters[0].targets[0].skip_if is invalid" in info.value.msg


def test_known_worker_and_order_by_are_honoured_through_the_library(tw):
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [
        {"queue": tw.queues["en"], "known_worker_friendly_name": "task.agent", "timeout": 60}, {"queue": tw.queues["en"], "order_by": "worker.level DESC"}]}]}}
    tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(config))
    carla = tw.api.workers.create(friendly_name="Carla", attributes=json.dumps({"languages": ["en"], "level": 9})).sid
    for name in ("Alice", "Bob"):
        tw.set_activity(name, "Idle")
    tw.api.workers(carla).update(activity_sid=tw.activities["Idle"])
    task = tw.api.tasks.create(attributes=json.dumps({"agent": "Bob"}), workflow_sid=tw.workflow_sid)
    assert [r.worker_name for r in tw.reservations(task.sid)] == ["Bob"]  # the known agent, though Alice idled longer


@pytest.mark.parametrize(("config", "unread"), [
    ({"task_routing": {"filters": [], "default_filter": {"queue": "{es}", "queue_sid": "x"}}}, "task_routing.default_filter.queue_sid"),
    ({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{es}"}], "priority": 3}]}}, "task_routing.filters[0].priority"),
    ({"task_routing": {"filters": [], "fallback": {}}}, "task_routing.fallback"),
    ({"task_routing": {"filters": []}, "version": 2}, "version"),
])
def test_undocumented_configuration_keys_are_kept_and_listed_as_unread(tw, config, unread):
    # TaskRouter accepts keys beyond its documented ones (tests/test_captured_payloads.py); the kit's table names them
    text = json.dumps(config).replace("{es}", tw.queues["es"])
    saved = tw.api.workflows(tw.workflow_sid).update(configuration=text)
    assert json.loads(saved.configuration) == json.loads(text)
    assert read_configuration(saved.configuration).unread == (unread,)


def test_a_task_routed_straight_to_a_worker_is_offered_to_that_worker_through_the_library(tw):
    task = tw.api.tasks.create(attributes="{}", routing_target=tw.workers["Alice"])  # Alice is Offline
    assert task.routing_target == tw.workers["Alice"] and task.ignore_capacity is True
    (reservation,) = tw.api.tasks(task.sid).reservations.list()
    assert reservation.worker_sid == tw.workers["Alice"] and reservation.reservation_status == "pending"


def test_ignore_capacity_without_a_worker_target_is_refused_naming_it(tw):
    with pytest.raises(TwilioRestException) as info:
        tw.api.tasks.create(attributes="{}", routing_target=tw.queues["es"], ignore_capacity=False)
    assert info.value.status == 400 and "IgnoreCapacity can only be used when RoutingTarget is a Worker SID" in info.value.msg


@pytest.mark.parametrize("path", ["/Statistics", "/CumulativeStatistics", "/TaskQueues/{queue}/Statistics",
                                  "/TaskQueues/{queue}/CumulativeStatistics", "/Workflows/{workflow}/Statistics",
                                  "/Workflows/{workflow}/CumulativeStatistics", "/TaskQueues/Statistics"])
def test_every_statistics_route_honours_split_by_wait_time(mock, tw, path):
    url = f"/v1/Workspaces/{tw.sid}" + path.format(queue=tw.queues["es"], workflow=tw.workflow_sid)
    body = requests.get(mock.base_url + url, params={"SplitByWaitTime": "30,60"}, auth=(mock.account_sid, mock.auth_token), timeout=30).json()
    found = body.get("cumulative") or (body.get("task_queues_statistics") or body.get("task_queues") or [{}])[0].get("cumulative") or body
    assert set(found["split_by_wait_time"]) == {"30", "60"}, body
