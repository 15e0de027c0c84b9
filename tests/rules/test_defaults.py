"""The rules of defaults, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/limits
"""

from __future__ import annotations

import pytest
from desks import spanish_desk

from trkit.mock.engine.errors import TaskRouterError


def test_default_reservation_timeout_is_120_seconds():
    s = spanish_desk()
    assert s.fetch("workflow", s.workflows["wf"]).task_reservation_timeout == 120
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.advance(119)
    assert s.reservations(task) == [("Alice", "pending")]
    s.advance(1)
    assert s.reservations(task) == [("Alice", "timeout")]
    # a timed-out worker goes to the workspace's timeout activity (Offline by default)
    assert s.activity_of("Alice") == "Offline"
    assert s.status(task) == "pending"


def test_default_task_ttl_is_86400_seconds_then_canceled_with_the_documented_reason():
    s = spanish_desk()
    task = s.task()
    assert s.fetch_task(task).timeout == 86400
    s.advance(86399)
    assert s.status(task) == "pending"
    s.advance(1)
    assert s.status(task) == "canceled"
    assert s.fetch_task(task).reason == "Task TTL Exceeded"


def test_ttl_cancels_a_reserved_task_and_its_pending_reservation():
    s = spanish_desk()
    s.update_workflow("wf", task_reservation_timeout=3600)
    task = s.task(timeout=100)
    s.set_activity("Alice", "Idle")
    s.advance(100)
    assert (s.status(task), s.reservations(task)) == ("canceled", [("Alice", "canceled")])


@pytest.mark.parametrize(("field", "value"), [("timeout", 1_209_601), ("timeout", 0), ("priority", -1), ("priority", 2_147_483_648)])
def test_task_limits(field, value):
    s = spanish_desk()
    with pytest.raises(TaskRouterError) as info:
        s.task(**{field: value})
    assert info.value.status == 400


def test_task_limits_at_the_edges_are_accepted():
    s = spanish_desk()
    assert s.fetch_task(s.task(timeout=1_209_600, priority=2_147_483_647)).priority == 2_147_483_647


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (86400, True), (86401, False)])
def test_reservation_timeout_limits(value, ok):
    s = spanish_desk()
    if ok:
        s.update_workflow("wf", task_reservation_timeout=value)
        assert s.fetch("workflow", s.workflows["wf"]).task_reservation_timeout == value
    else:
        with pytest.raises(TaskRouterError):
            s.update_workflow("wf", task_reservation_timeout=value)


def test_a_new_task_has_priority_zero_and_a_new_queue_reserves_one_worker():
    s = spanish_desk()
    assert s.fetch_task(s.task()).priority == 0
    queue = s.fetch("task_queue", s.queues["Everyone"])
    assert (queue.max_reserved_workers, queue.task_order) == (1, "FIFO")
