"""The phone network: the account's numbers, its calls, and what the people on the lines do.

A caller dials one of the account's numbers (``place_call``): the call rings, is answered, and its
number's voice URL is asked for TwiML (the player, :mod:`.twiml_player`, plays it). Outbound calls
(REST ``Calls`` or TaskRouter's ``dequeue``/``call`` instructions) ring a phone that a person answers,
declines or lets ring (``answer_call``, ``decline_call``, or the phone's standing behaviour). Either
party can hang up. Every change happens on the mock clock inside the engine's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...language.lifecycles import CALL
from ...language.vocabulary import LIVE_CALL_STATUSES
from .checks import check_party, formatted_number
from .errors import CallNotInProgress, InvalidParameter, NotComplete, NotFound, NumberNotAvailable, UrlRequired
from .records import Call, PhoneNumber
from .service import Service
from .transaction import Outbound, read, write

RING_TIMEOUT = 60  # seconds a call rings before "no-answer" (Calls' Timeout default)
MAX_RING_TIMEOUT = 600
PHONE_BEHAVIOURS = ("ring", "answer", "busy", "no-answer", "fail")  # what a phone does when a call reaches it
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")


@dataclass(frozen=True)
class When:
    """The Calls list's StartTime and EndTime filters: ``on`` a day (GMT), ``by`` (the ``<`` form: on or before)
    and ``since`` (the ``>`` form: on or after) an instant, as Voice reads ``StartTime=``, ``StartTime<=`` and
    ``StartTime>=`` (https://www.twilio.com/docs/voice/api/call-resource). A call without the time (not yet
    started, or not ended) is left out."""

    on: float | None = None
    by: float | None = None
    since: float | None = None

    def holds(self, moment: float | None) -> bool:
        if moment is None:
            return False
        moment = float(int(moment))  # Voice keeps a call's times to the second, and compares them so
        day = int(moment // 86400)
        return ((self.on is None or day == int(self.on // 86400)) and (self.by is None or moment <= self.by)
                and (self.since is None or moment >= self.since))


class Calls(Service):
    """Phone numbers, calls and the people on them."""

    needs = ("account_sid", "clock", "lookups", "outbox", "store", "telephony", "timers", "twiml")

    # ------------------------------------------------------------ numbers
    @write
    def create_phone_number(self, phone_number: str, **fields: Any) -> PhoneNumber:
        number = check_party(phone_number, "PhoneNumber")
        if number.startswith("client:"):
            raise InvalidParameter("PhoneNumber must be an E.164 number")
        if any(p.phone_number == number for p in self.store.all("phone_number")):
            raise NumberNotAvailable(f"PhoneNumber {number} is already one of this account's numbers")
        now = self.clock.now()
        record = PhoneNumber(sid=self.lookups.new_sid("PN"), account_sid=self.account_sid, phone_number=number,
                             friendly_name=fields.pop("friendly_name", None) or formatted_number(number),
                             date_created=now, date_updated=now)
        self._set_number_fields(record, fields)
        self.store.put(record)
        return record

    @write
    def update_phone_number(self, sid: str, **fields: Any) -> PhoneNumber:
        record = self.phone_number(sid)
        self._set_number_fields(record, fields)
        self.lookups.touch(record)
        return record

    @write
    def delete_phone_number(self, sid: str) -> None:
        self.store.delete(self.phone_number(sid))

    @read
    def phone_number(self, sid: str) -> PhoneNumber:
        record = self.store.get("phone_number", sid)
        if record is None:
            raise NotFound(path=f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers/{sid}.json")
        return record

    @read
    def list_phone_numbers(self, phone_number: str | None = None, friendly_name: str | None = None) -> list[PhoneNumber]:
        records = self.store.all("phone_number")
        return [r for r in records if (phone_number is None or r.phone_number == phone_number)
                and (friendly_name is None or r.friendly_name == friendly_name)]

    @staticmethod
    def _set_number_fields(record: PhoneNumber, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            if value is None:
                continue
            if name.endswith("_method") and str(value).upper() not in ("GET", "POST"):
                raise InvalidParameter(f"{_camel(name)} must be GET or POST, got {value!r}")
            setattr(record, name, str(value).upper() if name.endswith("_method") else value)

    # ------------------------------------------------------------ calls
    @read
    def call(self, sid: str) -> Call:
        record = self.store.get("call", sid)
        if record is None:
            raise NotFound(path=f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json")
        return record

    @read
    def list_calls(self, to: str | None = None, from_: str | None = None, status: str | None = None,
                   parent_call_sid: str | None = None, started: When | None = None, ended: When | None = None) -> list[Call]:
        calls = sorted(self.store.all("call"), key=lambda c: (-c.date_created, -self.store.seq(c.sid)))
        return [c for c in calls if (to is None or c.to == to) and (from_ is None or c.from_ == from_)
                and (status is None or c.status == status) and (parent_call_sid is None or c.parent_call_sid == parent_call_sid)
                and (started is None or started.holds(c.start_time)) and (ended is None or ended.holds(c.end_time))]

    def new_call(self, to: str, from_: str, direction: str, **fields: Any) -> Call:
        now = self.clock.now()
        call = Call(sid=self.lookups.new_sid("CA"), account_sid=self.account_sid, to=to, from_=from_, direction=direction,
                    status="queued", date_created=now, date_updated=now, **fields)
        self.store.put(call)
        return call

    @write
    def place_call(self, from_: str, to: str) -> Call:
        """A person dials one of the account's numbers: the call reaches its voice URL."""
        caller = check_party(from_, "From")
        number = next((p for p in self.store.all("phone_number") if p.phone_number == to), None)
        if number is None:
            raise InvalidParameter(f"{to!r} is not one of this account's numbers: create it under IncomingPhoneNumbers first")
        if not number.voice_url:
            raise InvalidParameter(f"Number {to} has no voice_url: point it at your handler first")
        call = self.new_call(to, caller, "inbound", phone_number_sid=number.sid, url=number.voice_url,
                              method=number.voice_method, fallback_url=number.voice_fallback_url,
                              fallback_method=number.voice_fallback_method, status_callback=number.status_callback,
                              status_callback_method=number.status_callback_method)
        # Twilio asks the number's voice URL while the call rings (CallStatus=ringing); the TwiML answers it
        self.set_call_status(call, "ringing", event="initiated")
        self.twiml.fetch(call, call.url, call.method)
        return call

    @write
    def create_call(self, to: str, from_: str, url: str | None = None, twiml: str | None = None, method: str = "POST",
                    fallback_url: str | None = None, fallback_method: str = "POST", status_callback: str | None = None,
                    status_callback_method: str = "POST", status_callback_events: tuple[str, ...] = ("completed",),
                    timeout: int = RING_TIMEOUT) -> Call:
        """REST ``POST /Calls``: the mock rings ``to`` and plays ``url`` (or ``twiml``) when it answers."""
        to = check_party(to, "To")
        from_ = check_party(from_, "From")
        if url is None and twiml is None:
            raise UrlRequired("One of Url or Twiml is required (the mock does not emulate ApplicationSid)")
        if url is not None:  # Voice: "If both twiml and url are provided then twiml parameter will be ignored"
            twiml = None
        self._check_ring(timeout, status_callback_events)
        call = self.new_call(to, from_, "outbound-api", url=url, method=method.upper(), fallback_url=fallback_url,
                              fallback_method=fallback_method.upper(), status_callback=status_callback,
                              status_callback_method=status_callback_method.upper(),
                              status_callback_events=tuple(status_callback_events), twiml=twiml, ring_timeout=timeout)
        self.ring(call)
        return call

    @staticmethod
    def _check_ring(timeout: int, events: tuple[str, ...]) -> None:
        if not 1 <= timeout <= MAX_RING_TIMEOUT:
            raise InvalidParameter(f"Timeout must be between 1 and {MAX_RING_TIMEOUT} seconds, got {timeout}")
        for event in events:
            if event not in STATUS_EVENTS:
                raise InvalidParameter(f"StatusCallbackEvent {event!r} is not one of {', '.join(STATUS_EVENTS)}")

    @write
    def update_call(self, sid: str, status: str | None = None, url: str | None = None, twiml: str | None = None,
                    method: str | None = None) -> Call:
        """REST ``POST /Calls/{CA}``: hang up (completed), cancel a ringing call, or redirect a live one."""
        call = self.call(sid)
        if status is not None:
            if status == "completed":
                if call.status in LIVE_CALL_STATUSES:
                    self.hang_up_leg(call, "completed" if call.status == "in-progress" else "canceled")
            elif status == "canceled":
                if call.status in ("queued", "ringing"):
                    self.hang_up_leg(call, "canceled")
            else:
                raise InvalidParameter(f"Status must be completed or canceled, got {status!r}")
            return call
        if url is None and twiml is None:
            raise InvalidParameter("Nothing to update: give Status, Url or Twiml")
        if call.status != "in-progress":
            raise CallNotInProgress(f"Call {sid} is not in-progress: it cannot be redirected")
        self.twiml.redirect(call, url, (method or "POST").upper(), twiml=None if url is not None else twiml)  # Url first, as on create
        return call

    @write
    def delete_call(self, sid: str) -> None:
        """REST ``DELETE /Calls/{CA}``: a finished call's record goes; a live call must end first."""
        call = self.call(sid)
        if call.status in LIVE_CALL_STATUSES:
            raise NotComplete(f"Call {sid} is {call.status}: hang it up before deleting its record")
        self.store.delete(call)

    # ------------------------------------------------------------ people
    def phones(self) -> dict[str, str]:
        """Number -> what the phone there does, as the store keeps it (a rolled-back change is gone with it)."""
        return dict(json.loads(self.store.meta.get("phones", "[]")))

    @write
    def set_phone(self, number: str, behaviour: str) -> dict:
        """What a phone does when a call reaches it: ring (a person answers), answer, busy, no-answer or fail."""
        number = check_party(number, "To")
        if behaviour not in PHONE_BEHAVIOURS:
            raise InvalidParameter(f"A phone's behaviour is one of {', '.join(PHONE_BEHAVIOURS)}, not {behaviour!r}")
        phones = self.phones()
        phones[number] = behaviour
        self.store.set_meta("phones", json.dumps(sorted(phones.items())))
        return {"number": number, "behaviour": behaviour}

    @write
    def answer_call(self, sid: str) -> Call:
        call = self.call(sid)
        if call.status != "ringing" or call.direction == "inbound":
            raise InvalidParameter(f"Call {sid} is {call.status}: only a ringing outbound call can be answered")
        self._answered(call)
        return call

    @write
    def decline_call(self, sid: str) -> Call:
        call = self.call(sid)
        if call.status != "ringing" or call.direction == "inbound":
            raise InvalidParameter(f"Call {sid} is {call.status}: only a ringing outbound call can be declined")
        self.hang_up_leg(call, "busy")
        return call

    @write
    def press_digits(self, sid: str, digits: str) -> Call:
        call = self.call(sid)
        if call.status != "in-progress":
            raise InvalidParameter(f"Call {sid} is {call.status}: keys can be pressed only on a call in progress")
        if not digits or any(d not in "0123456789*#" for d in digits):
            raise InvalidParameter(f"Digits are 0-9, * and #, got {digits!r}")
        self.twiml.keys_pressed(call, digits)
        return call

    @write
    def hang_up(self, sid: str) -> Call:
        """The person on this leg puts the phone down."""
        call = self.call(sid)
        if call.status not in LIVE_CALL_STATUSES:
            raise InvalidParameter(f"Call {sid} is {call.status} already")
        self.hang_up_leg(call, "completed" if call.status == "in-progress" else "canceled")
        return call

    # ------------------------------------------------------------ the line itself
    def ring(self, call: Call) -> None:
        """An outbound leg starts ringing; the phone at ``to`` does what it is set to do."""
        self.set_call_status(call, "ringing", event="initiated")
        self._call_event(call, "ringing")
        behaviour = self.phones().get(call.to, "ring")
        if behaviour == "answer":
            self._answered(call)
        elif behaviour in ("busy", "fail"):
            self.hang_up_leg(call, "busy" if behaviour == "busy" else "failed")
        else:  # ring, or no-answer: it rings until a person answers or the timeout passes
            self.wait(call, "ringing", self.clock.now() + call.ring_timeout)

    def _answered(self, call: Call) -> None:
        call.start_time = self.clock.now()
        self.set_call_status(call, "in-progress", event="answered")
        self.wait(call, None)
        self.twiml.call_answered(call)

    def hang_up_leg(self, call: Call, status: str) -> None:
        if call.status not in LIVE_CALL_STATUSES:
            return
        was = call.status
        call.end_time = self.clock.now()
        self.set_call_status(call, status, event="completed")
        self.wait(call, None)
        self.telephony.call_ended(call, was)

    def set_call_status(self, call: Call, status: str, event: str | None = None) -> None:
        """Every change of a call's status, by the Call lifecycle's table."""
        if CALL.allows(call.status, status) is None:
            raise RuntimeError(f"Call {call.sid} cannot go from {call.status} to {status}: the Call lifecycle has no such move")
        call.status = str(status)
        self.lookups.touch(call)
        if event is not None:
            self._call_event(call, event)

    def _call_event(self, call: Call, event: str) -> None:
        """A status callback, if the call asked for this event (``completed`` by default)."""
        if not call.status_callback or event not in call.status_callback_events:
            return
        call.sequence += 1
        params = {**self.call_params(call), "CallbackSource": "call-progress-events", "SequenceNumber": str(call.sequence - 1),
                  "Timestamp": _rfc2822(self.clock.now())}
        if event == "initiated":  # the call's status when dialing starts, though it rings by the time it is sent
            params["CallStatus"] = "initiated"
        if event == "completed":
            params["CallDuration"] = str(int(call.end_time - call.start_time) if call.start_time else 0)
        task = self.store.get("task", call.task_sid) if call.task_sid else None
        if call.reservation_sid and task is not None:  # a worker's leg tells which caller it served (dequeue's status_callback_url)
            params["taskCallSid"] = str(task.attrs.get("call_sid", ""))
        self.outbox.post(Outbound("voice-status", call.status_callback, params, self.account_sid,
                                     method=call.status_callback_method, call_sid=call.sid))

    def wait(self, call: Call, what: str | None, until: float | None = None) -> None:
        call.waiting = what
        call.wait_until = until
        if until is not None:
            self.timers.add_timer(until, "call", call.sid)

    def call_timer(self, sid: str, due: float) -> None:
        """A call's deadline passed: it stopped ringing, a Gather timed out, a Pause ended."""
        call = self.store.get("call", sid)
        if call is None or call.wait_until is None or call.wait_until > due or call.status not in LIVE_CALL_STATUSES:
            return
        if call.waiting == "ringing":
            self.hang_up_leg(call, "no-answer")
        else:
            self.twiml.timed_out(call)

    def call_params(self, call: Call) -> dict[str, str]:
        """The standard parameters of every voice webhook (Voice's request to the TwiML URL)."""
        params = {"CallSid": call.sid, "AccountSid": call.account_sid, "From": call.from_, "To": call.to,
                  "CallStatus": call.status, "ApiVersion": "2010-04-01", "Direction": call.direction,
                  "Caller": call.from_, "Called": call.to}
        if call.parent_call_sid:
            params["ParentCallSid"] = call.parent_call_sid
        for side, number in (("From", call.from_), ("To", call.to), ("Caller", call.from_), ("Called", call.to)):
            params[f"{side}Country"] = "US" if number.startswith("+1") else ""
            for part in ("City", "State", "Zip"):
                params[f"{side}{part}"] = ""  # the mock's numbers have no place
        return params


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _rfc2822(epoch: float) -> str:
    from email.utils import formatdate

    return formatdate(epoch, usegmt=True)
