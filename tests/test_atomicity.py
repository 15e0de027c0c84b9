"""Every write route of the API, interrupted by an internal error, leaves the store exactly as before.

Each row is a valid write. It is sent once with a fault injected inside the engine (at the
first event it records, or just before its transaction commits, after routing), which must
give one Twilio-shaped 500 and change nothing; then again without the fault, which must succeed.
The mock's own /mock/ routes are not TaskRouter writes and are not in the table.
"""

from __future__ import annotations

import json
import logging

import pytest
import requests
from helpers import build_tutorial_workspace

from trkit.mock import MockServer

WRITES = [
    ("POST", "/v1/Workspaces", {"FriendlyName": "Another"}),
    ("POST", "/v1/Workspaces/{ws}", {"FriendlyName": "Renamed", "MultiTaskEnabled": "true"}),
    ("DELETE", "/v1/Workspaces/{ws}", None),
    ("POST", "/v1/Workspaces/{ws}/Activities", {"FriendlyName": "Lunch", "Available": "false"}),
    ("POST", "/v1/Workspaces/{ws}/Activities/{activity}", {"FriendlyName": "Renamed"}),
    ("DELETE", "/v1/Workspaces/{ws}/Activities/{activity}", None),
    ("POST", "/v1/Workspaces/{ws}/TaskChannels", {"FriendlyName": "Fax", "UniqueName": "fax"}),
    ("POST", "/v1/Workspaces/{ws}/TaskChannels/{channel}", {"FriendlyName": "Renamed"}),
    ("DELETE", "/v1/Workspaces/{ws}/TaskChannels/{channel}", None),
    ("POST", "/v1/Workspaces/{ws}/Workers", {"FriendlyName": "Carla", "ActivitySid": "{idle}", "Attributes": '{"languages": ["en"]}'}),
    ("POST", "/v1/Workspaces/{ws}/Workers/{bob}", {"ActivitySid": "{idle}"}),
    ("POST", "/v1/Workspaces/{ws}/Workers/{alice}", {"ActivitySid": "{offline}", "RejectPendingReservations": "true"}),
    ("DELETE", "/v1/Workspaces/{ws}/Workers/{alice}", None),
    ("POST", "/v1/Workspaces/{ws}/Workers/{alice}/Channels/{worker_channel}", {"Capacity": "2"}),
    ("POST", "/v1/Workspaces/{ws}/Workers/{alice}/Reservations/{reservation}", {"ReservationStatus": "accepted"}),
    ("POST", "/v1/Workspaces/{ws}/TaskQueues", {"FriendlyName": "Everyone", "TargetWorkers": "1==1"}),
    ("POST", "/v1/Workspaces/{ws}/TaskQueues/{english}", {"TargetWorkers": "1==1", "MaxReservedWorkers": "2"}),
    ("DELETE", "/v1/Workspaces/{ws}/TaskQueues/{queue}", None),
    ("POST", "/v1/Workspaces/{ws}/Workflows", {"FriendlyName": "Second", "Configuration": "{configuration}"}),
    ("POST", "/v1/Workspaces/{ws}/Workflows/{workflow}", {"Configuration": "{configuration}", "ReEvaluateTasks": "true"}),
    ("DELETE", "/v1/Workspaces/{ws}/Workflows/{spare_workflow}", None),
    ("POST", "/v1/Workspaces/{ws}/Tasks", {"Attributes": '{"selected_language": "en"}', "WorkflowSid": "{workflow}"}),
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}", {"Priority": "5", "Attributes": '{"selected_language": "es", "vip": true}'}),
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}", {"AssignmentStatus": "canceled", "Reason": "caller hung up"}),
    ("DELETE", "/v1/Workspaces/{ws}/Tasks/{task}", None),
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}/Reservations/{reservation}", {"ReservationStatus": "rejected", "WorkerActivitySid": "{offline}"}),
    # a call instruction places a call leg and changes the task's attributes: both undone on a fault
    ("POST", "/v1/Workspaces/{ws}/Tasks/{task}/Reservations/{reservation}",
     {"Instruction": "call", "CallFrom": "+15005550006", "CallTo": "+14155550111", "CallUrl": "http://127.0.0.1:9/agent",
      "CallAccept": "true"}),
]


def scene(mock) -> dict[str, str]:
    """The tutorial workspace with a reservation pending for Alice, Bob Offline, and spare objects to delete."""
    tw = build_tutorial_workspace(mock.client())
    api = tw.api
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    spare_queue = api.task_queues.create(friendly_name="Spare", target_workers="1==1").sid
    everyone = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": spare_queue}]}]}}
    return {
        "ws": tw.sid, "idle": tw.activities["Idle"], "offline": tw.activities["Offline"],
        "alice": tw.workers["Alice"], "bob": tw.workers["Bob"], "english": tw.queues["en"],
        "queue": api.task_queues.create(friendly_name="Unused", target_workers="1==1").sid,
        "activity": api.activities.create(friendly_name="Spare", available=False).sid,
        "channel": api.task_channels.create(friendly_name="Spare", unique_name="spare").sid,
        "worker_channel": api.workers(tw.workers["Alice"]).worker_channels.list()[0].sid,
        "workflow": tw.workflow_sid, "task": task.sid, "reservation": tw.reservations(task.sid)[0].sid,
        "spare_workflow": api.workflows.create(friendly_name="Spare", configuration=json.dumps(everyone)).sid,
        "configuration": tw.api.workflows(tw.workflow_sid).fetch().configuration,
    }


def fill(text: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        text = text.replace("{" + key + "}", value)
    return text


def stored(mock) -> dict:
    dumped = mock.engine.dump()
    dumped.pop("clock")
    return dumped


class Fault(RuntimeError):
    pass


@pytest.mark.parametrize("where", ["first event", "before commit"])
@pytest.mark.parametrize(("method", "path", "data"), WRITES, ids=[f"{m} {p}" + (f" {sorted(d)}" if d else "") for m, p, d in WRITES])
def test_an_internal_error_in_a_write_changes_nothing(method, path, data, where, caplog):
    with MockServer() as mock:
        ids = scene(mock)
        url = mock.base_url + fill(path, ids)
        form = {k: fill(v, ids) for k, v in (data or {}).items()}
        auth = (mock.account_sid, mock.auth_token)
        before = stored(mock)
        engine = mock.engine
        service, point = (engine.events, "emit") if where == "first event" else (engine.routing, "flush_matches")

        def explode(*args, **kwargs):
            raise Fault("injected")

        setattr(service, point, explode)
        try:
            with caplog.at_level(logging.ERROR, logger="trkit.mock"):
                failed = requests.request(method, url, data=form, auth=auth, timeout=30)
        finally:
            delattr(service, point)
        assert failed.status_code == 500, failed.text
        assert failed.json() == {"code": 20500, "message": "Internal server error: Fault", "status": 500,
                                 "more_info": "https://www.twilio.com/docs/errors/20500"}
        assert "Traceback" in caplog.text and "Fault: injected" in caplog.text  # the server logs what happened
        assert stored(mock) == before
        again = requests.request(method, url, data=form, auth=auth, timeout=30)
        assert again.status_code in (200, 201, 204), again.text
        assert stored(mock) != before
