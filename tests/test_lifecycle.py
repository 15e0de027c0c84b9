"""The quickstart's lifecycle and routing rules, through the twilio library and a real callback listener."""

from __future__ import annotations

import json

import pytest
from helpers import build_tutorial_workspace
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

ASSIGNMENT_FIELDS = {
    "Timestamp", "AccountSid", "WorkspaceSid", "WorkflowSid", "TaskQueueSid", "WorkerSid", "WorkerAttributes",
    "TaskSid", "TaskAttributes", "TaskAge", "TaskPriority", "ReservationSid",
}


def activity_of(tutorial, worker: str) -> str:
    return tutorial.api.workers(tutorial.workers[worker]).fetch().activity_name


def test_seed_scenario_accept_by_rest(tutorial, listener, mock):
    tutorial.set_activity("Alice", "Offline")
    task = tutorial.create_task("es")
    assert task.assignment_status == "pending"
    task = tutorial.api.tasks(task.sid).fetch()
    assert task.task_queue_friendly_name == "Customer Care Requests - Spanish"
    assert tutorial.reservations(task.sid) == []
    assert listener.of("/assignment") == []

    updated = tutorial.set_activity("Alice", "Idle")
    assert updated.activity_name == "Idle"  # the answer shows the requested change; routing follows it
    listener.wait_for(lambda reqs: any(r.path == "/assignment" for r in reqs))
    callback = listener.of("/assignment")[0]
    assert ASSIGNMENT_FIELDS <= set(callback.form)
    assert callback.form["TaskSid"] == task.sid
    assert callback.form["WorkerSid"] == tutorial.workers["Alice"]
    assert json.loads(callback.form["TaskAttributes"]) == {"selected_language": "es"}
    assert json.loads(callback.form["WorkerAttributes"]) == {"languages": ["en", "es"]}
    assert RequestValidator(mock.auth_token).validate(callback.url, callback.form, callback.headers["X-Twilio-Signature"])
    assert not RequestValidator("wrong-token").validate(callback.url, callback.form, callback.headers["X-Twilio-Signature"])

    reservation = tutorial.reservations(task.sid)[0]
    assert reservation.reservation_status == "pending"
    assert reservation.sid == callback.form["ReservationSid"]
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "reserved"
    assert activity_of(tutorial, "Alice") == "Reserved"

    accepted = tutorial.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert accepted.reservation_status == "accepted"
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "assigned"
    assert activity_of(tutorial, "Alice") == "Busy"
    types = [e.event_type for e in tutorial.api.events.list(task_sid=task.sid)]
    for expected in ("task.created", "workflow.entered", "workflow.target-matched", "task-queue.entered",
                     "reservation.created", "reservation.accepted"):
        assert expected in types


def test_bob_is_not_eligible_for_spanish(tutorial):
    tutorial.set_activity("Bob", "Idle")
    task = tutorial.create_task("es")
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "pending"
    assert tutorial.reservations(task.sid) == []
    english = tutorial.create_task("en")
    assert tutorial.reservations(english.sid)[0].worker_name == "Bob"


def test_accept_by_instruction(tutorial, listener):
    listener.answer = lambda req: {"instruction": "accept"}
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "assigned"
    assert tutorial.reservations(task.sid)[0].reservation_status == "accepted"
    assert activity_of(tutorial, "Alice") == "Busy"


def test_empty_or_non_instruction_answers_leave_the_reservation_pending(tutorial, listener, mock):
    answers = iter([{}, {"note": "later"}])
    listener.answer = lambda req: next(answers)
    spanish = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    english = tutorial.create_task("en")
    tutorial.set_activity("Bob", "Idle")
    for task in (spanish, english):
        assert [r.reservation_status for r in tutorial.reservations(task.sid)] == ["pending"]
    # both answers were read and neither carried an instruction (warning 40005 on Twilio)
    outcomes = [c["outcome"] for c in mock.control().callbacks() if c["kind"] == "assignment"]
    assert len(outcomes) == 2 and all("no instruction: reservation stays pending (40005)" in o for o in outcomes), outcomes


