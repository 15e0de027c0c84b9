"""Behaviour verified against real Twilio: these tests run there when you ask, on the mock otherwise.

    TRKIT_LIVE_PARITY=1 TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... .venv/bin/python -m pytest -m twilio_verified tests/test_parity.py

Live runs create workspaces named "trkit parity ..." and delete them afterwards. The callback
test also needs Twilio to reach this machine: an ngrok tunnel (NGROK_AUTHTOKEN) or a public URL
forwarded to the test's callback server (TRKIT_PUBLIC_URL and TRKIT_CALLBACK_PORT); without one
it is skipped, saying so. They never run in CI here (no credentials, no network).
"""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from trkit.callback_server import CallbackServer
from trkit.errors import KitError
from trkit.mock import MockServer
from trkit.tunnel import ngrok_tunnel

LIVE = os.environ.get("TRKIT_LIVE_PARITY") == "1" and bool(os.environ.get("TWILIO_ACCOUNT_SID")) and bool(os.environ.get("TWILIO_AUTH_TOKEN"))
pytestmark = pytest.mark.twilio_verified


@pytest.fixture
def taskrouter():
    """A twilio Client: real Twilio in a live parity run, the bundled mock otherwise."""
    if LIVE:
        client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
        client.trkit_auth_token = os.environ["TWILIO_AUTH_TOKEN"]
        created: list[str] = []
        client.trkit_created = created
        yield client
        for sid in created:
            try:
                client.taskrouter.v1.workspaces(sid).delete()
            except TwilioRestException:
                pass
        return
    with MockServer() as mock:
        client = mock.client()
        client.trkit_created = []
        client.trkit_auth_token = mock.auth_token
        client.trkit_mock = mock
        yield client


@pytest.fixture
def callbacks(taskrouter):
    """The kit's callback server, reachable by whichever TaskRouter the test talks to."""
    server = CallbackServer(taskrouter.trkit_auth_token, port=int(os.environ.get("TRKIT_CALLBACK_PORT", "0"))).start()
    try:
        if LIVE:
            public_url = os.environ.get("TRKIT_PUBLIC_URL")
            if not public_url:
                try:
                    public_url = ngrok_tunnel(server.port)
                except KitError as exc:
                    pytest.skip(f"live callback parity needs Twilio to reach this machine: {exc}")
            server.public_url = public_url.rstrip("/")
        yield server
    finally:
        server.stop()


def new_workspace(client, **kwargs):
    ws = client.taskrouter.v1.workspaces.create(friendly_name=f"trkit parity {uuid.uuid4().hex[:8]}", **kwargs)
    client.trkit_created.append(ws.sid)
    return ws, client.taskrouter.v1.workspaces(ws.sid)


def spanish_workspace(client, alice_languages: list[str], assignment_callback_url: str | None = None):
    """A single-tasking workspace routing Spanish tasks to one queue, with Alice Offline.

    Returns the workspace context and the SIDs of Idle, the queue, the workflow and Alice.
    """
    _, api = new_workspace(client, multi_task_enabled=False)
    idle = api.activities.create(friendly_name="Idle", available=True).sid
    offline = next(a.sid for a in api.activities.list(friendly_name="Offline"))
    queue = api.task_queues.create(friendly_name="Spanish", target_workers='languages HAS "es"').sid
    workflow = api.workflows.create(friendly_name="Flow", configuration=json.dumps(
        {"task_routing": {"filters": [{"expression": 'selected_language == "es"', "targets": [{"queue": queue}]}]}}),
        assignment_callback_url=assignment_callback_url, task_reservation_timeout=600).sid
    alice = api.workers.create(friendly_name="Alice", attributes=json.dumps({"languages": alice_languages}), activity_sid=offline).sid
    return api, idle, queue, workflow, alice


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_new_workspace_defaults(taskrouter):
    ws, api = new_workspace(taskrouter)
    names = {a.friendly_name: a.available for a in api.activities.list()}
    assert names.get("Offline") is False
    assert ws.default_activity_name == "Offline" and ws.timeout_activity_name == "Offline"
    assert "default" in {c.unique_name for c in api.task_channels.list()}


