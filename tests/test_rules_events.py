"""Event callbacks and stored events (https://www.twilio.com/docs/taskrouter/api/event/reference), optimistic concurrency (https://www.twilio.com/docs/taskrouter/api) and the
checks made when resources are configured (https://www.twilio.com/docs/taskrouter/api), on the frozen-clock scenario without HTTP."""

from __future__ import annotations

import json

import pytest
from scenario import ACCOUNT, EPOCH, Scenario

from trkit.mock.engine.errors import TaskRouterError


def watched(events_filter: str | None = None) -> Scenario:
    s = Scenario()
    s.engine.update_workspace(s.ws, event_callback_url="http://127.0.0.1:9/events", events_filter=events_filter)
    s.queue("Spanish", 'languages HAS "es"')
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish"}]}])
    s.worker("Alice", languages=["es"])
    return s


def sent_events(s: Scenario) -> list:
    return [o for o in s.engine.dispatcher.sent if o.kind == "event"]


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
    s.engine.update_workspace(s.ws, event_callback_url="")
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


# ------------------------------------------------------------------------- If-Match (https://www.twilio.com/docs/taskrouter/api, https://www.twilio.com/docs/taskrouter/api/task)
@pytest.mark.parametrize(("header", "ok"), [
    (None, True), ('"{v}"', True), ("{v}", True), ('W/"{v}"', True), ('"1", "{v}"', True), ("*", True),
    ('"{stale}"', False), ("nonsense", False),
])
def test_if_match_on_a_task_update(header, ok):
    s = watched()
    task = s.task()
    version = s.fetch_task(task).version
    value = header.format(v=version, stale=version - 1) if header else None
    if ok:
        s.engine.update_task(s.ws, task, priority=3, if_match=value)
        assert s.fetch_task(task).priority == 3 and s.fetch_task(task).version > version
    else:
        with pytest.raises(TaskRouterError) as info:
            s.engine.update_task(s.ws, task, priority=3, if_match=value)
        assert info.value.status == 412 and f'current ETag "{version}"' in info.value.message
        assert s.fetch_task(task).priority == 0


def test_every_change_moves_the_version_of_worker_and_reservation():
    s = watched()
    alice = s.engine.worker(s.ws, s.workers["Alice"])
    before = alice.version
    s.set_activity("Alice", "Idle")
    assert s.engine.worker(s.ws, s.workers["Alice"]).version > before
    task = s.task()
    res = s.engine.store.get("reservation", s.offer(task))
    with pytest.raises(TaskRouterError):
        s.engine.update_reservation(s.ws, res.sid, task_sid=task, reservation_status="accepted", if_match=str(res.version + 1))
    s.engine.update_reservation(s.ws, res.sid, task_sid=task, reservation_status="accepted", if_match=str(res.version))
    with pytest.raises(TaskRouterError):
        s.engine.delete_worker(s.ws, s.workers["Alice"], if_match="0")
    with pytest.raises(TaskRouterError):
        s.engine.delete_task(s.ws, task, if_match="0")


# -------------------------------------------------------------- configuration checks (https://www.twilio.com/docs/taskrouter/api/task-queue, https://www.twilio.com/docs/taskrouter/api/workflow)
QUEUE = "{queue}"


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
        s.engine.update_workflow(s.ws, s.workflows["wf"], configuration=config.replace(QUEUE, s.queues["Spanish"]))
    assert info.value.status == 400 and words in info.value.message, info.value.message


def test_configuration_details_are_read_as_written():
    s = watched()
    spare = s.queue("Spare")
    config = {"task_routing": {
        "filters": [{"friendly_name": "Named", "expression": "1==1", "targets": [{"queue": spare, "priority": "3", "timeout": "30"}, {"timeout": 5}]},
                    {"expression": "2==2", "targets": [{"queue": spare}]}],
        "default_filter": {"queue": spare}}}
    s.engine.update_workflow(s.ws, s.workflows["wf"], configuration=json.dumps(config))
    routing = s.engine.routing_config(s.engine.workflow(s.ws, s.workflows["wf"]))
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
        s.engine.update_task_queue(s.ws, s.queues["Spanish"], **change)
    assert words in info.value.message, info.value.message


