"""The rules of calls: voice webhooks, REST Calls, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-receive-call
- https://www.twilio.com/docs/voice/twiml
"""

from __future__ import annotations

from email.utils import formatdate

import pytest
from voice import ALICE_PHONE, BASE, CALLER, GATHER, NUMBER, Desk

from trkit.mock.engine.errors import TaskRouterError


def test_an_inbound_call_asks_the_numbers_voice_url_with_the_standard_parameters():
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Say>Hello</Say></Response>")
    call = d.dial_in()
    (request,) = d.phone.voice_requests("/incoming_call")
    assert request["method"] == "POST"
    params = request["params"]
    assert {k: params[k] for k in ("CallSid", "From", "To", "Caller", "Called", "Direction", "ApiVersion", "AccountSid")} == {
        "CallSid": call, "From": CALLER, "To": NUMBER, "Caller": CALLER, "Called": NUMBER, "Direction": "inbound",
        "ApiVersion": "2010-04-01", "AccountSid": d.account_sid}
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
    d.press_digits(call, "1")
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
    d.press_digits(call, "42#")
    (request,) = d.phone.voice_requests("/pin")
    assert request["method"] == "GET" and request["params"]["Digits"] == "42" and request["params"]["FinishedOnKey"] == "#"


def test_pause_waits_on_the_mock_clock():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Pause length="3"/><Say>after</Say></Response>')
    call = d.dial_in()
    assert d.heard(call) == []
    d.advance(3)
    assert d.heard(call) == ["after"]


def redirect_chain(d: Desk, redirects: int) -> str:
    """A call whose voice URL redirects ``redirects`` times, each document to the next, the last one saying "made it"."""
    d.route("/incoming_call", lambda p: f"<Response><Redirect>{BASE}/hop1</Redirect></Response>")
    for n in range(1, redirects):
        d.route(f"/hop{n}", lambda p, n=n: f"<Response><Redirect>/hop{n + 1}</Redirect></Response>")
    d.route(f"/hop{redirects}", lambda p: "<Response><Say>made it</Say></Response>")
    return d.dial_in()


def test_ten_redirects_in_a_row_are_followed():
    # the mock's guard against a document that redirects for ever in one instant stops after Twilio's limit for HTTP
    # redirects, 10, with its error 11215 "redirected too many times and may be in a loop"
    # (https://www.twilio.com/docs/api/errors/11215)
    d = Desk()
    call = redirect_chain(d, 10)
    assert d.heard(call) == ["made it"] and d.call(call).errors == ()
    hops = [r for r in d.phone.voice_requests() if r["url"].startswith(f"{BASE}/hop")]
    assert len(hops) == 10 and {(r["method"], r["purpose"]) for r in hops} == {("POST", "redirect")}


def test_the_eleventh_redirect_in_a_row_ends_the_call_with_11215():
    d = Desk()
    call = redirect_chain(d, 11)
    record = d.call(call)
    assert record.status == "completed" and d.heard(call) == ["We are sorry, an application error has occurred. Goodbye."]
    assert (record.errors[0]["code"], record.errors[0]["message"]) == (
        11215, "more than 10 redirects in a row without the call waiting for anything")


def test_a_call_that_waits_between_redirects_may_redirect_for_ever():
    # the count is of redirects in a row: a Pause between them starts it again
    d = Desk()
    d.route("/incoming_call", lambda p: f"<Response><Redirect>{BASE}/again</Redirect></Response>")
    d.route("/again", lambda p: '<Response><Pause length="1"/><Redirect method="GET">/again</Redirect></Response>')
    call = d.dial_in()
    d.advance(30)
    assert d.call(call).status == "in-progress" and d.call(call).errors == ()
    assert {r["method"] for r in d.phone.voice_requests("/again")} == {"POST", "GET"}


def test_a_redirect_without_a_url_is_12200():
    d = Desk()
    d.route("/incoming_call", lambda p: "<Response><Redirect/></Response>")
    call = d.dial_in()
    assert (d.call(call).errors[0]["code"], d.call(call).errors[0]["message"]) == (12200, "<Redirect> needs a URL")


def test_a_rest_call_rings_plays_its_twiml_when_answered_and_can_be_hung_up():
    d = Desk()
    call = d.create_call(ALICE_PHONE, NUMBER, twiml="<Response><Say>Hi Alice</Say><Pause length=\"60\"/></Response>").sid
    assert d.call(call).status == "ringing" and d.call(call).direction == "outbound-api"
    d.answer_call(call)
    assert d.heard(call) == ["Hi Alice"]
    d.update_call(call, status="completed")
    assert d.call(call).status == "completed"


