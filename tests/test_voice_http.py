"""Part 3 over HTTP with the official twilio library, both ways (in-process and the separate mock
process): a number pointed at a learner's Flask handler, a caller pressing 1, <Enqueue>, dequeue to
Alice, her phone answered, the bridge and its end — every webhook signed and checked with the
library's RequestValidator, as the learner's app would."""

from __future__ import annotations

import json

import pytest
from flask import Response
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

NUMBER = "+15005550006"
CALLER = "+14155550100"
ALICE_PHONE = "+14155550111"


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="application/xml")


def test_a_phone_call_becomes_a_task_and_is_dequeued_to_alice(mock, client, listener, tutorial):
    wrap_up = tutorial.api.activities.create(friendly_name="WrapUp", available=False).sid
    tutorial.api.workers(tutorial.workers["Alice"]).update(
        attributes=json.dumps({"languages": ["en", "es"], "contact_uri": ALICE_PHONE}))
    validator = RequestValidator(mock.auth_token)

    def handler(received):
        assert validator.validate(received.url, received.form, received.headers.get("X-Twilio-Signature", "")), received.path
        if received.path == "/incoming_call":
            response = VoiceResponse()
            gather = response.gather(action="/enqueue_call", method="POST", num_digits=1, timeout=5)
            gather.say("Para Español oprime el uno.", language="es")
            return twiml(response)
        if received.path == "/enqueue_call":
            language = "es" if received.form.get("Digits") == "1" else "en"
            response = VoiceResponse()
            enqueue = response.enqueue(None, workflow_sid=tutorial.workflow_sid)
            enqueue.task(json.dumps({"selected_language": language}))
            return twiml(response)
        if received.path == "/assignment":
            return {"instruction": "dequeue", "from": NUMBER, "post_work_activity_sid": wrap_up}
        return Response("", 204)

    listener.answer = handler
    number = client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=listener.url("/incoming_call"))
    assert number.sid.startswith("PN") and number.voice_url == listener.url("/incoming_call")
    control = mock.control()

    call = control.place_call(CALLER, NUMBER)
    assert call["status"] == "ringing"  # the answer is the call as it was dialled; its TwiML plays right after
    assert control.phone_call(call["sid"])["heard"] == ["[es] Para Español oprime el uno."]
    control.press(call["sid"], "1")
    assert listener.of("/enqueue_call")[0].form["Digits"] == "1"  # a form field, not the query string
    (task,) = tutorial.api.tasks.list()
    assert task.assignment_status == "pending" and json.loads(task.attributes)["call_sid"] == call["sid"]
    assert task.task_channel_unique_name == "voice"

    tutorial.set_activity("Alice", "Idle")
    worker_call_sid = json.loads(tutorial.api.tasks(task.sid).fetch().attributes)["worker_call_sid"]
    leg = client.calls(worker_call_sid).fetch()
    assert (leg.to, leg.status) == (ALICE_PHONE, "ringing")
    control.answer(worker_call_sid)
    assert tutorial.api.tasks(task.sid).fetch().assignment_status == "assigned"
    assert control.phone_call(call["sid"])["bridged_with"] == worker_call_sid

    control.hang_up(call["sid"])
    alice = tutorial.api.workers(tutorial.workers["Alice"]).fetch()
    assert alice.activity_name == "WrapUp"
    calls = {c.sid: c.status for c in client.calls.list()}
    assert calls == {call["sid"]: "completed", worker_call_sid: "completed"}
    assert client.calls(call["sid"]).fetch().start_time is not None


def test_calls_and_numbers_refuse_what_the_mock_does_not_emulate(mock, client):
    from twilio.base.exceptions import TwilioRestException

    with pytest.raises(TwilioRestException) as refused:
        client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url="https://example.com/x",
                                                       voice_application_sid="AP" + "0" * 32)
    assert "VoiceApplicationSid" in refused.value.msg and "not emulated" in refused.value.msg
    with pytest.raises(TwilioRestException) as refused:
        client.calls.create(to=CALLER, from_=NUMBER, url="https://example.com/x", machine_detection="Enable")
    assert "MachineDetection" in refused.value.msg


