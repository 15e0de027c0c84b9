"""What TaskRouter makes of an assignment callback's answer.

The mock acts on it; the kit's callback server shows it next to each answer the
learner's handler gave, so a wrong answer is seen with its consequence on either
backend. The rules and warning codes are Twilio's (https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks):
only a 200 with ``Content-Type: application/json`` is read at all; an empty body,
``{}`` or JSON without ``instruction`` leaves the reservation pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .documents import parse_json
from .errors import LanguageError
from .vocabulary import INSTRUCTIONS


@dataclass(frozen=True)
class AnswerReading:
    """An answer as TaskRouter reads it: the instruction to act on (None: nothing to do) and why."""

    instruction: dict[str, Any] | None
    why: str
    code: int | None = None  # the warning TaskRouter's debugger shows, when there is one
    fallback: bool = False  # not processed at all: the fallback assignment callback URL is tried


def read_answer(status: int, content_type: str | None, body: str) -> AnswerReading:
    """Read an assignment callback's HTTP answer the way TaskRouter does."""
    if status != 200:
        return AnswerReading(None, f"HTTP {status}: not processed; the fallback assignment callback URL is called if set",
                             fallback=True)
    body = (body or "").strip()
    if not body:
        return AnswerReading(None, "empty answer: reservation stays pending")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return AnswerReading(None, f"answer is not application/json ({media_type or 'no Content-Type'}): "
                                   "ignored, reservation stays pending (40000)", 40000)
    try:
        answer = parse_json(body, "answer")
    except LanguageError:
        return AnswerReading(None, "answer is not valid JSON: ignored, reservation stays pending (40001)", 40001)
    if not isinstance(answer, dict) or not answer.get("instruction"):
        return AnswerReading(None, "no instruction: reservation stays pending (40005)", 40005)
    name = str(answer["instruction"])
    if name.lower() not in INSTRUCTIONS:
        return AnswerReading(None, f"unknown instruction {name!r} (55555): reservation stays pending; "
                                   f"TaskRouter knows {', '.join(INSTRUCTIONS)}", 55555)
    return AnswerReading(answer, f"instruction {name!r}")
