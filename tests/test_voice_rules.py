"""The phone network's rules, in-process: voice webhooks, the TwiML verbs, <Enqueue> tasks, dequeue to a
worker, hang-ups at every stage and bad documents. Expected values are the reference's
(https://www.twilio.com/docs/taskrouter/quickstart/python, https://www.twilio.com/docs/taskrouter/twiml-queue-calls, https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks, https://www.twilio.com/docs/voice/twiml)."""

from __future__ import annotations

import json

import pytest
from voice import ALICE_PHONE, BASE, CALLER, NUMBER, Desk

from trkit.mock.engine.errors import TaskRouterError

GATHER = (f'<Response><Gather action="{BASE}/enqueue_call" numDigits="1" timeout="5">'
          '<Say language="es">Para Español oprime el uno.</Say>'
          '<Say language="en">For English, please hold or press two.</Say></Gather></Response>')


# ------------------------------------------------------------ receiving a call (https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-receive-call, https://www.twilio.com/docs/voice/twiml)
def test_an_inbound_call_asks_the_numbers_voice_url_with_the_standard_parameters():
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Say>Hello</Say></Response>")
    call = d.dial_in()
    (request,) = d.phone.voice_requests("/incoming_call")
    assert request["method"] == "POST"
    params = request["params"]
    assert {k: params[k] for k in ("CallSid", "From", "To", "Caller", "Called", "Direction", "ApiVersion", "AccountSid")} == {
        "CallSid": call, "From": CALLER, "To": NUMBER, "Caller": CALLER, "Called": NUMBER, "Direction": "inbound",
        "ApiVersion": "2010-04-01", "AccountSid": d.engine.account_sid}
    assert params["CallStatus"] == "ringing"  # Twilio asks for TwiML while the call rings
    assert {"FromCountry", "ToCity", "CallerZip", "CalledState"} <= set(params)
    # the document ran out of verbs: the call ends, as on Twilio
    assert d.heard(call) == ["Hello"] and d.call(call).status == "completed"


def test_gather_sends_the_digit_as_a_form_field_to_its_action():
    d = Desk()
    d.route("/incoming_call", lambda p: GATHER)
    d.route("/enqueue_call", lambda p: "<Response><Say>Gracias</Say><Hangup/></Response>")
    call = d.dial_in()
    assert d.heard(call) == ["[es] Para Español oprime el uno.", "[en] For English, please hold or press two."]
    assert d.call(call).status == "in-progress"
    d.engine.press_digits(call, "1")
    (request,) = d.phone.voice_requests("/enqueue_call")
    assert request["method"] == "POST" and request["params"]["Digits"] == "1"
    assert d.heard(call)[-1] == "Gracias" and d.call(call).status == "completed"


def test_gather_with_no_key_before_its_timeout_falls_through_and_the_call_ends():
    d = Desk()
    d.route("/incoming_call", lambda p: GATHER)
    call = d.dial_in()
    d.advance(4.9)
    assert d.call(call).status == "in-progress"
    d.advance(0.2)
    assert d.phone.voice_requests("/enqueue_call") == []  # actionOnEmptyResult is false by default
    assert d.call(call).status == "completed"


def test_gather_finish_on_key_and_a_get_action_carry_the_digits_in_the_query():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Gather action="{BASE}/pin" method="GET"/></Response>')
    d.route("/pin", lambda p: "<Response><Hangup/></Response>")
    call = d.dial_in()
    d.engine.press_digits(call, "42#")
    (request,) = d.phone.voice_requests("/pin")
    assert request["method"] == "GET" and request["params"]["Digits"] == "42" and request["params"]["FinishedOnKey"] == "#"


def test_pause_waits_on_the_mock_clock():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Pause length="3"/><Say>after</Say></Response>')
    call = d.dial_in()
    assert d.heard(call) == []
    d.advance(3)
    assert d.heard(call) == ["after"]


def test_redirect_fetches_the_next_document_and_a_loop_ends_with_11215():
    d = Desk()
    d.route("/incoming_call", lambda p: f"<Response><Redirect>{BASE}/again</Redirect></Response>")
    d.route("/again", lambda p: "<Response><Redirect>/again</Redirect></Response>")
    call = d.dial_in()
    assert d.call(call).status == "completed"
    assert d.call(call).errors[0]["code"] == 11215


