"""A live wallboard: the workspace's real-time and cumulative statistics as charts that update while the
learner works, from the Statistics resources only (so on real Twilio too).

Charts are bqplot's: ipywidgets through and through (they update in place from Python, in JupyterLab and
Voilà alike, with no page reload and no second rendering stack), and the wheel ships its front-end
extension, so set-up installs nothing else.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import bqplot as bq
import ipywidgets as widgets

from .errors import error_html
from .language.vocabulary import LIVE_TASK_STATUSES
from .redraw import SettledRedraw

WAIT_WINDOW = 60  # seconds the wait chart spans before it grows with the board's age
SETTLE_SECONDS = 0.25  # a burst of callbacks is drawn once, this long after it (and not if the board was drawn since it began)
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


class Charts:
    """The board's four charts and how one reading is drawn on them (the live board and a replayed day share them)."""

    def __init__(self, minutes: int, wait_label: str = "s since the board opened", window: float = WAIT_WINDOW) -> None:
        self.window = window  # the wait chart spans at least this much of its x axis
        self.tasks_figure, self.tasks_bars = _bars("Tasks by status", "trkit-wallboard-tasks", "#268bd2")
        self.workers_figure, self.workers_bars = _bars("Workers by activity", "trkit-wallboard-workers", "#2aa198")
        self.totals_figure, self.totals_bars = _bars(f"Last {minutes} minutes", "trkit-wallboard-totals", "#6c71c4")
        # the wait chart's window starts at 0 (the board opening) and reaches the latest reading, at least a minute
        x, y = bq.LinearScale(min=0, max=window), bq.LinearScale(min=0, max=1)
        self.wait_line = bq.Lines(x=[], y=[], scales={"x": x, "y": y}, colors=["#cb4b16"])
        self.wait_figure = _figure([self.wait_line], [bq.Axis(scale=x, label=wait_label, tick_format="d"),
                                                      _count_axis(y, "vertical")],
                                   "Longest wait (s)", "trkit-wallboard-wait", LINE_MARGIN)
        # two by two at 1280 px, one column when narrow
        self.box = widgets.Box([self.tasks_figure, self.workers_figure, self.wait_figure, self.totals_figure],
                               layout=widgets.Layout(flex_flow="row wrap"))

    def draw(self, reading: dict, elapsed: float, waits: list[tuple[float, int]] | None = None) -> None:
        """Draw ``reading`` taken at ``elapsed``; the wait line gains its point, or is ``waits`` (elapsed, wait) whole."""
        _set_counts(self.tasks_figure, self.tasks_bars, reading["tasks"])
        _set_counts(self.workers_figure, self.workers_bars, reading["workers"])
        _set_counts(self.totals_figure, self.totals_bars, reading["totals"])
        if waits is None:
            xs = [*list(self.wait_line.x), elapsed][-200:]
            ys = [*list(self.wait_line.y), reading["longest_wait"]][-200:]
        else:
            xs, ys = [x for x, _ in waits], [y for _, y in waits]
        ticks = whole_number_ticks(max(ys))
        with self.wait_line.hold_sync():
            self.wait_line.x, self.wait_line.y = xs, ys
            self.wait_line.scales["x"].min = 0
            self.wait_line.scales["x"].max = max(self.window, xs[-1])
            self.wait_line.scales["y"].max = ticks[-1]
        self.wait_figure.axes[1].tick_values = ticks


class Wallboard(widgets.VBox):
    """Tasks by status, workers by activity, the longest wait over time, and the last ``minutes`` in totals."""

    def __init__(self, kit: Any, minutes: int = 60, poll_seconds: float | None = None) -> None:
        self.kit = kit
        self.tutorial = kit._tutorial or kit.tutorial(reset=False)
        self.minutes = minutes
        self.poll_seconds = poll_seconds if poll_seconds is not None else 5.0
        self.charts = Charts(minutes)
        self.tasks_bars, self.workers_bars, self.totals_bars = self.charts.tasks_bars, self.charts.workers_bars, self.charts.totals_bars
        self.message = widgets.HTML()
        self._started: float | None = None
        self._lock = threading.Lock()
        self._redraw: SettledRedraw | None = None
        super().__init__(children=[self.charts.box, self.message])
        self.add_class("trkit-wallboard")
        self.refresh()
        self._redraw = SettledRedraw(self._draw_now, self.poll_seconds, SETTLE_SECONDS, "trkit-wallboard")
        kit.callbacks.on_request(self._redraw.poke)

    def __repr__(self) -> str:
        return "<trkit Wallboard>"

    def _draw_now(self) -> None:
        try:
            self.refresh()
        except Exception as exc:  # shown on the board; the next refresh may succeed
            self.message.value = error_html(exc)

    def close(self) -> None:
        if self._redraw is not None:
            self._redraw.close()
            self.kit.callbacks.remove_listener(self._redraw.poke)
        super().close()

    def refresh(self) -> dict:
        """Read the statistics once and redraw; returns what was drawn (for tests and the bench)."""
        with self._lock:
            reading_from = time.monotonic()  # what is drawn is the state from here on
            workspace = self.tutorial.workspace
            now = workspace.real_time_statistics().fetch()
            totals = workspace.cumulative_statistics().fetch(minutes=self.minutes)
            reading = {"tasks": {status: int((now.tasks_by_status or {}).get(status, 0)) for status in LIVE_TASK_STATUSES},
                       "workers": {a["friendly_name"]: int(a["workers"]) for a in (now.activity_statistics or [])},
                       "totals": {label: int(getattr(totals, key, 0) or 0) for key, label in CUMULATIVE},
                       "longest_wait": int(now.longest_task_waiting_age or 0)}
            clock = self.kit.clock() if self.kit.mode == "mock" else None
            at = _seconds(clock) if clock else 0.0
            if self._started is None:
                self._started = at
            self.charts.draw(reading, at - self._started)
            self.message.value = ""
            if self._redraw is not None:
                self._redraw.drew(reading_from)
            return reading


