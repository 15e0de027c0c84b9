"""More of the reference's rules: instructions (https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks), reservation guards (https://www.twilio.com/docs/taskrouter/api/reservations), list filters
(https://www.twilio.com/docs/taskrouter/api, https://www.twilio.com/docs/taskrouter/expression-syntax) and real-time statistics (https://www.twilio.com/docs/taskrouter/api/workspace-statistics), on the frozen-clock scenario."""

from __future__ import annotations

import json

import pytest
from scenario import EPOCH, Scenario

from trkit.mock.engine.errors import TaskRouterError


def desk(**queue_options) -> Scenario:
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"', **queue_options)
    s.queue("English", 'languages HAS "en"')
    s.workflow([{"expression": 'lang == "es"', "targets": [{"queue": "Spanish"}]},
                {"expression": 'lang == "en"', "targets": [{"queue": "English"}]}])
    s.worker("Alice", languages=["es", "en"], level=3, contact_uri="client:alice")
    s.worker("Bob", languages=["en"], level=1)
    return s


def reserved_for_alice(**queue_options) -> tuple[Scenario, str]:
    s = desk(**queue_options)
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    return s, task


def instruct(s: Scenario, task: str, instruction: str, **params):
    return s.engine.update_reservation(s.ws, s.offer(task), task_sid=task, instruction=instruction, instruction_params=params)


def stored_instruction(s: Scenario, task: str) -> dict | None:
    (res,) = s.engine.store.reservations_of_task(task)
    return res.instruction


# --------------------------------------------------------------------------- instructions (https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks)
def test_dequeue_with_an_unknown_post_work_activity_is_refused():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="post_work_activity_sid"):
        instruct(s, task, "dequeue", post_work_activity_sid="WA" + "0" * 32)
    assert s.reservations(task) == [("Alice", "pending")]


def test_a_conference_for_a_task_not_made_from_a_call_is_refused_40140():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError) as refused:
        instruct(s, task, "conference", to="client:alice", **{"from": "+15005550006"})
    assert refused.value.code == 40140 and s.reservations(task) == [("Alice", "pending")]


@pytest.mark.parametrize(("accept", "expected"), [(None, "pending"), ("false", "pending"), ("true", "accepted"), ("True", "accepted")])
def test_call_accepts_only_when_told(accept, expected):
    s, task = reserved_for_alice()
    params = {"url": "https://example.com/agent.xml", "from": "+15005550006"}
    if accept is not None:
        params["accept"] = accept
    instruct(s, task, "call", **params)
    assert s.reservations(task) == [("Alice", expected)]
    assert stored_instruction(s, task)["instruction"] == "call"
    assert stored_instruction(s, task)["worker_call_sid"] == json.loads(s.fetch_task(task).attributes)["worker_call_sid"]


@pytest.mark.parametrize("missing", ["url", "from"])
def test_call_needs_url_and_from(missing):
    s, task = reserved_for_alice()
    params = {"url": "https://example.com/agent.xml", "from": "+15005550006"}
    del params[missing]
    with pytest.raises(TaskRouterError, match="needs url and from"):
        instruct(s, task, "call", **params)
    assert stored_instruction(s, task) is None and s.reservations(task) == [("Alice", "pending")]


def test_redirect_of_a_call_that_is_not_live_is_refused_40121():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError) as refused:
        instruct(s, task, "redirect", call_sid="CA" + "1" * 32, url="https://example.com/hold.xml", accept="true")
    assert refused.value.code == 40121 and s.reservations(task) == [("Alice", "pending")]


@pytest.mark.parametrize("missing", ["call_sid", "url"])
def test_redirect_needs_call_sid_and_url(missing):
    s, task = reserved_for_alice()
    params = {"call_sid": "CA" + "1" * 32, "url": "https://example.com/hold.xml"}
    del params[missing]
    with pytest.raises(TaskRouterError, match="needs call_sid and url"):
        instruct(s, task, "redirect", **params)


def test_instruction_names_are_case_insensitive_and_unknown_ones_refused():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="'teleport' is not one of accept, reject, dequeue, call, redirect, conference"):
        instruct(s, task, "teleport")
    instruct(s, task, "ACCEPT")
    assert s.reservations(task) == [("Alice", "accepted")]


def test_supervise_needs_an_accepted_reservation():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="must be accepted to be supervised"):
        instruct(s, task, "supervise", supervisor_mode="monitor")
    (res,) = s.engine.store.reservations_of_task(task)
    s.accept(task)
    s.engine.update_reservation(s.ws, res.sid, task_sid=task, instruction="supervise", instruction_params={"supervisor_mode": "barge"})
    assert s.engine.store.get("reservation", res.sid).instruction == {"instruction": "supervise", "supervisor_mode": "barge"}