# ------------------------------------------------------------ bad documents (https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-receive-call, https://www.twilio.com/docs/voice/twiml)
@pytest.mark.parametrize(("answer", "code"), [
    ("<Response><Say>unclosed</Response>", 12100),
    ('<!DOCTYPE r [<!ENTITY x "y">]><Response/>', 12100),
    ("<Speak>hello</Speak>", 12200),
    ("<Response><Dance/></Response>", 12200),
    ((500, "text/html", "boom"), 11200),
    ((200, "application/json", "{}"), 11200),
])
def test_a_document_the_call_cannot_use_ends_it_with_twilios_apology_and_the_error_code(answer, code):
    d = Desk()
    d.route("/incoming_call", lambda p: answer)
    call = d.dial_in()
    record = d.call(call)
    assert record.status == "completed"
    assert d.heard(call)[-1] == "We are sorry, an application error has occurred. Goodbye."
    assert record.errors[0]["code"] == code


def test_plain_text_that_is_not_twiml_is_read_aloud_then_the_call_ends():
    # Voice (https://www.twilio.com/docs/voice/twiml): text/plain is played as TwiML when it is TwiML, else read out and the call hung up
    d = Desk()
    d.route("/incoming_call", lambda p: (200, "text/plain; charset=utf-8", " Thanks for calling, goodbye. "))
    call = d.dial_in()
    record = d.call(call)
    assert d.heard(call) == ["Thanks for calling, goodbye."] and record.status == "completed" and record.errors == ()


def test_plain_text_that_is_twiml_is_played():
    d = Desk()
    d.route("/incoming_call", lambda p: (200, "text/plain", "<Response><Say>Hola</Say><Pause length=\"5\"/></Response>"))
    call = d.dial_in()
    assert d.heard(call) == ["Hola"] and d.call(call).status == "in-progress"


def test_valid_twiml_the_mock_does_not_play_is_refused_saying_so():
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Dial><Conference>room</Conference></Dial></Response>")
    call = d.dial_in()
    assert "does not emulate" in d.call(call).errors[0]["message"]


def test_the_fallback_url_answers_when_the_voice_url_fails():
    d = Desk()
    d.engine.update_phone_number(d.number, voice_fallback_url=f"{BASE}/fallback")
    d.route("/incoming_call", lambda p: (500, "text/html", "boom"))
    d.route("/fallback", lambda p: "<Response><Say>Sorry, try later</Say></Response>")
    call = d.dial_in()
    assert d.heard(call) == ["Sorry, try later"] and d.call(call).errors == ()


# ------------------------------------------------------------ <Enqueue> makes a task (https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-create-task, https://www.twilio.com/docs/taskrouter/twiml-queue-calls)
def test_enqueue_creates_a_voice_task_from_the_call_and_parks_the_caller():
    d = Desk()
    d.enqueue_spanish()
    call = d.dial_in()
    (task,) = d.engine.list_tasks(d.ws)
    attributes = json.loads(task.attributes)
    assert attributes["selected_language"] == "es"
    assert {k: attributes[k] for k in ("call_sid", "from", "to", "caller", "called", "direction", "api_version", "account_sid")} == {
        "call_sid": call, "from": CALLER, "to": NUMBER, "caller": CALLER, "called": NUMBER, "direction": "inbound",
        "api_version": "2010-04-01", "account_sid": d.engine.account_sid}
    documented = {"from_country", "called", "to_country", "to_city", "to_state", "caller_country", "call_status", "call_sid",
                  "account_sid", "from_zip", "from", "direction", "called_zip", "caller_state", "to_zip", "called_country",
                  "from_city", "called_city", "caller_zip", "api_version", "called_state", "from_state", "caller", "caller_city", "to"}
    assert documented <= set(attributes)
    assert d.engine.task_channel(d.ws, task.task_channel_sid).unique_name == "voice"
    assert task.assignment_status == "pending" and d.queue_of(task.sid) == "Spanish"
    assert d.call(call).status == "in-progress" and d.heard(call) == ["(hold music)"]


