"""Every request the mock makes to an application carries the parameters Twilio documents for it, except those
trkit/mock/outgoing.py lists as not sent, with the reason; and docs/coverage.md shows that list as it is.

One HTTP conversation makes each request once: a call to the tutorial's number (voice URL, Gather action,
Redirect, Enqueue action), the task it becomes (assignment callback, events), a dequeue to Alice with status
callbacks, a REST call that <Dial>s (Dial action) and one whose URL fails (fallback)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from flask import Response
from helpers import build_tutorial_workspace
from twilio.twiml.voice_response import VoiceResponse

from trkit.mock import MockServer
from trkit.mock.outgoing import DOCUMENTED, table, why_not_sent

ROOT = Path(__file__).resolve().parent.parent
NUMBER, CALLER, ALICE_PHONE, FRIEND = "+15005550006", "+14155550100", "+14155550111", "+14155550199"


def xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="application/xml")


def routes(tutorial, base: str) -> dict:
    def incoming(received):
        response = VoiceResponse()
        with response.gather(action=base + "/gathered", num_digits=1, timeout=5) as gather:
            gather.say("Press one")
        return xml(response)

    def gathered(received):
        response = VoiceResponse()
        response.redirect(base + "/redirected")
        return xml(response)

    def redirected(received):
        response = VoiceResponse()
        response.enqueue(None, workflow_sid=tutorial.workflow_sid, action=base + "/enqueued").task(json.dumps({"selected_language": "es"}))
        return xml(response)

    def dialer(received):
        response = VoiceResponse()
        response.dial(FRIEND, action=base + "/dialed")
        return xml(response)

    return {"/incoming_call": incoming, "/gathered": gathered, "/redirected": redirected, "/dialer": dialer,
            "/broken": lambda r: Response("boom", 500), "/fallback": lambda r: xml(VoiceResponse().say("Sorry")),
            "/assignment": lambda r: {}, "/events": lambda r: Response("", 204),
            "/enqueued": lambda r: xml(VoiceResponse()), "/dialed": lambda r: xml(VoiceResponse()),
            "/leg_status": lambda r: Response("", 204), "/call_status": lambda r: Response("", 204)}


def converse(mock, client, listener) -> dict[str, set[str]]:
    """Each outgoing request once; what the mock sent, by purpose (its callback log)."""
    tutorial = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    tutorial.api.update(event_callback_url=listener.url("/events"))
    paths = routes(tutorial, listener.base_url)
    listener.answer = lambda received: paths[received.path](received)
    control = mock.control()
    tutorial.api.workers(tutorial.workers["Alice"]).update(attributes=json.dumps({"languages": ["en", "es"], "contact_uri": ALICE_PHONE}))
    client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=listener.url("/incoming_call"))
    caller = control.place_call(CALLER, NUMBER)["sid"]
    control.press(caller, "1")
    (task,) = tutorial.api.tasks.list()
    tutorial.set_activity("Alice", "Idle")
    (reservation,) = tutorial.reservations(task.sid)
    tutorial.api.tasks(task.sid).reservations(reservation.sid).update(
        instruction="dequeue", dequeue_from=NUMBER, dequeue_status_callback_url=listener.url("/leg_status"),
        dequeue_status_callback_event=["initiated", "ringing", "answered", "completed"])
    leg = json.loads(tutorial.api.tasks(task.sid).fetch().attributes)["worker_call_sid"]
    control.answer(leg)
    control.hang_up(caller)
    tutorial.api.tasks(task.sid).update(assignment_status="completed", reason="call handled")
    canceled = tutorial.create_task("en")
    tutorial.api.tasks(canceled.sid).update(assignment_status="canceled", reason="changed my mind")
    dialing = client.calls.create(to=FRIEND.replace("99", "98"), from_=NUMBER, url=listener.url("/dialer"),
                                  status_callback=listener.url("/call_status"), status_callback_event=["completed"])
    control.answer(dialing.sid)
    (child,) = client.calls.list(parent_call_sid=dialing.sid)
    control.answer(child.sid)
    control.hang_up(child.sid)
    failing = client.calls.create(to=FRIEND.replace("99", "97"), from_=NUMBER, url=listener.url("/broken"),
                                  fallback_url=listener.url("/fallback"))
    control.answer(failing.sid)
    listener.wait_for(lambda received: any(r.path == "/fallback" for r in received) and any(r.path == "/dialed" for r in received))
    sent: dict[str, set[str]] = defaultdict(set)
    for entry in control.callbacks():
        sent[entry["purpose"]].update(entry["params"])
    return sent


def test_each_request_carries_what_twilio_documents_or_says_why_not(listener):
    with MockServer() as mock:
        sent = converse(mock, mock.client(), listener)
    problems = []
    for purpose, (_, parameters) in DOCUMENTED.items():
        assert purpose in sent, f"the conversation made no {purpose} request"
        for parameter in parameters:
            reason = why_not_sent(purpose, parameter)
            if reason is None and parameter not in sent[purpose]:
                problems.append(f"{purpose}: {parameter} is documented, not sent, and no reason is given")
            if reason is not None and parameter in sent[purpose]:
                problems.append(f"{purpose}: {parameter} is sent, though listed as not sent ({reason})")
    assert problems == [], "\n".join(problems)


def test_docs_coverage_shows_the_list_as_it_is():
    assert table() in (ROOT / "docs" / "coverage.md").read_text(), "run python -m trkit.mock.outgoing --write docs/coverage.md"
