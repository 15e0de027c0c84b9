"""The mock's clock: real time plus an offset that tests and notebooks advance."""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    """Seconds since the epoch, as a float, shifted by ``offset``."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    def jump_to(self, when: float) -> None:
        """Move the clock forward so that ``now()`` is ``when`` (never backwards)."""
        delta = when - self.now()
        if delta > 0:
            self.offset += delta


# the earliest date the mock takes from a client (older dates are refused as invalid)
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc).timestamp()


def iso(ts: float | None) -> str | None:
    """Twilio's date format: ISO 8601, UTC, whole seconds, trailing Z (always a four-digit year)."""
    if ts is None:
        return None
    moment = datetime.fromtimestamp(int(ts), tz=timezone.utc)
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