@pytest.mark.parametrize(("enqueue", "words"), [
    ("<Enqueue>support</Enqueue>", "without workflowSid"),
    ('<Enqueue workflowSid="{wf}" waitUrl="/hold"><Task>{{}}</Task></Enqueue>', "waitUrl"),
    ('<Enqueue workflowSid="WW{zeros}"><Task>{{}}</Task></Enqueue>', "is not a workflow of this account"),
    ('<Enqueue workflowSid="{wf}"><Task>selected_language=es</Task></Enqueue>', "must hold a JSON object"),
    ('<Enqueue workflowSid="{wf}"><Task>["es"]</Task></Enqueue>', "must hold a JSON object"),
])
def test_an_enqueue_the_mock_cannot_make_a_task_of_ends_the_call_saying_why(enqueue, words):
    d = Desk()
    document = "<Response>" + enqueue.format(wf=d.workflows["wf"], zeros="0" * 32) + "</Response>"
    d.route("/incoming_call", lambda p: document)
    call = d.dial_in()
    record = d.call(call)
    assert record.status == "completed" and d.engine.list_tasks(d.ws) == []
    assert d.heard(call)[-1] == "We are sorry, an application error has occurred. Goodbye."
    assert record.errors[0]["code"] == 12200 and words in record.errors[0]["message"]


def test_an_empty_wait_url_holds_the_caller_in_silence():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{d.workflows["wf"]}" waitUrl="">'
                                        "<Task>{}</Task></Enqueue></Response>")
    call = d.dial_in()
    assert d.call(call).status == "in-progress" and d.heard(call) == [] and len(d.engine.list_tasks(d.ws)) == 1


def test_task_priority_and_timeout_come_from_the_task_noun():
    d = Desk()
    wf = d.workflows["wf"]
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{wf}"><Task priority="5" timeout="600">{{}}</Task>'
                                        "</Enqueue></Response>")
    d.dial_in()
    (task,) = d.engine.list_tasks(d.ws)
    assert (task.priority, task.timeout) == (5, 600)


def test_a_caller_who_hangs_up_in_the_queue_cancels_the_task_and_the_action_hears_hangup():
    d = Desk()
    call, task = d.queued_spanish_call()
    d.engine.hang_up(call)
    assert d.status(task) == "canceled" and d.fetch_task(task).reason == "hangup"
    (after,) = d.phone.voice_requests("/after_queue")
    assert after["params"]["QueueResult"] == "hangup"


def test_a_caller_who_hangs_up_while_reserved_cancels_the_reservation_too():
    d = Desk()
    d.enqueue_spanish()
    call = d.dial_in()
    (task,) = d.engine.list_tasks(d.ws)
    d.set_activity("Alice", "Idle")
    assert d.reservations(task.sid) == [("Alice", "pending")]
    d.engine.hang_up(call)
    assert d.reservations(task.sid) == [("Alice", "canceled")] and d.status(task.sid) == "canceled"


# ------------------------------------------------------------ dequeue to a worker (https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-dequeue-call, https://www.twilio.com/docs/taskrouter/twiml-queue-calls, https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks)
def dequeue_to_alice(d: Desk, **extra) -> tuple[str, str]:
    d.phone.assignment = lambda p: {"instruction": "dequeue", "from": NUMBER, "post_work_activity_sid": d.activities["WrapUp"], **extra}
    call, task = d.queued_spanish_call("<Response><Say>Thanks for calling</Say></Response>")
    d.set_activity("Alice", "Idle")
    return call, task


def test_dequeue_rings_the_workers_contact_uri_and_the_reservation_waits_for_the_answer():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    worker_call_sid = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    leg = d.call(worker_call_sid)
    assert (leg.to, leg.from_, leg.status) == (ALICE_PHONE, NUMBER, "ringing")
    assert d.reservations(task) == [("Alice", "pending")]
    d.engine.answer_call(worker_call_sid)
    assert d.reservations(task) == [("Alice", "accepted")] and d.status(task) == "assigned"
    assert d.call(caller).bridged_with == worker_call_sid
    assert "(connected to +14155550111)" in d.heard(caller)


def test_the_enqueue_action_hears_the_time_spent_in_the_queue_not_on_the_call():
    # QueueTime is the time the call spent in the queue (https://www.twilio.com/docs/taskrouter/twiml-queue-calls): it left the queue when it
    # was bridged to Alice, though the action is asked only when the bridge ends
    d = Desk()
    d.phone.assignment = lambda p: {"instruction": "dequeue", "from": NUMBER, "post_work_activity_sid": d.activities["WrapUp"]}
    caller, task = d.queued_spanish_call()
    d.engine.advance(10)
    d.set_activity("Alice", "Idle")
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.engine.advance(5)
    d.engine.answer_call(leg)
    d.engine.advance(60)
    d.engine.hang_up(leg)
    (after,) = d.phone.voice_requests("/after_queue")
    assert (after["params"]["QueueResult"], after["params"]["QueueTime"]) == ("bridged", "15")


