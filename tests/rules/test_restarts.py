"""The rules of restarts, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/lifecycle-task-state
"""

from __future__ import annotations

import pytest
from desks import on_file, reopened

from trkit.mock.engine.errors import TaskRouterError


def test_timers_and_indexes_are_rebuilt_from_the_store(tmp_path):
    s, path = on_file(tmp_path)
    s.queue("First", 'languages HAS "es"')
    s.queue("Second", 'languages HAS "es"')
    s.workflow([{"expression": "1==1", "targets": [{"queue": "First", "timeout": 100}, {"queue": "Second"}]}], task_reservation_timeout=60)
    s.worker("Alice", languages=["es"])
    s.worker("Bob", "Idle", languages=["es"])
    held = s.task(timeout=1000)          # Bob takes it
    done = s.task()
    s.set_activity("Alice", "Idle")      # Alice takes done
    s.accept(done)
    s.set_task(done, "completed")         # deleted at 300 s
    moving = s.task(timeout=1000)        # nobody is free: it waits in First, to move at 100 s
    s.set_activity("Alice", "Idle")      # now Alice takes it
    s = reopened(s, path)
    assert s.holder(held) == "Bob" and s.holder(moving) == "Alice"
    s.advance(60)
    assert s.reservations(held) == [("Bob", "timeout")] and s.reservations(moving) == [("Alice", "timeout")]
    s.advance(40)
    assert s.queue_of(moving) == "Second" and s.queue_of(held) == "Second"
    s.set_activity("Bob", "Idle")
    assert s.holder(held) == "Bob"  # the index of available workers came back: the older task is his
    s.advance(200)
    with pytest.raises(TaskRouterError):
        s.fetch_task(done)
    s.advance(700)
    assert s.status(moving) == "canceled" and s.fetch_task(moving).reason == "Task TTL Exceeded"


def test_a_restart_remembers_who_is_free_and_who_holds_a_task(tmp_path):
    s, path = on_file(tmp_path)
    s.queue("Plain", reservation_activity_sid=None, assignment_activity_sid=None)  # workers stay Idle while they hold a task
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Plain"}]}], task_reservation_timeout=3600)
    s.worker("Eve", "Idle")
    first = s.task()
    s.advance(5)
    s.worker("Carla", "Idle")
    s = reopened(s, path)
    second = s.task()
    assert (s.holder(first), s.holder(second)) == ("Eve", "Carla")  # Eve still holds hers; Carla was known to be free


def test_a_task_routed_to_a_worker_still_waits_for_her_after_a_restart(tmp_path):
    # RoutingTarget names one worker (https://www.twilio.com/docs/taskrouter/api/task); without IgnoreCapacity the task
    # waits until she may take it, and for her alone
    s, path = on_file(tmp_path)
    s.queue("All")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice")
    s.worker("Bob", "Idle")
    task = s.create_task(attributes="{}", routing_target=s.workers["Alice"], workflow_sid=s.workflows["wf"], ignore_capacity=False).sid
    assert s.reservations(task) == []  # Bob is free, but the task is Alice's
    s = reopened(s, path)
    s.set_activity("Bob", "Offline")
    s.set_activity("Bob", "Idle")
    assert s.reservations(task) == []
    s.set_activity("Alice", "Idle")
    assert s.reservations(task) == [("Alice", "pending")]


def test_the_clock_an_advance_leaves_is_written_down_only_where_something_is(tmp_path):
    """A mock restarted from its file finds the clock where advances left it; a store that writes nothing
    (trkit.simulate) keeps no clock to restart from."""
    from trkit.mock.engine import Store, TaskRouterEngine
    from trkit.mock.engine.clock import Clock

    s, path = on_file(tmp_path)
    s.advance(3600)
    s.engine.store.close()
    restarted = TaskRouterEngine(Store(path), "AC" + "0" * 32, "token")  # the clock as the file left it
    assert restarted.clock.offset == s.engine.clock.offset != 0
    restarted.store.close()
    silent = TaskRouterEngine(Store(writes=False), "AC" + "0" * 32, "token", clock=Clock())
    silent.advance(3600)
    assert "clock_offset" not in silent.store.meta and silent.clock.offset == pytest.approx(3600, abs=1)
