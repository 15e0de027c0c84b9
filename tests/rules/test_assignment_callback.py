"""The rules of assignment callback, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
"""

from __future__ import annotations

from desks import desk
from scenario import ACCOUNT, EPOCH, Scenario


def test_assignment_callback_parameters_are_the_documented_ones():

    s = desk()
    s.update_workflow("wf", fallback_assignment_callback_url="http://127.0.0.1:9/fallback")
    task = s.task(lang="es", priority=4)
    s.advance(7)
    s.set_activity("Alice", "Idle")
    (sent,) = [o for o in s.sent() if o.kind == "assignment"]
    assert sent.url == "http://127.0.0.1:9/assignment" and sent.fallback_url == "http://127.0.0.1:9/fallback"
    res = s.offer(task)
    assert sent.reservation_sid == res and sent.workspace_sid == s.ws
    assert sent.params == {
        "Timestamp": str(int(EPOCH + 7)), "AccountSid": ACCOUNT, "WorkspaceSid": s.ws, "WorkflowSid": s.workflows["wf"],
        "TaskQueueSid": s.queues["Spanish"], "WorkerSid": s.workers["Alice"], "TaskSid": task, "ReservationSid": res,
        "TaskAge": "7", "TaskPriority": "4",
        "TaskAttributes": s.fetch_task(task).attributes, "WorkerAttributes": s.fetch("worker", s.workers["Alice"]).attributes,
    }


def test_no_callback_without_an_assignment_url_and_reservation_events_name_the_worker():
    s = desk()
    s.update_workflow("wf", assignment_callback_url="")
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    assert [o for o in s.sent() if o.kind == "assignment"] == []
    (created,) = [e for e in s.events() if e.event_type == "reservation.created"]
    assert created.event_data["worker_sid"] == s.workers["Alice"] and created.event_data["worker_name"] == "Alice"
    assert created.event_data["task_sid"] == task and created.event_data["reservation_sid"] == s.offer(task)
    assert created.worker_sid == s.workers["Alice"] and created.task_sid == task and created.reservation_sid == s.offer(task)


def test_a_task_sent_straight_to_a_queue_uses_the_default_reservation_timeout():
    s = desk()
    task = s.create_task(attributes="{}", task_queue_sid=s.queues["English"]).sid
    s.set_activity("Bob", "Idle")
    s.advance(119)
    assert s.reservations(task) == [("Bob", "pending")]
    s.advance(1)
    assert s.reservations(task) == [("Bob", "timeout")]


def test_a_task_offered_a_thousand_times_is_canceled():
    s = Scenario()
    s.queue("All", reservation_activity_sid=None, assignment_activity_sid=None)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Kim", "Idle")
    task = s.task()
    for _ in range(999):
        s.reject(task)  # she stays available, so she is offered it again at once
    assert s.fetch_task(task).assignment_count == 1000 and s.status(task) == "reserved"
    s.reject(task)
    assert s.status(task) == "canceled"
    assert s.fetch_task(task).reason == "Task TTL Exceeded or Max assignment count exceeded"