def test_a_rest_call_given_both_url_and_twiml_plays_the_url():
    """Voice's Calls create: "If both `twiml` and `url` are provided then `twiml` parameter will be ignored"
    (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource); the same on a redirect."""
    d = Desk()
    d.route("/agent", lambda p: '<Response><Say>From the URL</Say><Pause length="60"/></Response>')
    d.route("/elsewhere", lambda p: "<Response><Say>Moved by URL</Say></Response>")
    call = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent", twiml="<Response><Say>Inline</Say></Response>").sid
    d.answer_call(call)
    assert d.heard(call) == ["From the URL"]
    d.update_call(call, url=f"{BASE}/elsewhere", twiml="<Response><Say>Inline again</Say></Response>")
    assert d.heard(call) == ["From the URL", "Moved by URL"]


def test_a_rest_update_redirects_a_live_call():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Pause length="60"/></Response>')
    d.route("/elsewhere", lambda p: "<Response><Say>Moved</Say></Response>")
    call = d.dial_in()
    d.update_call(call, url=f"{BASE}/elsewhere")
    assert d.heard(call) == ["Moved"]


def test_canceling_a_ringing_call_and_listing_by_status():
    d = Desk()
    call = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent").sid
    d.update_call(call, status="canceled")
    assert d.call(call).status == "canceled"
    assert [c.sid for c in d.list_calls(status="canceled")] == [call]
    with pytest.raises(TaskRouterError):
        d.update_call(call, url=f"{BASE}/agent")  # only a call in progress can be redirected


def status_callbacks(d: Desk, path: str = "/status") -> list[dict]:
    return [r for r in d.phone.voice_requests(path) if r["kind"] == "voice-status"]


def test_a_calls_status_callbacks_count_from_zero_and_the_last_one_says_how_long_it_lasted():
    # SequenceNumber counts from 0, CallbackSource is call-progress-events, Timestamp is RFC 2822, a terminal event adds
    # CallDuration; the initiated event reports CallStatus=initiated
    # (https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent)
    d = Desk()
    d.route("/agent", lambda p: '<Response><Pause length="30"/></Response>')
    d.set_phone(ALICE_PHONE, "ring")
    call = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent", status_callback=f"{BASE}/status", status_callback_method="get",
                         status_callback_events=("initiated", "ringing", "answered", "completed")).sid
    d.advance(4)
    d.answer_call(call)
    d.advance(25)
    d.hang_up(call)
    sent = status_callbacks(d)
    assert [(r["params"]["CallStatus"], r["params"]["SequenceNumber"]) for r in sent] == [
        ("initiated", "0"), ("ringing", "1"), ("in-progress", "2"), ("completed", "3")]
    assert {(r["method"], r["call_sid"], r["account"], r["params"]["CallbackSource"]) for r in sent} == {
        ("GET", call, d.account_sid, "call-progress-events")}
    assert [r["params"].get("CallDuration") for r in sent] == [None, None, None, "25"]
    assert sent[0]["params"]["Timestamp"] == formatdate(d.now() - 29, usegmt=True)
    assert sent[-1]["params"]["Timestamp"] == formatdate(d.now(), usegmt=True)


def test_an_unanswered_call_lasted_no_time_and_only_the_events_asked_for_are_sent():
    d = Desk()
    d.set_phone(ALICE_PHONE, "busy")
    call = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent", status_callback=f"{BASE}/status").sid
    (completed,) = status_callbacks(d)  # completed alone, by default
    assert (completed["params"]["CallStatus"], completed["params"]["CallDuration"], completed["method"]) == ("busy", "0", "POST")
    assert completed["params"]["SequenceNumber"] == "0" and completed["call_sid"] == call


def test_a_dequeued_workers_leg_tells_its_status_callback_which_caller_it_served():
    # the worker leg's status callback carries taskCallSid, the CallSid of the call the task came from
    # (https://www.twilio.com/docs/taskrouter/api/reservations#dequeue)
    d = Desk()
    d.phone.assignment = lambda p: {"instruction": "dequeue", "from": NUMBER, "status_callback_url": f"{BASE}/leg"}
    caller, task = d.queued_spanish_call()
    d.set_activity("Alice", "Idle")
    (leg,) = d.list_calls(to=ALICE_PHONE)
    d.answer_call(leg.sid)
    d.advance(12)
    d.hang_up(leg.sid)
    (sent,) = status_callbacks(d, "/leg")
    assert (sent["method"], sent["params"]["taskCallSid"], sent["params"]["CallSid"]) == ("GET", caller, leg.sid)
    assert (sent["params"]["CallStatus"], sent["params"]["CallDuration"]) == ("completed", "12")
    plain = d.create_call(CALLER, NUMBER, url=f"{BASE}/agent", status_callback=f"{BASE}/plain").sid
    d.hang_up(plain)
    (other,) = status_callbacks(d, "/plain")
    assert "taskCallSid" not in other["params"]  # a call that serves no task says nothing of one


