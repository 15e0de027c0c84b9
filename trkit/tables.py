"""What happened, as pandas tables with readable columns (newest first where it helps).

Every function reads through the twilio library, so the tables look the same on
the mock and on real Twilio. Ages are shown as text ("12 s") and times as ISO
strings, which keeps notebook outputs comparable once sanitised.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from .html_cells import BAND_CSS, CELL_CSS, HEAD_CSS, TABLE_CSS, attributes_html, attributes_text
from .language.workflow_config import DEFAULT_FILTER_NAME, read_configuration


def _when(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# columns whose cells are code a learner wrote or TaskRouter sent (TwiML, JSON): shown as code
CODE_COLUMNS = ("Answer", "Attributes", "Expression", "Target workers", "Value")


class Table(pd.DataFrame):
    """A DataFrame that shows what a reader needs: no positional index, cells never cut short.

    It stays a DataFrame (select columns, filter rows, ``.iloc``) and keeps its look through
    those operations. Cells are escaped, so an answer's TwiML shows as text instead of vanishing
    into the page as unknown tags.
    """

    @property
    def _constructor(self):
        return Table

    def _repr_html_(self) -> str:
        # a fixed table id keeps the HTML the same from run to run (Styler's default is random)
        style = self.style.hide(axis="index").format(escape="html").set_uuid("trkit")
        code = [c for c in self.columns if c in CODE_COLUMNS]
        if code:
            style = style.set_properties(subset=code, **{"font-family": "monospace", "white-space": "pre-wrap"})
        if "Attributes" in self.columns:  # many attributes fold into a summary that opens on a click
            style = style.format(lambda text: attributes_html(text) if text.startswith("{") else html.escape(text),
                                 subset=["Attributes"])
        style = style.set_table_styles([{"selector": "th", "props": HEAD_CSS}, {"selector": "td", "props": CELL_CSS},
                                        {"selector": "tbody tr:nth-child(even)", "props": BAND_CSS}])
        return style.set_table_attributes(f'class="dataframe trkit-table" style="{TABLE_CSS}"').to_html()

    def __repr__(self) -> str:
        if self.empty:
            return "(no rows)"
        # left-aligned columns, whole cells (pandas' own text cuts cells and misaligns without an index)
        cells = [[str(c) for c in self.columns]] + [["" if v is None else str(v) for v in row] for row in self.itertuples(index=False)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells)


def _frame(rows: list[dict], columns: list[str], optional: tuple[str, ...] = ()) -> Table:
    """The rows as a Table; an ``optional`` column that no row fills is left out."""
    table = Table(rows, columns=columns)
    empty = [c for c in optional if rows and not any(str(row.get(c, "")) for row in rows)]
    return table.drop(columns=empty) if empty else table


def activities_table(workspace) -> Table:
    rows = [{"Activity": a.friendly_name, "Available": a.available, "SID": a.sid} for a in workspace.activities.list()]
    return _frame(rows, ["Activity", "Available", "SID"])


def workers_table(workspace) -> Table:
    rows = [
        {"Worker": w.friendly_name, "Activity": w.activity_name, "Available": w.available,
         "Attributes": attributes_text(w.attributes), "SID": w.sid}
        for w in workspace.workers.list()
    ]
    return _frame(rows, ["Worker", "Activity", "Available", "Attributes", "SID"])


def queues_table(workspace) -> Table:
    rows = [
        {"Queue": q.friendly_name, "Target workers": q.target_workers, "Reservation activity": q.reservation_activity_name,
         "Assignment activity": q.assignment_activity_name, "Max reserved": q.max_reserved_workers, "SID": q.sid}
        for q in workspace.task_queues.list()
    ]
    return _frame(rows, ["Queue", "Target workers", "Reservation activity", "Assignment activity", "Max reserved", "SID"])


def workflow_table(workspace) -> Table:
    """One row per filter of each workflow: which expression sends a task to which queue. Keys of a configuration
    that the mock's routing does not read (TaskRouter accepts keys beyond its documented ones) are listed on the
    workflow's first row, so a document that routes differently than it reads never passes unseen."""
    queue_names = {q.sid: q.friendly_name for q in workspace.task_queues.list()}
    rows = []
    for workflow in workspace.workflows.list():
        config = read_configuration(workflow.configuration)
        first = len(rows)
        for filt in config.filters:
            for target in filt.targets:
                rows.append({"Workflow": workflow.friendly_name, "Filter": filt.name, "Expression": filt.expression,
                             "Queue": queue_names.get(target.queue_sid, target.queue_sid), "Timeout": target.timeout or "",
                             "Reservation timeout": workflow.task_reservation_timeout})
        if config.default is not None:
            rows.append({"Workflow": workflow.friendly_name, "Filter": DEFAULT_FILTER_NAME, "Expression": "(no filter matched)",
                         "Queue": queue_names.get(config.default.queue_sid, config.default.queue_sid), "Timeout": "",
                         "Reservation timeout": workflow.task_reservation_timeout})
        if len(rows) > first:
            rows[first]["Not read by the mock"] = ", ".join(config.unread)
    for row in rows:
        row.setdefault("Not read by the mock", "")
    return _frame(rows, ["Workflow", "Filter", "Expression", "Queue", "Timeout", "Reservation timeout", "Not read by the mock"],
                  optional=("Timeout", "Not read by the mock"))