@pytest.mark.parametrize("instruction", ["accept", "reject", "dequeue", "conference"])
def test_an_instruction_on_an_answered_reservation_is_refused(instruction):
    s, task = reserved_for_alice()
    (res,) = s.engine.store.reservations_of_task(task)
    s.accept(task)
    target = "rejected" if instruction == "reject" else "accepted"
    with pytest.raises(TaskRouterError) as info:
        s.engine.update_reservation(s.ws, res.sid, task_sid=task, instruction=instruction, instruction_params={})
    assert info.value.status == 400
    assert info.value.message == f"Reservation {res.sid} is already in state [accepted] and cannot be updated to [{target}]"


def test_callback_answers_map_to_warning_codes():
    s, task = reserved_for_alice()
    (res,) = s.engine.store.reservations_of_task(task)
    assert s.engine.apply_assignment_answer(res.sid, {"note": 1}) == "no instruction: reservation stays pending (40005)"
    with pytest.raises(TaskRouterError) as info:
        s.engine.apply_assignment_answer(res.sid, {"instruction": "reject", "activity_sid": "WA" + "0" * 32})
    assert info.value.code == 40100
    assert s.engine.apply_assignment_answer(res.sid, {"instruction": "accept"}) == "accept applied"
    assert s.engine.apply_assignment_answer(res.sid, {"instruction": "accept"}) == "ignored: reservation is accepted"
    assert s.engine.apply_assignment_answer("WR" + "0" * 32, {"instruction": "accept"}) == "reservation no longer exists"


# ------------------------------------------------------------------- REST reservation updates (https://www.twilio.com/docs/taskrouter/api/reservations)
def update(s: Scenario, task: str, res: str, **changes):
    return s.engine.update_reservation(s.ws, res, task_sid=task, **changes)


def test_reservation_update_needs_a_status_or_an_instruction():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="Missing required parameter ReservationStatus or Instruction"):
        update(s, task, s.offer(task))


@pytest.mark.parametrize("status", ["timeout", "canceled", "rescinded", "pending"])
def test_system_statuses_cannot_be_set(status):
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match=f"cannot be set to '{status}'"):
        update(s, task, s.offer(task), reservation_status=status)


def test_unknown_status_is_refused():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="'done' is not one of accepted, rejected, wrapping, completed"):
        update(s, task, s.offer(task), reservation_status="done")


def test_wrapping_and_completing_through_the_reservation():
    s, task = reserved_for_alice()
    res = s.offer(task)
    with pytest.raises(TaskRouterError, match=r"already in state \[pending\] and cannot be updated to \[wrapping\]"):
        update(s, task, res, reservation_status="wrapping")
    with pytest.raises(TaskRouterError, match=r"cannot be updated to \[completed\]"):
        update(s, task, res, reservation_status="completed")
    update(s, task, res, reservation_status="accepted")
    update(s, task, res, reservation_status="wrapping", worker_activity_sid=s.activities["Offline"])
    assert (s.status(task), s.reservations(task), s.activity_of("Alice")) == ("wrapping", [("Alice", "wrapping")], "Offline")
    update(s, task, res, reservation_status="completed", worker_activity_sid=s.activities["Idle"])
    assert (s.status(task), s.reservations(task), s.activity_of("Alice")) == ("completed", [("Alice", "completed")], "Idle")


def test_a_rescinded_reservation_answers_410():
    s, task = reserved_for_alice(max_reserved_workers=2)
    s.worker("Carla", "Idle", languages=["es"])
    offers = {name: r for r in s.engine.store.reservations_of_task(task) for name in [s.names[r.worker_sid]]}
    update(s, task, offers["Alice"].sid, reservation_status="accepted")
    with pytest.raises(TaskRouterError) as info:
        update(s, task, offers["Carla"].sid, reservation_status="accepted")
    assert info.value.status == 410 and "has been rescinded" in info.value.message


def test_a_reservation_is_found_under_its_task_and_its_worker_only():
    s, task = reserved_for_alice()
    res = s.offer(task)
    assert s.engine.reservation(s.ws, res, worker_sid=s.workers["Alice"]).sid == res
    other = s.task(lang="en")
    for where in ({"task_sid": other}, {"worker_sid": s.workers["Bob"]}):
        with pytest.raises(TaskRouterError) as info:
            s.engine.reservation(s.ws, res, **where)
        assert info.value.status == 404


def test_reject_pending_reservations_only_when_the_new_activity_is_unavailable():
    s, task = reserved_for_alice()
    s.set_activity("Alice", "Idle", reject_pending_reservations=True)  # available: nothing rejected
    assert s.reservations(task) == [("Alice", "pending")]
    s.set_activity("Alice", "Offline", reject_pending_reservations=True)
    assert s.reservations(task) == [("Alice", "rejected")] and s.activity_of("Alice") == "Offline"


