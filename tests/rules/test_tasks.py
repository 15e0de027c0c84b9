"""The rules of tasks, through Scenario.
"""

from __future__ import annotations

from desks import accepted_by_alice, watched


def test_completing_through_the_reservation_has_no_reason():
    s = watched()
    task, res = accepted_by_alice(s)
    s.update_reservation(res, task, reservation_status="completed")
    (done,) = [e for e in s.events() if e.event_type == "task.completed"]
    assert (done.description, done.event_data["task_completed_reason"], s.fetch_task(task).reason) == (f"Task {task} completed", "", None)


def test_a_wrapping_reason_is_kept_and_a_later_one_replaces_it():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.accept(task)
    s.update_task(task, assignment_status="wrapping", reason="after-call work")
    assert s.fetch_task(task).reason == "after-call work"
    s.update_task(task, assignment_status="completed", reason="done")
    assert s.fetch_task(task).reason == "done"
