"""The rules of events, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/api/event/reference
"""

from __future__ import annotations

import json

import pytest
from desks import lifecycle_events, reserved_for_alice, sent_events, spanish_desk, watched
from scenario import ACCOUNT, EPOCH, Scenario

from trkit.mock.engine.errors import TaskRouterError


def test_event_types_resources_and_order_of_a_lifecycle():
    s, events = lifecycle_events()
    seen = [(e.event_type, e.resource_type, s.names.get(e.resource_sid, e.resource_sid[:2])) for e in events]
    assert seen == [
        ("worker.created", "worker", "Alice"),
        ("task.created", "task", "done"),
        ("workflow.entered", "task", "done"),
        ("workflow.target-matched", "task", "done"),
        ("task-queue.entered", "task", "done"),
        ("worker.activity.update", "worker", "Alice"),
        ("reservation.created", "reservation", "WR"),
        ("worker.activity.update", "worker", "Alice"),
        ("reservation.accepted", "reservation", "WR"),
        ("worker.activity.update", "worker", "Alice"),
        ("reservation.wrapup", "reservation", "WR"),
        ("task.wrapup", "task", "done"),
        ("reservation.completed", "reservation", "WR"),
        ("task.completed", "task", "done"),
        ("task.created", "task", "dropped"),
        ("workflow.entered", "task", "dropped"),
        ("workflow.target-matched", "task", "dropped"),
        ("task-queue.entered", "task", "dropped"),
        ("task-queue.timeout", "task", "dropped"),
        ("workflow.target-matched", "task", "dropped"),
        ("task-queue.moved", "task", "dropped"),
        ("task-queue.entered", "task", "dropped"),
        ("task-queue.timeout", "task", "dropped"),
        ("workflow.timeout", "task", "dropped"),
        ("task.canceled", "task", "dropped"),
        ("task.system-deleted", "task", "done"),
        ("task.system-deleted", "task", "dropped"),
    ]
    assert [e.event_date - EPOCH for e in events[-5:]] == [60, 60, 60, 300, 360]


def test_event_data_carries_the_reasons_and_the_step():
    s, events = lifecycle_events()
    completed = next(e for e in events if e.event_type == "task.completed")
    canceled = next(e for e in events if e.event_type == "task.canceled")
    assert completed.event_data["task_completed_reason"] == "helped" and completed.description == f"Task {completed.resource_sid} completed"
    # task.completed names the worker who did the task, as she is at that moment (the engine follows a recorded payload)
    assert {k: completed.event_data[k] for k in ("worker_sid", "worker_name", "worker_activity_name")} == {
        "worker_sid": s.workers["Alice"], "worker_name": "Alice", "worker_activity_name": "Busy"}
    assert canceled.event_data["task_canceled_reason"] == "Workflow Timeout" and canceled.description == "Workflow Timeout"
    matched = [e for e in events if e.event_type == "workflow.target-matched"]
    assert [(m.event_data["workflow_filter_name"], m.event_data["workflow_filter_target_index"], s.names[m.event_data["task_queue_sid"]])
            for m in matched] == [("es", "0", "Spanish"), ("es", "0", "Spanish"), ("es", "1", "English")]
    moved = next(e for e in events if e.event_type == "task-queue.moved")
    assert s.names[moved.event_data["task_queue_previous_sid"]] == "Spanish"
    updates = [e for e in events if e.event_type == "worker.activity.update"]
    assert [(u.event_data["worker_previous_activity_name"], u.event_data["worker_activity_name"]) for u in updates] == [
        ("Offline", "Idle"), ("Idle", "Reserved"), ("Reserved", "Busy")]


def test_a_ttl_cancel_is_described_as_the_spec_says():
    s = spanish_desk()
    task = s.task(timeout=10)
    s.advance(10)
    (canceled,) = [e for e in s.events() if e.event_type == "task.canceled"]
    assert (canceled.resource_sid, canceled.description) == (task, "Task TTL Exceeded")


def test_event_descriptions():
    s, events = lifecycle_events()
    described = {e.event_type: e.description for e in reversed(events)}  # the first of each type
    done = next(e.resource_sid for e in events if e.event_type == "task.created")
    reservation = next(e.resource_sid for e in events if e.event_type == "reservation.accepted")
    queue, workflow = s.queues["Spanish"], s.workflows["wf"]
    assert described["worker.created"] == "Worker Alice created"
    assert described["task.created"] == f"Task {done} created"
    assert described["task.completed"] == f"Task {done} completed"
    assert described["task.wrapup"] == f"Task {done} wrapping up"
    assert described["reservation.accepted"] == f"Reservation {reservation} accepted"
    assert described["worker.activity.update"] == "Worker Alice updated to Idle Activity"
    assert next(e.description for e in events if e.event_type == "task-queue.entered") == f"Task {done} entered TaskQueue {queue}"
    assert next(e.description for e in events if e.event_type == "workflow.entered") == f"Task {done} entered Workflow {workflow}"
    assert described["workflow.timeout"].endswith(f" timed out of Workflow {workflow}")
    assert next(e.description for e in events if e.event_type == "task.system-deleted") == \
        f"Task {done} deleted by the system after it was completed"


