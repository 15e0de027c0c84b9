"""The rules of capacity, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment
"""

from __future__ import annotations

from desks import channel, multitasking
from scenario import Scenario


def test_channel_capacity_bounds_the_tasks_a_worker_holds():
    s = multitasking()
    s.update_worker_channel(s.workers["Alice"], channel(s, "Alice", "default").sid, capacity=2)
    tasks = [s.task() for _ in range(3)]
    s.set_activity("Alice", "Idle")
    assert [s.holder(t) for t in tasks] == ["Alice", "Alice", None]
    s.accept(tasks[0])
    assert s.holder(tasks[2]) is None  # accepted work still counts against the capacity
    s.set_task(tasks[0], "completed")
    assert s.holder(tasks[2]) == "Alice"


def test_capacity_is_per_channel_and_an_unavailable_channel_takes_nothing():
    s = multitasking()
    alice = s.workers["Alice"]
    voice = s.create_task(attributes="{}", workflow_sid=s.workflows["wf"], task_channel="voice").sid
    chat = s.create_task(attributes="{}", workflow_sid=s.workflows["wf"], task_channel="chat").sid
    s.update_worker_channel(alice, channel(s, "Alice", "chat").sid, available=False)
    s.set_activity("Alice", "Idle")
    assert (s.holder(voice), s.holder(chat)) == ("Alice", None)  # voice (capacity 1) is not counted against chat
    s.update_worker_channel(alice, channel(s, "Alice", "chat").sid, available=True)
    assert s.holder(chat) == "Alice"
    assert s.assigned_tasks(alice) == 2 and s.assigned_tasks(alice, channel(s, "Alice", "voice").task_channel_sid) == 1


def test_a_worker_is_not_offered_a_task_twice_at_once():
    s = Scenario()
    s.queue("All", max_reserved_workers=3)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice", "Idle")
    task = s.task()
    assert s.reservations(task) == [("Alice", "pending")]
    s.worker("Bob", "Idle")
    assert sorted(s.reservations(task)) == [("Alice", "pending"), ("Bob", "pending")]


def test_a_multitasking_worker_with_room_is_still_not_offered_one_task_twice():
    # a worker holds at most one reservation for a task (max_reserved_workers counts workers): room on her channel
    # does not change that (https://www.twilio.com/docs/taskrouter/api/task-queue, https://www.twilio.com/docs/taskrouter/multitasking)
    s = Scenario(multi_task=True)
    s.queue("All", max_reserved_workers=3)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    alice = s.worker("Alice")
    s.update_worker_channel(alice, channel(s, "Alice", "default").sid, capacity=3)
    s.set_activity("Alice", "Idle")
    task = s.task()
    assert s.reservations(task) == [("Alice", "pending")]
    second = s.task()
    assert s.reservations(second) == [("Alice", "pending")]  # she has room for it