# ------------------------------------------------------------ each instruction parameter, by REST, with its effect
def queued_caller_reserved_for_alice(mock, client, listener, tutorial, routes: dict | None = None):
    """A caller waiting in the Spanish queue (from <Enqueue>) and Alice's pending reservation for the task."""
    tutorial.api.workers(tutorial.workers["Alice"]).update(
        attributes=json.dumps({"languages": ["en", "es"], "contact_uri": ALICE_PHONE}))
    paths = {"/incoming_call": lambda r: twiml(_enqueue_spanish(tutorial)), **(routes or {})}
    listener.answer = lambda r: paths[r.path](r) if r.path in paths else Response("", 204)
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=listener.url("/incoming_call"))
    caller = mock.control().place_call(CALLER, NUMBER)["sid"]
    (task,) = tutorial.api.tasks.list()
    tutorial.set_activity("Alice", "Idle")
    (reservation,) = tutorial.reservations(task.sid)
    return caller, task.sid, reservation.sid


def _enqueue_spanish(tutorial) -> VoiceResponse:
    response = VoiceResponse()
    response.enqueue(None, workflow_sid=tutorial.workflow_sid).task(json.dumps({"selected_language": "es"}))
    return response


def saying(text: str, pause: int | None = None) -> VoiceResponse:
    response = VoiceResponse()
    response.say(text)
    if pause:
        response.pause(length=pause)
    return response


def reservation_of(tutorial, via: str, task: str, reservation: str):
    """The reservation reached through its task or through its worker (both routes take the instructions)."""
    parent = tutorial.api.tasks(task) if via == "task" else tutorial.api.workers(tutorial.workers["Alice"])
    return parent.reservations(reservation)


VIA = pytest.mark.parametrize("via", ["task", "worker"])


def worker_leg(tutorial, task_sid: str) -> str:
    return json.loads(tutorial.api.tasks(task_sid).fetch().attributes)["worker_call_sid"]


@VIA
def test_every_status_callback_event_reports_its_own_status(mock, client, listener, tutorial, via):
    """Voice's status callback events and the CallStatus each carries: initiated, ringing, answered (sent as
    in-progress), completed (StatusCallbackEvent, https://www.twilio.com/docs/voice/api/call-resource)."""
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    reservation_of(tutorial, via, task, reservation).update(
        instruction="dequeue", dequeue_from=NUMBER, dequeue_status_callback_url=listener.url("/leg_status"),
        dequeue_status_callback_event=["initiated", "ringing", "answered", "completed"])
    leg = worker_leg(tutorial, task)
    mock.control().answer(leg)
    mock.control().hang_up(leg)
    listener.wait_for(lambda received: len([r for r in received if r.path == "/leg_status"]) == 4)
    statuses = [r.url.split("CallStatus=")[1].split("&")[0] for r in listener.of("/leg_status")]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]


@VIA
def test_dequeue_parameters_by_rest(mock, client, listener, tutorial, via):
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    wrap_up = tutorial.api.activities.create(friendly_name="WrapUp", available=False).sid
    updated = reservation_of(tutorial, via, task, reservation).update(
        instruction="dequeue", dequeue_from=NUMBER, dequeue_to="+14155550199", dequeue_timeout=15,
        dequeue_post_work_activity_sid=wrap_up, dequeue_record="do-not-record",
        dequeue_status_callback_url=listener.url("/leg_status"), dequeue_status_callback_event=["answered", "completed"])
    assert updated.reservation_status == "pending"  # accepted when the worker answers
    leg = client.calls(worker_leg(tutorial, task)).fetch()
    assert (leg.to, leg.from_formatted, leg.status) == ("+14155550199", "(500) 555-0006", "ringing")
    mock.control().answer(leg.sid)
    mock.control().hang_up(leg.sid)
    assert tutorial.api.workers(tutorial.workers["Alice"]).fetch().activity_sid == wrap_up
    listener.wait_for(lambda received: len([r for r in received if r.path == "/leg_status"]) == 2)
    statuses = [(r.headers.get("X-Twilio-Signature") is not None, r.url.split("CallStatus=")[1].split("&")[0])
                for r in listener.of("/leg_status")]
    assert statuses == [(True, "in-progress"), (True, "completed")]  # GET, parameters in the query (answered, completed)
    assert f"taskCallSid={caller}" in listener.of("/leg_status")[-1].url


