"""The live dashboard: workers, tasks, reservations and the callback log, with controls.

Every control calls TaskRouter through the twilio library, exactly as notebook
code would. The board refreshes itself when a callback reaches the kit's
callback server (event-driven) and, on real Twilio, also every few seconds; the
refresh runs in a background thread so the kernel never freezes.
"""

from __future__ import annotations

import html
import json
import threading
from typing import Any

import ipywidgets as widgets

from .browser_links import for_browser
from .errors import error_html
from .html_cells import attributes_html, html_table
from .language.vocabulary import LIVE_TASK_STATUSES, WAITING_TASK_STATUSES
from .lifecycle import lifecycle_of
from .redraw import SettledRedraw

SETTLE_SECONDS = 0.15  # a burst of callbacks is read once, this long after it began

STATUS_COLOURS = {
    "pending": "#b58900", "reserved": "#268bd2", "assigned": "#2aa198", "wrapping": "#6c71c4",
    "completed": "#859900", "canceled": "#93a1a1", "accepted": "#2aa198", "rejected": "#dc322f",
    "timeout": "#cb4b16", "rescinded": "#93a1a1",
}


def _badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#657b83")
    return f'<span class="trkit-status trkit-status-{status}" style="color:{colour};font-weight:600">{html.escape(status)}</span>'


TASK_ROWS = 5  # the newest tasks; more would push the reservations off the screen


