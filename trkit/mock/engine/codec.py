"""Records and event batches as the state file keeps them: JSON, checked field by field when read back.

A state file is something people pass around (a prepared workspace, a bug report's attachment), so
reading one must never run code: rows are JSON (through orjson), and every row read back is checked
against its record's fields and types before it becomes a record. A row that does not fit raises
:class:`DamagedRecord` naming the field and what is wrong.
"""

from __future__ import annotations

import types
import typing
import zlib
from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any

import orjson

from ...language.twiml import Verb
from .records import MODEL_CLASSES, Event


class StateFileError(Exception):
    """A state file the mock will not use, and why (one line a person can act on)."""


class DamagedRecord(ValueError):
    """A stored row that is not a record of its kind: what is wrong with it."""


Check = Callable[[Any], Any]


def _kind(name: str, test: Callable[[Any], bool], what: str) -> Check:
    def check(value: Any) -> Any:
        if not test(value):
            raise DamagedRecord(f"{name} must be {what}, got {type(value).__name__}")
        return value
    return check


def _as_tuple(name: str) -> Check:
    def check(value: Any) -> tuple:
        if not isinstance(value, list):
            raise DamagedRecord(f"{name} must be a list, got {type(value).__name__}")
        return tuple(value)  # JSON has no tuples: the record's field is one
    return check


def _optional(inner: Check) -> Check:
    return lambda value: None if value is None else inner(value)


def _check(name: str, hint: Any) -> Check:
    """What reads one field back from JSON: checks its type (and makes a list a tuple where the field is one)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(options) != 1:
            raise TypeError(f"no check for field {name}: {hint!r}")
        return _optional(_check(name, options[0]))
    base = typing.get_origin(hint) or hint
    if hint is Any:
        return lambda value: value
    simple = {bool: (lambda v: v is True or v is False, "true or false"),
              int: (lambda v: type(v) is int, "an integer"),
              float: (lambda v: type(v) in (int, float), "a number"),
              str: (lambda v: type(v) is str, "a string"),
              dict: (lambda v: type(v) is dict, "an object")}
    if base in simple:
        return _kind(name, *simple[base])
    if base is tuple:
        return _as_tuple(name)
    raise TypeError(f"no check for field {name}: {hint!r}")  # a new field type: say here how to read it back


def _checks_of(cls: type) -> dict[str, Check]:
    hints = typing.get_type_hints(cls)
    return {f.name: _check(f.name, hints[f.name]) for f in fields(cls)}


_CHECKS = {kind: _checks_of(cls) for kind, cls in MODEL_CLASSES.items()}
_REQUIRED = {kind: {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
             for kind, cls in MODEL_CLASSES.items()}


def encode(obj: Any) -> bytes:
    """A record as one JSON row: its fields by name; tuples become lists and TwiML verbs objects."""
    return orjson.dumps(obj)


def _verb(value: Any) -> Verb:
    """A TwiML verb of a call's program, back from JSON."""
    if type(value) is not dict or set(value) != {"name", "attributes", "text", "children"}:
        raise DamagedRecord("program holds something that is not a TwiML verb")
    name, attributes, text, children = value["name"], value["attributes"], value["text"], value["children"]
    if not (type(name) is str and type(text) is str and type(attributes) is dict and type(children) is list
            and all(type(k) is str and type(v) is str for k, v in attributes.items())):
        raise DamagedRecord("program holds a TwiML verb whose fields have the wrong types")
    return Verb(name, attributes, text, tuple(_verb(child) for child in children))


def _values(kind: str, row: Any) -> dict[str, Any]:
    """A row's fields, each checked against the record's."""
    if type(row) is not dict:
        raise DamagedRecord("the row is not a JSON object")
    checks = _CHECKS[kind]
    unknown = row.keys() - checks.keys()
    if unknown:
        raise DamagedRecord(f"unknown fields {', '.join(sorted(unknown))}")
    missing = _REQUIRED[kind] - row.keys()
    if missing:
        raise DamagedRecord(f"missing fields {', '.join(sorted(missing))}")
    return {name: checks[name](value) for name, value in row.items()}


