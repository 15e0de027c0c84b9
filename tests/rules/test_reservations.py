"""The rules of reservations, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/lifecycle-task-state
- https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment
- https://www.twilio.com/docs/taskrouter/api/reservations
"""

from __future__ import annotations

import pytest
from desks import accepted_by_alice, offers_of, reserved_for_alice, spanish_desk, update, watched
from scenario import Scenario

from trkit.mock.engine.errors import TaskRouterError


def test_reject_requeues_the_task_for_the_next_worker_and_moves_the_rejecter():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.advance(1)
    s.set_activity("Bob", "Idle")
    assert s.reservations(task) == [("Alice", "pending")] and s.activity_of("Alice") == "Reserved"
    s.reject(task, activity="Offline")
    assert s.activity_of("Alice") == "Offline"
    assert s.reservations(task) == [("Alice", "rejected"), ("Bob", "pending")]
    assert s.status(task) == "reserved"


def test_reject_without_activity_returns_the_worker_to_the_previous_one_and_may_offer_again():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.reject(task)
    # back to Idle (the activity before the reservation moved her to Reserved), and nothing
    # stops TaskRouter offering her the same task again
    assert s.reservations(task) == [("Alice", "rejected"), ("Alice", "pending")]


def test_reject_instruction_moves_the_worker_to_the_activity_given():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.answer(task, instruction="reject", activity_sid=s.activities["Busy"])
    assert s.activity_of("Alice") == "Busy" and s.status(task) == "pending"
    assert s.reservations(task) == [("Alice", "rejected")]


def test_timeout_requeues_the_task_for_another_worker():
    s = spanish_desk()
    s.update_workflow("wf", task_reservation_timeout=60)
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.advance(1)
    s.set_activity("Bob", "Idle")
    s.advance(59)
    assert s.reservations(task) == [("Alice", "timeout"), ("Bob", "pending")]
    assert s.activity_of("Alice") == "Offline"


def test_accept_assigns_and_moves_the_worker_to_the_assignment_activity():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    assert s.status(task) == "reserved" and s.activity_of("Alice") == "Reserved"
    s.accept(task)
    assert (s.status(task), s.activity_of("Alice")) == ("assigned", "Busy")


def test_completing_a_task_never_moves_the_worker():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.accept(task)
    s.set_task(task, "wrapping")
    s.set_task(task, "completed")
    assert s.activity_of("Alice") == "Busy"
    assert s.reservations(task) == [("Alice", "completed")]


def test_canceling_a_reserved_task_cancels_its_pending_reservation():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.set_task(task, "canceled", reason="caller hung up")
    assert s.reservations(task) == [("Alice", "canceled")]
    assert (s.status(task), s.fetch_task(task).reason) == ("canceled", "caller hung up")


@pytest.mark.parametrize(("from_status", "to_status"), [
    ("assigned", "canceled"), ("pending", "wrapping"), ("pending", "completed"), ("reserved", "completed"),
])
def test_task_state_guards(from_status, to_status):
    s = spanish_desk()
    task = s.task()
    if from_status in ("reserved", "assigned"):
        s.set_activity("Alice", "Idle")
    if from_status == "assigned":
        s.accept(task)
    assert s.status(task) == from_status
    with pytest.raises(TaskRouterError) as info:
        s.set_task(task, to_status)
    assert info.value.status == 400 and s.status(task) == from_status


def test_a_second_accept_is_refused():
    s = spanish_desk()
    task, res = accepted_by_alice(s)
    with pytest.raises(TaskRouterError) as info:
        s.update_reservation(res, task, reservation_status="accepted")
    assert "already in state [accepted]" in info.value.message


def test_multi_reservation_accept_rescinds_the_rest_and_pending_only_when_all_end():
    s = spanish_desk(max_reserved_workers=2)
    s.worker("Carla")
    task = s.task()
    for name in ("Alice", "Bob"):
        s.set_activity(name, "Idle")
        s.advance(1)
    assert sorted(s.reservations(task)) == [("Alice", "pending"), ("Bob", "pending")]
    alice_res = next(r for r in s.reservation_records(task) if r.worker_sid == s.workers["Alice"])
    s.update_reservation(alice_res.sid, task, reservation_status="rejected",
                         worker_activity_sid=s.activities["Offline"])
    assert s.status(task) == "reserved"  # Bob's offer still stands
    s.set_activity("Carla", "Idle")
    bob_res = next(r for r in s.reservation_records(task) if r.worker_sid == s.workers["Bob"])
    s.update_reservation(bob_res.sid, task, reservation_status="accepted")
    assert dict(s.reservations(task)) == {"Alice": "rejected", "Bob": "accepted", "Carla": "rescinded"}


