"""The rules of TwiML documents: the verbs, and documents a call cannot use, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-receive-call
- https://www.twilio.com/docs/voice/twiml
"""

from __future__ import annotations

import json

import pytest
from voice import ALICE_PHONE, BASE, NUMBER, Desk, dequeue_to_alice, offered_to_alice_without_a_contact_uri

from trkit.mock.engine.errors import TaskRouterError
from trkit.mock.engine.twiml_player import NO_LOCATION, REDIRECTED_TOO_OFTEN, fetch_failure_code


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
    d.update_phone_number(d.number, voice_fallback_url=f"{BASE}/fallback")
    d.route("/incoming_call", lambda p: (500, "text/html", "boom"))
    d.route("/fallback", lambda p: "<Response><Say>Sorry, try later</Say></Response>")
    call = d.dial_in()
    assert d.heard(call) == ["Sorry, try later"] and d.call(call).errors == ()


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
    # "Twilio will not answer the call" (https://www.twilio.com/docs/voice/twiml/reject): it never was in progress
    assert (d.call(call).status, d.call(call).start_time) == (status, None)


def test_leave_outside_a_wait_url_is_refused_saying_so():
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Leave/></Response>")
    call = d.dial_in()
    assert (d.call(call).errors[0]["code"], d.call(call).errors[0]["message"]) == (
        12200, "<Leave> belongs in an Enqueue waitUrl document, which the mock does not emulate")


@pytest.mark.parametrize(("reason", "heard"), [("busy", "(busy signal)"), ("rejected", "(the number is not in service)")])
def test_a_rejected_caller_hears_a_busy_signal_or_that_the_number_is_not_in_service(reason, heard):
    # reason "rejected" (the default) plays a not-in-service message, "busy" a busy signal
    # (https://www.twilio.com/docs/voice/twiml/reject)
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Reject reason="{reason}"/></Response>')
    assert d.heard(d.dial_in()) == [heard]


def test_dial_rings_a_number_bridges_on_answer_and_the_action_hears_the_dial_status():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Dial action="{BASE}/after_dial" timeout="20">'
                                        f'<Number>{ALICE_PHONE}</Number></Dial></Response>')
    d.route("/after_dial", lambda p: "<Response><Say>Bye</Say></Response>")
    call = d.dial_in()
    (child,) = d.list_calls(parent_call_sid=call)
    assert (child.to, child.direction, child.status) == (ALICE_PHONE, "outbound-dial", "ringing")
    assert child.from_ == d.call(call).from_  # no callerId: Alice's phone shows the caller's number
    d.answer_call(child.sid)
    d.advance(42)
    d.hang_up(child.sid)
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
    (child,) = d.list_calls(parent_call_sid=call)
    assert child.to == "client:alice"
    d.advance(10)
    (after,) = d.phone.voice_requests("/after_dial")
    assert {k: after["params"][k] for k in ("DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged")} == {
        "DialCallStatus": "no-answer", "DialCallSid": child.sid, "DialCallDuration": "0", "DialBridged": "false"}


def test_a_caller_who_hangs_up_while_the_workers_phone_rings_ends_both():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.hang_up(caller)
    assert d.status(task) == "canceled" and d.reservations(task) == [("Alice", "canceled")]
    assert d.call(leg).status == "canceled"  # nobody is left to connect Alice to


def test_the_call_instruction_without_to_or_contact_uri_is_40110():
    d, task = offered_to_alice_without_a_contact_uri()
    with pytest.raises(TaskRouterError) as refused:
        d.update_reservation(d.offer(task), task, instruction="call", instruction_params={"from": NUMBER, "url": f"{BASE}/agent"})
    assert refused.value.code == 40110 and d.reservations(task) == [("Alice", "pending")]


def test_a_pause_inside_gather_does_not_end_the_prompt_and_gathers_timeout_is_honoured():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Gather action="{BASE}/menu" timeout="3" actionOnEmptyResult="true">'
                                        '<Say>one</Say><Pause length="2"/><Say>two</Say></Gather></Response>')
    d.route("/menu", lambda p: "<Response><Say>nothing pressed</Say></Response>")
    call = d.dial_in()
    assert d.heard(call) == ["one", "two"]
    d.advance(2.9)
    assert d.phone.voice_requests("/menu") == []
    d.advance(0.2)
    (request,) = d.phone.voice_requests("/menu")
    assert (request["params"]["Digits"], request["purpose"]) == ("", "gather-action")
    assert d.heard(call)[-1] == "nothing pressed"