@pytest.mark.parametrize(("to", "from_", "code", "message"), [
    ("client:", NUMBER, 21211, "Invalid 'To' Phone Number: 'client:' (the mock rings E.164 numbers and client:name)"),
    ("+123456", NUMBER, 21211, "Invalid 'To' Phone Number: '+123456' (the mock rings E.164 numbers and client:name)"),
    ("+12345678901234567", NUMBER, 21211,
     "Invalid 'To' Phone Number: '+12345678901234567' (the mock rings E.164 numbers and client:name)"),
    ("+1415555O100", NUMBER, 21211, "Invalid 'To' Phone Number: '+1415555O100' (the mock rings E.164 numbers and client:name)"),
    ("14155550100", NUMBER, 21211, "Invalid 'To' Phone Number: '14155550100' (the mock rings E.164 numbers and client:name)"),
    (ALICE_PHONE, "", 21212, "Invalid 'From' Phone Number: '' (the mock rings E.164 numbers and client:name)"),
    (ALICE_PHONE, "Alice", 21212, "Invalid 'From' Phone Number: 'Alice' (the mock rings E.164 numbers and client:name)"),
])
def test_a_call_to_or_from_something_that_is_no_number_is_refused(to, from_, code, message):
    # 21211 invalid 'To', 21212 invalid 'From' (https://www.twilio.com/docs/api/errors/21211); E.164 is "+" and at most
    # 15 digits (https://www.twilio.com/docs/glossary/what-e164)
    d = Desk()
    with pytest.raises(TaskRouterError) as refused:
        d.create_call(to, from_, url=f"{BASE}/agent")
    assert (refused.value.code, refused.value.message) == (code, message) and d.list_calls() == []


@pytest.mark.parametrize("to", ["+14155550111", "client:a", "+1234567", "+123456789012345", " +14155550112 "])
def test_a_call_may_ring_any_e164_number_or_a_named_client(to):
    d = Desk()
    call = d.create_call(to, NUMBER, url=f"{BASE}/agent")
    assert call.to == to.strip() and call.status == "ringing"


@pytest.mark.parametrize(("number", "friendly_name"), [
    ("+14155550123", "(415) 555-0123"), ("+441632960961", "+441632960961"), ("+1415555012", "+1415555012"),
    ("+141555501234", "+141555501234"), ("+24155550123", "+24155550123"),
])
def test_a_new_numbers_friendly_name_is_the_number_as_twilio_formats_it(number, friendly_name):
    # without a friendly_name the number is named by its formatted self, e.g. (415) 555-0100 for a North American number
    # (https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource)
    d = Desk()
    assert d.buy_number(number).friendly_name == friendly_name
    assert d.buy_number("+14155550999", friendly_name="Support line").friendly_name == "Support line"