def test_reject_routes_to_the_next_worker(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"), extra_workers={"Carla": ["es"]})
    offline = tw.activities["Offline"]
    listener.answer = lambda req: (
        {"instruction": "reject", "activity_sid": offline} if req.form["WorkerSid"] == tw.workers["Alice"] else {"instruction": "accept"}
    )
    tw.set_activity("Carla", "Idle")
    tw.set_activity("Alice", "Idle")  # Carla has idled longer, so she would be first: make Alice first instead
    tw.set_activity("Carla", "Offline")
    task = tw.create_task("es")
    tw.set_activity("Carla", "Idle")
    reservations = {r.worker_name: r.reservation_status for r in tw.reservations(task.sid)}
    assert reservations == {"Alice": "rejected", "Carla": "accepted"}
    assert tw.api.workers(tw.workers["Alice"]).fetch().activity_name == "Offline"
    assert tw.api.tasks(task.sid).fetch().assignment_status == "assigned"


def test_reject_by_rest_without_activity_returns_worker_to_previous_activity(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    reservation = tutorial.reservations(task.sid)[0]
    tutorial.api.workers(tutorial.workers["Alice"]).reservations(reservation.sid).update(
        reservation_status="rejected", worker_activity_sid=tutorial.activities["Offline"])
    assert activity_of(tutorial, "Alice") == "Offline"
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "pending"


def test_second_accept_is_refused_with_twilios_message(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    reservation = tutorial.reservations(task.sid)[0]
    tutorial.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    with pytest.raises(TwilioRestException) as info:
        tutorial.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert info.value.status == 400
    assert f"Reservation {reservation.sid} is already in state [accepted] and cannot be updated to [accepted]" in info.value.msg


def test_reservation_timeout_moves_worker_to_timeout_activity_and_reoffers(tutorial, advance):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    first = tutorial.reservations(task.sid)[0]
    advance(119)
    assert tutorial.api.tasks(task.sid).reservations(first.sid).fetch().reservation_status == "pending"
    advance(2)
    assert tutorial.api.tasks(task.sid).reservations(first.sid).fetch().reservation_status == "timeout"
    assert activity_of(tutorial, "Alice") == "Offline"
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "pending"
    tutorial.set_activity("Alice", "Idle")
    statuses = sorted(r.reservation_status for r in tutorial.reservations(task.sid))
    assert statuses == ["pending", "timeout"]
    assert "reservation.timeout" in [e.event_type for e in tutorial.api.events.list(task_sid=task.sid)]


def test_accepting_a_timed_out_reservation_is_refused(tutorial, advance):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    reservation = tutorial.reservations(task.sid)[0]
    advance(121)
    with pytest.raises(TwilioRestException) as info:
        tutorial.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert "already in state [timeout]" in info.value.msg


def test_cancel_and_complete(tutorial):
    waiting = tutorial.create_task("es")
    canceled = tutorial.api.tasks(waiting.sid).update(assignment_status="canceled", reason="caller hung up")
    assert (canceled.assignment_status, canceled.reason) == ("canceled", "caller hung up")
    task = tutorial.create_task("es")
    with pytest.raises(TwilioRestException) as info:
        tutorial.api.tasks(task.sid).update(assignment_status="completed", reason="too early")
    assert "not assigned" in info.value.msg
    tutorial.set_activity("Alice", "Idle")
    reservation = tutorial.reservations(task.sid)[0]
    tutorial.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    with pytest.raises(TwilioRestException) as info:
        tutorial.api.tasks(task.sid).update(assignment_status="canceled", reason="test")
    assert "not pending or reserved" in info.value.msg
    done = tutorial.api.tasks(task.sid).update(assignment_status="completed", reason="resolved")
    assert done.assignment_status == "completed"
    assert tutorial.api.tasks(task.sid).reservations(reservation.sid).fetch().reservation_status == "completed"
    assert activity_of(tutorial, "Alice") == "Busy"  # completing never moves the worker


def test_canceling_a_reserved_task_cancels_its_reservation_and_frees_the_worker(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    tutorial.api.tasks(task.sid).update(assignment_status="canceled", reason="test")
    assert tutorial.reservations(task.sid)[0].reservation_status == "canceled"
    assert activity_of(tutorial, "Alice") == "Idle"


def test_task_ttl_cancels(tutorial, advance):
    task = tutorial.create_task("es", timeout=60)
    advance(61)
    fetched = tutorial.api.tasks(task.sid).fetch()
    assert (fetched.assignment_status, fetched.reason) == ("canceled", "Task TTL Exceeded")


def test_target_timeout_moves_task_to_next_queue(client, listener, advance):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    config = {"task_routing": {"filters": [{
        "filter_friendly_name": "Spanish then English", "expression": 'selected_language=="es"',
        "targets": [{"queue": tw.queues["es"], "timeout": 30}, {"queue": tw.queues["en"], "priority": 7}],
    }]}}
    tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(config))
    task = tw.create_task("es")
    assert tw.api.tasks(task.sid).fetch().task_queue_sid == tw.queues["es"]
    tw.set_activity("Bob", "Idle")
    assert tw.reservations(task.sid) == []
    advance(31)
    moved = tw.api.tasks(task.sid).fetch()
    assert moved.task_queue_sid == tw.queues["en"]
    assert moved.priority == 7
    assert [r.worker_name for r in tw.reservations(task.sid)] == ["Bob"]


def test_falling_off_the_last_target_cancels(client, listener, advance):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": tw.queues["es"], "timeout": 10}]}]}}
    tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(config))
    task = tw.create_task("es")
    advance(11)
    assert tw.api.tasks(task.sid).fetch().assignment_status == "canceled"
    assert "workflow.timeout" in [e.event_type for e in tw.api.events.list(task_sid=task.sid)]


def test_priority_then_fifo_order(tutorial):
    first = tutorial.create_task("es")
    second = tutorial.create_task("es")
    urgent = tutorial.create_task("es", priority=10)
    tutorial.set_activity("Alice", "Idle")
    assert [r.worker_name for r in tutorial.reservations(urgent.sid)] == ["Alice"]
    assert tutorial.reservations(first.sid) == [] and tutorial.reservations(second.sid) == []


def test_lifo_queue_serves_newest_first(tutorial):
    tutorial.api.task_queues(tutorial.queues["es"]).update(task_order="LIFO")
    tutorial.create_task("es")
    newest = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    assert [r.worker_name for r in tutorial.reservations(newest.sid)] == ["Alice"]


def test_longest_idle_worker_first(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"), extra_workers={"Carla": ["es"]})
    tw.set_activity("Carla", "Idle")
    tw.set_activity("Alice", "Idle")
    task = tw.create_task("es")
    assert [r.worker_name for r in tw.reservations(task.sid)] == ["Carla"]


def test_multi_reservation_rescinds_the_rest(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"), extra_workers={"Carla": ["es"]})
    tw.api.task_queues(tw.queues["es"]).update(max_reserved_workers=2)
    tw.set_activity("Alice", "Idle")
    tw.set_activity("Carla", "Idle")
    task = tw.create_task("es")
    reservations = tw.reservations(task.sid)
    assert sorted(r.worker_name for r in reservations) == ["Alice", "Carla"]
    tw.api.tasks(task.sid).reservations(reservations[0].sid).update(reservation_status="accepted")
    after = {r.sid: r.reservation_status for r in tw.reservations(task.sid)}
    assert after == {reservations[0].sid: "accepted", reservations[1].sid: "rescinded"}
    with pytest.raises(TwilioRestException) as info:
        tw.api.tasks(task.sid).reservations(reservations[1].sid).update(reservation_status="accepted")
    assert info.value.status == 410


def test_a_dequeue_answer_for_a_task_not_made_from_a_call_is_refused_40140(tutorial, listener, mock):
    listener.answer = lambda req: {"instruction": "dequeue", "from": "+15005550006", "post_work_activity_sid": tutorial.activities["Idle"]}
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    # the reference (https://www.twilio.com/docs/taskrouter/twiml-queue-calls, https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks): dequeue needs the call_sid an <Enqueue> puts in the task; the reservation is not changed
    assert [r.reservation_status for r in tutorial.reservations(task.sid)] == ["pending"]
    outcomes = [c["outcome"] for c in mock.control().callbacks() if c["kind"] == "assignment"]
    assert outcomes and "(40140)" in outcomes[-1], outcomes


def test_rest_instruction_conference_needs_a_task_made_from_a_call(tutorial):
    from twilio.base.exceptions import TwilioRestException

    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    reservation = tutorial.reservations(task.sid)[0]
    with pytest.raises(TwilioRestException) as refused:
        tutorial.api.tasks(task.sid).reservations(reservation.sid).update(
            instruction="conference", from_="+15005550006", to="client:alice")
    assert refused.value.code == 40140
    assert tutorial.reservations(task.sid)[0].reservation_status == "pending"


def test_attribute_change_reroutes_a_pending_task(tutorial):
    tutorial.set_activity("Bob", "Idle")
    task = tutorial.create_task("es")
    assert tutorial.reservations(task.sid) == []
    tutorial.api.tasks(task.sid).update(attributes=json.dumps({"selected_language": "en"}))
    assert tutorial.api.tasks(task.sid).fetch().task_queue_sid == tutorial.queues["en"]
    assert [r.worker_name for r in tutorial.reservations(task.sid)] == ["Bob"]


def test_reject_pending_reservations_on_activity_change(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    tutorial.api.workers(tutorial.workers["Alice"]).update(activity_sid=tutorial.activities["Offline"], reject_pending_reservations=True)
    assert tutorial.reservations(task.sid)[0].reservation_status == "rejected"
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "pending"


def test_event_callbacks_are_signed_and_filtered(tutorial, listener, mock):
    tutorial.api.update(event_callback_url=listener.url("/events"), events_filter="reservation.created,reservation.accepted")
    listener.answer = lambda req: {"instruction": "accept"} if req.path == "/assignment" else {}
    tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    listener.wait_for(lambda reqs: sum(r.path == "/events" for r in reqs) >= 2)
    events = listener.of("/events")
    assert [e.form["EventType"] for e in events] == ["reservation.created", "reservation.accepted"]
    for event in events:
        assert RequestValidator(mock.auth_token).validate(event.url, event.form, event.headers["X-Twilio-Signature"])
        assert event.form["Timestamp"].isdigit()
        assert event.form["ResourceType"] == "reservation"


def test_fallback_url_is_used_when_the_callback_fails(client, listener):
    tw = build_tutorial_workspace(client, callback_url="http://127.0.0.1:9/unreachable")
    tw.api.workflows(tw.workflow_sid).update(fallback_assignment_callback_url=listener.url("/fallback"))
    listener.answer = lambda req: {"instruction": "accept"}
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    assert [r.path for r in listener.requests] == ["/fallback"]
    assert tw.api.tasks(task.sid).fetch().assignment_status == "assigned"


def test_real_time_statistics(tutorial):
    tutorial.create_task("es")
    tutorial.create_task("en")
    stats = tutorial.api.task_queues(tutorial.queues["es"]).real_time_statistics().fetch()
    assert stats.tasks_by_status["pending"] == 1
    assert stats.total_eligible_workers == 1
    workspace = tutorial.api.real_time_statistics().fetch()
    assert workspace.total_tasks == 2


def test_reject_instruction_offers_the_task_to_an_already_available_worker(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    offline = tw.activities["Offline"]
    listener.answer = lambda req: (
        {"instruction": "reject", "activity_sid": offline} if req.form["WorkerSid"] == tw.workers["Alice"] else {"instruction": "accept"}
    )
    tw.set_activity("Alice", "Idle")
    tw.set_activity("Bob", "Idle")
    task = tw.create_task("en")
    assert {r.worker_name: r.reservation_status for r in tw.reservations(task.sid)} == {"Alice": "rejected", "Bob": "accepted"}
