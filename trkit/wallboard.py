"""A live wallboard: the workspace's real-time and cumulative statistics as charts that update while the
learner works, from the Statistics resources only (so on real Twilio too).

Charts are bqplot's: ipywidgets through and through (they update in place from Python, in JupyterLab and
Voilà alike, with no page reload and no second rendering stack), and the wheel ships its front-end
extension, so set-up installs nothing else.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import bqplot as bq
import ipywidgets as widgets

from .errors import error_html
from .language.vocabulary import LIVE_TASK_STATUSES

WAIT_WINDOW = 60  # seconds the wait chart spans before it grows with the board's age
CUMULATIVE = (("reservations_created", "reserved"), ("reservations_accepted", "accepted"), ("reservations_rejected", "rejected"),
              ("reservations_timed_out", "timed out"), ("tasks_completed", "completed"), ("tasks_canceled", "canceled"))


WIDTH, HEIGHT = "400px", "250px"
# bars lie down: category names ("Unavailable", "timed out") read on the left, never running into each other
MARGIN = {"top": 40, "bottom": 36, "left": 90, "right": 24}
LINE_MARGIN = {"top": 40, "bottom": 44, "left": 44, "right": 24}


def whole_number_ticks(top: float, most: int = 6) -> list[int]:
    """Ticks for a count axis: whole numbers from 0 to at least ``top``, at most ``most`` of them (0 1 2 …, or
    0 2 4 …), so a count of 1 never reads "0 0 0 1 1 1"."""
    top = max(1, math.ceil(top))
    step = next(step for step in _nice_steps() if math.ceil(top / step) + 1 <= most)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _nice_steps():
    """1, 2, 5, 10, 20, 50, …"""
    power = 1
    while True:
        yield from (power, 2 * power, 5 * power)
        power *= 10


def _count_axis(scale: bq.LinearScale, orientation: str) -> bq.Axis:
    return bq.Axis(scale=scale, orientation=orientation, tick_format="d", tick_values=whole_number_ticks(1))


def _figure(marks: list, axes: list, title: str, css: str, margin: dict) -> bq.Figure:
    figure = bq.Figure(marks=marks, axes=axes, title=title, display_toolbar=False,
                       layout=widgets.Layout(width=WIDTH, height=HEIGHT), fig_margin=dict(margin))
    figure.add_class(css)
    return figure


def _bars(title: str, css: str, colour: str) -> tuple[bq.Figure, bq.Bars]:
    names, counts = bq.OrdinalScale(reverse=True), bq.LinearScale(min=0, max=1)  # the first name on top
    bars = bq.Bars(x=[], y=[], scales={"x": names, "y": counts}, orientation="horizontal", colors=[colour], labels=[title])
    axes = [bq.Axis(scale=names, orientation="vertical"), _count_axis(counts, "horizontal")]
    return _figure([bars], axes, title, css, MARGIN), bars


def _set_counts(figure: bq.Figure, bars: bq.Bars, counts: dict[str, int]) -> None:
    """New bars, and a count axis of whole numbers reaching just past the tallest."""
    ticks = whole_number_ticks(max(counts.values(), default=0))
    with bars.hold_sync():
        bars.x, bars.y = list(counts), list(counts.values())
        bars.scales["y"].max = ticks[-1]
    figure.axes[1].tick_values = ticks


class Wallboard(widgets.VBox):
    """Tasks by status, workers by activity, the longest wait over time, and the last ``minutes`` in totals."""

    def __init__(self, kit: Any, minutes: int = 60, poll_seconds: float | None = None) -> None:
        self.kit = kit
        self.tutorial = kit._tutorial or kit.tutorial(reset=False)
        self.minutes = minutes
        self.poll_seconds = poll_seconds if poll_seconds is not None else 5.0
        self.tasks_figure, self.tasks_bars = _bars("Tasks by status", "trkit-wallboard-tasks", "#268bd2")
        self.workers_figure, self.workers_bars = _bars("Workers by activity", "trkit-wallboard-workers", "#2aa198")
        self.totals_figure, self.totals_bars = _bars(f"Last {minutes} minutes", "trkit-wallboard-totals", "#6c71c4")
        # the wait chart's window starts at 0 (the board opening) and reaches the latest reading, at least a minute
        x, y = bq.LinearScale(min=0, max=WAIT_WINDOW), bq.LinearScale(min=0, max=1)
        self.wait_line = bq.Lines(x=[], y=[], scales={"x": x, "y": y}, colors=["#cb4b16"])
        self.wait_figure = _figure([self.wait_line], [bq.Axis(scale=x, label="s since the board opened", tick_format="d"),
                                                      _count_axis(y, "vertical")],
                                   "Longest wait (s)", "trkit-wallboard-wait", LINE_MARGIN)
        self.message = widgets.HTML()
        self._started: float | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        charts = widgets.Box([self.tasks_figure, self.workers_figure, self.wait_figure, self.totals_figure],
                             layout=widgets.Layout(flex_flow="row wrap"))  # two by two at 1280 px, one column when narrow
        super().__init__(children=[charts, self.message])
        self.add_class("trkit-wallboard")
        self.refresh()
        self._wake = threading.Event()
        kit.callbacks.on_request(self._on_callback)
        self._thread = threading.Thread(target=self._run, name="trkit-wallboard", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return "<trkit Wallboard>"

    def _on_callback(self, record) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._closed.is_set():
                return
            try:
                self.refresh()
            except Exception as exc:  # shown on the board; the next refresh may succeed
                self.message.value = error_html(exc)

    def _draw_wait(self, elapsed: float, longest: int) -> None:
        xs = [*list(self.wait_line.x), elapsed][-200:]
        ys = [*list(self.wait_line.y), longest][-200:]
        ticks = whole_number_ticks(max(ys))
        with self.wait_line.hold_sync():
            self.wait_line.x, self.wait_line.y = xs, ys
            self.wait_line.scales["x"].min = 0
            self.wait_line.scales["x"].max = max(WAIT_WINDOW, xs[-1])
            self.wait_line.scales["y"].max = ticks[-1]
        self.wait_figure.axes[1].tick_values = ticks

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        self.kit.callbacks.remove_listener(self._on_callback)
        super().close()

    def refresh(self) -> dict:
        """Read the statistics once and redraw; returns what was drawn (for tests and the bench)."""
        with self._lock:
            workspace = self.tutorial.workspace
            now = workspace.real_time_statistics().fetch()
            totals = workspace.cumulative_statistics().fetch(minutes=self.minutes)
            by_status = {status: int((now.tasks_by_status or {}).get(status, 0)) for status in LIVE_TASK_STATUSES}
            by_activity = {a["friendly_name"]: int(a["workers"]) for a in (now.activity_statistics or [])}
            totals_drawn = {label: int(getattr(totals, key, 0) or 0) for key, label in CUMULATIVE}
            clock = self.kit.clock() if self.kit.mode == "mock" else None
            at = _seconds(clock) if clock else 0.0
            if self._started is None:
                self._started = at
            _set_counts(self.tasks_figure, self.tasks_bars, by_status)
            _set_counts(self.workers_figure, self.workers_bars, by_activity)
            _set_counts(self.totals_figure, self.totals_bars, totals_drawn)
            self._draw_wait(at - self._started, int(now.longest_task_waiting_age or 0))
            self.message.value = ""
            return {"tasks": by_status, "workers": by_activity, "totals": totals_drawn,
                    "longest_wait": int(now.longest_task_waiting_age or 0)}


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
