"""Limits and small checks every rule module shares (Twilio's documented limits, https://www.twilio.com/docs/taskrouter/limits)."""

from __future__ import annotations

import json
from typing import Any

from ...language.documents import compact_json, parse_json_object
from .errors import InvalidFromNumber, InvalidParameter, InvalidToNumber

MAX_ATTRIBUTES = 4096
MAX_TASK_TIMEOUT = 1_209_600
MAX_PRIORITY = 2_147_483_647
MAX_ASSIGNMENTS = 1000
MAX_ACTIVITIES = 100
# canceled and completed tasks are deleted "about 5 minutes" later (https://www.twilio.com/docs/taskrouter/lifecycle-task-state); a switch
FINISHED_TASK_LIFETIME = 300.0


def check_json_object(value: str, param: str) -> str:
    """Attributes checked and stored as TaskRouter returns them: compact JSON, whatever spacing was sent."""
    return compact_json(parse_json_object(value, param, max_len=MAX_ATTRIBUTES))


def check_name(value: str, param: str = "FriendlyName", limit: int = 64) -> str:
    if not value or not value.strip():
        raise InvalidParameter(f"{param} must not be empty")
    if len(value) > limit:
        raise InvalidParameter(f"{param} is too long: {len(value)} characters, at most {limit} are allowed")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidParameter(f"{param} must not contain control characters")
    return value


def event_string(value: Any) -> str:
    """An event data value as TaskRouter sends it: always a string."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def ordering_keys(ordering: str, fields: dict[str, str]) -> list[tuple[str, bool]]:
    """``Ordering`` as the spec writes it for Tasks (``Priority:desc,DateCreated:asc``): (field, descending)
    pairs, the first the most significant; ``fields`` maps each allowed name to a record attribute."""
    keys = []
    for part in ordering.split(","):
        name, _, direction = part.strip().partition(":")
        if name not in fields or direction.lower() not in ("asc", "desc"):
            raise InvalidParameter(f"Ordering {part.strip()!r} is invalid: use {', '.join(fields)} followed by :asc or :desc")
        keys.append((fields[name], direction.lower() == "desc"))
    return keys


def sort_records(records: list, keys: list[tuple[str, bool]]) -> list:
    """``records`` sorted by ``keys`` (stable: ties keep creation order)."""
    for attribute, descending in reversed(keys):
        records.sort(key=lambda r: getattr(r, attribute), reverse=descending)
    return records


# -- the phone network's parties
def is_e164(number: str) -> bool:
    return number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16


def check_party(value: str, param: str) -> str:
    """A phone number (E.164) or a client endpoint (``client:name``): what the mock can ring."""
    value = (value or "").strip()
    if is_e164(value) or (value.startswith("client:") and len(value) > 7):
        return value
    refusal = InvalidToNumber if param == "To" else InvalidFromNumber
    raise refusal(f"Invalid '{param}' Phone Number: {value!r} (the mock rings E.164 numbers and client:name)")


def formatted_number(number: str) -> str:
    """A number as Twilio's ``*_formatted`` fields show it: (415) 555-0100 for North American numbers."""
    if number.startswith("+1") and len(number) == 12 and number[1:].isdigit():
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number