# ----------------------------------------------------------------------------- list filters
def test_worker_filters():
    s = desk()
    s.set_activity("Alice", "Idle")
    names = lambda **f: sorted(w.friendly_name for w in s.engine.list_workers(s.ws, **f))  # noqa: E731
    assert names(available=True) == ["Alice"] and names(available=False) == ["Bob"]
    assert names(activity_name="Offline") == ["Bob"] and names(activity_sid=s.activities["Idle"]) == ["Alice"]
    assert names(friendly_name="Bob") == ["Bob"]
    assert names(target_workers_expression="level > 2") == ["Alice"]
    assert names(target_workers_expression='activity_name == "Offline"') == ["Bob"]
    assert names(target_workers_expression='friendly_name == "Alice"') == ["Alice"]
    assert names(task_queue_sid=s.queues["Spanish"]) == ["Alice"] and names(task_queue_name="English") == ["Alice", "Bob"]
    assert names(task_queue_name="Nowhere") == []
    with pytest.raises(TaskRouterError, match="TargetWorkersExpression"):
        names(target_workers_expression="level >")


def test_task_filters_and_ordering():
    s = desk()
    es = s.task(lang="es", priority=1)
    s.advance(1)
    en = s.task(lang="en", priority=5)
    s.advance(1)
    other = s.task(lang="es", priority=3)
    sids = lambda **f: [t.sid for t in s.engine.list_tasks(s.ws, **f)]  # noqa: E731
    assert sids() == [es, en, other]  # oldest first by default
    assert sids(ordering="Priority:desc") == [en, other, es]
    assert sids(ordering="Priority:asc,DateCreated:desc") == [es, other, en]
    assert sids(priority=5) == [en]
    assert sids(task_queue_sid=s.queues["Spanish"]) == [es, other] and sids(task_queue_name="English") == [en]
    assert sids(evaluate_task_attributes='lang == "en"') == [en]
    assert sids(workflow_sid=s.workflows["wf"]) == [es, en, other] and sids(workflow_name="wf") == [es, en, other]
    assert sids(workflow_name="other") == []
    s.set_activity("Alice", "Idle")  # she speaks both: the highest priority across her queues wins
    assert sids(assignment_status=["reserved"]) == [en] and sids(assignment_status=["pending"]) == [es, other]
    for bad in ("Priority", "Size:asc", "Priority:up", "DateCreated:asc,VirtualStartTime:desc"):
        with pytest.raises(TaskRouterError, match="Ordering"):
            sids(ordering=bad)


def test_reservation_and_event_filters():
    s, task = reserved_for_alice()
    s.reject(task, activity="Offline")
    s.set_activity("Alice", "Idle")
    statuses = [r.reservation_status for r in s.engine.list_reservations(s.ws, task_sid=task)]
    assert sorted(statuses) == ["pending", "rejected"]
    assert [r.reservation_status for r in s.engine.list_reservations(s.ws, worker_sid=s.workers["Alice"], reservation_status="pending")] == ["pending"]
    events = s.engine.list_events(s.ws, task_sid=task, event_type="reservation.rejected")
    assert [e.event_type for e in events] == ["reservation.rejected"]
    assert all(e.worker_sid == s.workers["Alice"] for e in s.engine.list_events(s.ws, worker_sid=s.workers["Alice"]))


def test_task_queue_filters():
    s = desk()
    names = lambda **f: sorted(q.friendly_name for q in s.engine.list_task_queues(s.ws, **f))  # noqa: E731
    assert names() == ["English", "Spanish"]
    assert names(friendly_name="English") == ["English"]
    assert names(evaluate_worker_attributes='{"languages": ["es"]}') == ["Spanish"]
    assert names(worker_sid=s.workers["Bob"]) == ["English"]
    assert names(worker_sid="WK" + "0" * 32) == []
    with pytest.raises(TaskRouterError, match="EvaluateWorkerAttributes"):
        names(evaluate_worker_attributes="[1]")


# -------------------------------------------------------------------- real-time statistics (https://www.twilio.com/docs/taskrouter/api/workspace-statistics)
def test_real_time_statistics_count_live_tasks_and_workers():
    s = desk()
    first = s.task(lang="es", priority=2)
    s.advance(30)
    s.task(lang="en")
    s.advance(10)
    s.set_activity("Bob", "Idle")  # Bob takes the English task
    stats = s.engine.real_time_statistics(s.ws)
    assert stats["tasks_by_status"] == {"pending": 1, "reserved": 1, "assigned": 0, "wrapping": 0}
    assert stats["tasks_by_priority"] == {"2": 1, "0": 1}
    assert (stats["total_tasks"], stats["total_workers"]) == (2, 2)
    assert (stats["longest_task_waiting_sid"], stats["longest_task_waiting_age"]) == (first, 40)
    by_activity = {a["friendly_name"]: a["workers"] for a in stats["activity_statistics"]}
    assert by_activity == {"Offline": 1, "Available": 0, "Unavailable": 0, "Idle": 0, "Reserved": 1, "Busy": 0}


def test_queue_real_time_statistics():
    s = desk()
    s.task(lang="es")
    s.advance(15)
    stats = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["English"])
    assert (stats["total_tasks"], stats["longest_task_waiting_age"], stats["longest_task_waiting_sid"]) == (0, 0, None)
    assert (stats["total_eligible_workers"], stats["total_available_workers"]) == (2, 0)
    s.set_activity("Bob", "Idle")
    spanish = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Spanish"])
    assert (spanish["total_eligible_workers"], spanish["total_available_workers"]) == (1, 0)
    assert spanish["longest_relative_task_age_in_queue"] == 15 and spanish["total_tasks"] == 1