def test_a_caller_who_hangs_up_in_the_queue_is_reported_with_the_time_waited():
    d = Desk()
    caller, task = d.queued_spanish_call()
    d.engine.advance(42)
    d.engine.hang_up(caller)
    (after,) = d.phone.voice_requests("/after_queue")
    assert (after["params"]["QueueResult"], after["params"]["QueueTime"]) == ("hangup", "42")


def test_when_the_bridged_call_ends_the_worker_goes_to_the_post_work_activity():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.engine.answer_call(leg)
    d.engine.hang_up(leg)  # Alice puts the phone down: the caller goes on to the Enqueue action
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
    d.engine.answer_call(leg)
    d.engine.hang_up(caller)
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
    d.engine.set_phone(ALICE_PHONE, "busy")
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    assert d.call(leg).status == "busy" and d.reservations(task)[0] == ("Alice", "canceled")
    assert d.activity_of("Alice") == "Offline"


def test_dequeue_needs_a_task_made_from_a_call_40140():
    d = Desk()
    task = d.task(selected_language="es")
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.engine.update_reservation(d.ws, d.offer(task), task_sid=task, instruction="dequeue",
                                    instruction_params={"from": NUMBER})
    assert refused.value.code == 40140 and d.reservations(task) == [("Alice", "pending")]


def test_dequeue_without_to_or_contact_uri_is_40131():
    d = Desk()
    d.enqueue_spanish()
    d.dial_in()
    (task,) = d.engine.list_tasks(d.ws)
    d.engine.update_worker(d.ws, d.workers["Alice"], attributes=json.dumps({"languages": ["es"]}))
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.engine.update_reservation(d.ws, d.offer(task.sid), task_sid=task.sid, instruction="dequeue",
                                    instruction_params={"from": NUMBER})
    assert refused.value.code == 40131


def test_the_worker_leg_dials_the_queue_by_reservation_sid():
    d = Desk()
    d.enqueue_spanish()
    caller = d.dial_in()
    (task,) = d.engine.list_tasks(d.ws)
    d.set_activity("Alice", "Idle")
    reservation = d.offer(task.sid)
    d.route("/agent", lambda p: f'<Response><Dial><Queue reservationSid="{reservation}" '
                                f'postWorkActivitySid="{d.activities["WrapUp"]}"/></Dial></Response>')
    d.engine.set_phone(ALICE_PHONE, "answer")
    leg = d.engine.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent").sid
    assert d.reservations(task.sid) == [("Alice", "accepted")] and d.call(caller).bridged_with == leg
    d.engine.hang_up(caller)
    assert d.activity_of("Alice") == "WrapUp"


def test_a_status_callback_reports_the_completed_call():
    d = Desk()
    d.engine.update_phone_number(d.number, status_callback=f"{BASE}/status")
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
    (task,) = d.engine.list_tasks(d.ws)
    d.set_activity("Alice", "Idle")
    params = {"call_sid": caller, "url": f"{BASE}/hold_for_alice"}
    if accept:
        params["accept"] = accept
    d.engine.update_reservation(d.ws, d.offer(task.sid), task_sid=task.sid,
                                instruction="redirect", instruction_params=params)
    assert d.reservations(task.sid) == [("Alice", expected)]
    assert d.heard(caller)[-1] == "Connecting you to Alice"
    assert d.status(task.sid) in ("reserved", "assigned")  # the task stays: the reservation moved the call


def test_without_an_action_enqueue_asks_nobody_when_the_call_leaves_the_queue():
    d = Desk()
    d.enqueue_spanish()
    caller = d.dial_in()
    d.engine.hang_up(caller)
    assert [r["url"] for r in d.phone.voice_requests()] == [f"{BASE}/incoming_call"]


def test_a_bridged_caller_who_hangs_up_is_reported_bridged_not_hangup():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    d.engine.answer_call(json.loads(d.fetch_task(task).attributes)["worker_call_sid"])
    d.engine.hang_up(caller)
    (after,) = d.phone.voice_requests("/after_queue")
    assert after["params"]["QueueResult"] == "bridged" and d.status(task) == "assigned"