def tasks_table(workspace, statuses: list[str] | None = None) -> Table:
    # the API lists oldest first; reversing it gives newest first with a stable order within a second
    tasks = list(reversed(workspace.tasks.list(assignment_status=statuses) if statuses else workspace.tasks.list()))
    rows = [
        {"Task": t.sid, "Status": t.assignment_status, "Queue": t.task_queue_friendly_name or "", "Priority": t.priority,
         "Age": f"{t.age} s", "Attributes": attributes_text(t.attributes), "Reason": t.reason or ""}
        for t in tasks
    ]
    return _frame(rows, ["Task", "Status", "Queue", "Priority", "Age", "Attributes", "Reason"])


def reservations_table(workspace, task_sids: list[str] | None = None) -> Table:
    """Every reservation of the given tasks (default: all tasks), newest first."""
    if task_sids is None:
        task_sids = [t.sid for t in reversed(workspace.tasks.list())]
    reservations = []
    for task_sid in task_sids:
        reservations.extend(reversed(workspace.tasks(task_sid).reservations.list()))
    rows = [
        {"Reservation": r.sid, "Status": r.reservation_status, "Worker": r.worker_name, "Task": r.task_sid,
         "Created": _when(r.date_created), "Updated": _when(r.date_updated)}
        for r in reservations
    ]
    return _frame(rows, ["Reservation", "Status", "Worker", "Task", "Created", "Updated"])


def events_table(workspace, limit: int = 50, minutes: int | None = None, **filters: Any) -> Table:
    """The newest events (TaskRouter keeps the last 15 minutes in the default window)."""
    events = workspace.events.list(minutes=minutes, **filters)
    events = list(reversed(events))[:limit]
    rows = [
        {"Time": _when(e.event_date), "Event": e.event_type, "Description": e.description, "Resource": e.resource_sid}
        for e in events
    ]
    return _frame(rows, ["Time", "Event", "Description", "Resource"])


def callbacks_table(callback_server, kind: str | None = None) -> Table:
    """Requests the kit's callback server received: the in-notebook replacement for ngrok's inspector."""
    rows = []
    for record in reversed(list(callback_server.records)):
        if kind is not None and record.kind != kind:
            continue
        params = record.params
        rows.append({
            "Received": datetime.fromtimestamp(record.received_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "Kind": record.kind,
            "Path": record.path,
            "Event / Reservation / Call": params.get("EventType") or params.get("ReservationSid") or params.get("CallSid", ""),
            "Digits": params.get("Digits", ""),
            "Task": params.get("TaskSid", ""),
            "Worker": params.get("WorkerName") or params.get("WorkerSid", ""),
            "Signature": record.verdict,
            "Answered by": record.handler if record.status != 403 else "",
            "Answer": _answer_text(record),
            "Twilio reads": record.reading,
        })
    return _frame(rows, ["Received", "Kind", "Path", "Event / Reservation / Call", "Digits", "Task", "Worker", "Signature",
                         "Answered by", "Answer", "Twilio reads"], optional=("Digits", "Twilio reads"))


def _answer_text(record) -> str:
    if record.kind not in ("assignment", "voice") or record.status == 403:
        return "" if record.status < 300 else f"HTTP {record.status}"
    if record.status >= 300:  # an error page says nothing the status does not
        return f"HTTP {record.status}"
    return "" if record.answer is None else record.answer if isinstance(record.answer, str) else json.dumps(record.answer)


def callback_parameters(record) -> Table:
    """Every form field of one callback request, one per row."""
    rows = [{"Parameter": key, "Value": value} for key, value in sorted(record.params.items())]
    return _frame(rows, ["Parameter", "Value"])


def calls_table(client, since: float | None = None) -> Table:
    """The account's calls, newest first (on real Twilio only those since the lesson began): each leg, its
    direction, status and how long it lasted."""
    calls = [c for c in client.calls.list(limit=100)
             if since is None or c.date_created is None or c.date_created.timestamp() >= since]
    rows = [
        {"Call": c.sid, "From": c._from, "To": c.to, "Direction": c.direction, "Status": c.status,
         "Parent": c.parent_call_sid or "", "Started": _when(c.start_time), "Duration": f"{c.duration} s" if c.duration else ""}
        for c in calls
    ]
    return _frame(rows, ["Call", "From", "To", "Direction", "Status", "Parent", "Started", "Duration"], optional=("Parent",))
