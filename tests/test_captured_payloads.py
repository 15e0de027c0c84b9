"""What real TaskRouter sent, replayed on the mock: the same situation must give the same request.

The payloads in tests/captured/ were recorded from real Twilio by public projects (each file names its
source). For each, the mock is put in the recorded situation over HTTP and its event callback compared:
the same parameters (less those trkit/mock/outgoing.py lists as not sent, with the reason), SIDs of the same
kind, numbers where Twilio sent numbers, and the same words where the words follow from the situation.

Where these captures and older ones disagree, the newer wins: 2018–19 recordings carried ``TaskAddons`` on
task events, and the 2023 ``task.created`` below has none, so the mock sends none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trkit.mock.outgoing import why_not_sent
from trkit.tables import workflow_table

CAPTURED = Path(__file__).resolve().parent / "captured"
SID = re.compile(r"^([A-Z]{2})([0-9a-f]{32}|\.\.\.?)$")


def captured(name: str) -> dict[str, str]:
    return json.loads((CAPTURED / f"{name}.json").read_text())["params"]


def differences(recorded: dict[str, str], sent: dict[str, str], same_words: tuple[str, ...]) -> list[str]:
    """How ``sent`` differs from ``recorded``: parameters, kinds of values, and the words of ``same_words``."""
    problems = []
    for key in sorted(set(recorded) | set(sent)):
        if key not in sent:
            if why_not_sent("event", key) is None:
                problems.append(f"{key} not sent (Twilio sent {recorded[key]!r})")
            continue
        if key not in recorded:
            problems.append(f"{key} sent ({sent[key]!r}), which Twilio did not send")
            continue
        want, got = recorded[key], sent[key]
        kind = SID.match(want)
        if key in same_words and got != want:
            problems.append(f"{key}: {got!r}, Twilio sent {want!r}")
        elif kind and not (SID.match(got) and got.startswith(kind.group(1)) and len(got) == 34):
            problems.append(f"{key}: {got!r} is not a {kind.group(1)} SID")
        elif want.isdigit() and not got.isdigit():
            problems.append(f"{key}: {got!r} is not a number")
    return problems


@pytest.fixture
def events(client, listener):
    """A workspace whose events reach the listener; returns (workspace, events of a type so far)."""
    def of_type(event_type: str, count: int = 1) -> list[dict[str, str]]:
        listener.wait_for(lambda got: sum(r.form.get("EventType") == event_type for r in got) >= count)
        return [r.form for r in listener.of("/events") if r.form["EventType"] == event_type]
    return of_type


def workspace(client, listener, name: str, **options):
    return client.taskrouter.v1.workspaces.create(friendly_name=name, event_callback_url=listener.url("/events"), **options)


def test_task_created_from_the_quickstart_workspace(client, listener, events):
    recorded = captured("task_created")
    ws = workspace(client, listener, "Python Quickstart", template="FIFO")
    task = client.taskrouter.v1.workspaces(ws.sid).tasks.create(attributes="{}", task_channel="voice")
    (sent,) = events("task.created")
    assert differences(recorded, sent, same_words=(
        "EventType", "ResourceType", "WorkflowName", "TaskQueueName", "TaskQueueTargetExpression", "WorkspaceName",
        "TaskPriority", "TaskAge", "TaskAssignmentStatus", "TaskAttributes", "TaskVersion", "TaskChannelUniqueName")) == []
    # the task is in its queue as it is created, and the description names it
    assert sent["TaskQueueEnteredDate"] == sent["TaskDateCreated"] == sent["Timestamp"]
    assert sent["EventDescription"] == f"Task {task.sid} created" and sent["ResourceSid"] == sent["TaskSid"] == task.sid


def test_worker_created(client, listener, events):
    recorded = captured("worker_created")
    ws = workspace(client, listener, "Flex Task Assignment")
    client.taskrouter.v1.workspaces(ws.sid).workers.create(friendly_name="test", attributes="{}")
    (sent,) = events("worker.created")
    assert differences(recorded, sent, same_words=(
        "EventType", "ResourceType", "WorkerActivityName", "WorkerName", "WorkerVersion", "WorkspaceName",
        "EventDescription", "WorkerAttributes")) == []


def test_worker_attributes_update_is_compact_with_slashes_escaped(client, listener, events):
    recorded = captured("worker_attributes_update")
    ws = workspace(client, listener, "Flex Task Assignment")
    worker = client.taskrouter.v1.workspaces(ws.sid).workers.create(friendly_name="jhunter")
    document = json.loads(recorded["WorkerAttributes"])
    client.taskrouter.v1.workspaces(ws.sid).workers(worker.sid).update(attributes=json.dumps(document, indent=2))
    (sent,) = events("worker.attributes.update")
    assert differences(recorded, sent, same_words=(
        "EventType", "ResourceType", "WorkerActivityName", "WorkerName", "WorkspaceName", "WorkerAttributes")) == []
    assert sent["EventDescription"] == "Worker jhunter updated attributes to " + recorded["WorkerAttributes"]
    # REST gives the same document compact too; "/" is escaped in event callbacks only
    fetched = client.taskrouter.v1.workspaces(ws.sid).workers(worker.sid).fetch().attributes
    assert fetched == recorded["WorkerAttributes"].replace("\\/", "/")


def test_task_queue_created_and_its_expression_updated(client, listener, events):
    ws = workspace(client, listener, "Flex Task Assignment")
    queues = client.taskrouter.v1.workspaces(ws.sid).task_queues
    queue = queues.create(friendly_name="MyTestQueue", target_workers="1==1")
    (sent,) = events("task-queue.created")
    assert differences(captured("task_queue_created"), sent, same_words=(
        "EventType", "ResourceType", "TaskQueueName", "TaskQueueTargetExpression", "WorkspaceName")) == []
    assert sent["EventDescription"] == f"TaskQueue {queue.sid} created"
    queues(queue.sid).update(friendly_name="MyQueueName", target_workers="routing.skills HAS 'billing'")
    (sent,) = events("task-queue.expression.updated")
    assert differences(captured("task_queue_expression_updated"), sent, same_words=(
        "EventType", "ResourceType", "TaskQueueName", "TaskQueueTargetExpression", "WorkspaceName")) == []
    assert sent["EventDescription"] == f"TaskQueue {queue.sid} expression updated to 'routing.skills HAS 'billing''"


def test_attributes_and_configurations_come_back_compact(tutorial):
    # TaskRouter stores what it parsed: the recorded worker.attributes.update above shows a document re-written
    # by Twilio (its "/" re-escaped); REST answers with the same compact text, whatever spacing was sent
    task = tutorial.api.tasks.create(attributes='{ "selected_language" : "es",\n  "note": "a/b" }', workflow_sid=tutorial.workflow_sid)
    assert task.attributes == '{"selected_language":"es","note":"a/b"}'
    configuration = tutorial.api.workflows(tutorial.workflow_sid).fetch().configuration
    assert configuration == json.dumps(json.loads(configuration), separators=(",", ":"))


def test_task_events_on_the_way_in_are_about_the_task_and_name_its_queue(client, listener, events):
    ws = workspace(client, listener, "Quickstart", template="FIFO")
    task = client.taskrouter.v1.workspaces(ws.sid).tasks.create(attributes="{}")
    (queue,) = client.taskrouter.v1.workspaces(ws.sid).task_queues.list()
    for event_type in ("task.created", "workflow.entered", "workflow.target-matched", "task-queue.entered"):
        (sent,) = events(event_type)
        assert (sent["ResourceType"], sent["ResourceSid"], sent["TaskQueueSid"], sent["TaskQueueName"]) == \
            ("task", task.sid, queue.sid, queue.friendly_name), event_type
    (matched,) = events("workflow.target-matched")
    assert matched["EventDescription"] == f"Task {task.sid} matched a workflow target"


def test_task_completed_names_the_worker_who_did_it(tutorial, listener, events):
    tutorial.api.update(event_callback_url=listener.url("/events"))
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    (reservation,) = tutorial.reservations(task.sid)
    tutorial.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    tutorial.api.tasks(task.sid).update(assignment_status="completed", reason="helped")
    (sent,) = events("task.completed")
    alice = tutorial.api.workers(tutorial.workers["Alice"]).fetch()
    assert (sent["WorkerSid"], sent["WorkerName"], sent["WorkerActivityName"], sent["WorkerAttributes"]) == \
        (alice.sid, "Alice", alice.activity_name, alice.attributes)
    assert (sent["EventDescription"], sent["TaskCompletedReason"]) == (f"Task {task.sid} completed", "helped")


def test_a_configuration_twilio_accepted_is_accepted_and_its_unread_keys_shown(tutorial):
    # real TaskRouter answered 201 to a default_filter holding filter_friendly_name and a capitalised Expression
    english = tutorial.queues["en"]
    configuration = {"task_routing": {"filters": [], "default_filter": {
        "filter_friendly_name": "Everything else", "Expression": "1==1", "queue": english}}}
    tutorial.api.workflows(tutorial.workflow_sid).update(configuration=json.dumps(configuration))
    task = tutorial.api.tasks.create(attributes='{"selected_language": "es"}', workflow_sid=tutorial.workflow_sid)
    assert task.task_queue_sid == english
    table = workflow_table(tutorial.api)
    assert list(table["Not read by the mock"]) == [
        "task_routing.default_filter.filter_friendly_name, task_routing.default_filter.Expression"]