def test_an_event_callback_carries_the_documented_fields():
    s = watched()
    task = s.task(priority=2)
    s.advance(5)
    s.set_activity("Alice", "Idle")
    (created,) = [o for o in sent_events(s) if o.event_type == "reservation.created"]
    (stored,) = [e for e in s.events() if e.event_type == "reservation.created"]
    res = s.offer(task)
    assert created.url == "http://127.0.0.1:9/events" and created.workspace_sid == s.ws
    p = created.params
    assert {k: p[k] for k in ("EventType", "AccountSid", "WorkspaceSid", "WorkspaceName", "ResourceType", "ResourceSid", "Sid",
                              "Timestamp", "TimestampMs")} == {
        "EventType": "reservation.created", "AccountSid": ACCOUNT, "WorkspaceSid": s.ws, "WorkspaceName": "Rules",
        "ResourceType": "reservation", "ResourceSid": res, "Sid": stored.sid,
        "Timestamp": str(int(EPOCH + 5)), "TimestampMs": str(int((EPOCH + 5) * 1000))}
    assert p["EventDescription"] == stored.description
    assert {k: p[k] for k in ("TaskSid", "TaskAge", "TaskPriority", "TaskAssignmentStatus", "TaskQueueSid", "TaskQueueName",
                              "WorkflowSid", "WorkflowName", "TaskChannelUniqueName", "TaskDateCreated", "ReservationSid")} == {
        "TaskSid": task, "TaskAge": "5", "TaskPriority": "2", "TaskAssignmentStatus": "reserved", "TaskQueueSid": s.queues["Spanish"],
        "TaskQueueName": "Spanish", "WorkflowSid": s.workflows["wf"], "WorkflowName": "wf", "TaskChannelUniqueName": "default",
        "TaskDateCreated": str(int(EPOCH)), "ReservationSid": res}
    assert json.loads(p["TaskAttributes"]) == {} and p["TaskChannelSid"] == s.fetch_task(task).task_channel_sid
    assert (p["WorkerSid"], p["WorkerName"], p["WorkerActivityName"]) == (s.workers["Alice"], "Alice", "Idle")
    assert json.loads(p["WorkerAttributes"]) == {"languages": ["es"]} and p["WorkerActivitySid"] == s.activities["Idle"]
    assert p["TaskQueueEnteredDate"] == str(int(EPOCH))


def test_an_activity_change_tells_the_time_in_the_previous_activity():
    s = watched()
    s.advance(42)
    s.set_activity("Alice", "Idle")
    (update,) = [o for o in sent_events(s) if o.event_type == "worker.activity.update"]
    p = update.params
    assert (p["WorkerPreviousActivitySid"], p["WorkerPreviousActivityName"]) == (s.activities["Offline"], "Offline")
    assert (p["WorkerTimeInPreviousActivity"], p["WorkerTimeInPreviousActivityMs"]) == ("42", "42000")
    assert (p["ResourceType"], p["ResourceSid"], p["WorkerActivityName"]) == ("worker", s.workers["Alice"], "Idle")


def test_events_filter_chooses_what_is_sent_and_everything_is_stored():
    s = watched(events_filter="task.created, reservation.accepted")
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.accept(task)
    assert [o.event_type for o in sent_events(s)] == ["task.created", "reservation.accepted"]
    stored = {e.event_type for e in s.events()}
    assert {"task.created", "reservation.created", "reservation.accepted", "worker.activity.update"} <= stored


def test_no_event_callback_without_a_url():
    s = watched()
    s.update_workspace(event_callback_url="")
    before = len(sent_events(s))
    s.task()
    assert len(sent_events(s)) == before


