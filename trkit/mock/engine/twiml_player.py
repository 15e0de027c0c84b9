"""The TwiML player: asks a call's URL for TwiML and plays it, verb by verb, on the mock clock.

A document is fetched by a signed webhook sent after the transaction commits; its answer comes back
in a transaction of its own (:meth:`apply_voice_answer`). Playing stops at a verb that waits: a
``<Gather>`` for keys, a ``<Pause>``, an ``<Enqueue>`` for a worker, a ``<Dial>`` for the other party,
or another webhook. A document that runs out of verbs ends the call, as on Twilio. What each party
hears is kept as the call's transcript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from ...language.twiml import TWIML_TYPES, TwimlError, Verb, parse_twiml, read_aloud
from .records import Call
from .service import Service
from .transaction import Outbound, write

# On the mock no time passes between documents that do not wait, so a document that <Redirect>s to itself would loop
# for ever in one instant: after 10 redirects in a row the call ends with 11215, "this request has been redirected too
# many times and may be in a loop" (https://www.twilio.com/docs/api/errors/11215), Twilio's limit for HTTP redirects
MAX_REDIRECTS_IN_A_ROW = 10
APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."  # what a caller hears on Twilio
GATHER_TIMEOUT = 5

# Voice's error codes for a TwiML URL that fails (Voice's debugger)
HTTP_RETRIEVAL_FAILURE = 11200
HTTP_CONNECTION_FAILURE = 11205
HTTP_BAD_HOST_NAME = 11210
HTTP_INVALID_REDIRECT = 11216

# HTTP redirects a TwiML URL answers with: "Twilio will only follow redirects for status codes 301, 302, 303, and 307"
# and needs a Location (https://www.twilio.com/docs/api/errors/11216); after 10 in a row it gives up with 11215
FOLLOWED_REDIRECTS = (301, 302, 303, 307)
MAX_HTTP_REDIRECTS = 10
REDIRECTED_TOO_OFTEN = f"redirected more than {MAX_HTTP_REDIRECTS} times"  # the sender's word for 11215
NO_LOCATION = "a redirect without a Location header"


def fetch_failure_code(status: int | None, error: str | None) -> int:
    """Voice's error code for a document that could not be fetched: the server answered, not with a 2xx (11200);
    it redirected too often (11215) or in a way Twilio does not follow (11216); its host name does not resolve
    (11210); or the connection was refused, reset or timed out (11205)."""
    if status is not None and 300 <= status < 400:
        return TOO_MANY_REDIRECTS if error == REDIRECTED_TOO_OFTEN else HTTP_INVALID_REDIRECT
    if status is not None:
        return HTTP_RETRIEVAL_FAILURE
    if error and ("NameResolution" in error or "Name or service not known" in error):
        return HTTP_BAD_HOST_NAME
    return HTTP_CONNECTION_FAILURE
TOO_MANY_REDIRECTS = 11215


class TwimlPlayer(Service):
    """Fetch, parse and play TwiML for a call."""

    needs = ("account_sid", "calls", "clock", "outbox", "store", "telephony")

    # ------------------------------------------------------------ fetching
    def call_answered(self, call: Call) -> None:
        if self.telephony.answered_by_worker(call):  # a worker's leg bridges to its caller (telephony)
            return
        if call.twiml is not None:
            self._play_document(call, call.twiml, call.url or "")
        elif call.url:
            self.fetch(call, call.url, call.method)

    def fetch(self, call: Call, url: str, method: str, extra: dict[str, str] | None = None,
               fallback: tuple[str | None, str] | None = None, purpose: str = "voice-url") -> None:
        """Ask ``url`` for TwiML; the answer is played when it comes back."""
        call.documents += 1  # the documents since the call last waited: the first one, then the redirects it led to
        if call.documents > 1 + MAX_REDIRECTS_IN_A_ROW:
            self._application_error(call, TOO_MANY_REDIRECTS, f"more than {MAX_REDIRECTS_IN_A_ROW} redirects in a row "
                                                              "without the call waiting for anything")
            return
        call.fetches += 1
        fallback_url, fallback_method = fallback if fallback is not None else (call.fallback_url, call.fallback_method)
        params = {**self.calls.call_params(call), **(extra or {})}
        self.calls.wait(call, "webhook")
        self.outbox.post(Outbound("voice", url, params, self.account_sid, method=method, call_sid=call.sid,
                                     token=call.fetches, fallback_url=fallback_url, fallback_method=fallback_method,
                                     purpose=purpose))

    @write
    def apply_voice_answer(self, call_sid: str, token: int, url: str, status: int | None, content_type: str | None,
                           body: str, error: str | None = None) -> str:
        """A TwiML URL answered (or failed): play the document, or end the call as Twilio does."""
        call = self.store.get("call", call_sid)
        if call is None or call.status not in ("ringing", "in-progress") or call.waiting != "webhook" or call.fetches != token:
            return "ignored: the call is not waiting for this document any more"
        if status is None or not 200 <= status < 300:
            self._answer_if_ringing(call)  # Twilio's apology answers it
            return self._application_error(call, fetch_failure_code(status, error), f"{url} answered {error or f'HTTP {status}'}")
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type not in TWIML_TYPES:
            self._answer_if_ringing(call)
            return self._application_error(call, HTTP_RETRIEVAL_FAILURE, f"{url} answered {media_type or 'no Content-Type'}, "
                                                                         "not TwiML")
        return self._play_document(call, body, url, media_type)

    def _answer_if_ringing(self, call: Call) -> None:
        """An inbound call is answered by its first document, or by Twilio's apology for one it cannot use."""
        if call.status == "ringing":
            call.start_time = self.clock.now()
            self.calls.set_call_status(call, "in-progress", event="answered")

    def _play_document(self, call: Call, body: str, url: str, media_type: str = "text/xml") -> str:
        try:
            verbs = parse_twiml(body)
        except TwimlError as exc:
            self._answer_if_ringing(call)
            if read_aloud(media_type, exc):  # text that is not XML: Twilio reads it out, then hangs up
                self.hear(call, body.strip())
                self.calls.hang_up_leg(call, "completed")
                return "read the text aloud, then hung up"
            return self._application_error(call, exc.code, str(exc))
        if verbs and verbs[0].name == "Reject" and call.status == "ringing":
            # "<Reject> ... Twilio will not answer the call" (https://www.twilio.com/docs/voice/twiml/reject)
            self._verb(call, verbs[0])
            return "rejected the call unanswered"
        self._answer_if_ringing(call)
        call.document_url = url
        call.program = tuple(verbs)
        self.calls.wait(call, None)
        self.play(call)
        return f"played {len(verbs)} verb(s)"

    def _application_error(self, call: Call, code: int, message: str) -> str:
        """Twilio's answer to a document it cannot use: the caller hears the apology, the call ends, the error is kept."""
        call.errors = call.errors + ({"code": code, "message": message, "at": self.clock.now()},)
        self.hear(call, APPLICATION_ERROR)
        self.calls.hang_up_leg(call, "completed")
        return f"application error {code}: {message}"

    # ------------------------------------------------------------ playing
    def play(self, call: Call) -> None:
        """Play verbs until one waits or the document ends (then the call ends)."""
        while call.status == "in-progress" and call.waiting is None:
            if not call.program:
                self.calls.hang_up_leg(call, "completed")
                return
            verb, call.program = call.program[0], call.program[1:]
            try:
                self._verb(call, verb)
            except TwimlError as exc:
                self._application_error(call, exc.code, str(exc))
                return

    def _verb(self, call: Call, verb: Verb) -> None:
        name = verb.name
        if name in ("Say", "Play", "Pause") and call.waiting is None:
            self._sound(call, verb)
        elif name == "Gather":
            self._gather(call, verb)
        elif name == "Enqueue":
            self.telephony.enqueue(call, verb)
        elif name == "Dial":
            self.telephony.dial(call, verb)
        elif name == "Redirect":
            if not verb.text:
                raise TwimlError("<Redirect> needs a URL", 12200)
            self.fetch(call, self.absolute(call, verb.text), (verb.get("method") or "POST").upper(), purpose="redirect")
        elif name == "Hangup":
            self.calls.hang_up_leg(call, "completed")
        elif name == "Reject":
            reason = verb.get("reason", "rejected")
            self.hear(call, "(busy signal)" if reason == "busy" else "(the number is not in service)")
            self.calls.hang_up_leg(call, "busy" if reason == "busy" else "no-answer")
        elif name == "Leave":
            raise TwimlError("<Leave> belongs in an Enqueue waitUrl document, which the mock does not emulate", 12200)

    def _sound(self, call: Call, verb: Verb) -> None:
        loops = max(1, int(verb.get("loop", "1")))  # loop="0" (forever) is heard once: nothing else can happen meanwhile
        if verb.name == "Say":
            language = verb.get("language")
            self.hear(call, (f"[{language}] " if language else "") + verb.text, loops)
        elif verb.name == "Play":
            self.hear(call, f"(plays {verb.text})", loops)
        else:
            self.calls.wait(call, "pause", self.clock.now() + int(verb.get("length", "1")))

    def hear(self, call: Call, text: str, loops: int = 1) -> None:
        call.transcript = call.transcript + tuple({"at": self.clock.now(), "heard": text} for _ in range(loops))
        partner = self.store.get("call", call.bridged_with) if call.bridged_with else None
        if partner is not None:
            partner.transcript = partner.transcript + ({"at": self.clock.now(), "heard": f"(the other party hears) {text}"},)

    # ------------------------------------------------------------ gather
    def _gather(self, call: Call, verb: Verb) -> None:
        for inner in verb.children:
            if inner.name == "Pause":
                continue  # a pause inside Gather only delays the prompt: no key can be missed on the mock
            self._sound(call, inner)
        call.gather = {"digits": "", "num_digits": int(verb.get("numDigits", "0")) or None,
                       "finish_on_key": verb.get("finishOnKey", "#"),
                       "action": self.absolute(call, verb.get("action") or call.document_url or ""),
                       "method": (verb.get("method") or "POST").upper(),
                       "on_empty": verb.get("actionOnEmptyResult", "false").lower() == "true"}
        self.calls.wait(call, "gather", self.clock.now() + int(verb.get("timeout", str(GATHER_TIMEOUT))))

    def keys_pressed(self, call: Call, digits: str) -> None:
        if call.waiting != "gather":
            self.hear(call, f"(keys {digits} pressed: nothing is listening)")
            return
        gather = dict(call.gather)
        for key in digits:
            if gather["finish_on_key"] and key == gather["finish_on_key"]:
                self._gathered(call, gather, finished_on=key)
                return
            gather["digits"] += key
            if gather["num_digits"] and len(gather["digits"]) >= gather["num_digits"]:
                self._gathered(call, gather)
                return
        call.gather = gather

    def _gathered(self, call: Call, gather: dict[str, Any], finished_on: str | None = None) -> None:
        call.gather = None
        self.calls.wait(call, None)
        if not gather["digits"] and not gather["on_empty"]:
            self.play(call)  # no input: fall through to the next verb
            return
        extra = {"Digits": gather["digits"]}
        if finished_on:
            extra["FinishedOnKey"] = finished_on
        call.documents = 0
        self.fetch(call, gather["action"], gather["method"], extra, purpose="gather-action")

    def timed_out(self, call: Call) -> None:
        if call.waiting == "gather":
            self._gathered(call, dict(call.gather))
        elif call.waiting == "pause":
            self.calls.wait(call, None)
            call.documents = 0
            self.play(call)

    # ------------------------------------------------------------ redirects
    def redirect(self, call: Call, url: str | None, method: str, twiml: str | None = None, keep_task: bool = False) -> None:
        """The call leaves whatever it was doing (a queue, a gather) for a new document."""
        self.telephony.leave_wait(call, "redirected", keep_task)
        call.documents = 0
        if twiml is not None:
            self._play_document(call, twiml, call.document_url or "")
        else:
            self.fetch(call, url, method, purpose="redirect")

    @staticmethod
    def absolute(call: Call, url: str) -> str:
        return urljoin(call.document_url or "", url)