def test_an_unanswered_worker_phone_can_leave_the_reservation_pending_until_its_timeout():
    d = Desk(unanswered_worker_call="pending", unanswered_worker_activity="keep")
    caller, task = dequeue_to_alice(d, timeout=20)
    d.advance(20)
    assert d.reservations(task) == [("Alice", "pending")] and d.activity_of("Alice") == "Reserved"


# ------------------------------------------------------------ the remaining verbs (https://www.twilio.com/docs/voice/twiml)
def test_play_is_heard_and_loop_repeats_it():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Play loop="2">https://example.com/jingle.mp3</Play></Response>')
    call = d.dial_in()
    assert d.heard(call) == ["(plays https://example.com/jingle.mp3)"] * 2


@pytest.mark.parametrize(("reason", "status"), [("busy", "busy"), ("rejected", "no-answer")])
def test_reject_ends_the_call_without_answering_it(reason, status):
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Reject reason="{reason}"/></Response>')
    call = d.dial_in()
    assert d.call(call).status == status


def test_leave_outside_a_wait_url_is_refused_saying_so():
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Leave/></Response>")
    call = d.dial_in()
    assert "waitUrl" in d.call(call).errors[0]["message"]


def test_dial_rings_a_number_bridges_on_answer_and_the_action_hears_the_dial_status():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Dial action="{BASE}/after_dial" timeout="20">'
                                        f'<Number>{ALICE_PHONE}</Number></Dial></Response>')
    d.route("/after_dial", lambda p: "<Response><Say>Bye</Say></Response>")
    call = d.dial_in()
    (child,) = d.engine.list_calls(parent_call_sid=call)
    assert (child.to, child.direction, child.status) == (ALICE_PHONE, "outbound-dial", "ringing")
    assert child.from_ == d.call(call).from_  # no callerId: Alice's phone shows the caller's number
    d.engine.answer_call(child.sid)
    d.advance(42)
    d.engine.hang_up(child.sid)
    (after,) = d.phone.voice_requests("/after_dial")
    # the Dial action's parameters (https://www.twilio.com/docs/voice/twiml/dial#action)
    assert {k: after["params"][k] for k in ("DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged")} == {
        "DialCallStatus": "completed", "DialCallSid": child.sid, "DialCallDuration": "42", "DialBridged": "true"}
    assert d.heard(call)[-1] == "Bye"


def test_dial_to_a_client_nobody_answers_reports_no_answer():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Dial action="{BASE}/after_dial" timeout="10"><Client>alice</Client>'
                                        "</Dial></Response>")
    d.route("/after_dial", lambda p: "<Response/>")
    call = d.dial_in()
    (child,) = d.engine.list_calls(parent_call_sid=call)
    assert child.to == "client:alice"
    d.advance(10)
    (after,) = d.phone.voice_requests("/after_dial")
    assert {k: after["params"][k] for k in ("DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged")} == {
        "DialCallStatus": "no-answer", "DialCallSid": child.sid, "DialCallDuration": "0", "DialBridged": "false"}


def test_a_caller_who_hangs_up_while_the_workers_phone_rings_ends_both():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.engine.hang_up(caller)
    assert d.status(task) == "canceled" and d.reservations(task) == [("Alice", "canceled")]
    assert d.call(leg).status == "canceled"  # nobody is left to connect Alice to


def test_the_call_instruction_without_to_or_contact_uri_is_40110():
    d = Desk()
    d.enqueue_spanish()
    d.dial_in()
    (task,) = d.engine.list_tasks(d.ws)
    d.engine.update_worker(d.ws, d.workers["Alice"], attributes=json.dumps({"languages": ["es"]}))
    d.set_activity("Alice", "Idle")
    with pytest.raises(TaskRouterError) as refused:
        d.engine.update_reservation(d.ws, d.offer(task.sid), task_sid=task.sid, instruction="call",
                                    instruction_params={"from": NUMBER, "url": f"{BASE}/agent"})
    assert refused.value.code == 40110 and d.reservations(task.sid) == [("Alice", "pending")]


# ------------------------------------------------------------ REST Calls (https://www.twilio.com/docs/voice/twiml)
def test_a_rest_call_rings_plays_its_twiml_when_answered_and_can_be_hung_up():
    d = Desk()
    call = d.engine.create_call(ALICE_PHONE, NUMBER, twiml="<Response><Say>Hi Alice</Say><Pause length=\"60\"/></Response>").sid
    assert d.call(call).status == "ringing" and d.call(call).direction == "outbound-api"
    d.engine.answer_call(call)
    assert d.heard(call) == ["Hi Alice"]
    d.engine.update_call(call, status="completed")
    assert d.call(call).status == "completed"