def test_the_calls_list_filters_by_the_day_and_the_instant_a_call_started_or_ended():
    # StartTime=YYYY-MM-DD (that day, GMT), StartTime<= and StartTime>= (on or before, on or after an instant), the same for
    # EndTime; a call not started (or not ended) is left out (https://www.twilio.com/docs/voice/api/call-resource#read-multiple-call-resources)
    from trkit.mock.engine.calls import When

    d = Desk()
    d.route("/agent", lambda p: '<Response><Pause length="600"/></Response>')
    d.set_phone(ALICE_PHONE, "answer")
    first = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent").sid  # starts at once
    d.advance(100.7)
    second = d.create_call(ALICE_PHONE, NUMBER, url=f"{BASE}/agent").sid
    d.hang_up(first)
    ringing = d.create_call(CALLER, NUMBER, url=f"{BASE}/agent").sid  # nobody answers: never started
    t0 = d.call(first).start_time
    day = float(int(t0 // 86400) * 86400)

    def listed(**filters) -> set[str]:
        return {c.sid for c in d.list_calls(**filters)}

    assert listed(started=When(on=day)) == {first, second} and listed(started=When(on=day + 86400)) == set()
    assert listed(started=When(by=t0)) == {first} and listed(started=When(since=t0 + 100)) == {second}
    assert listed(started=When(since=t0 + 101)) == set()  # kept to the second: 100.7 s later is t0 + 100
    assert listed(started=When(since=t0, by=t0 + 100)) == {first, second}
    assert listed(ended=When(on=day)) == {first} and listed(ended=When(by=t0 + 99)) == set()
    assert ringing not in listed(started=When(since=0.0)) and ringing in listed()


@pytest.mark.parametrize(("field", "param"), [("voice_method", "VoiceMethod"), ("voice_fallback_method", "VoiceFallbackMethod"),
                                               ("status_callback_method", "StatusCallbackMethod")])
def test_a_numbers_methods_are_get_or_post_and_kept_upper_case(field, param):
    d = Desk()
    assert getattr(d.update_phone_number(d.number, **{field: "get"}), field) == "GET"
    with pytest.raises(TaskRouterError) as refused:
        d.update_phone_number(d.number, **{field: "PUT"})
    assert refused.value.message == f"{param} must be GET or POST, got 'PUT'"


def ten_redirects_from(d: Desk, start: str = "/start") -> None:
    """``start`` leads through 10 redirects in a row (the most that are followed) to a document that says "made it"."""
    d.route(start, lambda p: f"<Response><Redirect>{BASE}/c1</Redirect></Response>")
    for n in range(1, 10):
        d.route(f"/c{n}", lambda p, n=n: f"<Response><Redirect>/c{n + 1}</Redirect></Response>")
    d.route("/c10", lambda p: "<Response><Say>made it</Say></Response>")


@pytest.mark.parametrize("entry", ["gather action", "after a pause", "dial action", "rest redirect", "rest twiml"])
def test_the_redirect_count_starts_again_whenever_the_call_waited(entry):
    d = Desk()
    ten_redirects_from(d)
    d.set_phone(ALICE_PHONE, "busy")
    documents = {"gather action": f'<Response><Gather action="{BASE}/start" numDigits="1"/></Response>',
                 "after a pause": f'<Response><Pause length="1"/><Redirect>{BASE}/start</Redirect></Response>',
                 "dial action": f'<Response><Dial action="{BASE}/start"><Number>{ALICE_PHONE}</Number></Dial></Response>',
                 "rest redirect": '<Response><Pause length="30"/></Response>', "rest twiml": '<Response><Pause length="30"/></Response>'}
    d.route("/incoming_call", lambda p: documents[entry])
    call = d.dial_in()
    if entry == "gather action":
        d.press_digits(call, "1")
    elif entry == "after a pause":
        d.advance(1)
    elif entry == "rest redirect":
        d.update_call(call, url=f"{BASE}/start")
    elif entry == "rest twiml":
        d.update_call(call, twiml="<Response><Redirect>/start</Redirect></Response>")  # relative: to the call's document
    assert d.heard(call)[-1] == "made it" and d.call(call).errors == ()


def test_a_twiml_update_plays_at_once_and_resolves_its_urls_against_the_calls_document():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Pause length="30"/></Response>')
    d.route("/next", lambda p: "<Response><Say>next</Say></Response>")
    call = d.dial_in()
    d.update_call(call, twiml="<Response><Say>now</Say><Redirect>next</Redirect></Response>")
    assert d.heard(call)[-2:] == ["now", "next"]
    (asked,) = d.phone.voice_requests("/next")
    assert (asked["url"], asked["method"], asked["purpose"]) == (f"{BASE}/next", "POST", "redirect")


def test_gather_finishes_on_its_own_key_or_on_none_and_asks_its_document_by_default():
    d = Desk()
    d.route("/incoming_call", lambda p: '<Response><Gather finishOnKey="*" numDigits="5"/></Response>')
    call = d.dial_in()
    d.press_digits(call, "12*")
    (asked,) = [r for r in d.phone.voice_requests("/incoming_call") if "Digits" in r["params"]]
    assert (asked["params"]["Digits"], asked["params"]["FinishedOnKey"]) == ("12", "*")  # no action: the document's own URL
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Gather finishOnKey="" numDigits="3" action="{BASE}/pin"/></Response>')
    d.route("/pin", lambda p: "<Response/>")
    call = d.dial_in()
    d.press_digits(call, "#1#")  # "#" is a digit like any other when finishOnKey is empty
    (asked,) = d.phone.voice_requests("/pin")
    assert asked["params"]["Digits"] == "#1#" and "FinishedOnKey" not in asked["params"]


def test_dial_shows_its_caller_id_to_the_dialled_party():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Dial callerId="{NUMBER}"><Number>{ALICE_PHONE}</Number></Dial></Response>')
    call = d.dial_in()
    (child,) = d.list_calls(parent_call_sid=call)
    assert child.from_ == NUMBER