def test_multitasking_never_moves_the_worker_on_reserve_or_accept():
    s = Scenario(multi_task=True)
    s.queue("Everyone")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone"}]}])
    s.worker("Alice", "Idle")
    task = s.task()
    assert s.activity_of("Alice") == "Idle"
    s.accept(task)
    assert (s.status(task), s.activity_of("Alice")) == ("assigned", "Idle")


def test_single_tasking_worker_gets_no_second_task_while_one_is_assigned():
    s = spanish_desk(assignment_activity_sid=None)
    first, second = s.task(), s.task()
    s.set_activity("Alice", "Idle")
    s.accept(first)
    assert s.activity_of("Alice") == "Reserved"  # no assignment activity: she stays where the reservation put her
    s.set_activity("Alice", "Idle")
    assert s.holder(second) is None
    s.set_task(first, "completed")
    assert s.holder(second) == "Alice"


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
    offers = {name: r for r in s.reservation_records(task) for name in [s.names[r.worker_sid]]}
    update(s, task, offers["Alice"].sid, reservation_status="accepted")
    with pytest.raises(TaskRouterError) as info:
        update(s, task, offers["Carla"].sid, reservation_status="accepted")
    assert info.value.status == 410 and "has been rescinded" in info.value.message


def test_a_reservation_is_found_under_its_task_and_its_worker_only():
    s, task = reserved_for_alice()
    res = s.offer(task)
    assert s.fetch("reservation", res, worker_sid=s.workers["Alice"]).sid == res
    other = s.task(lang="en")
    for where in ({"task_sid": other}, {"worker_sid": s.workers["Bob"]}):
        with pytest.raises(TaskRouterError) as info:
            s.fetch("reservation", res, **where)
        assert info.value.status == 404


def test_reject_pending_reservations_only_when_the_new_activity_is_unavailable():
    s, task = reserved_for_alice()
    s.set_activity("Alice", "Idle", reject_pending_reservations=True)  # available: nothing rejected
    assert s.reservations(task) == [("Alice", "pending")]
    s.set_activity("Alice", "Offline", reject_pending_reservations=True)
    assert s.reservations(task) == [("Alice", "rejected")] and s.activity_of("Alice") == "Offline"


def test_a_multi_reserved_task_returns_to_pending_only_when_every_offer_ended():
    s = Scenario()
    s.queue("All", max_reserved_workers=2)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice", "Idle")
    s.worker("Bob", "Idle")
    task = s.task()
    offers = offers_of(s, task)
    s.update_reservation(offers["Alice"], task, reservation_status="rejected", worker_activity_sid=s.activities["Offline"])
    assert s.status(task) == "reserved"
    s.update_reservation(offers["Bob"], task, reservation_status="rejected", worker_activity_sid=s.activities["Offline"])
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
    s.update_reservation(offers_of(s, task)["Alice"], task, reservation_status="rejected", worker_activity_sid=s.activities["Offline"])
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


def test_a_reservation_not_found_names_its_path():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res, alice, bob = s.offer(task), s.workers["Alice"], s.worker("Bob")
    another = s.task()
    other = s.neighbour()
    cases = [
        ({"task_sid": another}, s.ws, f"/v1/Workspaces/{s.ws}/Tasks/{another}/Reservations/{res}"),
        ({"worker_sid": bob}, s.ws, f"/v1/Workspaces/{s.ws}/Workers/{bob}/Reservations/{res}"),
        ({}, other.ws, f"/v1/Workspaces/{other.ws}/Workers//Reservations/{res}"),
    ]
    assert s.fetch("reservation", res, worker_sid=alice).sid == res
    for where, ws, path in cases:
        with pytest.raises(TaskRouterError) as info:
            s.fetch("reservation", res, workspace=ws, **where)
        assert info.value.message == f"The requested resource {path} was not found"


@pytest.mark.parametrize(("kind", "plural"), [("activity", "Activities"), ("worker", "Workers"), ("task_queue", "TaskQueues"),
                                                ("workflow", "Workflows"), ("task", "Tasks"), ("event", "Events"),
                                                ("task_channel", "TaskChannels")])
def test_a_resource_not_found_names_its_path(kind, plural):
    # Twilio's 20404 names the path it looked for (https://www.twilio.com/docs/api/errors/20404)
    s = watched()
    missing = "ZZ" + "0" * 32
    with pytest.raises(TaskRouterError) as info:
        s.fetch(kind, missing)
    assert (info.value.status, info.value.code) == (404, 20404)
    assert info.value.message == f"The requested resource /v1/Workspaces/{s.ws}/{plural}/{missing} was not found"


def test_a_worker_channel_not_found_names_its_path():
    s = watched()
    alice = s.workers["Alice"]
    with pytest.raises(TaskRouterError) as info:
        s.worker_channel(alice, "carrier-pigeon")
    assert info.value.message == f"The requested resource /v1/Workspaces/{s.ws}/Workers/{alice}/Channels/carrier-pigeon was not found"
