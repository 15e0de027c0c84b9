"""Parameters whose rule tests drive the engine directly, shown honoured over HTTP through the twilio
library as well, each by its effect (the parameter table in docs/coverage.md counts them)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from helpers import build_tutorial_workspace

STATISTICS = ["/CumulativeStatistics", "/Statistics", "/TaskQueues/{es}/CumulativeStatistics", "/TaskQueues/{es}/Statistics",
              "/TaskQueues/Statistics", "/Workers/CumulativeStatistics", "/Workers/Statistics", "/Workers/{alice}/Statistics",
              "/Workflows/{wf}/CumulativeStatistics", "/Workflows/{wf}/Statistics"]


@pytest.fixture
def tw(mock):
    return build_tutorial_workspace(mock.client())


def test_task_channel_queue_and_virtual_start_time_on_tasks(tw):
    voice = tw.api.tasks.create(attributes="{}", workflow_sid=tw.workflow_sid, task_channel="voice")
    assert voice.task_channel_unique_name == "voice"
    moved = tw.api.tasks(voice.sid).update(task_channel="sms")
    assert moved.task_channel_unique_name == "sms"
    queued = tw.api.tasks.create(attributes="{}", task_queue_sid=tw.queues["en"])
    assert queued.task_queue_sid == tw.queues["en"] and queued.workflow_sid is None
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert tw.api.tasks(queued.sid).update(virtual_start_time=when).virtual_start_time == when


def test_ignore_capacity_false_waits_for_the_worker(tw):
    task = tw.api.tasks.create(attributes="{}", routing_target=tw.workers["Alice"], ignore_capacity=False)  # Alice is Offline
    assert task.ignore_capacity is False and tw.reservations(task.sid) == []
    tw.set_activity("Alice", "Idle")
    assert [r.worker_sid for r in tw.reservations(task.sid)] == [tw.workers["Alice"]]


def test_channel_optimized_routing_is_kept(tw):
    channel = tw.api.task_channels.create(friendly_name="Fax", unique_name="fax", channel_optimized_routing=True)
    assert channel.channel_optimized_routing is True
    assert tw.api.task_channels(channel.sid).update(channel_optimized_routing=False).channel_optimized_routing is False


def test_task_queue_fields(tw):
    busy = tw.activities["Offline"]
    queue = tw.api.task_queues.create(friendly_name="Overflow", target_workers="1==1", max_reserved_workers=3, task_order="LIFO")
    assert (queue.max_reserved_workers, queue.task_order) == (3, "LIFO")
    changed = tw.api.task_queues(queue.sid).update(friendly_name="Spill", reservation_activity_sid=busy, assignment_activity_sid=busy)
    assert (changed.friendly_name, changed.reservation_activity_sid, changed.assignment_activity_sid) == ("Spill", busy, busy)


def test_worker_channel_availability(tw):
    (channel,) = [c for c in tw.api.workers(tw.workers["Alice"]).worker_channels.list() if c.task_channel_unique_name == "voice"]
    assert tw.api.workers(tw.workers["Alice"]).worker_channels(channel.sid).update(available=False).available is False


def test_workflow_and_workspace_fields(tw, mock):
    workflow = tw.api.workflows(tw.workflow_sid).update(friendly_name="Renamed")
    assert workflow.friendly_name == "Renamed"
    configuration = tw.api.workflows(tw.workflow_sid).fetch().configuration
    spare = tw.api.workflows.create(friendly_name="Spare", configuration=configuration,
                                    fallback_assignment_callback_url="https://example.com/fallback")
    assert spare.fallback_assignment_callback_url == "https://example.com/fallback"
    idle = tw.activities["Idle"]
    ws = tw.client.taskrouter.v1.workspaces(tw.sid).update(default_activity_sid=idle, timeout_activity_sid=idle,
                                                           prioritize_queue_order="LIFO")
    assert (ws.default_activity_sid, ws.timeout_activity_sid, ws.prioritize_queue_order) == (idle, idle, "LIFO")
    created = tw.client.taskrouter.v1.workspaces.create(friendly_name="Filtered", events_filter="task.created",
                                                        prioritize_queue_order="LIFO")
    assert (created.events_filter, created.prioritize_queue_order) == ("task.created", "LIFO")


@pytest.mark.parametrize("path", STATISTICS)
def test_every_cumulative_window_starts_at_start_date(mock, tw, path):
    start = mock.control().clock()["epoch"] - 600
    url = f"{mock.base_url}/v1/Workspaces/{tw.sid}" + path.format(es=tw.queues["es"], alice=tw.workers["Alice"], wf=tw.workflow_sid)
    iso = datetime.fromtimestamp(int(start), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = requests.get(url, params={"StartDate": iso}, auth=(mock.account_sid, mock.auth_token), timeout=30).json()
    stats = body.get("cumulative") or (body.get("task_queues_statistics") or [{}])[0].get("cumulative") or body
    assert stats["start_time"] == iso
