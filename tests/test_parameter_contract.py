"""Never ignore silently, per parameter: whatever Twilio's spec lets a client send on a route is
honoured by the mock or refused with a 400 saying the mock does not emulate it.

The refusal is general (``trkit/mock/api/contract.py``): a parameter the spec lists for the
operation that the view never reads is refused before anything changes. These tests check the
mechanism, that no read route refuses any parameter of the spec (all are honoured), and the
parameters that were silently ignored before it existed, each by its effect.
"""

from __future__ import annotations

import json

import pytest
import requests
from helpers import build_tutorial_workspace

from trkit.mock import MockServer
from trkit.mock.api.contract import spec_parameters

NOT_EMULATED = "not emulated by the mock TaskRouter, which would otherwise ignore it"
VALUES = {"PageSize": "5", "Page": "0", "PageToken": "PT0", "Minutes": "10", "StartDate": "2030-01-01T00:00:00Z",
          "EndDate": "2030-01-01T00:00:00Z", "Available": "true", "Ordering": "DateCreated:asc", "Priority": "1",
          "HasAddons": "false", "AssignmentStatus": "pending", "ReservationStatus": "pending", "SplitByWaitTime": "10",
          "EvaluateWorkerAttributes": "{}", "EvaluateTaskAttributes": "1==1", "TargetWorkersExpression": "1==1",
          "TaskChannel": "default"}


@pytest.fixture
def tw(mock):
    return build_tutorial_workspace(mock.client())


def get(mock, path: str, **params) -> requests.Response:
    return requests.get(mock.base_url + path, params=params, auth=(mock.account_sid, mock.auth_token), timeout=30)


def concrete(shape: str, ids: dict[str, str]) -> str:
    parts = shape.split("/")
    return "/".join(ids.get(parts[i - 1], "X") if part == "{}" else part for i, part in enumerate(parts))


def test_every_parameter_the_spec_lists_for_a_read_is_honoured():
    with MockServer() as mock:
        tw = build_tutorial_workspace(mock.client())
        task = tw.create_task("es")
        ids = {"Workspaces": tw.sid, "Workers": tw.workers["Alice"], "TaskQueues": tw.queues["es"], "Workflows": tw.workflow_sid,
               "Tasks": task.sid, "Activities": tw.activities["Idle"], "TaskChannels": "default"}
        refused = []
        for (method, shape), names in sorted(spec_parameters().items()):
            if method == "GET":
                for name in sorted(names):
                    response = get(mock, concrete(shape, ids), **{name: VALUES.get(name, "x")})
                    if NOT_EMULATED in response.text:
                        refused.append(f"{shape} {name}")
        assert len(spec_parameters()) == 61
        assert refused == []


def test_a_listed_parameter_a_route_does_not_honour_is_refused_before_anything_changes(mock, tw):
    # DequeueFrom belongs to the dequeue instruction: sent with a call instruction, nothing reads it
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    (reservation,) = tw.reservations(task.sid)
    before = {k: v for k, v in mock.engine.dump().items() if k != "clock"}  # real time moves on meanwhile
    response = requests.post(f"{mock.base_url}/v1/Workspaces/{tw.sid}/Tasks/{task.sid}/Reservations/{reservation.sid}",
                             data={"Instruction": "call", "CallFrom": "+15005550006", "CallUrl": "https://example.com/call",
                                   "DequeueFrom": "+15005550006"}, auth=(mock.account_sid, mock.auth_token), timeout=30)
    assert response.status_code == 400
    assert response.json()["message"].startswith("DequeueFrom is accepted by TaskRouter on POST "
                                                 "/v1/Workspaces/<ws>/Tasks/<task_sid>/Reservations/<sid> but not emulated")
    assert {k: v for k, v in mock.engine.dump().items() if k != "clock"} == before


def test_a_parameter_the_spec_does_not_list_is_ignored_as_twilio_ignores_it(mock, tw):
    assert get(mock, f"/v1/Workspaces/{tw.sid}/Workers", NotAParameter="x").status_code == 200


# ------------------------------------------------------------------ parameters that were ignored before
def test_workers_and_queues_honour_ordering(mock, tw):
    names = [w["friendly_name"] for w in get(mock, f"/v1/Workspaces/{tw.sid}/Workers", Ordering="FriendlyName:desc").json()["workers"]]
    assert names == sorted(names, reverse=True) and len(names) == 2
    queues = [q["friendly_name"] for q in get(mock, f"/v1/Workspaces/{tw.sid}/TaskQueues", Ordering="FriendlyName:asc").json()["task_queues"]]
    assert queues == sorted(queues) and len(queues) >= 2
    bad = get(mock, f"/v1/Workspaces/{tw.sid}/Workers", Ordering="Shoe:asc")
    assert bad.status_code == 400 and "Ordering 'Shoe:asc' is invalid" in bad.json()["message"]


def test_cumulative_statistics_honour_task_channel(mock, tw):
    tw.create_task("es")  # on the default channel
    everything = get(mock, f"/v1/Workspaces/{tw.sid}/CumulativeStatistics").json()
    default = get(mock, f"/v1/Workspaces/{tw.sid}/CumulativeStatistics", TaskChannel="default").json()
    voice = get(mock, f"/v1/Workspaces/{tw.sid}/CumulativeStatistics", TaskChannel="voice").json()
    assert everything["tasks_created"] == default["tasks_created"] == 1
    assert voice["tasks_created"] == 0


def test_workers_statistics_honour_friendly_name_and_queue(mock, tw):
    one = get(mock, f"/v1/Workspaces/{tw.sid}/Workers/Statistics", FriendlyName="Alice").json()
    everyone = get(mock, f"/v1/Workspaces/{tw.sid}/Workers/Statistics").json()
    assert one["realtime"]["total_workers"] == 1 and everyone["realtime"]["total_workers"] == 2
    spanish = get(mock, f"/v1/Workspaces/{tw.sid}/Workers/Statistics", TaskQueueSid=tw.queues["es"]).json()
    assert spanish["realtime"]["total_workers"] == 1  # only Alice speaks Spanish


def test_the_queue_statistics_list_pages(mock, tw):
    first = get(mock, f"/v1/Workspaces/{tw.sid}/TaskQueues/Statistics", PageSize=1).json()
    assert len(first["task_queues_statistics"]) == 1 and first["meta"]["next_page_url"]
    second = requests.get(first["meta"]["next_page_url"], auth=(mock.account_sid, mock.auth_token), timeout=30).json()
    assert second["task_queues_statistics"][0]["task_queue_sid"] != first["task_queues_statistics"][0]["task_queue_sid"]
    assert json.dumps(second).count("task_queue_sid") >= 1
