"""A live widget's own thread: it redraws when callbacks arrive, once a burst of them is over, and on a poll.

A change in TaskRouter records several events at once (a busy hour makes hundreds in a row), and each one
reaches the kit's callback server. Redrawing on each would read the same state over and over; so the
thread waits until the burst has settled, then redraws once, and not at all if the widget was drawn
(by a cell calling ``refresh``) after the burst began. Without callbacks (real Twilio with no tunnel, or
no event callback URL), it redraws every ``poll_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SettledRedraw:
    """Runs ``draw()`` on its own thread after each settled burst of ``poke()`` calls, and every ``poll_seconds``.

    ``draw`` handles its own failures (a widget shows them); the widget calls :meth:`drew` with the
    ``time.monotonic()`` at which it read the state it drew, so a burst already shown is not drawn again.
    """

    def __init__(self, draw: Callable[[], None], poll_seconds: float, settle_seconds: float, name: str) -> None:
        self._draw = draw
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self._drawn_at = 0.0
        self._burst_began: float | None = None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def poke(self, *_: object) -> None:
        """Something changed (a callback arrived): redraw once the burst it belongs to is over."""
        if self._burst_began is None:
            self._burst_began = time.monotonic()
        self._wake.set()

    def drew(self, read_at: float) -> None:
        """The widget drew the state it read at ``read_at`` (``time.monotonic()``)."""
        self._drawn_at = read_at

    def close(self) -> None:
        self._closed.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._closed.is_set():
            if self._wake.wait(self.poll_seconds):
                self._closed.wait(self.settle_seconds)  # let the rest of the burst land
            self._wake.clear()
            began, self._burst_began = self._burst_began, None
            if self._closed.is_set():
                return
            if began is not None and self._drawn_at >= began:
                continue  # drawn since the burst began: what it changed is on the widget already
            self._draw()
