"""Voice's REST API (2010-04-01): the account's IncomingPhoneNumbers and Calls, as the twilio library
expects them — ``.json`` paths, RFC 2822 dates, relative ``uri`` values and the 2010 paging envelope.

Every parameter Twilio accepts on these routes and the mock does not act on is refused, saying so
(``contract.unread`` treats every parameter of a 2010 route as one the view must read).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request

from ..engine import When
from ..engine.errors import PhoneNumberRequired
from .common import args, deleted, engine, form, json_response, own_account, renderer

bp = Blueprint("voice", __name__)
ROOT = "/2010-04-01/Accounts/<account>"
CALL_STATUSES = ("queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled")
NUMBER_FIELDS = ("FriendlyName", "VoiceUrl", "VoiceMethod", "VoiceFallbackUrl", "VoiceFallbackMethod", "StatusCallback",
                 "StatusCallbackMethod", "SmsUrl", "SmsMethod", "SmsFallbackUrl", "SmsFallbackMethod")


def _page2010(items: list, key: str) -> Any:
    """One page in the 2010 API's envelope (records under ``key``, relative ``*_uri`` links)."""
    params = args()
    size = params.int("PageSize", 1, 1000) or 50
    number = params.int("Page", 0, 10**9) or 0
    params.str("PageToken")
    start = number * size
    chunk = items[start:start + size]
    filters = [(k, v) for k, v in request.args.items(multi=True) if k not in ("PageSize", "Page", "PageToken")]

    def uri(page_number: int) -> str:
        return f"{request.path}?{urlencode(filters + [('PageSize', size), ('Page', page_number)])}"

    body = {key: [render(item) for item in chunk], "page": number, "page_size": size, "start": start,
            "end": start + max(len(chunk) - 1, 0), "uri": uri(number), "first_page_uri": uri(0),
            "previous_page_uri": uri(number - 1) if number > 0 else None,
            "next_page_uri": uri(number + 1) if start + size < len(items) else None}
    return json_response(body)


def render(obj: Any) -> dict:
    return renderer().render(obj)


# ------------------------------------------------------------------ numbers
def _number_fields(f) -> dict[str, Any]:
    return {"_".join(w.lower() for w in _words(name)): f.str(name) for name in NUMBER_FIELDS if f.has(name)}


def _words(name: str) -> list[str]:
    import re

    return re.findall(r"[A-Z][a-z]*", name)


@bp.route(f"{ROOT}/IncomingPhoneNumbers.json", methods=["GET", "POST"])
def phone_numbers(account: str):
    own_account(account)
    if request.method == "GET":
        a = args()
        return _page2010(engine.calls.list_phone_numbers(phone_number=a.str("PhoneNumber"), friendly_name=a.str("FriendlyName")),
                         "incoming_phone_numbers")
    f = form()
    number = f.str("PhoneNumber")
    if number is None:
        raise PhoneNumberRequired("Missing required parameter PhoneNumber (the mock gives you any number you ask for)")
    return json_response(render(engine.calls.create_phone_number(number, **_number_fields(f))), 201)


@bp.route(f"{ROOT}/IncomingPhoneNumbers/<sid>.json", methods=["GET", "POST", "DELETE"])
def phone_number(account: str, sid: str):
    own_account(account)
    if request.method == "GET":
        return json_response(render(engine.calls.phone_number(sid)))
    if request.method == "DELETE":
        engine.calls.delete_phone_number(sid)
        return deleted()
    return json_response(render(engine.calls.update_phone_number(sid, **_number_fields(form()))))


# ------------------------------------------------------------------ calls
def _when(a, name: str) -> When | None:
    """``Name``, ``Name<`` and ``Name>`` (a query's ``StartTime<=2026-12-06`` is ``StartTime<`` = the date)."""
    on, by, since = a.date(name), a.date(name + "<"), a.date(name + ">")
    return None if on is None and by is None and since is None else When(on, by, since)


@bp.route(f"{ROOT}/Calls.json", methods=["GET", "POST"])
def calls(account: str):
    own_account(account)
    if request.method == "GET":
        a = args()
        return _page2010(engine.calls.list_calls(to=a.str("To"), from_=a.str("From"), status=a.enum("Status", CALL_STATUSES),
                                           parent_call_sid=a.str("ParentCallSid"), started=_when(a, "StartTime"),
                                           ended=_when(a, "EndTime")), "calls")
    f = form()
    events = request.form.getlist("StatusCallbackEvent")
    f.read.add("StatusCallbackEvent")
    call = engine.calls.create_call(
        f.str("To") or "", f.str("From") or "", url=f.str("Url"), twiml=f.str("Twiml"), method=f.str("Method") or "POST",
        fallback_url=f.str("FallbackUrl"), fallback_method=f.str("FallbackMethod") or "POST",
        status_callback=f.str("StatusCallback"), status_callback_method=f.str("StatusCallbackMethod") or "POST",
        status_callback_events=tuple(e for chunk in events for e in chunk.split(" ") if e) or ("completed",),
        timeout=f.int("Timeout", 1, 600) or 60)
    return json_response(render(call), 201)


@bp.route(f"{ROOT}/Calls/<sid>.json", methods=["GET", "POST", "DELETE"])
def call(account: str, sid: str):
    own_account(account)
    if request.method == "GET":
        return json_response(render(engine.calls.call(sid)))
    if request.method == "DELETE":
        engine.calls.delete_call(sid)
        return deleted()
    f = form()
    return json_response(render(engine.calls.update_call(sid, status=f.enum("Status", ("completed", "canceled")), url=f.str("Url"),
                                                   twiml=f.str("Twiml"), method=f.str("Method"))))


# ------------------------------------------------------------------ conferences (read-only: TaskRouter makes them)
@bp.route(f"{ROOT}/Conferences.json", methods=["GET"])
def conferences(account: str):
    own_account(account)
    a = args()
    return _page2010(engine.conferences.list_conferences(status=a.enum("Status", ("init", "in-progress", "completed")),
                                             friendly_name=a.str("FriendlyName")), "conferences")


@bp.route(f"{ROOT}/Conferences/<sid>.json", methods=["GET"])
def conference(account: str, sid: str):
    own_account(account)
    return json_response(render(engine.conferences.conference(sid)))


@bp.route(f"{ROOT}/Conferences/<sid>/Participants.json", methods=["GET"])
def participants(account: str, sid: str):
    own_account(account)
    found = engine.conferences.conference(sid)
    return _page2010([_Participant(found, p) for p in found.participants], "participants")


class _Participant:
    """A conference's participant as the renderer sees a record."""

    KIND = "participant"

    def __init__(self, conference, participant: dict) -> None:
        self.conference = conference
        self.participant = participant
