"""SIDs: two-letter prefix + 32 lowercase hex digits, optionally seeded.

Seeded, each prefix draws from its own stream, so the tasks a script creates get
the same SIDs run after run even if, say, a different number of events came
before them.
"""

from __future__ import annotations

import random
import threading


class SidGenerator:
    """Makes new SIDs; ``seed(n)`` makes every prefix's sequence repeatable."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str, random.Random] = {}
        self.seed_value = seed
        # unseeded: a generator the system's randomness seeds, drawn from without a system call per SID (one
        # read of os.urandom costs as much as the rest of making a record); SIDs name things, they guard nothing
        self._unseeded = random.Random()  # seeded from os.urandom

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._streams = {}
            self.seed_value = seed

    def new(self, prefix: str) -> str:
        if self.seed_value is None:
            return prefix + f"{self._unseeded.getrandbits(128):032x}"
        with self._lock:
            stream = self._streams.get(prefix)
            if stream is None:
                stream = self._streams[prefix] = random.Random(f"{self.seed_value}:{prefix}")
            return prefix + f"{stream.getrandbits(128):032x}"
