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


@pytest.mark.parametrize(("switch", "expected", "reason"), [("wrapping", "wrapping", None), ("completed", "completed", "call ended")])
def test_the_task_after_the_bridge_is_a_switch(switch, expected, reason):
    d = Desk(task_after_bridge=switch)
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.answer_call(leg)
    d.hang_up(caller)
    assert d.status(task) == expected and d.call(leg).status == "completed" and d.fetch_task(task).reason == reason
    assert d.activity_of("Alice") == "WrapUp"  # the instruction's post_work_activity_sid, whatever the switch


def test_the_reason_a_caller_who_hung_up_gives_the_task_is_a_switch():
    d = Desk(caller_hangup_reason="caller abandoned")
    call, task = d.queued_spanish_call()
    d.hang_up(call)
    assert (d.status(task), d.fetch_task(task).reason) == ("canceled", "caller abandoned")


def test_a_worker_whose_phone_went_unanswered_can_keep_her_activity():
    d = Desk(unanswered_worker_activity="keep")
    caller, task = dequeue_to_alice(d, timeout=20)
    d.advance(20)
    # she stays available, so the task is offered straight back to her (what the default, "timeout", avoids)
    assert d.reservations(task) == [("Alice", "canceled"), ("Alice", "pending")]


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


@pytest.mark.parametrize("instruction", ["dequeue", "conference"])
def test_an_instruction_for_the_caller_needs_a_task_made_from_a_call_40140(instruction):
    d = Desk()
    task = d.task(selected_language="es")
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction=instruction, instruction_params={"from": NUMBER})
    assert (refused.value.code, refused.value.message) == (
        40140, f"Task {task} has no call_sid: {instruction} works on tasks made by <Enqueue>")
    assert d.reservations(task) == [("Alice", "pending")]


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


def offered_call() -> tuple[Desk, str, str, str]:
    """A queued Spanish call offered to Alice, nobody answering the assignment callback: (desk, caller, task, reservation)."""
    d = Desk()
    caller, task = d.queued_spanish_call()
    d.set_activity("Alice", "Idle")
    return d, caller, task, d.offer(task)


def refusal(instruction: str, params: dict) -> TaskRouterError:
    d, _, task, res = offered_call()
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(res, task, instruction=instruction, instruction_params=params)
    assert d.reservations(task) == [("Alice", "pending")] and d.list_calls(to=ALICE_PHONE) == []  # nothing rang
    return refused.value


# the codes are the instruction's own (https://www.twilio.com/docs/taskrouter/api/reservations, error codes 40110-40134);
# the messages name the parameter and what is wrong with it
@pytest.mark.parametrize(("instruction", "params", "code", "message"), [
    ("dequeue", {"from": NUMBER, "timeout": "0"}, 40133, "dequeue timeout must be between 1 and 999, got 0"),
    ("dequeue", {"from": NUMBER, "timeout": "1000"}, 40133, "dequeue timeout must be between 1 and 999, got 1000"),
    ("dequeue", {"from": "12345"}, 40132, "'from' '12345' is not a phone number (E.164)"),
    ("dequeue", {"from": NUMBER, "to": "alice"}, 40131, "'to' 'alice' is not a phone number (E.164) or client:name"),
    ("dequeue", {"from": NUMBER, "status_callback_url": f"{BASE}/leg", "status_callback_events": "ringing,dialing, paused"},
     40134, "status_callback_events dialing, paused: use initiated, ringing, answered, completed"),
    ("dequeue", {"from": NUMBER, "record": "record-from-answer"}, 20001,
     "dequeue with record='record-from-answer': recording calls is not emulated by the mock; leave record out (or do-not-record)"),
    ("call", {"from": NUMBER, "url": f"{BASE}/agent", "timeout": "0"}, 40113, "call timeout must be between 1 and 999, got 0"),
    ("call", {"from": NUMBER, "url": f"{BASE}/agent", "timeout": "1000"}, 40113, "call timeout must be between 1 and 999, got 1000"),
    ("call", {"from": NUMBER, "url": f"{BASE}/agent", "record": "true"}, 20001,
     "call with record='true': recording calls is not emulated by the mock; leave record out (or do-not-record)"),
    ("call", {"from": NUMBER, "url": f"{BASE}/agent", "status_callback_url": f"{BASE}/leg", "status_callback_events": "busy"},
     40110, "status_callback_events busy: use initiated, ringing, answered, completed"),
    ("call", {"from": "Alice", "url": f"{BASE}/agent"}, 40111, "'from' 'Alice' is not a phone number (E.164)"),
])
def test_an_instruction_with_a_bad_parameter_is_refused_naming_it_and_rings_nobody(instruction, params, code, message):
    refused = refusal(instruction, params)
    assert (refused.code, refused.message) == (code, message)


@pytest.mark.parametrize(("instruction", "code"), [("dequeue", 40131), ("call", 40110), ("conference", 40137)])
def test_without_to_or_a_contact_uri_the_refusal_names_the_instruction(instruction, code):
    d, task = offered_to_alice_without_a_contact_uri()
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction=instruction, instruction_params={"from": NUMBER, "url": f"{BASE}/agent"})
    assert (refused.value.code, refused.value.message) == (code, f"{instruction} needs 'to' or a contact_uri in the worker's attributes")
    assert d.conferences() == []