@VIA
def test_dequeue_timeout_by_rest_ends_an_unanswered_ring(mock, client, listener, tutorial, via):
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    reservation_of(tutorial, via, task, reservation).update(instruction="dequeue", dequeue_from=NUMBER, dequeue_timeout=15)
    leg = worker_leg(tutorial, task)
    mock.control().advance(14)
    assert client.calls(leg).fetch().status == "ringing"
    mock.control().advance(1)
    assert client.calls(leg).fetch().status == "no-answer"
    assert reservation_of(tutorial, via, task, reservation).fetch().reservation_status == "canceled"


@VIA
def test_recording_is_refused_as_not_emulated(mock, client, listener, tutorial, via):
    from twilio.base.exceptions import TwilioRestException

    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    with pytest.raises(TwilioRestException) as refused:
        reservation_of(tutorial, via, task, reservation).update(instruction="dequeue", dequeue_from=NUMBER,
                                                                  dequeue_record="record-from-answer")
    assert "not emulated" in refused.value.msg


@VIA
def test_call_parameters_by_rest(mock, client, listener, tutorial, via):
    routes = {"/agent": lambda r: twiml(saying("You have a caller"))}
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial, routes)
    updated = reservation_of(tutorial, via, task, reservation).update(
        instruction="call", call_from=NUMBER, call_to="+14155550199", call_url=listener.url("/agent"), call_accept=True,
        call_timeout=20, call_record=False, call_status_callback_url=listener.url("/agent_status"))
    assert updated.reservation_status == "accepted"  # CallAccept=true
    leg = worker_leg(tutorial, task)
    assert client.calls(leg).fetch().to == "+14155550199"
    mock.control().answer(leg)
    assert mock.control().phone_call(leg)["heard"] == ["You have a caller"]  # CallUrl played to the worker
    listener.wait_for(lambda received: any(r.path == "/agent_status" for r in received))
    assert "CallStatus=completed" in listener.of("/agent_status")[0].url


@VIA
def test_call_timeout_by_rest(mock, client, listener, tutorial, via):
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    reservation_of(tutorial, via, task, reservation).update(instruction="call", call_from=NUMBER,
                                                              call_url=listener.url("/agent"), call_timeout=20)
    leg = worker_leg(tutorial, task)
    assert client.calls(leg).fetch().to == ALICE_PHONE  # no CallTo: the worker's contact_uri
    mock.control().advance(20)
    assert client.calls(leg).fetch().status == "no-answer"


@VIA
def test_redirect_parameters_by_rest(mock, client, listener, tutorial, via):
    routes = {"/hold": lambda r: twiml(saying("Connecting you", pause=60))}
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial, routes)
    updated = reservation_of(tutorial, via, task, reservation).update(
        instruction="redirect", redirect_call_sid=caller, redirect_url=listener.url("/hold"), redirect_accept=True)
    assert updated.reservation_status == "accepted"
    assert mock.control().phone_call(caller)["heard"][-1] == "Connecting you"


# Voice's codes for a document it cannot fetch (https://www.twilio.com/docs/api/errors): 11205 HTTP connection
# failure, 11210 HTTP bad host name; the same the fallback request names (ErrorCode)
@pytest.mark.parametrize(("voice_url", "code", "logged_as"), [
    ("http://127.0.0.1:9/incoming_call", 11205, "failed (no receiver"),  # the mock's log names the dead receiver
    ("http://no-such-host.invalid/incoming_call", 11210, "failed ("),
])
def test_a_voice_url_that_cannot_be_fetched_ends_the_call_with_voices_code(mock, client, voice_url, code, logged_as):
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=voice_url)
    control = mock.control()
    call = control.place_call(CALLER, NUMBER)["sid"]
    state = control.phone_call(call)
    assert state["status"] == "completed" and state["errors"][0]["code"] == code
    assert state["heard"] == ["We are sorry, an application error has occurred. Goodbye."]
    (logged,) = [c for c in control.callbacks() if c["kind"] == "voice"]
    assert logged["outcome"].startswith(logged_as)