def test_stored_events_point_at_their_resources():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    by_type = {e.event_type: e for e in s.events()}
    assert by_type["task.created"].resource_url_path == f"/v1/Workspaces/{s.ws}/Tasks/{task}"
    assert by_type["reservation.created"].resource_url_path == f"/v1/Workspaces/{s.ws}/Tasks/{task}/Reservations/{res}"
    assert by_type["worker.activity.update"].resource_url_path == f"/v1/Workspaces/{s.ws}/Workers/{s.workers['Alice']}"
    # events about a task entering its workflow and queue are the task's (tests/test_captured_payloads.py)
    assert by_type["task-queue.entered"].resource_url_path == f"/v1/Workspaces/{s.ws}/Tasks/{task}"
    assert by_type["workflow.entered"].resource_url_path == f"/v1/Workspaces/{s.ws}/Tasks/{task}"
    event = by_type["task.created"]
    assert (event.actor_type, event.actor_sid, event.actor_url_path) == ("workspace", s.ws, f"/v1/Workspaces/{s.ws}")
    # created already naming the queue its workflow sends it to, as a recorded task.created does
    assert (event.task_sid, event.workflow_sid, event.task_queue_sid) == (task, s.workflows["wf"], s.queues["Spanish"])
    assert by_type["task-queue.entered"].task_queue_sid == s.queues["Spanish"]
    assert event.task_channel == s.fetch_task(task).task_channel_sid
    assert all(isinstance(v, str) for v in event.event_data.values())  # as TaskRouter sends them
    assert event.event_data["workspace_name"] == "Rules" and event.event_data["workspace_sid"] == s.ws


def test_configuration_events_point_at_their_resources():
    """resource_url is the resource's own URL, as the spec's example has it for a worker
    ("resource_url": ".../v1/Workspaces/WS.../Workers/WK..."): each kind under its own collection."""
    s = watched()
    s.engine.configuration.create_task_channel(s.ws, "Fax", "fax")
    firsts: dict[str, object] = {}
    for event in s.events():
        firsts.setdefault(event.event_type, event)
    root = f"/v1/Workspaces/{s.ws}"
    expected = {
        "workspace.created": ("workspace", root),
        "activity.created": ("activity", f"{root}/Activities/{firsts['activity.created'].resource_sid}"),
        "task-channel.created": ("task_channel", f"{root}/TaskChannels/{firsts['task-channel.created'].resource_sid}"),
        "task-queue.created": ("taskqueue", f"{root}/TaskQueues/{s.queues['Spanish']}"),
        "workflow.created": ("workflow", f"{root}/Workflows/{s.workflows['wf']}"),
        "worker.created": ("worker", f"{root}/Workers/{s.workers['Alice']}"),
    }
    for event_type, (resource_type, path) in expected.items():
        event = firsts[event_type]
        assert (event.resource_type, event.resource_url_path) == (resource_type, path), event_type


def test_the_events_window_edges():
    s = watched()
    s.advance(1000)
    s.task()
    created_at = s.now()
    s.advance(900)
    assert "task.created" in [e.event_type for e in s.listed_events()]  # exactly 15 minutes ago is inside
    s.advance(1)
    assert "task.created" not in [e.event_type for e in s.listed_events()]
    assert "task.created" in [e.event_type for e in s.listed_events(minutes=16)]
    assert [e.event_type for e in s.listed_events(start_date=created_at, end_date=created_at)][0] == "task.created"
    s.advance(30 * 86400 - 901)
    assert s.listed_events(start_date=created_at)  # 30 days back is still allowed
    s.advance(1)
    with pytest.raises(TaskRouterError, match="^StartDate must be within the last 30 days$"):
        s.listed_events(start_date=created_at)


def test_events_of_another_workspace_are_not_listed():
    s = watched()
    other = s.neighbour()
    mine = {e.sid for e in s.listed_events(minutes=60)}
    theirs = {e.sid for e in other.listed_events(minutes=60)}
    assert mine and theirs and not mine & theirs
    first_type = other.listed_events(minutes=60)[0].event_type
    assert [e.event_type for e in s.listed_events(minutes=60, event_type="worker.created")] == ["worker.created"]
    assert first_type == "workspace.created"


def test_events_are_kept_30_days_then_dropped():
    s = Scenario()
    s.queue("Everyone")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone"}]}])
    s.worker("Alice")
    s.task()  # its events are dated day 0
    made = s.stored_events()
    assert made >= 3
    s.advance(30 * 86400 - 1)
    s.set_activity("Alice", "Idle")  # a later change: its own events, and a moment to sweep
    later = s.stored_events() - made
    assert later >= 1
    assert s.stored_events() == made + later  # nothing is 30 days old yet
    s.advance(2)
    assert s.stored_events() == later  # day 0's events are gone; the day-30 ones stay


def recorded(name: str) -> dict[str, str]:
    """A payload real TaskRouter sent (tests/captured), its event data only, named as the Events API names it."""
    import re
    from pathlib import Path

    params = json.loads((Path(__file__).resolve().parent.parent / "captured" / f"{name}.json").read_text())["params"]
    envelope = {"AccountSid", "WorkspaceSid", "WorkspaceName", "Sid", "Timestamp", "TimestampMs", "OperatingUnitSid", "EventType",
                "ResourceType", "ResourceSid", "EventDescription"}
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): v for k, v in params.items() if k not in envelope}


