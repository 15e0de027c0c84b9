"""The rules of dequeue: the worker's phone rings, the caller is bridged, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-dequeue-call
- https://www.twilio.com/docs/taskrouter/twiml-queue-calls
- https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
"""

from __future__ import annotations

import json

import pytest
from voice import ALICE_PHONE, BASE, NUMBER, Desk, dequeue_to_alice, offered_to_alice_without_a_contact_uri

from trkit.mock.engine.errors import TaskRouterError


def test_dequeue_rings_the_workers_contact_uri_and_the_reservation_waits_for_the_answer():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    worker_call_sid = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    leg = d.call(worker_call_sid)
    assert (leg.to, leg.from_, leg.status) == (ALICE_PHONE, NUMBER, "ringing")
    assert d.reservations(task) == [("Alice", "pending")]
    d.answer_call(worker_call_sid)
    assert d.reservations(task) == [("Alice", "accepted")] and d.status(task) == "assigned"
    assert d.call(caller).bridged_with == worker_call_sid
    assert "(connected to +14155550111)" in d.heard(caller)


def test_the_enqueue_action_hears_the_time_spent_in_the_queue_not_on_the_call():
    # QueueTime is the time the call spent in the queue (https://www.twilio.com/docs/taskrouter/twiml-queue-calls): it left the queue when it
    # was bridged to Alice, though the action is asked only when the bridge ends
    d = Desk()
    d.phone.assignment = lambda p: {"instruction": "dequeue", "from": NUMBER, "post_work_activity_sid": d.activities["WrapUp"]}
    caller, task = d.queued_spanish_call()
    d.advance(10)
    d.set_activity("Alice", "Idle")
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.advance(5)
    d.answer_call(leg)
    d.advance(60)
    d.hang_up(leg)
    (after,) = d.phone.voice_requests("/after_queue")
    assert (after["params"]["QueueResult"], after["params"]["QueueTime"]) == ("bridged", "15")


def test_a_caller_who_hangs_up_in_the_queue_is_reported_with_the_time_waited():
    d = Desk()
    caller, task = d.queued_spanish_call()
    d.advance(42)
    d.hang_up(caller)
    (after,) = d.phone.voice_requests("/after_queue")
    assert (after["params"]["QueueResult"], after["params"]["QueueTime"]) == ("hangup", "42")


def test_when_the_bridged_call_ends_the_worker_goes_to_the_post_work_activity():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.answer_call(leg)
    d.hang_up(leg)  # Alice puts the phone down: the caller goes on to the Enqueue action
    assert d.activity_of("Alice") == "WrapUp"
    (after,) = d.phone.voice_requests("/after_queue")
    assert after["params"]["QueueResult"] == "bridged"
    assert d.heard(caller)[-1] == "Thanks for calling" and d.call(caller).status == "completed"
    assert d.status(task) == "assigned"  # the reference's default: the app completes it


@pytest.mark.parametrize(("switch", "expected"), [("wrapping", "wrapping"), ("completed", "completed")])
def test_the_task_after_the_bridge_is_a_switch(switch, expected):
    d = Desk(task_after_bridge=switch)
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.answer_call(leg)
    d.hang_up(caller)
    assert d.status(task) == expected and d.call(leg).status == "completed"


def test_an_unanswered_worker_phone_cancels_the_reservation_and_the_task_waits_again():
    d = Desk()
    caller, task = dequeue_to_alice(d, timeout=20)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.advance(20)
    assert d.call(leg).status == "no-answer"
    assert d.reservations(task)[0] == ("Alice", "canceled") and d.call(caller).status == "in-progress"
    # (https://www.twilio.com/docs/taskrouter/twiml-queue-calls)
    assert d.activity_of("Alice") == "Offline" and d.status(task) == "pending"


def test_a_busy_worker_phone_is_declined():
    d = Desk()
    d.set_phone(ALICE_PHONE, "busy")
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    assert d.call(leg).status == "busy" and d.reservations(task)[0] == ("Alice", "canceled")
    assert d.activity_of("Alice") == "Offline"


