"""The rules of configuration, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/api/task-queue
- https://www.twilio.com/docs/taskrouter/api/workflow
"""

from __future__ import annotations

import json

import pytest
from desks import QUEUE, busy_neighbour, desk, reserved_for_alice, watched
from scenario import EPOCH

from trkit.mock.engine.errors import TaskRouterError


def test_a_queue_a_workflow_routes_to_cannot_be_deleted():
    s = desk()
    spare = s.queue("Spare")
    with pytest.raises(TaskRouterError, match="Workflow .* routes Tasks to it"):
        s.delete_queue(s.queues["Spanish"])
    default_only = {"task_routing": {"filters": [], "default_filter": {"queue": spare}}}
    s.update_workflow("wf", configuration=json.dumps(default_only))
    with pytest.raises(TaskRouterError, match="routes Tasks to it"):
        s.delete_queue(spare)
    s.delete_queue(s.queues["Spanish"])  # no longer routed to
    assert s.record("task_queue", s.queues["Spanish"]) is None


def test_task_channel_events_carry_the_channel():
    s = desk()
    channel = s.create_task_channel("Fax", "fax")
    s.update_task_channel(channel.sid, friendly_name="Telefax", channel_optimized_routing=True)
    s.delete_task_channel(channel.sid)
    events = [e for e in s.events() if e.event_type.startswith("task-channel.")]
    assert [e.event_type for e in events] == ["task-channel.created", "task-channel.updated", "task-channel.deleted"]
    assert all(e.resource_sid == channel.sid for e in events)
    assert events[1].event_data["task_channel_name"] == "Telefax" and events[1].event_data["task_channel_unique_name"] == "fax"
    assert events[1].event_data["task_channel_optimized_routing"] == "true"  # event data as the callback sends it


def test_fetching_by_sid_stays_in_the_workspace():
    s = desk()
    other = busy_neighbour(s)
    idle = s.activities["Idle"]
    assert s.fetch("activity", idle).friendly_name == "Idle"
    event = s.events()[0]
    assert s.fetch("event", event.sid).sid == event.sid
    for kind, sid in (("activity", idle), ("event", event.sid)):
        with pytest.raises(TaskRouterError) as info:
            s.fetch(kind, sid, workspace=other.ws)
        assert info.value.status == 404


def test_next_due_is_the_earliest_timer():
    s, task = reserved_for_alice()
    assert s.next_due() == EPOCH + 120  # the reservation times out before the task's TTL
    s.accept(task)
    s.advance(120)
    assert s.next_due() == EPOCH + 86400  # only the TTL remains
    s.set_task(task, "completed")
    assert s.next_due() == EPOCH + 120 + 300  # the completed task's deletion comes first now


def test_the_callback_log_keeps_the_newest_ten_thousand():
    """Bounded, and long enough for a chain of 1,000 offers (TaskRouter's limit per task) with their events."""
    s = desk()
    for n in range(10_005):
        s.record_callback({"n": n})
    assert len(s.callback_log) == 10_000 and s.callback_log[0] == {"n": 5}


def test_a_write_answers_with_the_resource_as_it_was_before_routing():
    s = desk()
    s.task(lang="es")
    answered = s.update_worker(s.workers["Alice"], activity_sid=s.activities["Idle"])
    assert answered.activity_sid == s.activities["Idle"]  # what the request did
    assert s.activity_of("Alice") == "Reserved"  # what routing then did, in the same transaction
    assert answered.activity_sid == s.activities["Idle"]  # and the answer does not change afterwards