@VIA
def test_conference_parameters_by_rest(mock, client, listener, tutorial, via):
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    wrap_up = tutorial.api.activities.create(friendly_name="WrapUp", available=False).sid
    updated = reservation_of(tutorial, via, task, reservation).update(
        instruction="conference", from_=NUMBER, to="+14155550199", timeout=25, post_work_activity_sid=wrap_up,
        end_conference_on_exit=False, end_conference_on_customer_exit=True)
    assert updated.reservation_status == "accepted"  # the conference instruction accepts at once
    leg = client.calls(worker_leg(tutorial, task)).fetch()
    assert (leg.to, leg.from_formatted) == ("+14155550199", "(500) 555-0006")
    mock.control().answer(leg.sid)
    (conference,) = client.conferences.list(status="in-progress")
    assert conference.friendly_name == reservation  # named by the reservation
    labels = {p.label: p.call_sid for p in client.conferences(conference.sid).participants.list()}
    assert labels == {"customer": caller, "worker": leg.sid}
    for resource in (client.calls(caller).fetch(), client.calls(leg.sid).fetch(), conference,
                     client.incoming_phone_numbers.list(phone_number=NUMBER)[0]):
        follow_every_subresource_link(mock, resource.uri)
    mock.control().hang_up(caller)  # EndConferenceOnCustomerExit: the customer's exit ends it for Alice too
    assert client.conferences(conference.sid).fetch().status == "completed"
    assert client.calls(leg.sid).fetch().status == "completed"
    task_now = tutorial.api.tasks(task).fetch()
    assert (task_now.assignment_status, task_now.reason) == ("wrapping", "Conference ended")
    assert tutorial.api.workers(tutorial.workers["Alice"]).fetch().activity_sid == wrap_up


@VIA
def test_conference_timeout_and_end_on_exit_by_rest(mock, client, listener, tutorial, via):
    caller, task, reservation = queued_caller_reserved_for_alice(mock, client, listener, tutorial)
    reservation_of(tutorial, via, task, reservation).update(instruction="conference", from_=NUMBER, timeout=25,
                                                            end_conference_on_exit=True)
    leg = worker_leg(tutorial, task)
    mock.control().advance(24)
    assert client.calls(leg).fetch().status == "ringing"
    mock.control().answer(leg)
    mock.control().hang_up(leg)  # EndConferenceOnExit on the worker: her exit ends it, the caller is hung up
    assert client.calls(caller).fetch().status == "completed"


@pytest.mark.parametrize(("voice_url", "code"), [("answers 500", "11200"), ("refuses", "11205")])
def test_the_fallback_url_is_told_which_url_failed_and_how(mock, client, listener, voice_url, code):
    """"Twilio submits the ErrorCode and ErrorUrl parameters, indicating the error code of the failure and what
    URL the failure occurred on" (https://www.twilio.com/docs/usage/security/availability-reliability); 11200 HTTP
    retrieval failure, 11205 HTTP connection failure (https://www.twilio.com/docs/api/errors)."""
    from helpers import CallbackListener

    closed = CallbackListener()
    closed.stop()  # nothing listens there any more: the connection is refused
    failing = listener.url("/broken") if voice_url == "answers 500" else closed.url("/gone")
    listener.answer = lambda received: (Response("boom", 500) if received.path == "/broken"
                                        else twiml(VoiceResponse().say("Sorry, try later")))
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=failing, voice_fallback_url=listener.url("/fallback"))
    call = mock.control().place_call(CALLER, NUMBER)
    listener.wait_for(lambda received: any(r.path == "/fallback" for r in received))
    (fallback,) = listener.of("/fallback")
    assert (fallback.form["ErrorCode"], fallback.form["ErrorUrl"], fallback.form["CallSid"]) == (code, failing, call["sid"])


def test_the_calls_list_filters_by_when_calls_started_and_ended(mock, client, listener):
    """StartTime (that day, GMT), StartTime<= and StartTime>= (on or before, on or after), and the same for EndTime
    (https://www.twilio.com/docs/voice/api/call-resource, Read multiple Call resources), as twilio-python sends them:
    start_time, start_time_before, start_time_after."""
    from datetime import datetime, timedelta, timezone

    def waits_for_a_key(received):
        response = VoiceResponse()
        response.gather(num_digits=1, timeout=60)  # nobody presses: the call ends a minute after it started
        return twiml(response)

    listener.answer = waits_for_a_key
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=listener.url("/incoming_call"))
    control = mock.control()
    first = control.place_call(CALLER, NUMBER)["sid"]  # answered at once by its TwiML: started now
    control.advance(2 * 86400)
    second = control.place_call(CALLER, NUMBER)["sid"]  # started two days later, still going
    started = {sid: client.calls(sid).fetch().start_time for sid in (first, second)}
    day_one, day_three = started[first].date(), started[second].date()

    def sids(**filters) -> set[str]:
        return {c.sid for c in client.calls.list(**filters)}

    assert sids(start_time=datetime(day_one.year, day_one.month, day_one.day, tzinfo=timezone.utc)) == {first}
    assert sids(start_time_after=started[second] - timedelta(seconds=1)) == {second}
    assert sids(start_time_before=started[first] + timedelta(hours=1)) == {first}
    assert sids(end_time_after=started[first] - timedelta(hours=1)) == {first}  # the second has not ended
    assert sids(start_time_after=started[first], start_time_before=started[second]) == {first, second}
    assert day_three > day_one


