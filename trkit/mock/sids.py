"""SIDs: two-letter prefix + 32 lowercase hex digits, optionally seeded."""

from __future__ import annotations

import random
import re
import threading

PREFIXES = {
    "account": "AC",
    "workspace": "WS",
    "activity": "WA",
    "worker": "WK",
    "task_queue": "WQ",
    "workflow": "WW",
    "task": "WT",
    "reservation": "WR",
    "event": "EV",
    "task_channel": "TC",
    "worker_channel": "WC",
    "call": "CA",
}

_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def looks_like(sid: str | None, prefix: str) -> bool:
    return bool(sid) and sid[:2] == prefix and bool(_SID_RE.match(sid))


class SidGenerator:
    """Makes new SIDs; ``seed(n)`` makes the sequence repeatable run after run."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.seed_value = seed

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._random = random.Random(seed)
            self.seed_value = seed

    def new(self, prefix: str) -> str:
        with self._lock:
            return prefix + f"{self._random.getrandbits(128):032x}"