@pytest.mark.parametrize(("instruction", "code"), [("dequeue", 40133), ("conference", 40141)])
def test_an_instruction_for_a_call_that_no_longer_waits_in_a_queue_is_refused(instruction, code):
    # a task whose call_sid names a call that is not parked in a queue (here: one that was never enqueued)
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Say>hello</Say><Pause length=\"60\"/></Response>")
    call = d.dial_in()
    task = d.task(selected_language="es", call_sid=call)
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction=instruction, instruction_params={"from": NUMBER})
    assert (refused.value.code, refused.value.message) == (code, f"Call {call} is not waiting in a queue")


@pytest.mark.parametrize("timeout", ["1", "999"])
def test_a_ring_timeout_at_either_end_of_its_range_is_taken(timeout):
    # the ring timeout defaults to 60 s and may be at most 999 (https://www.twilio.com/docs/taskrouter/api/reservations)
    for instruction, params in (("dequeue", {}), ("call", {"url": f"{BASE}/agent"})):
        d, _, task, res = offered_call()
        d.update_reservation(res, task, instruction=instruction, instruction_params={"from": NUMBER, "timeout": timeout, **params})
        (leg,) = d.list_calls(to=ALICE_PHONE)
        assert leg.ring_timeout == int(timeout) and leg.status == "ringing"


def test_dequeue_without_from_calls_the_worker_from_the_number_the_caller_dialled():
    # without from, the worker sees the number the caller dialled (https://www.twilio.com/docs/taskrouter/twiml-queue-calls)
    d, _, task, res = offered_call()
    d.update_reservation(res, task, instruction="dequeue", instruction_params={"record": "do-not-record"})
    (leg,) = d.list_calls(to=ALICE_PHONE)
    assert (leg.from_, leg.ring_timeout) == (NUMBER, 60)


@pytest.mark.parametrize(("params", "events"), [
    ({"status_callback_event": "answered completed"}, ("answered", "completed")),
    ({"status_callback_events": "initiated,ringing"}, ("initiated", "ringing")),
    ({}, ("completed",)),
])
def test_the_worker_legs_status_callback_is_a_get_on_the_named_events(params, events):
    # the status callback is a GET for the worker's leg, on completed unless other events are named; the events are a
    # comma list (the SDK sends the plural name) (https://www.twilio.com/docs/taskrouter/api/reservations)
    for instruction, more in (("dequeue", {}), ("call", {"url": f"{BASE}/agent"})):
        d, _, task, res = offered_call()
        d.update_reservation(res, task, instruction=instruction,
                             instruction_params={"from": NUMBER, "status_callback_url": f"{BASE}/leg", **params, **more})
        (leg,) = d.list_calls(to=ALICE_PHONE)
        assert (leg.status_callback, leg.status_callback_method, leg.status_callback_events) == (f"{BASE}/leg", "GET", events)


@pytest.mark.parametrize(("queue", "message"), [
    ("<Queue>support</Queue>", "<Dial><Queue> by queue name is not emulated by the mock: give reservationSid"),
    ('<Queue reservationSid="WR{zeros}"/>', "<Queue reservationSid='WR{zeros}'>: the reservation is gone, not pending"),
    ('<Queue reservationSid="{accepted}"/>', "<Queue reservationSid='{accepted}'>: the reservation is accepted, not pending"),
    ('<Queue reservationSid="{no_caller}"/>', "<Queue reservationSid='{no_caller}'>: no caller waits for task {no_caller_task}"),
])
def test_a_worker_leg_that_dials_a_queue_it_cannot_reach_hears_why(queue, message):
    d = Desk()
    call, task = d.queued_spanish_call()
    d.set_activity("Alice", "Idle")
    accepted = d.offer(task)
    d.accept(task)
    plain = d.task(selected_language="en")  # a task no call made
    d.set_activity("Bob", "Idle")
    values = {"zeros": "0" * 32, "accepted": accepted, "no_caller": d.offer(plain), "no_caller_task": plain}
    d.route("/agent", lambda p: f"<Response><Dial>{queue.format(**values)}</Dial></Response>")
    d.set_phone("+14155550199", "answer")
    leg = d.create_call("+14155550199", NUMBER, url=f"{BASE}/agent").sid
    assert (d.call(leg).errors[0]["code"], d.call(leg).errors[0]["message"]) == (12200, message.format(**values))


def test_redirect_of_a_call_that_is_not_live_is_40121():
    d, _, task, res = offered_call()
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(res, task, instruction="redirect", instruction_params={"call_sid": "CA" + "0" * 32, "url": f"{BASE}/x"})
    assert (refused.value.code, refused.value.message) == (40121, f"redirect: call '{'CA' + '0' * 32}' is not a live call")


def test_redirect_asks_the_new_url_with_post_and_keeps_the_task():
    # redirect sends the live call to new TwiML (https://www.twilio.com/docs/taskrouter/api/reservations)
    d, caller, task, res = offered_call()
    d.route("/agent_ivr", lambda p: '<Response><Say>redirected</Say><Pause length="60"/></Response>')
    d.update_reservation(res, task, instruction="redirect", instruction_params={"call_sid": caller, "url": f"{BASE}/agent_ivr"})
    (asked,) = d.phone.voice_requests("/agent_ivr")
    assert (asked["method"], asked["purpose"]) == ("POST", "redirect") and d.heard(caller)[-1] == "redirected"
    assert d.status(task) == "reserved"  # the task is the reservation's to settle: not canceled with the queue
