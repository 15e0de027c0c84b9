"""SIDs: two-letter prefix + 32 lowercase hex digits, optionally seeded.

Seeded, each prefix draws from its own stream, so the tasks a script creates get
the same SIDs run after run even if, say, a different number of events came
before them.
"""

from __future__ import annotations

import random
import re
import secrets
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
    """Makes new SIDs; ``seed(n)`` makes every prefix's sequence repeatable."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str, random.Random] = {}
        self.seed_value = seed

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._streams = {}
            self.seed_value = seed

    def new(self, prefix: str) -> str:
        if self.seed_value is None:
            return prefix + secrets.token_hex(16)
        with self._lock:
            stream = self._streams.get(prefix)
            if stream is None:
                stream = self._streams[prefix] = random.Random(f"{self.seed_value}:{prefix}")
            return prefix + f"{stream.getrandbits(128):032x}"