def test_workflow_real_time_statistics_see_only_its_tasks():
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "English"}]}], name="other")
    s.task(lang="es")
    s.task(workflow="other", lang="es")
    assert s.engine.real_time_statistics(s.ws, workflow_sid=s.workflows["other"])["total_tasks"] == 1


def test_finished_tasks_leave_real_time_statistics():
    s, task = reserved_for_alice()
    s.accept(task)
    assert s.engine.real_time_statistics(s.ws)["tasks_by_status"]["assigned"] == 1
    s.set_task(task, "completed")
    assert s.engine.real_time_statistics(s.ws)["total_tasks"] == 0


def test_attributes_stored_compact_as_twilio_returns_them():
    s = desk()
    text = '{"lang": "es",   "note": "spaces  inside strings kept"}'
    task = s.engine.create_task(s.ws, attributes=text, workflow_sid=s.workflows["wf"])
    assert task.attributes == '{"lang":"es","note":"spaces  inside strings kept"}'
    assert s.fetch_task(task.sid).date_created == EPOCH


def test_worker_context_has_sid_name_and_activity_for_expressions():
    s = desk()
    s.set_activity("Alice", "Idle")
    alice, bob = s.workers["Alice"], s.workers["Bob"]
    names = lambda expression: sorted(w.friendly_name for w in s.engine.list_workers(s.ws, target_workers_expression=expression))  # noqa: E731
    assert names(f'sid == "{alice}"') == ["Alice"]
    assert names(f'activity_sid == "{s.activities["Offline"]}"') == ["Bob"]
    assert names('activity_name == "Idle"') == ["Alice"]
    # an attribute of the worker's own wins over the built-in name
    s.engine.update_worker(s.ws, bob, attributes='{"languages": ["en"], "friendly_name": "Robert"}')
    assert names('friendly_name == "Robert"') == ["Bob"] and names('friendly_name == "Bob"') == []


def test_worker_channels_are_found_by_sid_or_by_the_channel_unique_name():
    s = desk()
    alice = s.workers["Alice"]
    channels = s.engine.worker_channels(s.ws, alice)
    voice = next(wc for wc in channels if s.engine.store.get("task_channel", wc.task_channel_sid).unique_name == "voice")
    assert s.engine.worker_channel(s.ws, alice, "voice").sid == voice.sid
    assert s.engine.worker_channel(s.ws, alice, voice.sid).sid == voice.sid
    with pytest.raises(TaskRouterError) as info:
        s.engine.worker_channel(s.ws, s.workers["Bob"], voice.sid)
    assert info.value.status == 404
    assert len(channels) == len(s.engine.list_task_channels(s.ws)) == 5


def test_lists_stay_inside_their_workspace_and_filter_by_name():
    s, other = desk(), None
    other = Scenario(engine=s.engine)
    other.queue("Elsewhere")
    other.workflow([{"expression": "1==1", "targets": [{"queue": "Elsewhere"}]}], name="elsewhere")
    assert [w.friendly_name for w in s.engine.list_workflows(s.ws)] == ["wf"]
    assert [w.friendly_name for w in s.engine.list_workflows(other.ws, friendly_name="elsewhere")] == ["elsewhere"]
    assert s.engine.list_workflows(other.ws, friendly_name="wf") == []
    assert {c.unique_name for c in s.engine.list_task_channels(other.ws)} == {"default", "voice", "sms", "chat", "video"}
    assert [w.friendly_name for w in s.engine.list_workspaces("Rules")] == ["Rules", "Rules"]
    assert s.engine.list_workspaces("Nope") == []


def test_events_list_window_and_filters():
    s = desk()
    s.engine.update_workflow(s.ws, s.workflows["wf"], task_reservation_timeout=3600)
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    s.advance(1200)  # twenty minutes later
    s.accept(task)
    recent = [e.event_type for e in s.engine.list_events(s.ws)]
    assert recent == ["reservation.accepted", "worker.activity.update"]  # the default window is 15 minutes
    everything = s.engine.list_events(s.ws, minutes=60)
    assert everything[0].event_type == "workspace.created" and len(everything) > len(recent)
    assert [e.event_type for e in s.engine.list_events(s.ws, minutes=60, reservation_sid=res)] == ["reservation.created", "reservation.accepted"]
    assert {e.event_type for e in s.engine.list_events(s.ws, minutes=60, task_queue_sid=s.queues["Spanish"])} >= {"task-queue.entered", "reservation.created"}
    assert all(e.workflow_sid == s.workflows["wf"] for e in s.engine.list_events(s.ws, minutes=60, workflow_sid=s.workflows["wf"]))
    first = everything[0]
    assert s.engine.list_events(s.ws, minutes=60, sid=first.sid) == [first]
    assert s.engine.list_events(s.ws, start_date=EPOCH, end_date=EPOCH + 1)[0].event_type == "workspace.created"
    assert s.engine.list_events(s.ws, minutes=60, task_channel="default")
    assert s.engine.list_events(s.ws, minutes=60, task_channel="voice") == []


