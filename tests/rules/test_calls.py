"""The rules of calls: voice webhooks, REST Calls, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-receive-call
- https://www.twilio.com/docs/voice/twiml
"""

from __future__ import annotations

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


def test_redirect_fetches_the_next_document_and_a_loop_ends_with_11215():
    d = Desk()
    d.route("/incoming_call", lambda p: f"<Response><Redirect>{BASE}/again</Redirect></Response>")
    d.route("/again", lambda p: "<Response><Redirect>/again</Redirect></Response>")
    call = d.dial_in()
    assert d.call(call).status == "completed"
    assert d.call(call).errors[0]["code"] == 11215


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
