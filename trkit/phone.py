"""``kit.phone``: the people on the phone lines — a caller who dials your number, presses keys and hangs
up, and a worker whose phone rings and who answers it.

On the bundled mock these drive the mock's phone network; on real Twilio the people are you, with
real phones: each method says what to do on your phone and waits until Twilio shows it happened.
Everything between (numbers, calls, TwiML, instructions) stays plain twilio code in the notebook.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .errors import KitError
from .language.vocabulary import LIVE_CALL_STATUSES

MOCK_NUMBER = "+15005550006"  # the number the kit gives the tutorial on the mock
CALLER = "+14155550100"  # the caller's phone on the mock
ALICE_PHONE = "+14155550111"  # Alice's phone (her contact_uri) on the mock
REAL_WAIT = 120.0  # seconds to wait for you to act on a real phone


@dataclass
class CallView:
    """One call leg: who, its status, and (on the mock) what its party heard and what it waits for."""

    sid: str
    from_: str
    to: str
    status: str
    heard: list[str] = field(default_factory=list)
    waiting: str | None = None
    errors: list[dict] = field(default_factory=list)

    def __repr__(self) -> str:
        said = " / ".join(self.heard[-3:]) or "nothing yet"
        return f"<call {self.sid} {self.from_} → {self.to}: {self.status}; heard: {said}>"


class Phones:
    def __init__(self, kit: Any) -> None:
        self._kit = kit

    # ------------------------------------------------------------ reading
    def show(self, call_sid: str) -> CallView:
        if self._kit.mode == "mock":
            body = self._kit.mock.phone_call(call_sid)
            return CallView(body["sid"], body["from"], body["to"], body["status"], body.get("heard", []), body.get("waiting"),
                            body.get("errors", []))
        call = self._kit.client.calls(call_sid).fetch()
        return CallView(call.sid, call._from, call.to, call.status)

    def ringing(self, number: str) -> CallView:
        """The call ringing the phone at ``number`` now (a worker's contact_uri)."""
        calls = self._kit.client.calls.list(to=number, status="ringing", limit=1)
        if not calls:
            raise KitError(f"No call is ringing {number}: is a reservation's dequeue under way?")
        return self.show(calls[0].sid)

    # ------------------------------------------------------------ acting
    def call(self, to: str | None = None, from_: str = CALLER, press: str | None = None) -> CallView:
        """A caller dials ``to`` (default: the tutorial's number); its TwiML has run when this returns.

        ``press``: the keys the caller presses as soon as a ``<Gather>`` listens. A Gather listens for its
        ``timeout`` (five seconds unless it says otherwise), so a caller who is to answer a menu presses in the
        same step as the call, as a person on the phone does, not in a later cell.
        """
        to = to or self._kit.phone_number
        if self._kit.mode == "mock":
            call = self.show(self._kit.mock.place_call(from_, to)["sid"])
            # a caller presses only while the call goes on: one that has ended already (no <Gather> held it) is shown
            # as it is, and the check of the route says why
            return self.press(call.sid, press) if press and call.status == "in-progress" else call
        since = time.time()
        count = len(self._kit.callbacks.records)
        if press:
            self._say(f"Call {to} from your phone now, and press {press} when you hear the prompts.")
            return self._await(lambda: self._pressed_or_over(to, count), f"a call to {to} and the keys {press}")
        self._say(f"Call {to} from your phone now.")
        return self._await(lambda: next((self.show(c.sid) for c in self._kit.client.calls.list(to=to, status="in-progress", limit=5)
                                         if c.date_created is None or c.date_created.timestamp() >= since - 5), None),
                           f"a call to {to}")

    def _pressed_or_over(self, to: str, count: int) -> CallView | None:
        """The call to ``to`` that asked your routes for TwiML since callback ``count``, once its keys reached them
        or it ended without any."""
        asked = [r for r in self._kit.callbacks.records[count:] if r.params.get("To") == to and r.params.get("CallSid")]
        if not asked:
            return None
        sid = asked[0].params["CallSid"]
        call = self.show(sid)
        pressed = any(r.params.get("CallSid") == sid and "Digits" in r.params for r in asked)
        return call if pressed or call.status not in LIVE_CALL_STATUSES else None

    def press(self, call_sid: str, digits: str) -> CallView:
        """The caller presses ``digits``; a ``<Gather>`` hears them only while it listens."""
        if self._kit.mode == "mock":
            from .mock.client import MockRefused

            try:
                self._kit.mock.press(call_sid, digits)
            except MockRefused:  # the mock presses keys only on a call in progress: say why this one is not
                call = self.show(call_sid)
                if call.status == "in-progress":
                    raise  # refused for another reason (the keys themselves), which the mock's message names
                last = f" (the last it heard: {call.heard[-1]!r})" if call.heard else ""
                raise KitError(f"Call {call_sid} is {call.status}{last}, so no key can be pressed on it. A <Gather> listens "
                               "for its timeout, five seconds unless it says otherwise: dial and press in one step, "
                               f"kit.phone.call(press={digits!r}).") from None
            return self.show(call_sid)
        count = len(self._kit.callbacks.records)
        self._say(f"Press {digits} on your phone.")
        self._await(lambda: any(r.params.get("CallSid") == call_sid and "Digits" in r.params
                                for r in self._kit.callbacks.records[count:]), f"the keys {digits}")
        return self.show(call_sid)

    def answer(self, number: str) -> CallView:
        """The person at ``number`` picks up the ringing phone."""
        if self._kit.mode == "mock":
            ringing = self.ringing(number)
            self._kit.mock.answer(ringing.sid)
            return self.show(ringing.sid)
        self._say(f"Answer the phone at {number}.")
        return self._await(lambda: next((self.show(c.sid) for c in self._kit.client.calls.list(to=number, status="in-progress",
                                                                                                limit=1)), None),
                           f"{number} to answer")

    def decline(self, number: str) -> CallView:
        if self._kit.mode != "mock":
            raise KitError(f"Decline the call on the phone at {number} yourself.")
        ringing = self.ringing(number)
        self._kit.mock.decline(ringing.sid)
        return self.show(ringing.sid)

    def hang_up(self, call_sid: str) -> CallView:
        if self._kit.mode == "mock":
            self._kit.mock.hang_up(call_sid)
            return self.show(call_sid)
        self._say("Hang up.")
        return self._await(lambda: (lambda view: view if view.status not in LIVE_CALL_STATUSES else None)(
            self.show(call_sid)), "the call to end")

    def behave(self, number: str, behaviour: str) -> str:
        """What the phone at ``number`` does from now on when called: ring, answer, busy, no-answer or fail (mock only)."""
        if self._kit.mode != "mock":
            raise KitError("Real phones do what their owners do: only the bundled mock's phones can be told how to behave.")
        return self._kit.mock.set_phone(number, behaviour)["behaviour"]

    # ------------------------------------------------------------ real phones
    @staticmethod
    def _say(text: str) -> None:
        print(f"☎ {text}")

    def _await(self, found, what: str):
        return self._kit.wait_for(found, timeout=REAL_WAIT, every=1.0, what=what)
