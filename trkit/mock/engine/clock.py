"""The mock's clock: real time plus an offset that tests and notebooks advance."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from functools import lru_cache

# how far back the clock remembers its offsets: no Twilio token lives longer than a day
HISTORY_SECONDS = 86400.0


class Clock:
    """Seconds since the epoch, as a float, shifted by ``offset``.

    It also remembers when its offset grew (``history``: pairs of unshifted time and the offset from
    then on), so a time a client read from its own clock, such as a token's minting, can be put on
    the mock's clock (``offset_at``).
    """

    def __init__(self, offset: float = 0.0, history: list | None = None) -> None:
        self.offset = offset
        self.history: list[tuple[float, float]] = [tuple(entry) for entry in history or ()]

    def now(self) -> float:
        return time.time() + self.offset

    def base(self) -> float:
        """The time without the offset: the wall's, for a clock that follows it."""
        return self.now() - self.offset

    def jump_to(self, when: float) -> None:
        """Move the clock forward so that ``now()`` is ``when`` (never backwards)."""
        delta = when - self.now()
        if delta > 0:
            self.offset += delta
            self._remember(self.base(), self.offset)

    def _remember(self, base: float, offset: float) -> None:
        # a client's time comes in whole seconds (a token's jti): an advance during second S is before
        # every time from S + 1 on, so advances within one second are one entry, keyed S + 1
        key = math.floor(base) + 1
        if self.history and self.history[-1][0] == key:
            self.history[-1] = (key, offset)
        else:
            self.history.append((key, offset))
        # forget entries older than a day, but the newest of them: it holds the offset in force since then
        while len(self.history) > 1 and self.history[1][0] < base - HISTORY_SECONDS:
            del self.history[0]

    def offset_at(self, base: float) -> float:
        """The offset in force at unshifted time ``base``, a whole second a client read (0 before the first
        remembered advance). An advance within that same second counts as later: in doubt, the stricter clock."""
        offset = 0.0
        for when, value in self.history:
            if when > base:
                break
            offset = value
        return offset

    def reset(self) -> None:
        self.offset = 0.0
        self.history.clear()


# the earliest date the mock takes from a client (older dates are refused as invalid)
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc).timestamp()


def iso(ts: float | None) -> str | None:
    """Twilio's date format: ISO 8601, UTC, whole seconds, trailing Z (always a four-digit year)."""
    if ts is None:
        return None
    return _iso_second(int(ts))


@lru_cache(maxsize=4096)
def _iso_second(second: int) -> str:
    # a record's dates are rendered on every read of it, and the same few seconds recur: each is formatted once
    moment = datetime.fromtimestamp(second, tz=timezone.utc)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def parse_iso(value: str) -> float:
    """Parse the date forms the twilio library sends (and a few lenient ones)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
