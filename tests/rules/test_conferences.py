"""The rules of the conference instruction, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/twiml-queue-calls
- https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
"""

from __future__ import annotations

import json

from voice import ALICE_PHONE, Desk, conference_for_alice


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