class Dashboard(widgets.VBox):
    """One widget to drive the quickstart's whole lifecycle by clicking."""

    def __init__(self, kit, poll_seconds: float | None = None, log_rows: int = 12) -> None:
        self.kit = kit
        self.tutorial = kit._tutorial or kit.tutorial(reset=False)
        self.log_rows = log_rows
        self.poll_seconds = poll_seconds if poll_seconds is not None else (3.0 if kit.mode == "twilio" else 15.0)
        self._lock = threading.RLock()
        # set while this board's own render updates a dropdown, in that thread only: a learner's change
        # arriving meanwhile (from the kernel's thread) is the learner's, not the render's echo
        self._rendering = threading.local()
        self.worker_dropdowns: dict[str, widgets.Dropdown] = {}
        self.reservation_buttons: dict[str, tuple[widgets.Button, widgets.Button]] = {}  # pending: (accept, reject)
        self._reservations_shown: tuple | None = None  # what the reservation rows show now
        self.task_buttons: dict[str, tuple[widgets.Button, ...]] = {}  # assigned: (wrap up, complete); wrapping: (complete,)
        self.explained: str | None = None  # the task the Explain panel is about: re-read on every refresh

        title = "bundled mock" if kit.mode == "mock" else "real Twilio"
        self.header = widgets.HTML(f"<h3 style='margin:4px 0'>TaskRouter dashboard — {title}</h3>")
        self.message = widgets.HTML("", layout=widgets.Layout(min_height="1.5em"))
        self.message.add_class("trkit-message")
        self.banner = widgets.HTML("")
        self.banner.add_class("trkit-banner")
        self.lifecycle_html = widgets.HTML("")
        self.lifecycle_html.add_class("trkit-lifecycle-line")
        self.workers_box = widgets.VBox()
        self.workers_box.add_class("trkit-workers")
        self.language = widgets.Dropdown(options=[("Spanish (es)", "es"), ("English (en)", "en")], value="es",
                                         description="Language", layout=widgets.Layout(width="220px"))
        self.create_button = widgets.Button(description="Create task", button_style="primary", icon="plus")
        self.create_button.add_class("trkit-create-task")
        self.create_button.on_click(lambda _: self._guard(self.create_task))
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.tasks_html = widgets.HTML()
        self.tasks_html.add_class("trkit-tasks")
        self.explain_box = widgets.HBox()
        self.explain_box.add_class("trkit-explain-buttons")
        self.explain_html = widgets.HTML()
        self.explain_html.add_class("trkit-explanation")
        self.explain_buttons: dict[str, widgets.Button] = {}
        self.reservations_box = widgets.VBox()
        self.reservations_box.add_class("trkit-reservations")
        self.log_html = widgets.HTML()
        self.log_html.add_class("trkit-log")
        # the pictures of the current task: its path through the workflow (Mermaid) and its timeline (SVG)
        # the graph is drawn by Mermaid in a small page the kit serves: JupyterLab and Voilà alike (Voilà has no
        # Mermaid renderer of its own)
        self.graph_html = widgets.HTML()
        self.graph_html.add_class("trkit-routing-graph")
        self._graph_id = f"board{id(self):x}"
        self.timeline_html = widgets.HTML()
        self.timeline_html.add_class("trkit-timeline-picture")
        self._drawn: tuple[str, str] = ("", "")
        # charts drawn inside a hidden tab get no size (bqplot draws NaN): the wallboard is made when its tab opens
        self.wallboard = None
        self.wallboard_box = widgets.VBox([widgets.HTML("The workspace's statistics")])
        self.phone = None
        if kit.mode == "mock":  # on real Twilio the phones are real: the panel would only pretend
            from .phone_panel import PhonePanel

            self.phone = PhonePanel(kit, on_change=self.refresh)
        # what the learner acts on fits one screen; what they read about it waits in tabs below
        sections = [("Callbacks", widgets.VBox([widgets.HTML("Callbacks and events, newest first: what TaskRouter sent, what was "
                                                                          "answered and what TaskRouter made of it"),
                                                             self.log_html])),
                    ("Pictures", widgets.VBox([widgets.HTML("The current task: its path through the workflow, and its timeline"),
                                               self.graph_html, self.timeline_html])),
                    ("Wallboard", self.wallboard_box)]
        if self.phone is not None:
            sections.append(("Phone", self.phone))
        # one section in the page at a time: a chart or a picture drawn inside a hidden tab gets no size (bqplot and
        # Mermaid then draw NaN), so a section's views are made when it is shown
        self.sections = dict(sections)
        self.section_picker = widgets.ToggleButtons(options=list(self.sections), value=sections[0][0],
                                                    style={"button_width": "120px"})
        self.section_picker.add_class("trkit-section-picker")
        self.section_box = widgets.Box([sections[0][1]])
        self.tabs = widgets.VBox([self.section_picker, self.section_box])
        self.tabs.add_class("trkit-board-tabs")
        self.section_picker.observe(self._section_picked, names="value")
        super().__init__(children=[
            self.header, self.banner, self.lifecycle_html,
            widgets.HTML("<b>Workers</b> — pick an activity to change it"), self.workers_box,
            widgets.HTML("<b>Tasks</b>"), widgets.HBox([self.language, self.create_button, self.refresh_button]), self.tasks_html,
            self.explain_box, self.explain_html,
            widgets.HTML("<b>Reservations</b> — accept or reject a pending one; wrap up or complete the task of an accepted one"),
            self.reservations_box, self.message, self.tabs,
        ])
        self.add_class("trkit-dashboard")
        self.refresh()
        self._redraw = SettledRedraw(self.poll_once, self.poll_seconds, SETTLE_SECONDS, "trkit-dashboard")
        kit.callbacks.on_request(self._redraw.poke)

    # ----------------------------------------------------------- lifecycle
    def __repr__(self) -> str:
        # stable text for notebook comparisons; the widget itself shows the live state
        return "<trkit Dashboard>"

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/html"] = self.snapshot_html()
        return bundle

    def close(self) -> None:
        """Stop refreshing and detach from the callback server."""
        self._redraw.close()
        self.kit.callbacks.remove_listener(self._redraw.poke)
        if self.wallboard is not None:
            self.wallboard.close()
        super().close()

    def show_tab(self, title: str) -> None:
        """Show one of the sections below the board (as a click on its button does)."""
        self.section_picker.value = title

    def _section_picked(self, change) -> None:
        title = change["new"]
        if title == "Wallboard" and self.wallboard is None:
            from .wallboard import Wallboard

            self.wallboard = Wallboard(self.kit, poll_seconds=self.poll_seconds)
            self.wallboard_box.children = [*self.wallboard_box.children, self.wallboard]
        self.section_box.children = [self.sections[title]]

    def poll_once(self) -> None:
        """One refresh by the board's own thread: a failure is shown on the board (the thread keeps going),
        and the message goes once a refresh succeeds again (the mock is back, the network too)."""
        try:
            self.refresh()
        except Exception as exc:
            self.message.value = error_html(exc, "trkit-outage")
            return
        if "trkit-outage" in self.message.value:
            self.message.value = ""

    def _guard(self, action, *args) -> None:
        try:
            action(*args)
            self.message.value = ""
        except Exception as exc:
            self.message.value = error_html(exc)
        self.refresh()

    # ------------------------------------------------------------- actions
    def create_task(self, language: str | None = None):
        return self.tutorial.create_task(language or self.language.value)

    def explain(self, task_sid: str) -> str:
        """Show why ``task_sid`` is where it is, below the tasks table."""
        from .explain import explain_task

        explanation = explain_task(self.tutorial.workspace, task_sid)
        self.explained = task_sid
        self.explain_html.value = f"<div class='trkit-explain'><b>Task {task_sid}</b>{explanation._repr_html_()}</div>"
        return explanation

    def set_activity(self, worker: str, activity: str):
        return self.tutorial.set_activity(worker, activity)

    def answer(self, task_sid: str, reservation_sid: str, status: str):
        update: dict[str, Any] = {"reservation_status": status}
        if status == "rejected":
            # rejecting into Offline keeps the task from bouncing straight back to the same worker
            update["worker_activity_sid"] = self.tutorial.activities["Offline"]
        return self.tutorial.workspace.tasks(task_sid).reservations(reservation_sid).update(**update)

    def finish(self, task_sid: str, status: str):
        """Move an assigned task on: ``wrapping`` (wrap-up) or ``completed``, as the learner's own code would."""
        reason = "completed from the dashboard" if status == "completed" else None
        return self.tutorial.workspace.tasks(task_sid).update(assignment_status=status, reason=reason)

    # ------------------------------------------------------------- reading
    def refresh(self) -> None:
        with self._lock:
            workspace = self.tutorial.workspace
            activities = [a.friendly_name for a in workspace.activities.list()]
            workers = workspace.workers.list()
            tasks = list(reversed(workspace.tasks.list()))
            reservations = []
            for task in tasks:
                if task.assignment_status in LIVE_TASK_STATUSES:
                    reservations.extend((task, r) for r in workspace.tasks(task.sid).reservations.list())
            self._render_workers(workers, activities)
            self._render_tasks(tasks)
            self._render_reservations(reservations)
            self._render_lifecycle(tasks, reservations)
            self._render_log()
            self._render_pictures(tasks)
            if self.wallboard is not None:
                self.wallboard.refresh()
            if self.phone is not None:
                self.phone.refresh()
            if self.explained:
                try:
                    self.explain(self.explained)
                except Exception:  # the task is gone (a reset): the panel goes with it
                    self.explained, self.explain_html.value = None, ""
            taken = self.kit.takeover()
            self.banner.value = ("" if not taken else
                                 f"<div class='trkit-takeover' style='color:#cb4b16'>⚠ {html.escape(taken)} "
                                 "<code>kit.tutorial(reset=False)</code> takes them back.</div>")

    def _render_pictures(self, tasks) -> None:
        """Redraw the current task's routing graph and timeline when they change (Mermaid through an Output widget,
        so JupyterLab's and Voilà's own renderer draws it)."""
        from .pictures import routing_graph, task_timeline

        live = [t for t in tasks if t.assignment_status in LIVE_TASK_STATUSES]
        task = (live or tasks or [None])[0]
        workspace = self.tutorial.workspace
        graph = routing_graph(workspace, self.tutorial.workflow_sid, task.sid if task else None)
        timeline = task_timeline(workspace, task.sid)._repr_html_() if task else ""
        if (graph.source, timeline) == self._drawn:
            return
        self._drawn = (graph.source, timeline)
        self.kit.callbacks.pictures[self._graph_id] = graph.source  # the frame's page redraws it within a second
        if not self.graph_html.value:
            url = for_browser(f"{self.kit.callbacks.base_url}/pictures/{self._graph_id}")
            self.graph_html.value = (f"<iframe class='trkit-graph-frame' src='{url}' title='routing graph' "
                                     "style='width:100%;height:380px;border:0'></iframe>")
        self.timeline_html.value = timeline

    def _render_lifecycle(self, tasks, reservations) -> None:
        live = [t for t in tasks if t.assignment_status in LIVE_TASK_STATUSES]
        task = (live or tasks or [None])[0]
        if task is None:
            self.lifecycle_html.value = ""
            return
        line = lifecycle_of(task, [r for t, r in reservations if t.sid == task.sid])
        self.lifecycle_html.value = line._repr_html_()

    def _render_workers(self, workers, activities: list[str]) -> None:
        self._rendering.active = True
        try:
            rows = []
            for worker in workers:
                dropdown = self.worker_dropdowns.get(worker.friendly_name)
                if dropdown is None:
                    dropdown = widgets.Dropdown(options=activities, value=worker.activity_name, layout=widgets.Layout(width="160px"))
                    dropdown.add_class(f"trkit-activity-{worker.friendly_name.lower()}")
                    dropdown.observe(self._activity_changed(worker.friendly_name), names="value")
                    self.worker_dropdowns[worker.friendly_name] = dropdown
                if list(dropdown.options) != activities:
                    dropdown.options = activities
                if dropdown.value != worker.activity_name:
                    dropdown.value = worker.activity_name
                label = widgets.HTML(f"<span class='trkit-worker-name' style='display:inline-block;width:70px'><b>{html.escape(worker.friendly_name)}</b></span>")
                state = "available" if worker.available else "unavailable"
                attrs = html.escape(json.dumps(json.loads(worker.attributes or "{}")))
                detail = widgets.HTML(f"<span class='trkit-worker-state'>{state} · {attrs}</span>")
                rows.append(widgets.HBox([label, dropdown, detail]))
            self.workers_box.children = rows
        finally:
            self._rendering.active = False

    def _activity_changed(self, worker: str):
        def handler(change) -> None:
            if getattr(self._rendering, "active", False) or change["new"] == change["old"]:
                return
            self._guard(self.set_activity, worker, change["new"])
        return handler

    def _render_tasks(self, tasks) -> None:
        rows = [[f"<code>{t.sid}</code>", _badge(t.assignment_status), html.escape(t.task_queue_friendly_name or ""),
                 attributes_html(t.attributes), f"{t.age} s", html.escape(t.reason or "")]
                for t in tasks[:TASK_ROWS]]
        older = (f"<div class='trkit-older-tasks' style='color:#657b83;font-size:12px'>and {len(tasks) - TASK_ROWS} older "
                 "(kit.tasks_table() lists them all)</div>") if len(tasks) > TASK_ROWS else ""
        self.tasks_html.value = html_table(["Task", "Status", "Queue", "Attributes", "Age", "Reason"], rows, "trkit-task-table") + older
        waiting = [t for t in tasks[:TASK_ROWS] if t.assignment_status in WAITING_TASK_STATUSES]
        buttons = {}
        for task in waiting:
            button = self.explain_buttons.get(task.sid)
            if button is None:
                button = widgets.Button(description=f"Explain {task.sid[:8]}…", tooltip=f"Why is {task.sid} {task.assignment_status}?",
                                        icon="question", layout=widgets.Layout(width="auto"))
                button.add_class("trkit-explain-button")
                button.on_click(lambda _, sid=task.sid: self._explain_clicked(sid))
            buttons[task.sid] = button
        self.explain_buttons = buttons
        self.explain_box.children = list(buttons.values())

    def _explain_clicked(self, task_sid: str) -> None:
        try:
            self.explain(task_sid)
            self.message.value = ""
        except Exception as exc:
            self.message.value = error_html(exc)

    def _render_reservations(self, reservations) -> None:
        # rows that have not changed keep their buttons: a click must not land on a button being replaced
        shown = tuple((task.sid, task.assignment_status, r.sid, r.reservation_status, r.worker_name) for task, r in reservations)
        if shown == self._reservations_shown:
            return
        self._reservations_shown = shown
        rows = []
        buttons: dict[str, tuple[widgets.Button, widgets.Button]] = {}
        finishers: dict[str, tuple[widgets.Button, ...]] = {}
        for task, reservation in reservations:
            text = widgets.HTML(
                f"<span class='trkit-reservation'><code>{reservation.sid}</code> · {html.escape(reservation.worker_name)} · "
                f"task <code>{task.sid[:10]}…</code> · {_badge(reservation.reservation_status)}</span>")
            children: list[widgets.Widget] = [text]
            if reservation.reservation_status == "pending":
                accept = widgets.Button(description="Accept", button_style="success", layout=widgets.Layout(width="90px"))
                reject = widgets.Button(description="Reject", button_style="danger", layout=widgets.Layout(width="90px"))
                accept.add_class("trkit-accept")
                reject.add_class("trkit-reject")
                accept.on_click(lambda _, t=task.sid, r=reservation.sid: self._guard(self.answer, t, r, "accepted"))
                reject.on_click(lambda _, t=task.sid, r=reservation.sid: self._guard(self.answer, t, r, "rejected"))
                buttons[reservation.sid] = (accept, reject)
                children += [accept, reject]
            elif reservation.reservation_status in ("accepted", "wrapping") and task.assignment_status in ("assigned", "wrapping"):
                finishing = []
                if task.assignment_status == "assigned":
                    wrap = widgets.Button(description="Wrap up", layout=widgets.Layout(width="90px"))
                    wrap.add_class("trkit-wrapup")
                    wrap.on_click(lambda _, t=task.sid: self._guard(self.finish, t, "wrapping"))
                    finishing.append(wrap)
                complete = widgets.Button(description="Complete", button_style="info", layout=widgets.Layout(width="90px"))
                complete.add_class("trkit-complete")
                complete.on_click(lambda _, t=task.sid: self._guard(self.finish, t, "completed"))
                finishing.append(complete)
                finishers[task.sid] = tuple(finishing)
                children += finishing
            rows.append(widgets.HBox(children))
        self.reservation_buttons = buttons
        self.task_buttons = finishers
        self.reservations_box.children = rows or [widgets.HTML("<span style='color:#93a1a1'>none</span>")]

    def _render_log(self) -> None:
        records = list(self.kit.callbacks.records)[-self.log_rows:]
        rows = []
        for record in reversed(records):
            params = record.params
            if record.kind == "voice":  # a call asking for TwiML: its path and keys; the TwiML is read in the last column
                digits = f" (keys {params['Digits']})" if params.get("Digits") else ""
                what, answer = f"{record.path} for call {params.get('CallSid', '')[:10]}…{digits}", ""
            else:
                what = params.get("EventType") or f"assignment for {params.get('ReservationSid', '')[:10]}…"
                answer = "" if record.answer is None else record.answer if isinstance(record.answer, str) else json.dumps(record.answer)
            rows.append([html.escape(record.kind), html.escape(what), html.escape(params.get("EventDescription", "")),
                         html.escape(record.verdict), html.escape(answer), html.escape(record.reading)])
        self.log_html.value = html_table(["Kind", "What", "Description", "Signature", "Answer", "Twilio reads"], rows,
                                     "trkit-log-table")

    def snapshot_html(self) -> str:
        """The board as static HTML (for renderers that do not run widgets)."""
        worker_rows = []
        for box in self.workers_box.children:
            name, dropdown, detail = box.children
            worker_rows.append([name.value, html.escape(str(dropdown.value)), detail.value])
        workers = html_table(["Worker", "Activity", "State"], worker_rows, "trkit-worker-table")
        reservations = "".join(f"<div>{box.children[0].value}</div>" for box in self.reservations_box.children
                               if isinstance(box, widgets.HBox))
        label = ("<div class='trkit-snapshot-label' style='color:#657b83;font-style:italic'>A still picture of the board as it "
                 "was when this cell last ran. Run the cell for the live dashboard.</div>")
        return (f"<div class='trkit-dashboard-snapshot'>{self.header.value}{label}{self.lifecycle_html.value}<b>Workers</b>{workers}<b>Tasks</b>{self.tasks_html.value}"
                f"<b>Reservations</b>{reservations or '<div>none</div>'}<b>Callbacks and events</b>{self.log_html.value}</div>")