def test_queue_limits_at_their_edges_are_accepted():
    s = watched()
    for value in (1, 50):
        assert s.engine.update_task_queue(s.ws, s.queues["Spanish"], max_reserved_workers=value).max_reserved_workers == value
    assert s.engine.update_task_queue(s.ws, s.queues["Spanish"], friendly_name="x" * 64).friendly_name == "x" * 64
    assert s.engine.update_task_queue(s.ws, s.queues["Spanish"], task_order="LIFO").task_order == "LIFO"


def test_task_channels_are_found_by_sid_or_unique_name_in_their_workspace():
    s = watched()
    voice = s.engine.task_channel(s.ws, "voice")
    assert s.engine.task_channel(s.ws, voice.sid).unique_name == "voice"
    other = Scenario(engine=s.engine)
    for ws, ref in ((other.ws, voice.sid), (s.ws, "fax")):
        with pytest.raises(TaskRouterError) as info:
            s.engine.task_channel(ws, ref)
        assert info.value.status == 404


# ----------------------------------------------------------------- a restart keeps every timer (https://www.twilio.com/docs/taskrouter/lifecycle-task-state)
def reopened(s: Scenario, path: str) -> Scenario:
    """The same state read back from SQLite by a new engine, at the same mock time."""
    from scenario import new_engine

    now = s.engine.now()
    s.engine.store.close()
    again = Scenario.__new__(Scenario)
    again.__dict__.update(s.__dict__)
    again.engine = new_engine(seed=99, path=path, start=now)
    return again


def on_file(tmp_path) -> tuple[Scenario, str]:
    from scenario import new_engine

    path = str(tmp_path / "state.sqlite3")
    return Scenario(engine=new_engine(path=path)), path


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


# ------------------------------------------------------------- multi-reservation (https://www.twilio.com/docs/taskrouter/lifecycle-task-state, https://www.twilio.com/docs/taskrouter/api/reservations)
def offers_of(s: Scenario, task: str) -> dict[str, str]:
    return {s.names[r.worker_sid]: r.sid for r in s.engine.store.reservations_of_task(task) if r.reservation_status == "pending"}


def test_a_multi_reserved_task_returns_to_pending_only_when_every_offer_ended():
    s = Scenario()
    s.queue("All", max_reserved_workers=2)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice", "Idle")
    s.worker("Bob", "Idle")
    task = s.task()
    offers = offers_of(s, task)
    s.engine.update_reservation(s.ws, offers["Alice"], task_sid=task, reservation_status="rejected", worker_activity_sid=s.activities["Offline"])
    assert s.status(task) == "reserved"
    s.engine.update_reservation(s.ws, offers["Bob"], task_sid=task, reservation_status="rejected", worker_activity_sid=s.activities["Offline"])
    assert s.status(task) == "pending"


def test_a_freed_slot_of_a_multi_reserved_task_is_offered_to_the_next_worker():
    s = Scenario()
    s.queue("All", max_reserved_workers=2)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    for name in ("Alice", "Bob", "Carla"):
        s.worker(name, "Idle")
        s.advance(1)
    task = s.task()
    assert set(offers_of(s, task)) == {"Alice", "Bob"}  # the two idle longest
    s.engine.update_reservation(s.ws, offers_of(s, task)["Alice"], task_sid=task, reservation_status="rejected",
                                worker_activity_sid=s.activities["Offline"])
    assert set(offers_of(s, task)) == {"Bob", "Carla"}


def test_a_reservation_ending_at_the_step_deadline_moves_the_task_on():
    s = Scenario()
    s.queue("First")
    s.queue("Second")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "First", "timeout": 30}, {"queue": "Second"}]}], task_reservation_timeout=30)
    s.worker("Alice", "Idle")
    task = s.task()
    s.advance(30)  # the reservation times out exactly when the step does
    assert (s.queue_of(task), s.reservations(task)) == ("Second", [("Alice", "timeout")])