def test_keys_pressed_while_nothing_listens_are_heard_on_both_sides_of_a_bridge():
    d = Desk()
    caller, task = dequeue_to_alice(d)
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    d.answer_call(leg)
    d.press_digits(caller, "5")
    assert d.heard(caller)[-1] == "(keys 5 pressed: nothing is listening)"
    assert d.heard(leg)[-1] == "(the other party hears) (keys 5 pressed: nothing is listening)"
    assert d.call(caller).gather is None


def test_a_rest_calls_url_is_asked_with_its_method_and_its_fallback_with_the_fallback_method():
    # Calls resource: Method and FallbackMethod (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource)
    d = Desk()
    d.set_phone(ALICE_PHONE, "answer")
    d.route("/agent", lambda p: (500, "text/html", "down"))
    d.route("/spare", lambda p: "<Response><Say>spare</Say></Response>")
    call = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent", method="get", fallback_url=f"{BASE}/spare",
                         fallback_method="get").sid
    asked = d.phone.voice_requests()
    assert [(r["url"], r["method"]) for r in asked] == [(f"{BASE}/agent", "GET"), (f"{BASE}/spare", "GET")]
    assert {(r["account"], r["call_sid"], r["purpose"]) for r in asked} == {(d.account_sid, call, "voice-url")}
    assert d.heard(call) == ["spare"]


def test_dial_with_a_bare_number_rings_it_and_without_an_action_the_document_goes_on():
    d = Desk()
    d.route("/incoming_call", lambda p: f"<Response><Dial>{ALICE_PHONE}</Dial><Say>after the dial</Say></Response>")
    call = d.dial_in()
    (child,) = d.list_calls(parent_call_sid=call)
    assert (child.to, child.status) == (ALICE_PHONE, "ringing")
    d.answer_call(child.sid)
    assert d.call(call).status == "in-progress" and d.heard(child.sid)[-1] == f"(connected to {d.call(call).from_})"
    d.hang_up(child.sid)
    assert d.heard(call)[-1] == "after the dial" and d.call(call).status == "completed"


def test_a_caller_who_hangs_up_during_a_dial_ends_the_dialled_leg():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Dial action="{BASE}/after_dial" method="GET">'
                                        f"<Number>{ALICE_PHONE}</Number></Dial></Response>")
    d.route("/after_dial", lambda p: "<Response/>")
    call = d.dial_in()
    (child,) = d.list_calls(parent_call_sid=call)
    d.answer_call(child.sid)
    d.hang_up(call)
    assert d.call(child.sid).status == "completed"
    assert d.phone.voice_requests("/after_dial") == []  # the caller is gone: nobody to play the action's answer to


def test_a_dial_action_is_asked_with_its_method_when_the_dialled_party_is_busy():
    d = Desk()
    d.set_phone(ALICE_PHONE, "busy")
    d.route("/incoming_call", lambda p: f'<Response><Dial action="{BASE}/after_dial" method="get">'
                                        f"<Number>{ALICE_PHONE}</Number></Dial></Response>")
    d.route("/after_dial", lambda p: "<Response><Say>she is busy</Say></Response>")
    call = d.dial_in()
    (after,) = d.phone.voice_requests("/after_dial")
    assert (after["method"], after["purpose"], after["params"]["DialCallStatus"]) == ("GET", "dial-action", "busy")
    assert d.heard(call)[-1] == "she is busy"


@pytest.mark.parametrize("dial", [f"<Dial><Number>{ALICE_PHONE}</Number><Number>{NUMBER}</Number></Dial>", "<Dial/>"])
def test_dial_rings_one_party_on_the_mock(dial):
    d = Desk()
    d.route("/incoming_call", lambda p: f"<Response>{dial}</Response>")
    call = d.dial_in()
    assert (d.call(call).errors[0]["code"], d.call(call).errors[0]["message"]) == (
        12200, "<Dial> rings one party on the mock: one <Number>, <Client> or <Queue>")


@pytest.mark.parametrize(("status", "error", "code"), [
    (500, None, 11200), (404, None, 11200), (200, None, 11200),
    (308, None, 11216), (300, None, 11216), (302, NO_LOCATION, 11216), (399, None, 11216),
    (302, REDIRECTED_TOO_OFTEN, 11215), (307, REDIRECTED_TOO_OFTEN, 11215),
    (None, "ConnectionError: [Errno 111] Connection refused", 11205), (None, "ReadTimeout: timed out", 11205), (None, None, 11205),
    (None, "ConnectionError: NameResolutionError(...)", 11210), (None, "[Errno -2] Name or service not known", 11210),
])
def test_a_document_that_cannot_be_fetched_gets_voices_code_for_why(status, error, code):
    # 11200 HTTP retrieval failure, 11205 connection failure, 11210 bad host name, 11215 too many redirects, 11216
    # invalid redirect (https://www.twilio.com/docs/api/errors)
    assert fetch_failure_code(status, error) == code
