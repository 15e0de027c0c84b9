"""The rules of the conference instruction, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/twiml-queue-calls
- https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
"""

from __future__ import annotations

import json

import pytest
from voice import ALICE_PHONE, NUMBER, Desk, conference_for_alice

from trkit.mock.engine.errors import TaskRouterError


def test_the_conference_instruction_accepts_and_puts_the_worker_and_caller_in_a_conference():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    assert d.reservations(task) == [("Alice", "accepted")] and d.call(leg).to == ALICE_PHONE
    d.answer_call(leg)
    (conference,) = d.conferences()
    assert conference.status == "in-progress" and conference.friendly_name == d.reservation_records(task)[0].sid
    attributes = json.loads(d.fetch_task(task).attributes)
    assert attributes["conference"] == {"sid": conference.sid, "participants": {"worker": leg, "customer": caller}}
    (left_queue,) = d.phone.voice_requests("/after_queue")
    assert left_queue["params"]["QueueResult"] == "redirected"


def test_the_conference_ends_with_its_last_participant_and_the_task_wraps_up():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    d.answer_call(leg)
    d.hang_up(caller)  # the customer leaves; Alice is still in the conference
    assert d.conferences()[0].status == "in-progress" and d.call(leg).status == "in-progress"
    d.hang_up(leg)
    conference = d.conferences()[0]
    assert conference.status == "completed"
    # the Conference resource's reason_conference_ended (https://www.twilio.com/docs/voice/api/conference-resource)
    assert conference.reason_conference_ended == "last-participant-left" and conference.call_sid_ending_conference == leg
    assert d.status(task) == "wrapping" and d.fetch_task(task).reason == "Conference ended"  # as observed on Twilio
    assert d.activity_of("Alice") == "WrapUp"


def test_end_conference_on_exit_ends_it_for_everyone():
    d = Desk()
    caller, task, leg = conference_for_alice(d, end_conference_on_customer_exit="true")
    d.answer_call(leg)
    d.hang_up(caller)
    conference = d.conferences()[0]
    assert conference.status == "completed" and d.call(leg).status == "completed"
    assert conference.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert conference.call_sid_ending_conference == caller
    assert d.status(task) == "wrapping"


def test_a_caller_gone_before_the_worker_answers_leaves_no_conference_and_stops_the_ring():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    d.hang_up(caller)
    assert d.call(leg).status == "canceled" and d.conferences()[0].status == "completed"


def test_the_worker_who_ends_the_conference_on_exit_ends_it_for_the_caller():
    d = Desk()
    caller, task, leg = conference_for_alice(d, end_conference_on_exit="true", timeout="20")
    assert d.call(leg).ring_timeout == 20
    d.answer_call(leg)
    d.hang_up(leg)
    conference = d.conferences()[0]
    assert (conference.status, conference.reason_conference_ended, conference.call_sid_ending_conference) == (
        "completed", "participant-with-end-conference-on-exit-left", leg)
    assert d.call(caller).status == "completed" and d.status(task) == "wrapping" and d.activity_of("Alice") == "WrapUp"


def test_the_conferences_participants_wait_then_connect_then_leave_one_by_one():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    (conference,) = d.conferences()
    assert [(p["call_sid"], p["label"], p["status"]) for p in conference.participants] == [
        (caller, "customer", "waiting"), (leg, "worker", "waiting")]
    assert conference.status == "init" and d.call(leg).from_ == NUMBER  # from: the number the caller dialled
    d.advance(3)
    d.answer_call(leg)
    conference = d.conferences()[0]
    assert [(p["status"], p["joined_at"]) for p in conference.participants] == [("connected", d.now())] * 2
    assert d.call(caller).waiting == d.call(leg).waiting == "conference"
    assert d.heard(leg)[-1] == d.heard(caller)[-1] == f"(in conference {conference.friendly_name})"
    d.hang_up(caller)
    conference = d.conferences()[0]
    assert [p["status"] for p in conference.participants] == ["completed", "connected"]
    assert d.status(task) == "assigned"  # Alice is still talking: the task is not over


@pytest.mark.parametrize(("params", "code", "message"), [
    ({"from": NUMBER, "to": "alice"}, 40137, "'to' 'alice' is not a phone number (E.164) or client:name"),
    ({"from": "Alice"}, 40138, "'from' 'Alice' is not a phone number (E.164)"),
])
def test_a_conference_instruction_with_a_bad_party_is_refused_and_leaves_no_conference(params, code, message):
    d = Desk()
    caller, task = d.queued_spanish_call()
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction="conference", instruction_params=params)
    assert (refused.value.code, refused.value.message) == (code, message)
    assert d.reservations(task) == [("Alice", "pending")] and d.conferences() == []
