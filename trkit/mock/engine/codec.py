"""Records and event batches as the state file keeps them: JSON, checked field by field when read back.

A state file is something people pass around (a prepared workspace, a bug report's attachment), so
reading one must never run code: rows are JSON (through orjson), and every row read back is checked
against its record's fields and types before it becomes a record. A row that does not fit raises
:class:`DamagedRecord` naming the field and what is wrong.
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, dataclass, fields
from typing import Any

import orjson
import zstandard

from ...language.twiml import Verb
from .records import MODEL_CLASSES, Event


class StateFileError(Exception):
    """A state file the mock will not use, and why (one line a person can act on)."""


class DamagedRecord(ValueError):
    """A stored row that is not a record of its kind: what is wrong with it."""


# What a field's JSON value must be, by the type its record declares: the words a refusal uses for it
WHAT = {bool: "true or false", int: "an integer", float: "a number", str: "a string", dict: "an object", tuple: "a list"}


@dataclass(frozen=True)
class FieldRule:
    """How one stored field is read back: the type it must have (``object``: any) and whether it may be null.
    The rules are data, worked out once from the record's type hints; :func:`read_field` applies them to each row."""

    name: str
    base: type
    optional: bool = False


def _rule(name: str, hint: Any) -> FieldRule:
    """The rule for a field of this type hint (``X | None`` is optional ``X``)."""
    # pragma: no mutate block (it runs when the module is imported, before mutation testing forks: no mutant of it could run)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(options) != 1:
            raise TypeError(f"no check for field {name}: {hint!r}")
        return FieldRule(name, _rule(name, options[0]).base, optional=True)
    if hint is Any:
        return FieldRule(name, object)
    base = typing.get_origin(hint) or hint
    if base not in WHAT:
        raise TypeError(f"no check for field {name}: {hint!r}")  # a new field type: say here how to read it back
    return FieldRule(name, base)


def _fits(base: type, value: Any) -> bool:
    if base is bool:
        return value is True or value is False
    if base is float:
        return type(value) in (int, float)  # JSON writes 3.0 as 3
    if base is tuple:
        return type(value) is list  # JSON has no tuples: the record's field is one
    return type(value) is base  # int (not bool), str, dict


def read_field(rule: FieldRule, value: Any) -> Any:
    """One field of a stored row, checked against its rule (a list becomes the tuple the record holds)."""
    if rule.base is object or (value is None and rule.optional):
        return value
    if not _fits(rule.base, value):
        raise DamagedRecord(f"{rule.name} must be {WHAT[rule.base]}, got {type(value).__name__}")
    return tuple(value) if rule.base is tuple else value


def stored_fields(cls: type) -> list:
    """A record's fields that are written down: not the derived ones (``_parsed``), which a row must not hold."""
    return [f for f in fields(cls) if not f.name.startswith("_")]


def _rules_of(cls: type) -> dict[str, FieldRule]:
    # pragma: no mutate block (it runs when the module is imported, before mutation testing forks: no mutant of it could run)
    hints = typing.get_type_hints(cls)
    return {f.name: _rule(f.name, hints[f.name]) for f in stored_fields(cls)}


_RULES = {kind: _rules_of(cls) for kind, cls in MODEL_CLASSES.items()}
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
    rules = _RULES[kind]
    unknown = row.keys() - rules.keys()
    if unknown:
        raise DamagedRecord(f"unknown fields {', '.join(sorted(unknown))}")
    missing = _REQUIRED[kind] - row.keys()
    if missing:
        raise DamagedRecord(f"missing fields {', '.join(sorted(missing))}")
    return {name: read_field(rules[name], value) for name, value in row.items()}


def decode(kind: str, body: Any) -> Any:
    """A record of ``kind`` from its row, checked: every field known, of its type, and none missing."""
    if kind not in _RULES or kind == "event":
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


# the mock's own settings beside the records (the meta table), each a text of its own form: a number, or a list of
# pairs whose members are of these types
_NUMBER = (int, float)
META: dict[str, tuple[tuple[type, ...], tuple[type, ...]] | None] = {
    "clock_offset": None, "clock_history": (_NUMBER, _NUMBER), "phones": ((str,), (str,))}


def _check_setting(form: tuple[tuple[type, ...], tuple[type, ...]] | None, value: str) -> None:
    """Raises ValueError when ``value`` is not of its form."""
    if form is None:
        float(value)  # ValueError: not a number
        return
    first, second = form
    pairs = orjson.loads(value)
    if type(pairs) is not list or not all(type(p) is list and len(p) == 2 and type(p[0]) in first and type(p[1]) in second
                                          for p in pairs):
        raise ValueError("not a list of pairs")


def check_meta(meta: dict[str, str]) -> None:
    """The stored settings, each of its form; raises :class:`DamagedRecord` naming the first that is not."""
    for key, value in meta.items():
        if key not in META:
            raise DamagedRecord(f"unknown setting {key!r}")
        try:
            _check_setting(META[key], value)
        except (ValueError, TypeError) as exc:  # orjson's decode error is a ValueError
            raise DamagedRecord(f"setting {key} is not of its form ({exc})") from None