# ---------------------------------------------------------- which task a worker gets, further down (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)
def test_a_worker_skips_a_task_whose_target_excludes_her_and_takes_the_next():
    s = Scenario()
    s.queue("All")
    s.workflow([{"expression": "vip == true", "targets": [{"queue": "All", "expression": "worker.level >= 5"}]},
                {"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Junior", level=1)
    vip = s.task(priority=9, vip=True)
    plain = s.task(priority=1)
    s.set_activity("Junior", "Idle")
    assert (s.holder(vip), s.holder(plain)) == (None, "Junior")


def test_across_queues_the_best_task_wins_and_the_workspace_queue_order_breaks_ties():
    s = Scenario(queue_order="LIFO")
    s.queue("Fifo", task_order="FIFO")
    s.queue("Lifo", task_order="LIFO")
    s.workflow([{"expression": 'q == "fifo"', "targets": [{"queue": "Fifo"}]}, {"expression": 'q == "lifo"', "targets": [{"queue": "Lifo"}]}])
    s.worker("Alice")
    from_fifo = s.task(q="fifo")
    s.advance(1)
    from_lifo = s.task(q="lifo")
    s.set_activity("Alice", "Idle")
    assert (s.holder(from_fifo), s.holder(from_lifo)) == (None, "Alice")  # equal priority: LIFO queues first here
    urgent = s.task(q="fifo", priority=5)
    s.set_task(from_lifo, "canceled")
    assert s.holder(urgent) == "Alice"


def test_default_filter_steps_are_named_in_the_event_data():
    s = Scenario()
    s.queue("Default")
    s.workflow([{"expression": "never == true", "targets": [{"queue": "Default"}]}], default="Default")
    task = s.task()
    (matched,) = [e for e in s.events() if e.event_type == "workflow.target-matched" and e.task_sid == task]
    assert (matched.event_data["workflow_filter_name"], matched.event_data["workflow_filter_expression"]) == ("Default Filter", "")


# ------------------------------------------------------------------------------ more, where it bites
def test_completing_through_the_reservation_has_no_reason():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    s.accept(task)
    s.engine.update_reservation(s.ws, res, task_sid=task, reservation_status="completed")
    (done,) = [e for e in s.events() if e.event_type == "task.completed"]
    assert (done.description, done.event_data["task_completed_reason"], s.fetch_task(task).reason) == (f"Task {task} completed", "", None)


def test_a_wrapping_reason_is_kept_and_a_later_one_replaces_it():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.accept(task)
    s.engine.update_task(s.ws, task, assignment_status="wrapping", reason="after-call work")
    assert s.fetch_task(task).reason == "after-call work"
    s.engine.update_task(s.ws, task, assignment_status="completed", reason="done")
    assert s.fetch_task(task).reason == "done"


def test_a_reservation_not_found_names_its_path():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res, alice, bob = s.offer(task), s.workers["Alice"], s.worker("Bob")
    another = s.task()
    other = Scenario(engine=s.engine)
    cases = [
        ({"task_sid": another}, s.ws, f"/v1/Workspaces/{s.ws}/Tasks/{another}/Reservations/{res}"),
        ({"worker_sid": bob}, s.ws, f"/v1/Workspaces/{s.ws}/Workers/{bob}/Reservations/{res}"),
        ({}, other.ws, f"/v1/Workspaces/{other.ws}/Workers//Reservations/{res}"),
    ]
    assert s.engine.reservation(s.ws, res, worker_sid=alice).sid == res
    for where, ws, path in cases:
        with pytest.raises(TaskRouterError) as info:
            s.engine.reservation(ws, res, **where)
        assert info.value.message == f"The requested resource {path} was not found"


def test_task_list_filters_by_routing_target_and_addons_and_stays_in_its_workspace():
    s = watched()
    other = Scenario(engine=s.engine)
    other.queue("Theirs")
    other.workflow([{"expression": "1==1", "targets": [{"queue": "Theirs"}]}])
    other.task()
    by_workflow = s.task()
    by_queue = s.engine.create_task(s.ws, attributes='{"x": 1}', routing_target=s.queues["Spanish"]).sid
    later = s.task()
    sids = lambda **f: [t.sid for t in s.engine.list_tasks(s.ws, **f)]  # noqa: E731
    assert sids() == [by_workflow, by_queue, later]
    assert sids(routing_target=s.queues["Spanish"]) == [by_queue]
    assert sids(has_addons=False) == [by_workflow, by_queue, later] and sids(has_addons=True) == []
    s.engine.store.get("task", later).addons = '{"lookup": 1}'
    assert sids(has_addons=True) == [later] and sids(has_addons=False) == [by_workflow, by_queue]
    assert sids(evaluate_task_attributes="x == 1") == [by_queue]
    with pytest.raises(TaskRouterError, match="^EvaluateTaskAttributes is invalid"):
        sids(evaluate_task_attributes="x ==")


def test_the_events_window_edges():
    s = watched()
    s.advance(1000)
    s.task()
    created_at = s.engine.now()
    s.advance(900)
    assert "task.created" in [e.event_type for e in s.engine.list_events(s.ws)]  # exactly 15 minutes ago is inside
    s.advance(1)
    assert "task.created" not in [e.event_type for e in s.engine.list_events(s.ws)]
    assert "task.created" in [e.event_type for e in s.engine.list_events(s.ws, minutes=16)]
    assert [e.event_type for e in s.engine.list_events(s.ws, start_date=created_at, end_date=created_at)][0] == "task.created"
    s.advance(30 * 86400 - 901)
    assert s.engine.list_events(s.ws, start_date=created_at)  # 30 days back is still allowed
    s.advance(1)
    with pytest.raises(TaskRouterError, match="^StartDate must be within the last 30 days$"):
        s.engine.list_events(s.ws, start_date=created_at)


def test_events_of_another_workspace_are_not_listed():
    s = watched()
    other = Scenario(engine=s.engine)
    mine = {e.sid for e in s.engine.list_events(s.ws, minutes=60)}
    theirs = {e.sid for e in s.engine.list_events(other.ws, minutes=60)}
    assert mine and theirs and not mine & theirs
    first_type = s.engine.list_events(other.ws, minutes=60)[0].event_type
    assert [e.event_type for e in s.engine.list_events(s.ws, minutes=60, event_type="worker.created")] == ["worker.created"]
    assert first_type == "workspace.created"


def test_real_time_counts_add_up_per_status_priority_workflow_and_channel():
    s = watched()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish"}]}], name="other")
    s.worker("Bob", "Idle", languages=["es"])
    first = s.task(priority=1)
    s.task(priority=1)
    s.engine.create_task(s.ws, attributes="{}", workflow_sid=s.workflows["other"], task_channel="voice")
    s.accept(first)
    s.set_task(first, "wrapping")
    stats = s.engine.real_time_statistics(s.ws)
    assert stats["tasks_by_status"] == {"pending": 2, "reserved": 0, "assigned": 0, "wrapping": 1}
    assert stats["tasks_by_priority"] == {"1": 2, "0": 1} and stats["total_tasks"] == 3
    assert s.engine.real_time_statistics(s.ws, workflow_sid=s.workflows["wf"])["total_tasks"] == 2
    assert s.engine.real_time_statistics(s.ws, workflow_sid=s.workflows["other"])["total_tasks"] == 1
    assert s.engine.real_time_statistics(s.ws, task_channel="default")["total_tasks"] == 2
    s.set_activity("Alice", "Idle")
    queue = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Spanish"])
    assert (queue["total_available_workers"], queue["total_eligible_workers"]) == (0, 2)  # Alice took a task: Reserved
    s.worker("Carla", "Available", languages=["es"])
    assert s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Spanish"])["total_available_workers"] == 0


def test_finishing_a_task_puts_the_worker_at_the_back_of_the_idle_line():
    s = Scenario(multi_task=True)
    s.queue("All")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice", "Idle")
    first = s.task()
    s.accept(first)
    s.advance(50)
    s.worker("Bob", "Idle")
    s.advance(50)
    s.set_task(first, "completed")  # Alice is free again at 100 s; Bob has been free since 50 s
    s.advance(10)
    assert s.holder(s.task()) == "Bob"


def test_instruction_errors_name_the_parameter():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    bogus = "WA" + "0" * 32
    for instruction, params, words in (
        ("reject", {"activity_sid": bogus}, f"activity_sid '{bogus}' is not an Activity of Workspace {s.ws}"),
        ("conference", {"post_work_activity_sid": bogus}, f"post_work_activity_sid '{bogus}' is not an Activity"),
        ("call", {"url": "https://example.com/a.xml"}, "The call instruction needs url and from"),
        ("redirect", {"url": "https://example.com/a.xml"}, "The redirect instruction needs call_sid and url"),
    ):
        with pytest.raises(TaskRouterError) as info:
            s.engine.update_reservation(s.ws, res, task_sid=task, instruction=instruction, instruction_params=params)
        assert info.value.message.startswith(words), info.value.message
    s.engine.update_reservation(s.ws, res, task_sid=task, instruction="call",
                                instruction_params={"url": "https://example.com/a.xml", "from": "+15005550006", "accept": "FALSE",
                                                    "to": "+15005550007"})
    assert s.reservations(task) == [("Alice", "pending")]


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


def test_an_update_moves_date_updated_and_names_stay_unique():
    s = watched()
    task = s.task()
    s.advance(10)
    s.engine.update_task(s.ws, task, priority=2)
    assert s.fetch_task(task).date_updated == EPOCH + 10
    with pytest.raises(TaskRouterError) as info:
        s.worker("Alice")
    assert info.value.message == f"FriendlyName 'Alice' is already used by Worker {s.workers['Alice']} in this Workspace"
    s.engine.update_worker(s.ws, s.workers["Alice"], friendly_name="Alice")  # keeping its own name is fine
    Scenario(engine=s.engine).worker("Alice")  # and another workspace may use it


# ---------------------------------------------------------- known-agent routing and order_by (https://www.twilio.com/docs/taskrouter/workflow-configuration, https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)
def agents() -> Scenario:
    s = Scenario()
    s.queue("Support")
    s.worker("Alice", level=1)
    s.worker("Bob", level=5, tenure=2)
    s.worker("Carla", level=5, tenure=7)
    s.worker("Dan")
    return s


def test_known_worker_sid_routes_only_to_that_worker_in_its_step():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "known_worker_sid": "task.agent.sid", "timeout": 30},
                                                   {"queue": "Support"}]}])
    for name in ("Alice", "Bob", "Carla"):
        s.set_activity(name, "Idle")
        s.advance(1)
    task = s.task(agent={"sid": s.workers["Carla"]})
    assert s.holder(task) == "Carla"  # not Alice, who idled longest
    s.reject(task, activity="Offline")
    assert s.holder(task) is None  # nobody else in this step
    s.advance(30)
    assert s.holder(task) == "Alice"  # the next step takes anyone
    missing = s.task()
    assert s.holder(missing) is None  # no attribute names a worker: nobody in that step


