"""CRUD, defaults, list filters and paging through the official twilio library."""

from __future__ import annotations

import json

from twilio.base.exceptions import TwilioRestException


def test_new_workspace_has_default_activities_and_channels(client):
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Fresh")
    api = client.taskrouter.v1.workspaces(ws.sid)
    activities = {a.friendly_name: a.available for a in api.activities.list()}
    assert activities == {"Offline": False, "Available": True, "Unavailable": False}
    assert ws.default_activity_name == ws.timeout_activity_name == "Offline"
    assert ws.multi_task_enabled is True
    assert {c.unique_name for c in api.task_channels.list()} == {"default", "voice", "sms", "chat", "video"}


def test_fifo_template_creates_queue_and_workflow(client):
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Templated", template="FIFO")
    api = client.taskrouter.v1.workspaces(ws.sid)
    assert [q.friendly_name for q in api.task_queues.list()] == ["Sample Queue"]
    workflows = api.workflows.list()
    assert [w.friendly_name for w in workflows] == ["Default Fifo Workflow"]
    task = api.tasks.create(attributes="{}")  # the only workflow is used when none is named
    assert task.workflow_sid == workflows[0].sid


def test_worker_and_activity_filters(tutorial):
    api = tutorial.api
    tutorial.set_activity("Bob", "Idle")
    assert [w.friendly_name for w in api.workers.list(available="true")] == ["Bob"]
    assert [w.friendly_name for w in api.workers.list(activity_sid=tutorial.activities["Offline"])] == ["Alice"]
    assert [w.friendly_name for w in api.workers.list(activity_name="Idle")] == ["Bob"]
    assert [w.friendly_name for w in api.workers.list(friendly_name="Alice")] == ["Alice"]
    assert [w.friendly_name for w in api.workers.list(target_workers_expression='languages HAS "es"')] == ["Alice"]
    assert [w.friendly_name for w in api.workers.list(task_queue_sid=tutorial.queues["en"])] == ["Alice", "Bob"]
    assert [a.friendly_name for a in api.activities.list(available="true")] == ["Available", "Idle"]
    assert [a.friendly_name for a in api.activities.list(friendly_name="Busy")] == ["Busy"]
    assert [q.friendly_name for q in api.task_queues.list(worker_sid=tutorial.workers["Bob"])] == ["Customer Care Requests - English"]
    queues = api.task_queues.list(evaluate_worker_attributes=json.dumps({"languages": ["es"]}))
    assert [q.sid for q in queues] == [tutorial.queues["es"]]


def test_task_filters_and_ordering(tutorial):
    api = tutorial.api
    low = tutorial.create_task("es", priority=1)
    high = tutorial.create_task("en", priority=9)
    tutorial.set_activity("Bob", "Idle")
    assert [t.sid for t in api.tasks.list(assignment_status=["pending"])] == [low.sid]
    assert [t.sid for t in api.tasks.list(assignment_status=["pending", "reserved"])] == [low.sid, high.sid]
    assert [t.sid for t in api.tasks.list(task_queue_sid=tutorial.queues["en"])] == [high.sid]
    assert [t.sid for t in api.tasks.list(workflow_sid=tutorial.workflow_sid)] == [low.sid, high.sid]
    assert [t.sid for t in api.tasks.list(ordering="Priority:desc")] == [high.sid, low.sid]
    assert [t.sid for t in api.tasks.list(evaluate_task_attributes='selected_language == "es"')] == [low.sid]
    assert [t.sid for t in api.tasks.list(priority=9)] == [high.sid]


def test_paging_walks_every_page(tutorial):
    created = [tutorial.create_task("es").sid for _ in range(7)]
    assert [t.sid for t in tutorial.api.tasks.list(page_size=3)] == created
    assert [t.sid for t in tutorial.api.tasks.stream(page_size=2)] == created
    assert len(tutorial.api.tasks.list(limit=4)) == 4
    page = tutorial.api.tasks.page(page_size=3)
    assert page._payload["meta"]["next_page_url"].startswith(tutorial.client.http_client._base.geturl())
    second = page.next_page()
    assert [t.sid for t in second] == created[3:6]
    assert second.next_page().next_page() is None


def test_updates_and_deletes(tutorial):
    api = tutorial.api
    activity = api.activities.create(friendly_name="Lunch", available=False)
    assert api.activities(activity.sid).update(friendly_name="Late lunch").friendly_name == "Late lunch"
    api.activities(activity.sid).delete()
    try:
        api.activities(activity.sid).fetch()
        raise AssertionError("deleted activity still there")
    except TwilioRestException as exc:
        assert exc.status == 404
    worker = api.workers.create(friendly_name="Dora", attributes='{"languages": ["fr"]}')
    assert worker.activity_name == "Offline" and worker.available is False
    updated = api.workers(worker.sid).update(attributes='{"languages": ["fr", "es"]}', friendly_name="Dora M")
    assert json.loads(updated.attributes) == {"languages": ["fr", "es"]} and updated.friendly_name == "Dora M"
    api.workers(worker.sid).delete()
    assert "Dora M" not in [w.friendly_name for w in api.workers.list()]
    workflow = api.workflows(tutorial.workflow_sid).update(task_reservation_timeout=1200)
    assert workflow.task_reservation_timeout == 1200


def test_task_channel_by_unique_name_and_worker_channels(tutorial):
    api = tutorial.api
    assert api.task_channels("voice").fetch().unique_name == "voice"
    channels = api.workers(tutorial.workers["Alice"]).worker_channels.list()
    assert len(channels) == 5 and all(c.configured_capacity == 1 for c in channels)
    chat = api.workers(tutorial.workers["Alice"]).worker_channels("chat").update(capacity=3)
    assert chat.configured_capacity == 3


def test_events_list_filters(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    api = tutorial.api
    created = api.events.list(event_type="reservation.created")
    assert len(created) == 1 and created[0].event_data["task_sid"] == task.sid
    assert {e.event_type for e in api.events.list(worker_sid=tutorial.workers["Alice"])} >= {"worker.activity.update", "reservation.created"}
    reservation = tutorial.reservations(task.sid)[0]
    assert [e.event_type for e in api.events.list(reservation_sid=reservation.sid)] == ["reservation.created"]
    one = api.events(created[0].sid).fetch()
    assert one.resource_sid == reservation.sid and one.resource_type == "reservation"
