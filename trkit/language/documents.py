"""JSON documents a client sends (attributes, configurations, request bodies), read safely.

Every JSON text that reaches the mock from outside goes through :func:`parse_json`: its
nesting is measured before it is parsed, so no document can exhaust the parser's stack,
and every refusal names the parameter and the limit.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from .errors import LanguageError

MAX_DEPTH = 64  # far beyond any real attributes document; well inside Python's recursion limit
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPENING = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    brackets = _STRING.sub("", text)
    return max(accumulate(_OPENING[c] for c in brackets if c in _OPENING), default=0)


def parse_json(text: str, param: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` with the nesting bounded; errors name ``param``."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise LanguageError(f"{param} is nested too deeply: {depth} levels of arrays and objects, at most {max_depth} are allowed")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise LanguageError(f"{param} must be valid JSON: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth check above keeps the parser well clear of this
        raise LanguageError(f"{param} is nested too deeply") from None


def parse_json_object(text: str, param: str, max_len: int | None = None) -> dict:
    """A JSON object (attributes): valid, bounded in length and depth, and an object."""
    if max_len is not None and len(text) > max_len:
        raise LanguageError(f"{param} is too long: {len(text)} characters, at most {max_len} are allowed")
    parsed = parse_json(text, param)
    if not isinstance(parsed, dict):
        raise LanguageError(f"{param} must be a JSON object, got {type(parsed).__name__}")
    return parsed


def compact_json(value: Any) -> str:
    """A JSON document as TaskRouter stores and returns it: re-serialised without spaces, keys in the
    client's order (payloads recorded from real Twilio show ``{"skills":["general"]}`` for any spacing sent)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def with_escaped_slashes(document: str) -> str:
    """``/`` written ``\\/``, as TaskRouter's event callbacks write it inside JSON strings (a captured
    ``worker.attributes.update`` event carries ``"image_url":"https:\\/\\/www.gravatar.com\\/avatar\\/…"``).
    A compact JSON document has ``/`` only inside strings, so every one is escaped."""
    return document.replace("/", "\\/")
