"""Every conference and supervise parameter sent by REST is kept with the reservation's instruction.

The conference itself is real on the mock (tests/test_voice_http.py shows To, From, Timeout,
PostWorkActivitySid and the end-on-exit flags acting), but its audio options (beeps, recording,
hold music, regions, SIP credentials…) change nothing the mock can play: they are recorded, and
the parameter table says so. Supervise places no supervisor leg. The dequeue, call and redirect
parameters act on the phone network: tests/test_voice_http.py shows each one's effect.
"""

from __future__ import annotations

import json

import pytest
import requests
from flask import Response
from helpers import build_tutorial_workspace

from trkit.mock.api.contract import spec_parameters
from trkit.mock.api.reservations import CONFERENCE_PARAMS

PATHS = {"task": "POST /v1/Workspaces/{}/Tasks/{}/Reservations/{}", "worker": "POST /v1/Workspaces/{}/Workers/{}/Reservations/{}"}
PLAIN = {"ReservationStatus", "WorkerActivitySid", "Instruction"}


def instruction_for(name: str) -> str:
    for prefix, instruction in (("Dequeue", "dequeue"), ("Call", "call"), ("Redirect", "redirect")):
        if name.startswith(prefix):
            return instruction
    return "supervise" if name.startswith("Supervisor") else "conference"


def value_for(name: str, offline: str) -> str:
    if name.endswith(("Url", "Callback")) or name in ("WaitUrl",):
        return "https://example.com/" + name
    if name.endswith("ActivitySid"):
        return offline
    if name.endswith("CallSid"):
        return "CA" + "1" * 32
    if name in ("From", "To", "DequeueFrom", "DequeueTo", "CallFrom", "CallTo"):
        return "+15005550006"
    return "true" if name.endswith(("Accept", "Beep", "Muted", "EarlyMedia", "Record", "Trim")) else "17"


def snake(name: str, instruction: str) -> str:
    prefix = {"dequeue": "Dequeue", "call": "Call", "redirect": "Redirect"}.get(instruction, "")
    if name == "PostWorkActivitySid" and instruction == "conference":
        prefix = ""
    base = name[len(prefix):] if prefix and name.startswith(prefix) else name
    return "".join("_" + c.lower() if c.isupper() else c for c in base).lstrip("_")


def cases() -> list[tuple[str, str]]:
    found = []
    for via, route in PATHS.items():
        method, path = route.split(" ")
        for name in sorted(spec_parameters()[(method, path)] - PLAIN):
            if instruction_for(name) in ("conference", "supervise"):
                found.append((via, name))
    return found


def task_from_a_call(mock, listener, tw):
    """A task made by <Enqueue> from a waiting caller, as the conference instruction needs; Alice has a phone."""
    client = mock.client()
    tw.api.workers(tw.workers["Alice"]).update(attributes=json.dumps({"languages": ["en", "es"], "contact_uri": "+14155550111"}))
    enqueue = (f'<Response><Enqueue workflowSid="{tw.workflow_sid}"><Task>{{"selected_language": "es"}}</Task>'
               "</Enqueue></Response>")
    listener.answer = lambda received: Response(enqueue, mimetype="application/xml") if received.path == "/voice" else {}
    client.incoming_phone_numbers.create(phone_number="+15005550006", voice_url=listener.url("/voice"))
    mock.control().place_call("+14155550100", "+15005550006")
    (task,) = tw.api.tasks.list()
    return task


@pytest.mark.recorded_only
@pytest.mark.parametrize(("via", "name"), cases())
def test_an_instruction_parameter_is_recorded_with_the_instruction(mock, listener, via, name):
    tw = build_tutorial_workspace(mock.client())
    instruction = instruction_for(name)
    task = task_from_a_call(mock, listener, tw) if instruction == "conference" else tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    (reservation,) = tw.reservations(task.sid)
    offline = tw.activities["Offline"]
    data = {"Instruction": instruction, name: value_for(name, offline)}
    if instruction == "supervise":
        tw.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    parent = f"Tasks/{task.sid}" if via == "task" else f"Workers/{tw.workers['Alice']}"
    response = requests.post(f"{mock.base_url}/v1/Workspaces/{tw.sid}/{parent}/Reservations/{reservation.sid}", data=data,
                             auth=(mock.account_sid, mock.auth_token), timeout=30)
    assert response.status_code == 200, response.text
    (stored,) = [r for r in mock.control().state()["reservation"] if r["sid"] == reservation.sid]
    assert stored["instruction"]["instruction"] == instruction
    assert stored["instruction"][snake(name, instruction)] == data[name]
    if instruction == "conference":
        assert response.json()["reservation_status"] == "accepted"  # the conference instruction accepts the reservation


def test_every_conference_parameter_of_the_spec_is_read():
    listed = spec_parameters()[("POST", "/v1/Workspaces/{}/Tasks/{}/Reservations/{}")]
    conference = {n for n in listed - PLAIN if instruction_for(n) in ("conference", "supervise")}
    assert conference <= set(CONFERENCE_PARAMS)
