"""TwiML for voice calls: parsed with a hardened XML parser into verbs, and checked against what the
mock emulates.

A document is a ``<Response>`` of verbs. Each verb the mock plays has its emulated attributes and
nouns listed here; anything else that is valid TwiML (another verb, an attribute such as
``statusCallback`` on ``<Number>``) is refused with a message saying the mock does not emulate it,
and anything that is not TwiML at all is refused as Twilio refuses it. Nothing is skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .errors import LanguageError

# Twilio's error codes for a document it cannot use (Voice's debugger)
DOCUMENT_PARSE_FAILURE = 12100
SCHEMA_VALIDATION = 12200
NOT_EMULATED = 12200  # valid TwiML the mock does not play: reported under the schema code, with its own words

# verb -> (emulated attributes, nouns it may hold)
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Say": (frozenset({"voice", "language", "loop"}), frozenset()),
    "Play": (frozenset({"loop"}), frozenset()),
    "Pause": (frozenset({"length"}), frozenset()),
    "Gather": (frozenset({"action", "method", "numDigits", "timeout", "finishOnKey", "input", "language",
                          "actionOnEmptyResult"}), frozenset({"Say", "Play", "Pause"})),
    "Enqueue": (frozenset({"action", "method", "workflowSid", "waitUrl", "waitUrlMethod", "maxQueueSize"}),
                frozenset({"Task"})),
    "Leave": (frozenset(), frozenset()),
    "Redirect": (frozenset({"method"}), frozenset()),
    "Hangup": (frozenset(), frozenset()),
    "Reject": (frozenset({"reason"}), frozenset()),
    "Dial": (frozenset({"action", "method", "timeout", "callerId", "answerOnBridge"}),
             frozenset({"Number", "Client", "Queue"})),
}
NOUNS: dict[str, frozenset[str]] = {
    "Task": frozenset({"priority", "timeout"}),
    "Number": frozenset(),
    "Client": frozenset(),
    "Queue": frozenset({"reservationSid", "postWorkActivitySid"}),
}
# the rest of TwiML's voice vocabulary: valid, but the mock does not play it
OTHER_TWIML = frozenset({
    "Conference", "Sip", "Sim", "Stream", "Start", "Stop", "Connect", "Record", "Refer", "Pay", "Prompt", "Echo",
    "Siprec", "Transcription", "VirtualAgent", "Autopilot", "Room", "Application", "Parameter", "Identity",
    "ConversationRelay", "Assistant", "Language", "Config", "Sms", "Message",
})
# the methods TwiML's action and URL attributes accept
METHODS = ("GET", "POST")
# the answers Voice reads as TwiML (https://www.twilio.com/docs/voice/twiml); text/plain that is not XML is read aloud instead
TWIML_TYPES = ("text/xml", "application/xml", "text/html", "text/plain")


class TwimlError(LanguageError):
    """A document the call cannot play: ``code`` is the error Twilio's debugger records."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Verb:
    """One element of a document: its name, attributes, text and the elements inside it."""

    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: tuple[Verb, ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attributes.get(name, default)


def parse_twiml(document: str | bytes) -> list[Verb]:
    """The verbs of a TwiML document, or :class:`TwimlError` saying what the mock cannot play and why."""
    try:
        root = ElementTree.fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise TwimlError(f"the document declares what TwiML may not ({type(exc).__name__})", DOCUMENT_PARSE_FAILURE) from None
    except ElementTree.ParseError as exc:
        raise TwimlError(f"the document is not well-formed XML ({exc})", DOCUMENT_PARSE_FAILURE) from None
    if root.tag != "Response":
        raise TwimlError(f"the document's root element is <{root.tag}>, not <Response>", SCHEMA_VALIDATION)
    return [_verb(element, VERBS, "<Response>") for element in root]


def _verb(element, allowed: dict, parent: str) -> Verb:
    name = element.tag
    if name not in allowed:
        known = name in VERBS or name in NOUNS or name in OTHER_TWIML
        if known:
            where = "" if name in OTHER_TWIML else f" inside {parent}"
            raise TwimlError(f"<{name}>{where} is TwiML the mock does not emulate", NOT_EMULATED)
        raise TwimlError(f"<{name}> is not a TwiML element {parent} may hold", SCHEMA_VALIDATION)
    attributes_allowed = VERBS[name][0] if name in VERBS else NOUNS[name]
    for attribute in element.attrib:
        if attribute not in attributes_allowed:
            raise TwimlError(f"the {attribute!r} attribute of <{name}> is not emulated by the mock "
                             f"(it plays {', '.join(sorted(attributes_allowed)) or 'none'})", NOT_EMULATED)
    children_allowed = VERBS[name][1] if name in VERBS else frozenset()
    children = tuple(_verb(child, {n: None for n in children_allowed}, f"<{name}>") for child in element)
    _check(name, element.attrib)
    return Verb(name, dict(element.attrib), (element.text or "").strip(), children)


def _check(name: str, attributes: dict[str, str]) -> None:
    """Attribute values the mock's player reads: numbers must be numbers, methods GET or POST."""
    for key in ("numDigits", "timeout", "length", "loop", "priority", "maxQueueSize"):
        value = attributes.get(key)
        if value is not None and not value.strip().isdigit():
            raise TwimlError(f"<{name} {key}={value!r}> must be a whole number", SCHEMA_VALIDATION)
    for key in ("method", "waitUrlMethod"):
        value = attributes.get(key)
        if value is not None and value.upper() not in METHODS:
            raise TwimlError(f"<{name} {key}={value!r}> must be GET or POST", SCHEMA_VALIDATION)
    if name == "Gather" and attributes.get("input", "dtmf") != "dtmf":
        raise TwimlError(f"<Gather input={attributes['input']!r}>: the mock emulates key presses (dtmf) only", NOT_EMULATED)


def read_aloud(media_type: str, error: TwimlError) -> bool:
    """Whether Voice reads an unplayable answer out instead: text/plain that is not XML (https://www.twilio.com/docs/voice/twiml)."""
    return media_type == "text/plain" and error.code == DOCUMENT_PARSE_FAILURE


def outline(verbs: list[Verb]) -> str:
    """A document in one line: ``Gather(Say, Say)``, ``Enqueue(Task)``."""
    return ", ".join(v.name + (f"({outline(list(v.children))})" if v.children else "") for v in verbs) or "nothing"


class UnplayableAnswer(Exception):
    """A TwiML URL's answer the call cannot play: ``reading`` says what the caller hears instead."""

    def __init__(self, reading: str) -> None:
        super().__init__(reading)
        self.reading = reading


def answer_verbs(status: int, content_type: str | None, body: str) -> list[Verb]:
    """The verbs Voice plays from a TwiML URL's answer, or :class:`UnplayableAnswer` saying what happens instead."""
    if not 200 <= status < 300:
        raise UnplayableAnswer(f"HTTP {status}: the caller hears an application error and the call ends (11200)")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in TWIML_TYPES:
        raise UnplayableAnswer(f"{media_type or 'no Content-Type'} is not TwiML: the caller hears an application error (11200)")
    try:
        return parse_twiml(body)
    except TwimlError as exc:
        if read_aloud(media_type, exc):
            raise UnplayableAnswer("plain text, not TwiML: the caller hears it read aloud, then the call ends") from None
        raise UnplayableAnswer(f"{exc} ({exc.code}): the caller hears an application error and the call ends") from None


def read_twiml_answer(status: int, content_type: str | None, body: str) -> str:
    """What Voice makes of a TwiML URL's answer, in words (the mock plays it the same way)."""
    try:
        return "plays " + outline(answer_verbs(status, content_type, body))
    except UnplayableAnswer as exc:
        return exc.reading