# ----------------------------------------------------------- statistics: the spec's fields, one workspace only
def spec_fields(name: str) -> set[str]:
    from spec import load_spec

    return set(load_spec()["components"]["schemas"][name]["properties"]) - {"url"}


def busy_neighbour(s: Scenario) -> Scenario:
    """Another workspace on the same engine, with its own task, worker and reservation."""
    other = Scenario(engine=s.engine)
    other.queue("Theirs")
    other.workflow([{"expression": "1==1", "targets": [{"queue": "Theirs"}]}])
    other.worker("Zed", "Idle")
    other.task()
    other.task(priority=7)
    return other


def test_statistics_have_the_spec_fields():
    from trkit.mock.engine.statistics import compute_cumulative, compute_worker_cumulative

    s, task = reserved_for_alice()
    base = {"account_sid", "workspace_sid"}
    assert set(compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1, "workspace")) == spec_fields(
        "taskrouter.v1.workspace.workspace_cumulative_statistics")
    queue = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1, "queue", task_queue_sid=s.queues["Spanish"])
    assert set(queue) == spec_fields("taskrouter.v1.workspace.task_queue.task_queue_cumulative_statistics")
    flow = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1, "workflow", workflow_sid=s.workflows["wf"])
    assert set(flow) == spec_fields("taskrouter.v1.workspace.workflow.workflow_cumulative_statistics")
    assert set(compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1)) | base == spec_fields(
        "taskrouter.v1.workspace.worker.workers_cumulative_statistics")
    assert set(s.engine.real_time_statistics(s.ws)) | base == spec_fields("taskrouter.v1.workspace.workspace_real_time_statistics")
    by_queue = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Spanish"])
    assert set(by_queue) | base | {"task_queue_sid"} == spec_fields("taskrouter.v1.workspace.task_queue.task_queue_real_time_statistics")
    assert all(set(a) == {"sid", "friendly_name", "workers"} for a in by_queue["activity_statistics"])
    empty = compute_cumulative(s.engine, s.ws, EPOCH + 5, EPOCH + 6, "workspace")
    assert empty["wait_duration_until_accepted"] == {"avg": 0, "min": 0, "max": 0, "total": 0}
    assert empty["avg_task_acceptance_time"] == 0
    durations = compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1)["activity_durations"]
    assert all(set(d) == {"sid", "friendly_name", "avg", "min", "max", "total"} for d in durations)
    assert compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1)["start_time"] == "2027-01-15T08:00:00Z"
    assert compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1)["end_time"] == "2027-01-15T08:00:01Z"


def test_statistics_count_only_their_own_workspace():
    from trkit.mock.engine.statistics import compute_cumulative, compute_worker_cumulative

    s, task = reserved_for_alice()
    busy_neighbour(s)
    stats = s.engine.real_time_statistics(s.ws)
    assert (stats["total_tasks"], stats["total_workers"], stats["tasks_by_priority"]) == (1, 2, {"0": 1})
    assert {a["friendly_name"] for a in stats["activity_statistics"]} == {"Offline", "Available", "Unavailable", "Idle", "Reserved", "Busy"}
    cumulative = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1, "workspace")
    assert (cumulative["tasks_created"], cumulative["reservations_created"]) == (1, 1)
    workers = compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 1)
    assert workers["reservations_created"] == 1 and len(workers["activity_durations"]) == 6


def test_real_time_statistics_by_task_channel():
    s = desk()
    s.engine.create_task(s.ws, attributes='{"lang": "es"}', workflow_sid=s.workflows["wf"], task_channel="voice")
    s.task(lang="es")
    assert s.engine.real_time_statistics(s.ws, task_channel="voice")["total_tasks"] == 1
    assert s.engine.real_time_statistics(s.ws, task_channel="default")["total_tasks"] == 1
    assert s.engine.real_time_statistics(s.ws)["total_tasks"] == 2


def test_longest_waiting_is_measured_from_creation_and_in_queue_from_entering_it():
    s = Scenario()
    s.queue("First")
    s.queue("Second")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "First", "timeout": 100}, {"queue": "Second"}]}])
    old = s.task()
    s.advance(60)
    newer = s.task()
    s.advance(50)  # old moved to Second at 100 s
    second = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Second"])
    assert (second["longest_task_waiting_sid"], second["longest_task_waiting_age"]) == (old, 110)
    assert (second["longest_relative_task_sid_in_queue"], second["longest_relative_task_age_in_queue"]) == (old, 10)
    first = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["First"])
    assert (first["longest_relative_task_sid_in_queue"], first["longest_relative_task_age_in_queue"]) == (newer, 50)
    s.worker("Kim")
    second = s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Second"])
    assert (second["total_eligible_workers"], second["total_available_workers"]) == (1, 0)
    s.set_activity("Kim", "Idle")  # she takes the oldest task, now in Second
    assert s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["Second"])["tasks_by_status"]["reserved"] == 1
    assert s.engine.real_time_statistics(s.ws, task_queue_sid=s.queues["First"])["tasks_by_status"]["reserved"] == 0


