"""Bad input gets Twilio's status, code and a message naming what is wrong — and changes nothing."""

from __future__ import annotations

import json

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from trkit.mock.client import LocalHttpClient


def state(tutorial) -> dict:
    api = tutorial.api
    return {
        "workers": [(w.sid, w.friendly_name, w.attributes, w.activity_sid) for w in api.workers.list()],
        "tasks": [(t.sid, t.assignment_status, t.attributes, t.priority) for t in api.tasks.list()],
        "queues": [(q.sid, q.friendly_name, q.target_workers) for q in api.task_queues.list()],
        "activities": [(a.sid, a.friendly_name) for a in api.activities.list()],
        "workflows": [(w.sid, w.configuration) for w in api.workflows.list()],
    }


def refused(call, status: int, code: int, *words: str) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as info:
        call()
    assert info.value.status == status, info.value.msg
    assert info.value.code == code, info.value.msg
    for word in words:
        assert word in info.value.msg, info.value.msg
    return info.value


def test_wrong_credentials_are_refused_everywhere(mock, tutorial):
    bad = Client(mock.account_sid, "not-the-token", http_client=LocalHttpClient(mock.base_url))
    refused(lambda: bad.taskrouter.v1.workspaces(tutorial.sid).fetch(), 401, 20003)
    refused(lambda: bad.taskrouter.v1.workspaces(tutorial.sid).tasks.create(attributes="{}"), 401, 20003)
    for path in ("/v1/Workspaces", f"/v1/Workspaces/{tutorial.sid}/Tasks", "/mock/clock", "/mock/state"):
        response = requests.get(mock.base_url + path, timeout=10)
        assert response.status_code == 401
        assert response.json()["code"] == 20003
        response = requests.get(mock.base_url + path, auth=("AC" + "f" * 32, mock.auth_token), timeout=10)
        assert response.status_code == 401
    response = requests.post(mock.base_url + "/mock/reset", auth=(mock.account_sid, "nope"), timeout=10)
    assert response.status_code == 401
    assert tutorial.api.fetch().sid == tutorial.sid  # nothing was reset


def test_credentials_are_checked_as_base64_not_as_one_spelling(mock):
    """HTTP Basic credentials are base64 of ``sid:token`` (RFC 7617): another valid spelling of them passes,
    and a header that merely starts like the right one does not."""
    import base64

    encoded = base64.b64encode(f"{mock.account_sid}:{mock.auth_token}".encode()).decode()
    url = mock.base_url + "/v1/Workspaces"
    spaced = "Basic " + " ".join(encoded[i:i + 8] for i in range(0, len(encoded), 8))  # base64 decoders skip spaces
    assert requests.get(url, headers={"Authorization": spaced}, timeout=10).status_code == 200
    for header in ("Basic " + encoded[:-4], "Basic " + encoded.swapcase(), "Bearer " + encoded, "Basic" + encoded):
        response = requests.get(url, headers={"Authorization": header}, timeout=10)
        assert (response.status_code, response.json()["code"]) == (401, 20003), header


def test_urls_in_answers_lead_back_to_the_host_each_client_used(mock, tutorial):
    """``url`` and ``links`` name the host the request was sent to, one client after another."""
    path = f"/v1/Workspaces/{tutorial.sid}"
    for host in (f"127.0.0.1:{mock.port}", f"localhost:{mock.port}", "tunnel.example.org", f"127.0.0.1:{mock.port}"):
        body = requests.get(mock.base_url + path, headers={"Host": host}, auth=(mock.account_sid, mock.auth_token), timeout=10).json()
        assert body["url"] == f"http://{host}{path}"
        assert body["links"]["tasks"] == f"http://{host}{path}/Tasks"


