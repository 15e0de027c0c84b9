"""A live wallboard: the workspace's real-time and cumulative statistics as charts that update while the
learner works, from the Statistics resources only (so on real Twilio too).

Charts are bqplot's: ipywidgets through and through (they update in place from Python, in JupyterLab and
Voilà alike, with no page reload and no second rendering stack), and the wheel ships its front-end
extension, so set-up installs nothing else.
"""

from __future__ import annotations

import threading
from typing import Any

import bqplot as bq
import ipywidgets as widgets

from .errors import error_html
from .language.vocabulary import LIVE_TASK_STATUSES

CUMULATIVE = (("reservations_created", "reserved"), ("reservations_accepted", "accepted"), ("reservations_rejected", "rejected"),
              ("reservations_timed_out", "timed out"), ("tasks_completed", "completed"), ("tasks_canceled", "canceled"))


def _bars(title: str, css: str, colour: str) -> tuple[bq.Figure, bq.Bars]:
    x, y = bq.OrdinalScale(), bq.LinearScale(min=0)
    bars = bq.Bars(x=[], y=[], scales={"x": x, "y": y}, colors=[colour], labels=[title])
    figure = bq.Figure(marks=[bars], axes=[bq.Axis(scale=x), bq.Axis(scale=y, orientation="vertical", tick_format="d")],
                       title=title, layout=widgets.Layout(width="330px", height="260px"), fig_margin={"top": 40, "bottom": 40, "left": 40, "right": 10})
    figure.add_class(css)
    return figure, bars


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
        x, y = bq.LinearScale(), bq.LinearScale(min=0)
        self.wait_line = bq.Lines(x=[], y=[], scales={"x": x, "y": y}, colors=["#cb4b16"])
        self.wait_figure = bq.Figure(marks=[self.wait_line], title="Longest wait (s) over the mock's time",
                                     axes=[bq.Axis(scale=x, label="s since the board opened"),
                                           bq.Axis(scale=y, orientation="vertical", tick_format="d")],
                                     layout=widgets.Layout(width="330px", height="260px"),
                                     fig_margin={"top": 40, "bottom": 40, "left": 40, "right": 10})
        self.wait_figure.add_class("trkit-wallboard-wait")
        self.message = widgets.HTML()
        self._started: float | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        super().__init__(children=[widgets.HBox([self.tasks_figure, self.workers_figure]),
                                   widgets.HBox([self.wait_figure, self.totals_figure]), self.message])
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
            self.tasks_bars.x, self.tasks_bars.y = list(by_status), list(by_status.values())
            self.workers_bars.x, self.workers_bars.y = list(by_activity), list(by_activity.values())
            self.totals_bars.x, self.totals_bars.y = list(totals_drawn), list(totals_drawn.values())
            self.wait_line.x = [*list(self.wait_line.x), at - self._started][-200:]
            self.wait_line.y = [*list(self.wait_line.y), int(now.longest_task_waiting_age or 0)][-200:]
            self.message.value = ""
            return {"tasks": by_status, "workers": by_activity, "totals": totals_drawn,
                    "longest_wait": int(now.longest_task_waiting_age or 0)}


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