@pytest.mark.parametrize(("setup", "to_status", "message"), [
    ("assigned", "canceled", "Cannot cancel task {task} in workspace {ws} for account {account} because it is not pending or reserved."),
    ("pending", "wrapping", "Cannot wrap up a task {task} in workspace {ws} for account {account} because it's not currently assigned"),
    ("pending", "completed", "Cannot complete task {task} in workspace {ws} for account {account} because it is not assigned or wrapping."),
    ("pending", "pending", "AssignmentStatus can only be set to canceled, wrapping or completed, not 'pending'"),
    ("pending", "reserved", "AssignmentStatus can only be set to canceled, wrapping or completed, not 'reserved'"),
    ("pending", "assigned", "AssignmentStatus can only be set to canceled, wrapping or completed, not 'assigned'"),
])
def test_task_transition_messages(setup, to_status, message):
    from scenario import ACCOUNT

    s = desk()
    task = s.task(lang="es")
    if setup == "assigned":
        s.set_activity("Alice", "Idle")
        s.accept(task)
    with pytest.raises(TaskRouterError) as info:
        s.engine.update_task(s.ws, task, assignment_status=to_status, reason="r")
    assert info.value.message == message.format(task=task, ws=s.ws, account=ACCOUNT)


def test_a_purged_task_takes_its_reservations_and_nothing_else():
    s, task = reserved_for_alice()
    s.accept(task)
    s.set_task(task, "completed")
    other = s.task(lang="en")
    s.advance(300)
    assert s.engine.store.get("task", task) is None and s.engine.store.reservations_of_task(task) == []
    assert s.engine.store.get("task", other) is not None
    (gone,) = [e for e in s.events() if e.event_type == "task.system-deleted"]
    assert (gone.resource_type, gone.resource_sid, gone.task_sid) == ("task", task, task)


def test_changing_one_queue_leaves_the_other_queues_waiting_tasks_alone():
    s = desk()
    spanish, english = s.task(lang="es"), s.task(lang="en")
    s.engine.update_task_queue(s.ws, s.queues["English"], task_order="LIFO")
    s.set_activity("Alice", "Idle")
    s.set_activity("Bob", "Idle")
    assert (s.holder(spanish), s.holder(english)) == ("Alice", "Bob")


# --------------------------------------------------------------- configuration rules and plumbing
def test_a_queue_a_workflow_routes_to_cannot_be_deleted():
    s = desk()
    spare = s.queue("Spare")
    with pytest.raises(TaskRouterError, match="Workflow .* routes Tasks to it"):
        s.engine.delete_task_queue(s.ws, s.queues["Spanish"])
    default_only = {"task_routing": {"filters": [], "default_filter": {"queue": spare}}}
    s.engine.update_workflow(s.ws, s.workflows["wf"], configuration=json.dumps(default_only))
    with pytest.raises(TaskRouterError, match="routes Tasks to it"):
        s.engine.delete_task_queue(s.ws, spare)
    s.engine.delete_task_queue(s.ws, s.queues["Spanish"])  # no longer routed to
    assert s.engine.store.get("task_queue", s.queues["Spanish"]) is None


def test_task_channel_events_carry_the_channel():
    s = desk()
    channel = s.engine.create_task_channel(s.ws, "Fax", "fax")
    s.engine.update_task_channel(s.ws, channel.sid, friendly_name="Telefax", channel_optimized_routing=True)
    s.engine.delete_task_channel(s.ws, channel.sid)
    events = [e for e in s.events() if e.event_type.startswith("task-channel.")]
    assert [e.event_type for e in events] == ["task-channel.created", "task-channel.updated", "task-channel.deleted"]
    assert all(e.resource_sid == channel.sid for e in events)
    assert events[1].event_data["task_channel_name"] == "Telefax" and events[1].event_data["task_channel_unique_name"] == "fax"
    assert events[1].event_data["task_channel_optimized_routing"] == "true"  # event data as the callback sends it


def test_fetching_by_sid_stays_in_the_workspace():
    s = desk()
    other = busy_neighbour(s)
    idle = s.activities["Idle"]
    assert s.engine.activity(s.ws, idle).friendly_name == "Idle"
    event = s.events()[0]
    assert s.engine.event(s.ws, event.sid).sid == event.sid
    for fetch, sid in ((s.engine.activity, idle), (s.engine.event, event.sid)):
        with pytest.raises(TaskRouterError) as info:
            fetch(other.ws, sid)
        assert info.value.status == 404


def test_next_due_is_the_earliest_timer():
    s, task = reserved_for_alice()
    assert s.engine.next_due() == EPOCH + 120  # the reservation times out before the task's TTL
    s.accept(task)
    s.advance(120)
    assert s.engine.next_due() == EPOCH + 86400  # only the TTL remains
    s.set_task(task, "completed")
    assert s.engine.next_due() == EPOCH + 120 + 300  # the completed task's deletion comes first now