def test_unknown_sids_are_404(tutorial):
    refused(lambda: tutorial.api.workers("WK" + "0" * 32).fetch(), 404, 20404, "was not found")
    refused(lambda: tutorial.api.tasks("WT" + "0" * 32).update(priority=1), 404, 20404)
    refused(lambda: tutorial.client.taskrouter.v1.workspaces("WS" + "0" * 32).fetch(), 404, 20404)
    # a worker SID used where a task SID belongs is just as unknown
    refused(lambda: tutorial.api.tasks(tutorial.workers["Alice"]).fetch(), 404, 20404)


def test_sids_of_another_workspace_are_refused(client, tutorial):
    other = client.taskrouter.v1.workspaces.create(friendly_name="Other")
    refused(lambda: client.taskrouter.v1.workspaces(other.sid).workers(tutorial.workers["Alice"]).fetch(), 404, 20404)
    refused(lambda: client.taskrouter.v1.workspaces(other.sid).workers.create(
        friendly_name="X", activity_sid=tutorial.activities["Idle"]), 400, 20001, "ActivitySid")


def test_malformed_attributes_and_configuration(tutorial):
    before = state(tutorial)
    refused(lambda: tutorial.api.workers.create(friendly_name="Eve", attributes="{not json"), 400, 20001, "Attributes", "JSON")
    refused(lambda: tutorial.api.workers.create(friendly_name="Eve", attributes='["a list"]'), 400, 20001, "Attributes", "object")
    refused(lambda: tutorial.api.tasks.create(attributes="nope", workflow_sid=tutorial.workflow_sid), 400, 20001, "Attributes")
    refused(lambda: tutorial.api.workers(tutorial.workers["Bob"]).update(attributes="{"), 400, 20001, "Attributes")
    refused(lambda: tutorial.api.workflows(tutorial.workflow_sid).update(configuration="{}"), 400, 20001, "task_routing")
    refused(lambda: tutorial.api.workflows(tutorial.workflow_sid).update(configuration=json.dumps(
        {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "WQ" + "0" * 32}]}]}})), 400, 20001, "not a TaskQueue")
    refused(lambda: tutorial.api.workflows(tutorial.workflow_sid).update(configuration=json.dumps(
        {"task_routing": {"filters": [{"expression": "a ==", "targets": [{"queue": tutorial.queues["es"]}]}]}})), 400, 20001, "position")
    refused(lambda: tutorial.api.tasks.create(attributes="{" + '"a":"' + "x" * 5000 + '"}', workflow_sid=tutorial.workflow_sid),
            400, 20001, "too long")
    assert state(tutorial) == before


def test_bad_expressions_name_the_position(tutorial):
    before = state(tutorial)
    error = refused(lambda: tutorial.api.task_queues.create(friendly_name="Q", target_workers='languages HAS'), 400, 20001, "TargetWorkers")
    assert "position 14" in error.msg
    refused(lambda: tutorial.api.task_queues(tutorial.queues["es"]).update(target_workers="(a == 1"), 400, 20001, "TargetWorkers")
    with pytest.raises(TwilioException):  # the library turns any failed list page into a plain TwilioException
        tutorial.api.workers.list(target_workers_expression="a ==")
    assert state(tutorial) == before


def test_missing_and_out_of_range_parameters(tutorial):
    before = state(tutorial)
    refused(lambda: tutorial.api.activities.create(friendly_name=None), 400, 20001, "FriendlyName")
    refused(lambda: tutorial.api.task_queues.create(friendly_name="Q", max_reserved_workers=51), 400, 20001, "MaxReservedWorkers")
    refused(lambda: tutorial.api.tasks.create(workflow_sid=tutorial.workflow_sid, priority=-1), 400, 20001, "Priority")
    refused(lambda: tutorial.api.tasks.create(workflow_sid=tutorial.workflow_sid, timeout=2_000_000), 400, 20001, "Timeout")
    refused(lambda: tutorial.api.workflows(tutorial.workflow_sid).update(task_reservation_timeout=0), 400, 20001, "TaskReservationTimeout")
    refused(lambda: tutorial.api.workers.create(friendly_name="x" * 65), 400, 20001, "FriendlyName", "64")
    refused(lambda: tutorial.api.workers.create(friendly_name="Alice"), 400, 20001, "already used")
    refused(lambda: tutorial.api.task_queues.create(friendly_name="Q", task_order="RANDOM"), 400, 20001, "TaskOrder")
    refused(lambda: tutorial.api.workspaces if False else tutorial.client.taskrouter.v1.workspaces.create(friendly_name="x", template="BIG"),
            400, 20001, "Template")
    assert state(tutorial) == before


