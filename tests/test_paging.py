"""Lists longer than a page, followed as the twilio library follows them: ``meta.next_page_url`` as given
(https://www.twilio.com/docs/usage/twilios-response#pagination). Every way the kit offers the mock must serve
the URLs it hands out: the pytest plugin / ``mock_taskrouter``, ``MockServer.client()``, and plain HTTP to a
separately started mock."""

from __future__ import annotations

import json

import pytest

from trkit.mock import MockServer
from trkit.testing import mock_taskrouter

TASKS, RESERVATIONS = 120, 60


def fill(client) -> tuple:
    """A workspace with 120 tasks, and one task rejected by 60 workers in turn (60 reservations)."""
    api = client.taskrouter.v1.workspaces.create(friendly_name="paging")
    workspace = client.taskrouter.v1.workspaces(api.sid)
    idle = workspace.activities.create(friendly_name="Idle", available=True).sid
    offline = next(a.sid for a in workspace.activities.list() if a.friendly_name == "Offline")
    queue = workspace.task_queues.create(friendly_name="all", target_workers="1==1")
    flow = workspace.workflows.create(friendly_name="flow", configuration=json.dumps(
        {"task_routing": {"filters": [], "default_filter": {"queue": queue.sid}}}))
    sids = [workspace.tasks.create(workflow_sid=flow.sid, attributes="{}").sid for _ in range(TASKS)]
    first = sids[0]
    for n in range(RESERVATIONS):
        worker = workspace.workers.create(friendly_name=f"w{n}", activity_sid=idle)
        (reservation,) = workspace.tasks(first).reservations.list(reservation_status="pending")
        assert reservation.worker_sid == worker.sid
        workspace.tasks(first).reservations(reservation.sid).update(reservation_status="rejected", worker_activity_sid=offline)
    return workspace, sids, first


def read_every_way(workspace, sids: list[str], first: str) -> None:
    assert [t.sid for t in workspace.tasks.list()] == sids  # the default page size (50): three pages
    assert [t.sid for t in workspace.tasks.stream(page_size=7)] == sids
    assert [t.sid for t in workspace.tasks.list(page_size=1000)] == sids
    assert len(workspace.tasks.list(limit=77, page_size=20)) == 77
    assert len(workspace.tasks(first).reservations.list()) == RESERVATIONS
    assert len(list(workspace.tasks(first).reservations.stream(page_size=25))) == RESERVATIONS
    page = workspace.tasks.page(page_size=50)
    pages = 1
    while page.next_page_url:
        page = page.next_page()
        pages += 1
    assert pages == 3


def test_paging_under_mock_taskrouter_and_the_plugin():
    with mock_taskrouter() as mock:
        read_every_way(*fill(mock.client))


def test_paging_with_a_mock_servers_own_client():
    with MockServer() as server:
        read_every_way(*fill(server.client()))


@pytest.mark.parametrize("mock_mode", ["process"])
def test_paging_over_http_to_a_separate_mock(client, mock_mode):
    read_every_way(*fill(client))
