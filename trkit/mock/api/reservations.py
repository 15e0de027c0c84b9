"""Reservations, reached through their task or their worker; updates carry assignment instructions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from ...language.vocabulary import RESERVATION_STATUSES
from .common import args, engine, form, if_match, one, page

bp = Blueprint("reservations", __name__)

INSTRUCTION_PREFIXES = {"dequeue": "Dequeue", "call": "Call", "redirect": "Redirect", "conference": "", "supervise": ""}
CONFERENCE_PARAMS = (
    "To", "From", "StatusCallback", "StatusCallbackMethod", "StatusCallbackEvent", "Timeout", "Record", "Muted", "Beep",
    "StartConferenceOnEnter", "EndConferenceOnExit", "WaitUrl", "WaitMethod", "EarlyMedia", "MaxParticipants",
    "ConferenceStatusCallback", "ConferenceStatusCallbackMethod", "ConferenceStatusCallbackEvent", "ConferenceRecord",
    "ConferenceTrim", "RecordingChannels", "RecordingStatusCallback", "RecordingStatusCallbackMethod",
    "ConferenceRecordingStatusCallback", "ConferenceRecordingStatusCallbackMethod", "Region", "SipAuthUsername",
    "SipAuthPassword", "PostWorkActivitySid", "EndConferenceOnCustomerExit", "BeepOnCustomerEntrance", "JitterBufferSize",
    "SupervisorMode", "Supervisor",
)
# reservation parameters the spec types as URIs (format: uri): checked whatever the instruction
INSTRUCTION_URLS = ("DequeueStatusCallbackUrl", "CallUrl", "CallStatusCallbackUrl", "RedirectUrl", "StatusCallback", "WaitUrl",
                    "ConferenceStatusCallback", "RecordingStatusCallback", "ConferenceRecordingStatusCallback")


@bp.route("/v1/Workspaces/<ws>/Tasks/<task_sid>/Reservations", methods=["GET"])
def task_reservations(ws: str, task_sid: str):
    a = args()
    items = engine.reservations.list_reservations(
        ws, task_sid=task_sid, reservation_status=a.enum("ReservationStatus", RESERVATION_STATUSES),
        filter_worker_sid=a.str("WorkerSid"),
    )
    return page(items, "reservations")


@bp.route("/v1/Workspaces/<ws>/Tasks/<task_sid>/Reservations/<sid>", methods=["GET", "POST"])
def task_reservation(ws: str, task_sid: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.reservation(ws, sid, task_sid=task_sid))
    return one(_update_reservation(ws, sid, task_sid=task_sid))

def _update_reservation(ws: str, sid: str, task_sid: str | None = None, worker_sid: str | None = None):
    f = form()
    for name in INSTRUCTION_URLS:
        f.url(name)
    instruction = f.enum("Instruction", tuple(INSTRUCTION_PREFIXES))
    params: dict[str, Any] = {}
    if instruction == "conference" or instruction == "supervise":
        params = {
            "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_"): f.str(name)
            for name in CONFERENCE_PARAMS if f.has(name)
        }
    elif instruction is not None:
        params = f.prefixed(INSTRUCTION_PREFIXES[instruction])
        if instruction == "dequeue" and f.has("PostWorkActivitySid"):
            params["post_work_activity_sid"] = f.str("PostWorkActivitySid")
    return engine.reservations.update_reservation(
        ws, sid, task_sid=task_sid, worker_sid=worker_sid,
        reservation_status=f.enum("ReservationStatus", RESERVATION_STATUSES),
        worker_activity_sid=f.str("WorkerActivitySid"),
        instruction=instruction,
        instruction_params=params,
        if_match=if_match(),
    )


@bp.route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Reservations", methods=["GET"])
def worker_reservations(ws: str, worker_sid: str):
    status = args().enum("ReservationStatus", RESERVATION_STATUSES)
    items = engine.reservations.list_reservations(ws, worker_sid=worker_sid, reservation_status=status)
    return page(items, "reservations", via_worker=True)


@bp.route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Reservations/<sid>", methods=["GET", "POST"])
def worker_reservation(ws: str, worker_sid: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.reservation(ws, sid, worker_sid=worker_sid), via_worker=True)
    return one(_update_reservation(ws, sid, worker_sid=worker_sid), via_worker=True)