class DayReplay(widgets.VBox):
    """A simulated day (``trkit.simulate``) on the wallboard's charts: what the board would have shown every
    ``step_minutes``, computed from the day's calls. Its player runs through the day in the browser (``play()``
    starts it; the slider picks a reading); ``readings`` is the same as a table."""

    def __init__(self, day: Any, step_minutes: int = 15, minutes: int = 60, interval_ms: int = 150) -> None:
        self.day, self.step, self.minutes = day, step_minutes * 60, minutes
        end = max((r["finished"] or 0) for r in day.rows) if day.rows else 0  # the day's last call ends
        self.charts = Charts(minutes, wait_label="hours into the day", window=max(1, math.ceil(end / 3600)))
        self.clock = widgets.HTML()
        self._instants = [self.step * k for k in range(int(end // self.step) + 1)]
        self._waits = {at: self.reading(at)["longest_wait"] for at in self._instants}
        last = len(self._instants) - 1
        # the browser steps the player (the kernel stays free meanwhile); each step moves the slider, which draws
        self.player = widgets.Play(value=0, min=0, max=last, interval=interval_ms, description="Play the day",
                                   layout=widgets.Layout(width="auto"))
        self.slider = widgets.IntSlider(value=0, min=0, max=last, readout=False, description="reading",
                                        layout=widgets.Layout(width="320px"))
        widgets.jslink((self.player, "value"), (self.slider, "value"))
        self.slider.observe(lambda change: self.show(self._instants[change["new"]]), names="value")
        super().__init__(children=[widgets.HBox([self.player, self.slider, self.clock]), self.charts.box])
        self.add_class("trkit-wallboard")
        self.show(0)

    def __repr__(self) -> str:
        return f"<trkit DayReplay: {len(self.day.rows)} calls, a reading every {self.step // 60} minutes>"

    def reading(self, at: float) -> dict:
        """The board at ``at`` seconds into the day: live tasks, agents on a call or free, the longest wait, the last hour."""
        waiting = [r for r in self.day.rows if r["created"] <= at and (r["answered"] is None or r["answered"] > at)
                   and (r["finished"] is None or r["finished"] > at)]
        talking = sum(1 for r in self.day.rows if r["answered"] is not None and r["answered"] <= at < r["finished"])
        since = at - self.minutes * 60
        ended = [r for r in self.day.rows if r["finished"] is not None and since < r["finished"] <= at]
        return {"tasks": {"pending": len(waiting), "reserved": 0, "assigned": talking, "wrapping": 0},
                "workers": {"Idle": self.day.summary["agents"] - talking, "Busy": talking},
                "totals": {"completed": sum(1 for r in ended if r["outcome"] == "answered"),
                           "canceled": sum(1 for r in ended if r["outcome"] == "abandoned")},
                "longest_wait": int(max((at - r["created"] for r in waiting), default=0))}

    def show(self, at: float) -> dict:
        """The board at ``at``: its wait line is the day's up to then, wherever the slider came from."""
        reading = self.reading(at)
        self.charts.draw(reading, at / 3600, waits=[(t / 3600, self._waits[t]) for t in self._instants if t <= at])
        self.clock.value = f"<b>{int(at // 3600):02d}:{int(at % 3600 // 60):02d}</b> into the day"
        return reading

    def play(self) -> None:
        """Run through the day from its start: the browser steps the player, a reading every ``interval_ms``
        (pause, step or pick a reading with its controls)."""
        self.player.playing = False
        self.player.value = 0
        self.player.playing = True

    @property
    def readings(self):  # -> pandas.DataFrame
        """Every reading as a row: the time into the day, tasks waiting and in a call, agents free, the longest wait."""
        import pandas as pd

        rows = []
        for at in self._instants:
            r = self.reading(at)
            rows.append({"at": f"{int(at // 3600):02d}:{int(at % 3600 // 60):02d}", "waiting": r["tasks"]["pending"],
                         "talking": r["tasks"]["assigned"], "agents free": r["workers"]["Idle"], "longest wait (s)": r["longest_wait"],
                         "completed in the last hour": r["totals"]["completed"]})
        return pd.DataFrame(rows).set_index("at")


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