def test_illegal_transitions(tutorial):
    task = tutorial.create_task("es")
    refused(lambda: tutorial.api.tasks(task.sid).update(assignment_status="wrapping"), 400, 20001, "not currently assigned")
    refused(lambda: tutorial.api.tasks(task.sid).update(assignment_status="completed", reason="test"), 400, 20001, "not assigned")
    tutorial.api.tasks(task.sid).update(assignment_status="canceled", reason="test")
    refused(lambda: tutorial.api.tasks(task.sid).update(assignment_status="canceled", reason="test"), 400, 20001, "not pending or reserved")


def test_refuses_to_delete_things_in_use(tutorial):
    before = state(tutorial)
    refused(lambda: tutorial.api.activities(tutorial.activities["Offline"]).delete(), 400, 20001, "default activity")
    refused(lambda: tutorial.api.activities(tutorial.activities["Busy"]).delete(), 400, 20001, "TaskQueue")
    tutorial.set_activity("Bob", "Idle")
    refused(lambda: tutorial.api.activities(tutorial.activities["Idle"]).delete(), 400, 20001, "Bob")
    refused(lambda: tutorial.api.task_queues(tutorial.queues["es"]).delete(), 400, 20001, "Workflow")
    tutorial.create_task("es")
    refused(lambda: tutorial.api.workflows(tutorial.workflow_sid).delete(), 400, 20001, "pending")
    after = state(tutorial)
    assert after["activities"] == before["activities"] and after["queues"] == before["queues"]


def test_raw_http_bad_bodies(mock, tutorial):
    auth = (mock.account_sid, mock.auth_token)
    url = f"{mock.base_url}/v1/Workspaces/{tutorial.sid}/Workers"
    before = state(tutorial)
    too_big = requests.post(url, data={"FriendlyName": "Big", "Attributes": "{" + " " * 1_300_000 + "}"}, auth=auth, timeout=30)
    assert too_big.status_code == 400 and "too large" in too_big.json()["message"]
    control = requests.post(url, data={"FriendlyName": "Bad\x01Name"}, auth=auth, timeout=10)
    assert control.status_code == 400 and "control characters" in control.json()["message"]
    wrong_type = requests.post(url, data=b"\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=auth, timeout=10)
    assert wrong_type.status_code == 400
    unknown_path = requests.get(f"{mock.base_url}/v1/Workspaces/{tutorial.sid}/Nothing", auth=auth, timeout=10)
    assert unknown_path.status_code == 404 and unknown_path.json()["code"] == 20404
    not_allowed = requests.delete(f"{mock.base_url}/v1/Workspaces/{tutorial.sid}/Events", auth=auth, timeout=10)
    assert not_allowed.status_code == 405
    bad_status = requests.get(f"{mock.base_url}/v1/Workspaces/{tutorial.sid}/Tasks?AssignmentStatus=lost", auth=auth, timeout=10)
    assert bad_status.status_code == 400 and "AssignmentStatus" in bad_status.json()["message"]
    for body in (too_big, control, unknown_path, bad_status):
        assert set(body.json()) == {"code", "message", "more_info", "status"}
    unicode_name = requests.post(url, data={"FriendlyName": "Zoë 日本"}, auth=auth, timeout=10)
    assert unicode_name.status_code == 201 and unicode_name.json()["friendly_name"] == "Zoë 日本"
    after = state(tutorial)
    assert after["workers"][: len(before["workers"])] == before["workers"] and len(after["workers"]) == len(before["workers"]) + 1