def follow_every_subresource_link(mock, uri: str) -> None:
    """Every link a resource advertises answers: a link that answered 404 would say something exists and is lost."""
    import requests

    def get(path: str) -> requests.Response:
        return requests.get(mock.base_url + path, auth=(mock.account_sid, mock.auth_token), timeout=10)

    resource = get(uri).json()
    for name, link in resource["subresource_uris"].items():
        assert get(link).status_code == 200, f"{uri}: subresource_uris[{name!r}] = {link} answers {get(link).status_code}"



def said(text: str) -> Response:
    response = VoiceResponse()
    response.say(text)
    return twiml(response)


def test_a_voice_url_that_redirects_is_followed_as_twilio_follows_it(mock, client, listener):
    """"Twilio will only follow redirects for status codes 301, 302, 303, and 307"
    (https://www.twilio.com/docs/api/errors/11216): the document comes from where the redirect leads, and its relative
    URLs resolve there."""
    validator = RequestValidator(mock.auth_token)

    def handler(received):
        assert validator.validate(received.url, received.form,
                                  received.headers.get("X-Twilio-Signature", "")), received.url
        if received.path == "/incoming_call":
            return Response("", 302, {"Location": "/ivr/welcome"})
        if received.path == "/ivr/welcome":
            return Response("", 307, {"Location": "menu"})
        return said("Welcome")

    listener.answer = handler
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=listener.url("/incoming_call"))
    control = mock.control()
    call = control.place_call(CALLER, NUMBER)["sid"]
    assert control.phone_call(call)["heard"] == ["Welcome"]
    asked = [(r.method, r.path) for r in listener.requests]
    # a 302 turns the POST into a GET, as HTTP clients do; a 307 keeps the method
    assert asked == [("POST", "/incoming_call"), ("GET", "/ivr/welcome"), ("GET", "/ivr/menu")]
    assert listener.of("/ivr/menu")[0].query["CallSid"] == call  # a GET's parameters are in its query string
    logged = [c["outcome"] for c in control.callbacks() if c["kind"] == "voice"]
    assert logged == [f"redirected (HTTP 302) to {listener.url('/ivr/welcome')}",
                      f"redirected (HTTP 307) to {listener.url('/ivr/menu')}", "TwiML"]


@pytest.mark.parametrize(("answer", "code", "asked"), [
    (lambda: Response("", 308, {"Location": "/elsewhere"}), 11216, 1),  # not a code Twilio follows
    (lambda: Response("", 302), 11216, 1),  # no Location
    (lambda: Response("", 302, {"Location": "/incoming_call"}), 11215, 11),  # "Twilio follows up to 10 redirects"
])
def test_a_redirect_twilio_does_not_follow_ends_the_call_with_its_code(mock, client, listener, answer, code, asked):
    # 11215 HTTP too many redirects, 11216 HTTP invalid redirect (https://www.twilio.com/docs/api/errors)
    listener.answer = lambda received: answer() if received.path == "/incoming_call" else said("Sorry")
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=listener.url("/incoming_call"),
                                         voice_fallback_url=listener.url("/fallback"))
    control = mock.control()
    call = control.place_call(CALLER, NUMBER)["sid"]
    listener.wait_for(lambda received: any(r.path == "/fallback" for r in received))
    assert len(listener.of("/incoming_call")) == asked
    (fallback,) = listener.of("/fallback")
    assert (fallback.form["ErrorCode"], fallback.form["ErrorUrl"]) == (str(code), listener.url("/incoming_call"))
    assert control.phone_call(call)["heard"] == ["Sorry"]