def test_errors_have_twilios_codes(taskrouter):
    _, api = new_workspace(taskrouter)
    with pytest.raises(TwilioRestException) as missing:
        api.workers("WK" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as bad:
        api.workers.create(friendly_name="Broken", attributes="{not json")
    assert (bad.value.status, bad.value.code) == (400, 20001)


def test_task_waits_then_is_reserved_and_accepted(taskrouter):
    api, idle, queue, workflow, alice = spanish_workspace(taskrouter, ["en", "es"])
    task = api.tasks.create(attributes=json.dumps({"selected_language": "es"}), workflow_sid=workflow)
    assert task.assignment_status == "pending"
    assert eventually(lambda: api.tasks(task.sid).fetch().task_queue_sid == queue)
    api.workers(alice).update(activity_sid=idle)
    reservations = eventually(lambda: api.tasks(task.sid).reservations.list(reservation_status="pending"))
    assert reservations and reservations[0].worker_sid == alice
    api.tasks(task.sid).reservations(reservations[0].sid).update(reservation_status="accepted")
    assert eventually(lambda: api.tasks(task.sid).fetch().assignment_status == "assigned")
    with pytest.raises(TwilioRestException) as twice:
        api.tasks(task.sid).reservations(reservations[0].sid).update(reservation_status="accepted")
    assert twice.value.status == 400
    done = api.tasks(task.sid).update(assignment_status="completed", reason="parity")
    assert done.assignment_status == "completed"


def test_cancel_only_from_pending_or_reserved(taskrouter):
    _, api = new_workspace(taskrouter, template="FIFO")
    task = api.tasks.create(attributes="{}")
    canceled = api.tasks(task.sid).update(assignment_status="canceled", reason="parity")
    assert (canceled.assignment_status, canceled.reason) == ("canceled", "parity")
    with pytest.raises(TwilioRestException) as again:
        api.tasks(task.sid).update(assignment_status="canceled", reason="parity")
    assert again.value.status == 400 and "pending or reserved" in again.value.msg


ASSIGNMENT_PARAMETERS = {"AccountSid", "WorkspaceSid", "WorkflowSid", "TaskQueueSid", "WorkerSid", "WorkerAttributes",
                         "TaskSid", "TaskAttributes", "TaskAge", "TaskPriority", "ReservationSid"}


def test_signed_assignment_callback_and_accept_instruction(taskrouter, callbacks):
    api, idle, queue, workflow, alice = spanish_workspace(taskrouter, ["es"], assignment_callback_url=callbacks.assignment_url)
    callbacks.instruction = "accept"
    task = api.tasks.create(attributes=json.dumps({"selected_language": "es"}), workflow_sid=workflow)
    api.workers(alice).update(activity_sid=idle)
    assert callbacks.wait_for(lambda records: any(r.kind == "assignment" for r in records), timeout=30)
    [record] = callbacks.assignment_requests()
    assert record.verdict == "valid signature" and record.status == 200
    assert ASSIGNMENT_PARAMETERS <= set(record.params)
    assert (record.params["TaskSid"], record.params["WorkerSid"], record.params["TaskQueueSid"]) == (task.sid, alice, queue)
    assert json.loads(record.params["TaskAttributes"]) == {"selected_language": "es"}
    assert eventually(lambda: api.tasks(task.sid).fetch().assignment_status == "assigned")
    reservation = api.tasks(task.sid).reservations(record.params["ReservationSid"]).fetch()
    assert (reservation.reservation_status, reservation.worker_sid) == ("accepted", alice)


# the parameters Twilio documents for a voice webhook and the task attributes <Enqueue> makes (https://www.twilio.com/docs/taskrouter/twiml-queue-calls, https://www.twilio.com/docs/voice/twiml)
VOICE_PARAMETERS = {"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction", "Caller", "Called"}
ENQUEUE_ATTRIBUTES = {"from_country", "called", "to_country", "to_city", "to_state", "caller_country", "call_sid", "account_sid",
                      "from_zip", "from", "direction", "called_zip", "caller_state", "to_zip", "called_country", "from_city",
                      "called_city", "caller_zip", "api_version", "called_state", "from_state", "caller", "caller_city", "to"}


def test_a_call_asks_for_twiml_with_the_documented_parameters_and_enqueue_makes_the_documented_task(taskrouter, callbacks):
    """Live, it needs TWILIO_PHONE_NUMBER (a voice number of the account): the test calls it from itself."""
    from flask import Flask, Response
    from twilio.twiml.voice_response import VoiceResponse

    number = os.environ.get("TWILIO_PHONE_NUMBER", "+15005550006") if LIVE else "+15005550006"
    if LIVE and not os.environ.get("TWILIO_PHONE_NUMBER"):
        pytest.skip("live voice parity needs TWILIO_PHONE_NUMBER, a voice-capable number of the account")
    api, idle, queue, workflow, alice = spanish_workspace(taskrouter, ["en", "es"])
    app = Flask("parity")

    @app.route("/voice", methods=["POST"])
    def voice():
        response = VoiceResponse()
        response.enqueue(None, workflow_sid=workflow).task(json.dumps({"selected_language": "es"}))
        return Response(str(response), mimetype="application/xml")

    callbacks.serve(app)
    if LIVE:
        (line,) = taskrouter.incoming_phone_numbers.list(phone_number=number)
        previous = line.voice_url
        line.update(voice_url=callbacks.base_url + "/voice")
        try:
            taskrouter.calls.create(to=number, from_=number, twiml="<Response><Pause length=\"20\"/></Response>")
            task = eventually(lambda: api.tasks.list(), timeout=40)
        finally:
            taskrouter.incoming_phone_numbers(line.sid).update(voice_url=previous or "")
    else:
        taskrouter.incoming_phone_numbers.create(phone_number=number, voice_url=callbacks.base_url + "/voice")
        taskrouter.trkit_mock.control().place_call("+14155550100", number)
        task = api.tasks.list()
    assert task, "no task was made from the call"
    (request,) = [r for r in callbacks.records if r.kind == "voice"][:1]
    assert request.verdict == "valid signature"
    assert VOICE_PARAMETERS <= set(request.params), sorted(VOICE_PARAMETERS - set(request.params))
    attributes = json.loads(task[0].attributes)
    assert ENQUEUE_ATTRIBUTES <= set(attributes), sorted(ENQUEUE_ATTRIBUTES - set(attributes))
    assert attributes["selected_language"] == "es" and task[0].task_channel_unique_name == "voice"