def decode(kind: str, body: Any) -> Any:
    """A record of ``kind`` from its row, checked: every field known, of its type, and none missing."""
    if kind not in _CHECKS or kind == "event":
        raise DamagedRecord(f"there is no kind of record called {kind!r}")
    try:
        row = orjson.loads(body)
    except (orjson.JSONDecodeError, TypeError):
        raise DamagedRecord("the row is not JSON") from None
    values = _values(kind, row)
    if kind == "call":
        values["program"] = tuple(_verb(verb) for verb in values.get("program", ()))
    return MODEL_CLASSES[kind](**values)


# Events repeat the task's and worker's documents: a batch (one transaction's events) keeps each longer string
# of their data once, and the events refer to it by number (their data's values are otherwise always strings).
# The batch is then compressed (zlib's fastest level: a sixth of the size for about 15 µs a commit).
SHARED_LENGTH = 24
BATCH_LIMIT = 64 * 1024 * 1024  # bytes a batch may unpack to: a crafted one cannot fill the memory
_EVENT_FIELDS = tuple(f.name for f in fields(Event))


def encode_batch(events: list[Event]) -> bytes:
    strings: list[str] = []
    numbers: dict[str, int] = {}
    rows = []
    for event in events:
        row = {name: getattr(event, name) for name in _EVENT_FIELDS}
        data = {}
        for key, value in event.event_data.items():
            if len(value) >= SHARED_LENGTH:
                number = numbers.get(value)
                if number is None:
                    number = numbers[value] = len(strings)
                    strings.append(value)
                value = number
            data[key] = value
        row["event_data"] = data
        rows.append(row)
    return zlib.compress(orjson.dumps({"strings": strings, "events": rows}), 1)


def _unpack(body: Any) -> Any:
    try:
        unpacker = zlib.decompressobj()
        text = unpacker.decompress(body, BATCH_LIMIT)
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise DamagedRecord("an event batch is cut short or larger than a batch can be")
        return orjson.loads(text)
    except (zlib.error, orjson.JSONDecodeError, TypeError):
        raise DamagedRecord("an event batch is not one the mock wrote") from None


def decode_batch(body: Any) -> list[Event]:
    """The events of a batch, checked as records are."""
    batch = _unpack(body)
    if type(batch) is not dict or type(batch.get("strings")) is not list or type(batch.get("events")) is not list:
        raise DamagedRecord("an event batch is not laid out as the mock writes one")
    strings = batch["strings"]
    events = []
    for row in batch["events"]:
        values = _values("event", row)
        data = {}
        for key, value in values["event_data"].items():
            if type(value) is int and 0 <= value < len(strings) and type(strings[value]) is str:
                value = strings[value]
            elif type(value) is not str:
                raise DamagedRecord(f"event data {key} is neither a string nor one of the batch's")
            data[key] = value
        values["event_data"] = data
        events.append(Event(**values))
    return events


def _number_text(value: str) -> None:
    float(value)  # ValueError: not a number


def _pairs(first: type, second: tuple[type, ...]) -> Callable[[str], None]:
    def check(value: str) -> None:
        pairs = orjson.loads(value)
        if type(pairs) is not list or not all(type(p) is list and len(p) == 2 and type(p[0]) in first and type(p[1]) in second
                                              for p in pairs):
            raise ValueError("not a list of pairs")
    return check


# the mock's own settings beside the records (the meta table), each a text of its own form
_NUMBER = (int, float)
META = {"clock_offset": _number_text, "clock_history": _pairs(_NUMBER, _NUMBER), "phones": _pairs((str,), (str,))}


def check_meta(meta: dict[str, str]) -> None:
    """The stored settings, each of its form; raises :class:`DamagedRecord` naming the first that is not."""
    for key, value in meta.items():
        if key not in META:
            raise DamagedRecord(f"unknown setting {key!r}")
        try:
            META[key](value)
        except (ValueError, TypeError) as exc:  # orjson's decode error is a ValueError
            raise DamagedRecord(f"setting {key} is not of its form ({exc})") from None
