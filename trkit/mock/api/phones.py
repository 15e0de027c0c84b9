"""The people on the lines, under ``/mock/phone/`` (the mock's own controls, not Twilio's API): a caller
dials one of the account's numbers, presses keys, hangs up; a worker's phone answers, declines, or is
set to answer, ring, be busy or never answer; and what each party heard."""

from __future__ import annotations

from flask import Blueprint

from ..engine.errors import InvalidParameter
from .common import engine, form, json_response, renderer

bp = Blueprint("phones", __name__)


def _required(f, name: str) -> str:
    value = f.str(name)
    if not value:
        raise InvalidParameter(f"Missing required parameter {name}")
    return value


def _with_transcript(call) -> dict:
    return {**renderer().render(call), "waiting": call.waiting, "heard": [line["heard"] for line in call.transcript],
            "errors": list(call.errors), "bridged_with": call.bridged_with, "task_sid": call.task_sid,
            "reservation_sid": call.reservation_sid}


@bp.route("/mock/phone/calls", methods=["POST"])
def place_call():
    f = form()
    return json_response(_with_transcript(engine.calls.place_call(_required(f, "From"), _required(f, "To"))), 201)


@bp.route("/mock/phone/calls/<sid>", methods=["GET"])
def call_state(sid: str):
    return json_response(_with_transcript(engine.calls.call(sid)))


@bp.route("/mock/phone/calls/<sid>/<action>", methods=["POST"])
def act(sid: str, action: str):
    f = form()
    if action == "digits":
        call = engine.calls.press_digits(sid, _required(f, "Digits"))
    elif action == "answer":
        call = engine.calls.answer_call(sid)
    elif action == "decline":
        call = engine.calls.decline_call(sid)
    elif action == "hangup":
        call = engine.calls.hang_up(sid)
    else:
        raise InvalidParameter(f"A person on a call can do digits, answer, decline or hangup, not {action!r}")
    return json_response(_with_transcript(call))


@bp.route("/mock/phone/phones", methods=["POST"])
def set_phone():
    f = form()
    return json_response(engine.calls.set_phone(_required(f, "Number"), _required(f, "Behaviour")))