@pytest.mark.parametrize(("config", "words"), [
    ("not json", "Configuration must be valid JSON"),
    ("[]", "must be a JSON object with a 'task_routing' object"),
    ('{"task_routing": []}', "must be a JSON object with a 'task_routing' object"),
    ('{"task_routing": {"filters": {}}}', "task_routing.filters must be a list"),
    ('{"task_routing": {"filters": [1]}}', "task_routing.filters[0] must be an object"),
    ('{"task_routing": {"filters": [{"targets": [{"queue": "{queue}"}]}]}}', "task_routing.filters[0].expression is required"),
    ('{"task_routing": {"filters": [{"expression": "a ==", "targets": [{"queue": "{queue}"}]}]}}', "task_routing.filters[0].expression is invalid"),
    ('{"task_routing": {"filters": [{"expression": "1==1"}]}}', "task_routing.filters[0].targets must be a non-empty list"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": []}]}}', "targets must be a non-empty list"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [7]}]}}', "task_routing.filters[0].targets[0] must be an object"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{}]}]}}', "task_routing.filters[0].targets[0] must name a queue"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "WQ' + "0" * 32 + '"}]}]}}', "which is not a TaskQueue of this Workspace"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "nope"}]}]}}', "names queue 'nope'"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{queue}", "expression": 5}]}]}}', "targets[0].expression must be a string"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{queue}", "expression": "level > 1"}]}]}}', "must start with 'task.' or 'worker.'"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{queue}", "timeout": 0}]}]}}', "targets[0].timeout must be at least 1, got 0"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{queue}", "timeout": "soon"}]}]}}', "targets[0].timeout must be an integer, got 'soon'"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{queue}", "priority": true}]}]}}', "targets[0].priority must be an integer"),
    ('{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "{queue}", "priority": -1}]}]}}', "targets[0].priority must be at least 0, got -1"),
    ('{"task_routing": {"default_filter": {"expression": "1==1"}}}', "task_routing.default_filter must name a queue"),
])
def test_bad_configurations_are_refused_naming_the_problem(config, words):
    s = watched()
    with pytest.raises(TaskRouterError) as info:
        s.update_workflow("wf", configuration=config.replace(QUEUE, s.queues["Spanish"]))
    assert info.value.status == 400 and words in info.value.message, info.value.message


def test_configuration_details_are_read_as_written():
    s = watched()
    spare = s.queue("Spare")
    config = {"task_routing": {
        "filters": [{"friendly_name": "Named", "expression": "1==1", "targets": [{"queue": spare, "priority": "3", "timeout": "30"}, {"timeout": 5}]},
                    {"expression": "2==2", "targets": [{"queue": spare}]}],
        "default_filter": {"queue": spare}}}
    s.update_workflow("wf", configuration=json.dumps(config))
    routing = s.routing_config("wf")
    first, second = routing.filters
    assert (first.name, second.name) == ("Named", "Filter 2")
    assert (first.targets[0].priority, first.targets[0].timeout) == (3, 30)
    assert (first.targets[1].queue_sid, first.targets[1].timeout, first.targets[1].priority) == (spare, 5, None)  # the queue is inherited
    assert routing.default.queue_sid == spare and routing.target(-1, 1) is None and routing.target(None, 0) is None
    assert routing.target(0, 2) is None and routing.target(2, 0) is None and routing.target(0, -1) is None


@pytest.mark.parametrize(("change", "words"), [
    ({"target_workers": "languages HAS"}, "TargetWorkers is invalid"),
    ({"max_reserved_workers": 0}, "MaxReservedWorkers must be between 1 and 50, got 0"),
    ({"max_reserved_workers": 51}, "MaxReservedWorkers must be between 1 and 50, got 51"),
    ({"task_order": "RANDOM"}, "TaskOrder must be FIFO or LIFO, got 'RANDOM'"),
    ({"reservation_activity_sid": "WA" + "0" * 32}, "ReservationActivitySid"),
    ({"assignment_activity_sid": "WA" + "0" * 32}, "AssignmentActivitySid"),
    ({"friendly_name": ""}, "FriendlyName must not be empty"),
    ({"friendly_name": "x" * 65}, "FriendlyName is too long: 65 characters, at most 64 are allowed"),
    ({"friendly_name": "tab\there"}, "FriendlyName must not contain control characters"),
    ({"friendly_name": "del\x7f"}, "FriendlyName must not contain control characters"),
])
def test_bad_queue_settings_are_refused_naming_them(change, words):
    s = watched()
    with pytest.raises(TaskRouterError) as info:
        s.update_queue("Spanish", **change)
    assert words in info.value.message, info.value.message


def test_queue_limits_at_their_edges_are_accepted():
    s = watched()
    for value in (1, 50):
        assert s.update_queue("Spanish", max_reserved_workers=value).max_reserved_workers == value
    assert s.update_queue("Spanish", friendly_name="x" * 64).friendly_name == "x" * 64
    assert s.update_queue("Spanish", task_order="LIFO").task_order == "LIFO"


def test_task_channels_are_found_by_sid_or_unique_name_in_their_workspace():
    s = watched()
    voice = s.fetch("task_channel", "voice")
    assert s.fetch("task_channel", voice.sid).unique_name == "voice"
    other = s.neighbour()
    for ws, ref in ((other.ws, voice.sid), (s.ws, "fax")):
        with pytest.raises(TaskRouterError) as info:
            s.fetch("task_channel", ref, workspace=ws)
        assert info.value.status == 404