def test_the_callback_log_keeps_the_newest_ten_thousand():
    """Bounded, and long enough for a chain of 1,000 offers (TaskRouter's limit per task) with their events."""
    s = desk()
    for n in range(10_005):
        s.engine.record_callback({"n": n})
    assert len(s.engine.callback_log) == 10_000 and s.engine.callback_log[0] == {"n": 5}


def test_a_write_answers_with_the_resource_as_it_was_before_routing():
    s = desk()
    s.task(lang="es")
    answered = s.engine.update_worker(s.ws, s.workers["Alice"], activity_sid=s.activities["Idle"])
    assert answered.activity_sid == s.activities["Idle"]  # what the request did
    assert s.activity_of("Alice") == "Reserved"  # what routing then did, in the same transaction
    assert answered.activity_sid == s.activities["Idle"]  # and the answer does not change afterwards


# ------------------------------------------------------------------ the assignment callback (https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks)
def test_assignment_callback_parameters_are_the_documented_ones():
    from scenario import ACCOUNT

    s = desk()
    s.engine.update_workflow(s.ws, s.workflows["wf"], fallback_assignment_callback_url="http://127.0.0.1:9/fallback")
    task = s.task(lang="es", priority=4)
    s.advance(7)
    s.set_activity("Alice", "Idle")
    (sent,) = [o for o in s.engine.dispatcher.sent if o.kind == "assignment"]
    assert sent.url == "http://127.0.0.1:9/assignment" and sent.fallback_url == "http://127.0.0.1:9/fallback"
    res = s.offer(task)
    assert sent.reservation_sid == res and sent.workspace_sid == s.ws
    assert sent.params == {
        "Timestamp": str(int(EPOCH + 7)), "AccountSid": ACCOUNT, "WorkspaceSid": s.ws, "WorkflowSid": s.workflows["wf"],
        "TaskQueueSid": s.queues["Spanish"], "WorkerSid": s.workers["Alice"], "TaskSid": task, "ReservationSid": res,
        "TaskAge": "7", "TaskPriority": "4",
        "TaskAttributes": s.fetch_task(task).attributes, "WorkerAttributes": s.engine.worker(s.ws, s.workers["Alice"]).attributes,
    }


def test_no_callback_without_an_assignment_url_and_reservation_events_name_the_worker():
    s = desk()
    s.engine.update_workflow(s.ws, s.workflows["wf"], assignment_callback_url="")
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    assert [o for o in s.engine.dispatcher.sent if o.kind == "assignment"] == []
    (created,) = [e for e in s.events() if e.event_type == "reservation.created"]
    assert created.event_data["worker_sid"] == s.workers["Alice"] and created.event_data["worker_name"] == "Alice"
    assert created.event_data["task_sid"] == task and created.event_data["reservation_sid"] == s.offer(task)
    assert created.worker_sid == s.workers["Alice"] and created.task_sid == task and created.reservation_sid == s.offer(task)


def test_a_task_sent_straight_to_a_queue_uses_the_default_reservation_timeout():
    s = desk()
    task = s.engine.create_task(s.ws, attributes="{}", task_queue_sid=s.queues["English"]).sid
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


# ----------------------------------------------------------------------- multitasking capacity (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)
def multitasking() -> Scenario:
    s = Scenario(multi_task=True)
    s.queue("All")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice")
    return s


def channel(s: Scenario, worker: str, unique_name: str):
    return s.engine.worker_channel(s.ws, s.workers[worker], unique_name)


def test_channel_capacity_bounds_the_tasks_a_worker_holds():
    s = multitasking()
    s.engine.update_worker_channel(s.ws, s.workers["Alice"], channel(s, "Alice", "default").sid, capacity=2)
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
    voice = s.engine.create_task(s.ws, attributes="{}", workflow_sid=s.workflows["wf"], task_channel="voice").sid
    chat = s.engine.create_task(s.ws, attributes="{}", workflow_sid=s.workflows["wf"], task_channel="chat").sid
    s.engine.update_worker_channel(s.ws, alice, channel(s, "Alice", "chat").sid, available=False)
    s.set_activity("Alice", "Idle")
    assert (s.holder(voice), s.holder(chat)) == ("Alice", None)  # voice (capacity 1) is not counted against chat
    s.engine.update_worker_channel(s.ws, alice, channel(s, "Alice", "chat").sid, available=True)
    assert s.holder(chat) == "Alice"
    assert s.engine.assigned_tasks(alice) == 2 and s.engine.assigned_tasks(alice, channel(s, "Alice", "voice").task_channel_sid) == 1


def test_a_worker_is_not_offered_a_task_twice_at_once():
    s = Scenario()
    s.queue("All", max_reserved_workers=3)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice", "Idle")
    task = s.task()
    assert s.reservations(task) == [("Alice", "pending")]
    s.worker("Bob", "Idle")
    assert sorted(s.reservations(task)) == [("Alice", "pending"), ("Bob", "pending")]


# ------------------------------------------------------------------ skip_if (https://www.twilio.com/docs/taskrouter/workflow-configuration, https://www.twilio.com/docs/taskrouter/expression-syntax)
def skipping_desk(skip_if: str) -> Scenario:
    """Spanish first (with ``skip_if``), then English; Alice speaks both, Bob English."""
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": skip_if}, {"queue": "English"}]}], name="skipping")
    return s