def test_dequeue_needs_a_task_made_from_a_call_40140():
    d = Desk()
    task = d.task(selected_language="es")
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction="dequeue",
                             instruction_params={"from": NUMBER})
    assert refused.value.code == 40140 and d.reservations(task) == [("Alice", "pending")]


def test_dequeue_without_to_or_contact_uri_is_40131():
    d, task = offered_to_alice_without_a_contact_uri()
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction="dequeue", instruction_params={"from": NUMBER})
    assert refused.value.code == 40131


def test_the_worker_leg_dials_the_queue_by_reservation_sid():
    d = Desk()
    d.enqueue_spanish()
    caller = d.dial_in()
    (task,) = d.list_tasks()
    d.set_activity("Alice", "Idle")
    reservation = d.offer(task.sid)
    d.route("/agent", lambda p: f'<Response><Dial><Queue reservationSid="{reservation}" '
                                f'postWorkActivitySid="{d.activities["WrapUp"]}"/></Dial></Response>')
    d.set_phone(ALICE_PHONE, "answer")
    leg = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent").sid
    assert d.reservations(task.sid) == [("Alice", "accepted")] and d.call(caller).bridged_with == leg
    d.hang_up(caller)
    assert d.activity_of("Alice") == "WrapUp"


def test_a_status_callback_reports_the_completed_call():
    d = Desk()
    d.update_phone_number(d.number, status_callback=f"{BASE}/status")
    d.route("/incoming_call", lambda p: "<Response><Hangup/></Response>")
    call = d.dial_in()
    (status,) = [r for r in d.phone.requests if r["kind"] == "voice-status"]
    assert status["params"]["CallSid"] == call and status["params"]["CallStatus"] == "completed"
    assert status["params"]["CallbackSource"] == "call-progress-events"


@pytest.mark.parametrize(("accept", "expected"), [(None, "pending"), ("true", "accepted")])
def test_the_redirect_instruction_moves_the_live_call_and_accepts_only_when_told(accept, expected):
    d = Desk()
    d.enqueue_spanish()
    d.route("/hold_for_alice", lambda p: "<Response><Say>Connecting you to Alice</Say><Pause length=\"30\"/></Response>")
    caller = d.dial_in()
    (task,) = d.list_tasks()
    d.set_activity("Alice", "Idle")
    params = {"call_sid": caller, "url": f"{BASE}/hold_for_alice"}
    if accept:
        params["accept"] = accept
    d.update_reservation(d.offer(task.sid), task.sid,
                         instruction="redirect", instruction_params=params)
    assert d.reservations(task.sid) == [("Alice", expected)]
    assert d.heard(caller)[-1] == "Connecting you to Alice"
    assert d.status(task.sid) in ("reserved", "assigned")  # the task stays: the reservation moved the call


def test_without_an_action_enqueue_asks_nobody_when_the_call_leaves_the_queue():
    d = Desk()
    d.enqueue_spanish()
    caller = d.dial_in()
    d.hang_up(caller)
    assert [r["url"] for r in d.phone.voice_requests()] == [f"{BASE}/incoming_call"]


def test_a_bridged_caller_who_hangs_up_is_reported_bridged_not_hangup():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    d.answer_call(json.loads(d.fetch_task(task).attributes)["worker_call_sid"])
    d.hang_up(caller)
    (after,) = d.phone.voice_requests("/after_queue")
    assert after["params"]["QueueResult"] == "bridged" and d.status(task) == "assigned"


def test_an_unanswered_worker_phone_can_leave_the_reservation_pending_until_its_timeout():
    d = Desk(unanswered_worker_call="pending", unanswered_worker_activity="keep")
    caller, task = dequeue_to_alice(d, timeout=20)
    d.advance(20)
    assert d.reservations(task) == [("Alice", "pending")] and d.activity_of("Alice") == "Reserved"
