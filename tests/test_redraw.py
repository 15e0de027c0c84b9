"""A live widget's redraws: once per settled burst of callbacks, not again for a burst already drawn, and on a poll."""

from __future__ import annotations

import threading
import time

from helpers import wait_until

from trkit.redraw import SettledRedraw

SETTLE = 0.05


def counting(poll_seconds: float) -> tuple[SettledRedraw, list[float]]:
    drawn: list[float] = []
    redraw = SettledRedraw(lambda: drawn.append(time.monotonic()), poll_seconds, SETTLE, "test-redraw")
    return redraw, drawn


def test_a_burst_is_drawn_once_after_it_settles():
    redraw, drawn = counting(poll_seconds=60)
    try:
        began = time.monotonic()
        for _ in range(50):
            redraw.poke()
        wait_until(lambda: drawn, what="the drawing")
        time.sleep(SETTLE * 6)  # time for a second drawing, which must not come
        assert len(drawn) == 1 and drawn[0] - began >= SETTLE
    finally:
        redraw.close()


def test_a_burst_drawn_meanwhile_is_not_drawn_again_and_the_next_one_is():
    redraw, drawn = counting(poll_seconds=60)
    try:
        redraw.poke()
        redraw.drew(time.monotonic())  # a cell refreshed the widget after the burst began
        time.sleep(SETTLE * 6)
        assert drawn == []
        read_at = time.monotonic()
        redraw.poke()  # a new burst, after what was drawn
        redraw.drew(read_at - 1)  # (an older reading changes nothing)
        wait_until(lambda: drawn, what="the drawing")
        time.sleep(SETTLE * 6)
        assert len(drawn) == 1
    finally:
        redraw.close()


def test_without_callbacks_it_draws_on_each_poll_and_stops_when_closed():
    redraw, drawn = counting(poll_seconds=0.05)
    wait_until(lambda: len(drawn) >= 3, what="three polls")
    redraw.close()
    polled = len(drawn)
    assert polled >= 3
    time.sleep(0.2)
    assert len(drawn) == polled
    assert not any(t.name == "test-redraw" and t.is_alive() for t in threading.enumerate())