def test_a_rest_call_given_both_url_and_twiml_plays_the_url():
    """Voice's Calls create: "If both `twiml` and `url` are provided then `twiml` parameter will be ignored"
    (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource); the same on a redirect."""
    d = Desk()
    d.route("/agent", lambda p: '<Response><Say>From the URL</Say><Pause length="60"/></Response>')
    d.route("/elsewhere", lambda p: "<Response><Say>Moved by URL</Say></Response>")
    call = d.engine.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent", twiml="<Response><Say>Inline</Say></Response>").sid
    d.engine.answer_call(call)
    assert d.heard(call) == ["From the URL"]
    d.engine.update_call(call, url=f"{BASE}/elsewhere", twiml="<Response><Say>Inline again</Say></Response>")
    assert d.heard(call) == ["From the URL", "Moved by URL"]


def test_a_rest_update_redirects_a_live_call():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Pause length="60"/></Response>')
    d.route("/elsewhere", lambda p: "<Response><Say>Moved</Say></Response>")
    call = d.dial_in()
    d.engine.update_call(call, url=f"{BASE}/elsewhere")
    assert d.heard(call) == ["Moved"]


def test_canceling_a_ringing_call_and_listing_by_status():
    d = Desk()
    call = d.engine.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent").sid
    d.engine.update_call(call, status="canceled")
    assert d.call(call).status == "canceled"
    assert [c.sid for c in d.engine.list_calls(status="canceled")] == [call]
    with pytest.raises(TaskRouterError):
        d.engine.update_call(call, url=f"{BASE}/agent")  # only a call in progress can be redirected


# ------------------------------------------------------------ the conference instruction (https://www.twilio.com/docs/taskrouter/twiml-queue-calls, https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks)
def conference_for_alice(d: Desk, **extra) -> tuple[str, str, str]:
    caller, task = d.queued_spanish_call()
    d.set_activity("Alice", "Idle")
    d.engine.update_reservation(d.ws, d.offer(task), task_sid=task, instruction="conference",
                                instruction_params={"from": NUMBER, "post_work_activity_sid": d.activities["WrapUp"], **extra})
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    return caller, task, leg


def test_the_conference_instruction_accepts_and_puts_the_worker_and_caller_in_a_conference():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    assert d.reservations(task) == [("Alice", "accepted")] and d.call(leg).to == ALICE_PHONE
    d.engine.answer_call(leg)
    (conference,) = d.engine.list_conferences()
    assert conference.status == "in-progress" and conference.friendly_name == d.engine.store.reservations_of_task(task)[0].sid
    attributes = json.loads(d.fetch_task(task).attributes)
    assert attributes["conference"] == {"sid": conference.sid, "participants": {"worker": leg, "customer": caller}}
    (left_queue,) = d.phone.voice_requests("/after_queue")
    assert left_queue["params"]["QueueResult"] == "redirected"


def test_the_conference_ends_with_its_last_participant_and_the_task_wraps_up():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    d.engine.answer_call(leg)
    d.engine.hang_up(caller)  # the customer leaves; Alice is still in the conference
    assert d.engine.list_conferences()[0].status == "in-progress" and d.call(leg).status == "in-progress"
    d.engine.hang_up(leg)
    conference = d.engine.list_conferences()[0]
    assert conference.status == "completed"
    assert d.status(task) == "wrapping" and d.fetch_task(task).reason == "Conference ended"  # as observed on Twilio
    assert d.activity_of("Alice") == "WrapUp"


def test_end_conference_on_exit_ends_it_for_everyone():
    d = Desk()
    caller, task, leg = conference_for_alice(d, end_conference_on_customer_exit="true")
    d.engine.answer_call(leg)
    d.engine.hang_up(caller)
    assert d.engine.list_conferences()[0].status == "completed" and d.call(leg).status == "completed"
    assert d.status(task) == "wrapping"


def test_a_caller_gone_before_the_worker_answers_leaves_no_conference_and_stops_the_ring():
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    d.engine.hang_up(caller)
    assert d.call(leg).status == "canceled" and d.engine.list_conferences()[0].status == "completed"
