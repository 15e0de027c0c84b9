"""What a service needs to say about transactions, without owning them.

Services mark each method that changes state with :func:`write` and each public read with
:func:`read`; the facade (:mod:`.facade`) runs every marked method as one transaction under its
lock, and every marked read under the lock too. Advancing the clock takes the lock itself, one
timer at a time. Callbacks a transaction causes are posted to the :class:`Outbox` as
:class:`Outbound` items and sent by the dispatcher only after it has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class Outbound:
    """A callback the mock must POST once the current transaction is committed."""

    kind: str  # "assignment", "event", "voice" (a TwiML request) or "voice-status" (a call's status callback)
    url: str
    params: dict[str, str]
    workspace_sid: str
    fallback_url: str | None = None
    reservation_sid: str | None = None
    event_type: str | None = None
    method: str = "POST"
    call_sid: str | None = None
    token: int = 0  # a TwiML request's number: only the latest one's answer is played
    fallback_method: str = "POST"
    # which of Twilio's outgoing requests it is (docs/coverage.md lists what each carries): assignment, event,
    # voice-url, gather-action, enqueue-action, dial-action, redirect, status-callback; the fallback is the sender's
    purpose: str = ""

    def __post_init__(self) -> None:
        if not self.purpose:
            self.purpose = {"assignment": "assignment", "event": "event", "voice": "voice-url",
                            "voice-status": "status-callback"}[self.kind]


class Outbox:
    """The callbacks the open transaction caused: the facade sends them once it has committed, or drops them."""

    def __init__(self) -> None:
        self._items: list[Outbound] = []

    def post(self, item: Outbound) -> None:
        self._items.append(item)

    def take(self) -> list[Outbound]:
        items, self._items = self._items, []
        return items


class Dispatcher(Protocol):
    def submit(self, items: list[Outbound], engine: Any) -> list: ...


class NullDispatcher:
    """Keeps callbacks instead of sending them (rule tests without HTTP)."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    def submit(self, items: list[Outbound], engine: Any) -> list:
        self.sent.extend(items)
        return []


def write(method: Callable) -> Callable:
    """Mark a state change: the facade runs it as one transaction (one lock, one commit, callbacks after)."""
    # pragma: no mutate block (it runs when the module is imported, before mutation testing forks: no mutant of it could run)
    method.__trkit_write__ = True
    return method


def read(method: Callable) -> Callable:
    """Mark a public read: the facade runs it under the lock, and hands out copies of the records it returns."""
    # pragma: no mutate block (it runs when the module is imported, before mutation testing forks: no mutant of it could run)
    method.__trkit_read__ = True
    return method
