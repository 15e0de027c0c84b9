"""Records and event batches as the state file keeps them: JSON, checked field by field when read back.

A state file is something people pass around (a prepared workspace, a bug report's attachment), so
reading one must never run code: rows are JSON (through orjson), and every row read back is checked
against its record's fields and types before it becomes a record. A row that does not fit raises
:class:`DamagedRecord` naming the field and what is wrong.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any

import orjson
import zstandard

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


def stored_fields(cls: type) -> list:
    """A record's fields that are written down: not the derived ones (``_parsed``), which a row must not hold."""
    return [f for f in fields(cls) if not f.name.startswith("_")]


def _checks_of(cls: type) -> dict[str, Check]:
    hints = typing.get_type_hints(cls)
    return {f.name: _check(f.name, hints[f.name]) for f in stored_fields(cls)}


_CHECKS = {kind: _checks_of(cls) for kind, cls in MODEL_CLASSES.items()}
_REQUIRED = {kind: {f.name for f in stored_fields(cls) if f.default is MISSING and f.default_factory is MISSING}
             for kind, cls in MODEL_CLASSES.items()}


def encode(obj: Any) -> bytes:
    """A record as one JSON row: its fields by name (orjson leaves out those whose name starts with ``_``: the
    derived ones); tuples become lists and TwiML verbs objects."""
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


# Events repeat the task's and worker's documents: a batch (one transaction's events) is compressed with zstd's
# fastest level, which keeps each repeat once (a seventh of the size) for about 7 µs a commit (zlib takes twice
# that, and its cost showed in the routing bench). Used under the store's lock: one compressor serves every commit.
BATCH_LIMIT = 64 * 1024 * 1024  # bytes a batch may unpack to: a crafted one cannot fill the memory
_COMPRESSOR, _DECOMPRESSOR = zstandard.ZstdCompressor(level=1), zstandard.ZstdDecompressor()


def encode_batch(events: list[Event]) -> bytes:
    return _COMPRESSOR.compress(orjson.dumps(events))


def _unpack(body: Any) -> Any:
    try:
        # zstd trusts the size a frame declares (max_output_size only bounds a frame that declares none), so a
        # crafted header could ask for any amount of memory: the declared size is checked first (-1: none declared)
        if zstandard.frame_content_size(body) > BATCH_LIMIT:
            raise DamagedRecord(f"an event batch says it unpacks to more than {BATCH_LIMIT} bytes")
        return orjson.loads(_DECOMPRESSOR.decompress(body, max_output_size=BATCH_LIMIT))
    except (zstandard.ZstdError, orjson.JSONDecodeError, TypeError):
        raise DamagedRecord("an event batch is not one the mock wrote (or is cut short)") from None


def decode_batch(body: Any) -> list[Event]:
    """The events of a batch, checked as records are."""
    rows = _unpack(body)
    if type(rows) is not list:
        raise DamagedRecord("an event batch is not laid out as the mock writes one")
    events = []
    for row in rows:
        values = _values("event", row)
        if not all(type(k) is str and type(v) is str for k, v in values["event_data"].items()):
            raise DamagedRecord("an event's data holds something other than text")
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