def test_known_worker_friendly_name():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "known_worker_friendly_name": "task.agent"}]}])
    s.set_activity("Alice", "Idle")
    s.set_activity("Dan", "Idle")
    assert s.holder(s.task(agent="Dan")) == "Dan"


def test_order_by_ranks_workers_by_their_attributes_then_idle_time():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "order_by": "worker.level DESC, worker.tenure DESC"}]}])
    for name in ("Dan", "Alice", "Bob", "Carla"):
        s.set_activity(name, "Idle")
        s.advance(1)
    order = [s.holder(s.task()) for _ in range(4)]
    assert order == ["Carla", "Bob", "Alice", "Dan"]  # level 5 (tenure 7, 2), level 1, then no level at all


def test_order_by_ascending_and_ties_by_idle_time():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "order_by": "worker.level"}]}])
    for name in ("Carla", "Bob", "Alice"):
        s.set_activity(name, "Idle")
        s.advance(1)
    assert [s.holder(s.task()) for _ in range(3)] == ["Alice", "Carla", "Bob"]


@pytest.mark.parametrize(("target", "words"), [
    ({"known_worker_sid": "agent_sid"}, "must name a task attribute such as 'task.agent_sid'"),
    ({"known_worker_sid": "task."}, "must name a task attribute"),
    ({"known_worker_sid": "task.a", "known_worker_friendly_name": "task.b"}, "not both"),
    ({"order_by": "level DESC"}, "must be 'worker.<attribute> ASC' or 'worker.<attribute> DESC'"),
    ({"order_by": "worker.level DOWN"}, "clause 'worker.level DOWN'"),
    ({"order_by": ""}, "must be a string such as 'worker.level DESC'"),
    ({"order_by": 3}, "must be a string"),
])
def test_bad_known_worker_and_order_by_are_refused(target, words):
    s = agents()
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": s.queues["Support"], **target}]}]}}
    with pytest.raises(TaskRouterError) as info:
        s.engine.create_workflow(s.ws, "bad", json.dumps(config))
    assert words in info.value.message, info.value.message


# ------------------------------------------------------------------ retention ()
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