def test_skip_if_true_on_entering_the_step_moves_the_task_to_the_next_target_at_once():
    s = skipping_desk("workers.available == 0")
    s.set_activity("Bob", "Idle")  # only Bob is available, and he is not in the Spanish queue
    task = s.task("skipping")
    assert s.queue_of(task) == "English"
    assert s.reservations(task) == [("Bob", "pending")]
    assert s.event_types(task).count("workflow.target-matched") == 2


def test_skip_if_false_keeps_the_task_in_the_step():
    s = skipping_desk("workers.available == 0")
    s.set_activity("Alice", "Busy")  # a member of the queue, unavailable: nobody can take it now
    s.set_activity("Bob", "Idle")
    s.engine.update_workflow(s.ws, s.workflows["skipping"], configuration=json.dumps({"task_routing": {"filters": [
        {"expression": "1==1", "targets": [{"queue": s.queues["Spanish"], "skip_if": "workers.unavailable == 0"},
                                           {"queue": s.queues["English"]}]}]}}))
    task = s.task("skipping")
    assert s.queue_of(task) == "Spanish" and s.status(task) == "pending"


def test_skip_if_is_only_looked_at_when_nobody_can_be_reserved_on_entering_the_step():
    s = skipping_desk("1 == 1")  # would always skip
    s.set_activity("Alice", "Idle")
    task = s.task("skipping")
    assert s.queue_of(task) == "Spanish" and s.reservations(task) == [("Alice", "pending")]


def test_skip_if_counts_workers_by_activity_sid_in_the_queue():
    s = desk()
    s.set_activity("Alice", "Busy")
    busy = s.activities["Busy"]
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": f"workers.{busy} == 1"},
                                                   {"queue": "English"}]}], name="by-activity")
    task = s.task("by-activity")
    assert s.queue_of(task) == "English"  # Alice, the one Spanish member, is Busy: 1 == 1


def test_skipping_out_of_the_last_step_cancels_the_task_with_workflow_skipped():
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": "workers.available == 0"}]}], name="only")
    task = s.task("only")
    assert s.status(task) == "canceled"
    assert "workflow.skipped" in s.event_types(task) and "workflow.timeout" not in s.event_types(task)


def test_a_skip_out_of_a_filter_goes_to_the_next_matching_filter():
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": "workers.available == 0"}]},
                {"expression": "lang == 'xx'", "targets": [{"queue": "Spanish"}]},
                {"expression": "1==1", "targets": [{"queue": "English"}]}], name="filters")
    task = s.task("filters")
    assert s.queue_of(task) == "English"


# ------------------------------------------------------------------ RoutingTarget: a Worker (https://www.twilio.com/docs/taskrouter/workflow-configuration, https://www.twilio.com/docs/taskrouter/limits)
def routed_to(worker: str, **options) -> tuple[Scenario, str]:
    s = desk()
    task = s.engine.create_task(s.ws, attributes='{"lang": "es"}', routing_target=s.workers[worker], **options).sid
    return s, task


def test_a_task_routed_to_a_worker_is_offered_to_that_worker_at_once_by_default_even_offline():
    s, task = routed_to("Bob")  # Bob is Offline and not in the Spanish queue
    assert s.fetch_task(task).ignore_capacity is True  # the documented default with a Worker target
    assert s.reservations(task) == [("Bob", "pending")] and s.status(task) == "reserved"
    assert s.queue_of(task) is None


def test_a_task_routed_to_a_worker_without_ignore_capacity_waits_until_that_worker_is_available():
    s, task = routed_to("Bob", ignore_capacity=False)
    s.set_activity("Alice", "Idle")  # Alice could take Spanish work, but the task is Bob's only
    assert s.reservations(task) == [] and s.status(task) == "pending"
    s.set_activity("Bob", "Idle")
    assert s.reservations(task) == [("Bob", "pending")]


def test_a_task_routed_to_a_worker_who_rejects_it_waits_for_that_worker_again():
    s, task = routed_to("Bob")
    s.reject(task, "Offline")
    s.set_activity("Alice", "Idle")
    assert s.status(task) == "pending" and s.holder(task) is None
    s.set_activity("Bob", "Idle")
    assert s.holder(task) == "Bob"


def test_ignore_capacity_needs_a_worker_target_and_the_worker_must_be_of_the_workspace():
    s = desk()
    with pytest.raises(TaskRouterError, match="IgnoreCapacity can only be used when RoutingTarget is a Worker SID"):
        s.engine.create_task(s.ws, attributes="{}", routing_target=s.queues["Spanish"], ignore_capacity=True)
    other = Scenario(engine=s.engine)  # a second workspace of the same account
    stranger = other.worker("Carol")
    with pytest.raises(TaskRouterError, match="is not a Worker, TaskQueue or Workflow of this Workspace"):
        s.engine.create_task(s.ws, attributes="{}", routing_target=stranger)