def test_task_created_carries_the_fields_real_taskrouter_sent():
    # tests/captured/task_created.json: a task made on the Python quickstart's FIFO workspace, voice channel
    want = recorded("task_created")
    s = Scenario()
    s.queue("Sample Queue", "1==1")
    s.workflow([], default="Sample Queue", name="Default Fifo Workflow")
    task = s.create_task(attributes="{}", workflow_sid=s.workflows["Default Fifo Workflow"], task_channel="voice").sid
    (created,) = s.events("task.created")
    data = created.event_data
    assert set(data) >= set(want)
    same = ("task_priority", "task_age", "task_assignment_status", "task_attributes", "task_version", "task_channel_unique_name",
            "workflow_name", "task_queue_name", "task_queue_target_expression")
    assert {k: str(data[k]) for k in same} == {k: want[k] for k in same}
    assert (data["task_sid"], data["workflow_sid"], data["task_queue_sid"]) == (task, s.workflows["Default Fifo Workflow"],
                                                                                 s.queues["Sample Queue"])
    assert data["task_date_created"] == data["task_queue_entered_date"] == str(int(s.now()))  # event data is text
    assert data["task_channel_sid"] == s.fetch_task(task).task_channel_sid


@pytest.mark.parametrize(("capture", "event_type"), [("worker_created", "worker.created"),
                                                       ("worker_attributes_update", "worker.attributes.update")])
def test_worker_events_carry_the_fields_real_taskrouter_sent(capture, event_type):
    want = recorded(capture)
    s = Scenario()
    worker = s.worker("test")
    if event_type == "worker.attributes.update":
        s.update_worker(worker, attributes=want["worker_attributes"])
    (event,) = s.events(event_type)
    data = event.event_data
    assert set(data) >= set(want)
    assert (data["worker_sid"], data["worker_name"], data["worker_activity_name"]) == (worker, "test", want["worker_activity_name"])
    assert data["worker_activity_sid"] == s.activities["Offline"]
    assert data["worker_version"] == ("0" if event_type == "worker.created" else "1")
    # compared as JSON: the capture escapes "/" as "\\/", as Twilio's serialiser writes it (the mock does not)
    assert json.loads(data["worker_attributes"]) == json.loads("{}" if event_type == "worker.created" else want["worker_attributes"])


@pytest.mark.parametrize(("capture", "event_type"), [("task_queue_created", "task-queue.created"),
                                                       ("task_queue_expression_updated", "task-queue.expression.updated")])
def test_task_queue_events_carry_the_fields_real_taskrouter_sent(capture, event_type):
    want = recorded(capture)
    s = Scenario()
    queue = s.queue(want["task_queue_name"], "1==1")
    if event_type == "task-queue.expression.updated":
        s.update_queue(want["task_queue_name"], target_workers=want["task_queue_target_expression"])
    (event,) = s.events(event_type)
    assert event.event_data == {"task_queue_sid": queue, "task_queue_name": want["task_queue_name"],
                                "task_queue_target_expression": want["task_queue_target_expression"],
                                "workspace_sid": s.ws, "workspace_name": "Rules"}


def test_reservation_events_name_the_task_and_the_worker_and_the_workflow():
    s, task = reserved_for_alice()
    (created,) = s.events("reservation.created")
    data = created.event_data
    assert (data["task_sid"], data["worker_sid"], data["worker_name"], data["workflow_sid"], data["workflow_name"]) == (
        task, s.workers["Alice"], "Alice", s.workflows["wf"], "wf")
    assert data["task_queue_name"] == "Spanish" and data["reservation_sid"] == s.offer(task)


def recorded_description(name: str) -> str:
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parent.parent / "captured" / f"{name}.json").read_text())["params"]["EventDescription"]


def test_descriptions_read_as_real_taskrouter_wrote_them():
    # the recordings in tests/captured name tasks and queues by SID and workers by name; a worker's new attributes are
    # written as the event's own parameter writes them, "/" escaped
    s = Scenario()
    queue = s.queue("MyQueueName", "1==1")
    s.update_queue("MyQueueName", target_workers="routing.skills HAS 'billing'")
    worker = s.worker("test")
    attributes = recorded("worker_attributes_update")["worker_attributes"]
    s.update_worker(worker, attributes=json.dumps(json.loads(attributes)))
    s.workflow([], default="MyQueueName")
    task = s.task()
    described = {e.event_type: e.description for e in s.events()}
    assert described["task.created"] == recorded_description("task_created").replace("WT6ec923d096d908543ceb7eac220890dd", task)
    assert described["worker.created"] == recorded_description("worker_created")
    assert described["task-queue.created"] == recorded_description("task_queue_created").replace("WQ...", queue)
    assert described["task-queue.expression.updated"] == recorded_description("task_queue_expression_updated").replace("WQ...", queue)
    assert described["worker.attributes.update"] == recorded_description("worker_attributes_update").replace("<worker-name>", "test")
