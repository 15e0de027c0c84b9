"""What happened, as pandas tables with readable columns (newest first where it helps).

Every function reads through the twilio library, so the tables look the same on
the mock and on real Twilio. Ages are shown as text ("12 s") and times as ISO
strings, which keeps notebook outputs comparable once sanitised.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pandas as pd


def _when(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _attributes(text: str | None) -> str:
    try:
        return json.dumps(json.loads(text or "{}"), separators=(", ", ": "))
    except ValueError:
        return text or ""


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def activities_table(workspace) -> pd.DataFrame:
    rows = [{"Activity": a.friendly_name, "Available": a.available, "SID": a.sid} for a in workspace.activities.list()]
    return _frame(rows, ["Activity", "Available", "SID"])


def workers_table(workspace) -> pd.DataFrame:
    rows = [
        {"Worker": w.friendly_name, "Activity": w.activity_name, "Available": w.available,
         "Attributes": _attributes(w.attributes), "SID": w.sid}
        for w in workspace.workers.list()
    ]
    return _frame(rows, ["Worker", "Activity", "Available", "Attributes", "SID"])


def queues_table(workspace) -> pd.DataFrame:
    rows = [
        {"Queue": q.friendly_name, "Target workers": q.target_workers, "Reservation activity": q.reservation_activity_name,
         "Assignment activity": q.assignment_activity_name, "Max reserved": q.max_reserved_workers, "SID": q.sid}
        for q in workspace.task_queues.list()
    ]
    return _frame(rows, ["Queue", "Target workers", "Reservation activity", "Assignment activity", "Max reserved", "SID"])


def workflow_table(workspace) -> pd.DataFrame:
    """One row per filter of each workflow: which expression sends a task to which queue."""
    queue_names = {q.sid: q.friendly_name for q in workspace.task_queues.list()}
    rows = []
    for workflow in workspace.workflows.list():
        routing = json.loads(workflow.configuration).get("task_routing", {})
        for raw in routing.get("filters", []):
            for target in raw.get("targets", []):
                rows.append({"Workflow": workflow.friendly_name, "Filter": raw.get("filter_friendly_name", ""),
                             "Expression": raw.get("expression", ""), "Queue": queue_names.get(target.get("queue"), target.get("queue")),
                             "Timeout": target.get("timeout", ""), "Reservation timeout": workflow.task_reservation_timeout})
        if routing.get("default_filter"):
            rows.append({"Workflow": workflow.friendly_name, "Filter": "(default)", "Expression": "(no filter matched)",
                         "Queue": queue_names.get(routing["default_filter"].get("queue"), ""), "Timeout": "",
                         "Reservation timeout": workflow.task_reservation_timeout})
    return _frame(rows, ["Workflow", "Filter", "Expression", "Queue", "Timeout", "Reservation timeout"])


def tasks_table(workspace, statuses: list[str] | None = None) -> pd.DataFrame:
    # the API lists oldest first; reversing it gives newest first with a stable order within a second
    tasks = list(reversed(workspace.tasks.list(assignment_status=statuses) if statuses else workspace.tasks.list()))
    rows = [
        {"Task": t.sid, "Status": t.assignment_status, "Queue": t.task_queue_friendly_name or "", "Priority": t.priority,
         "Age": f"{t.age} s", "Attributes": _attributes(t.attributes), "Reason": t.reason or ""}
        for t in tasks
    ]
    return _frame(rows, ["Task", "Status", "Queue", "Priority", "Age", "Attributes", "Reason"])


def reservations_table(workspace, task_sids: list[str] | None = None) -> pd.DataFrame:
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


def events_table(workspace, limit: int = 50, minutes: int | None = None, **filters: Any) -> pd.DataFrame:
    """The newest events (TaskRouter keeps the last 15 minutes in the default window)."""
    events = workspace.events.list(minutes=minutes, **filters)
    events = list(reversed(events))[:limit]
    rows = [
        {"Time": _when(e.event_date), "Event": e.event_type, "Description": e.description, "Resource": e.resource_sid}
        for e in events
    ]
    return _frame(rows, ["Time", "Event", "Description", "Resource"])


def callbacks_table(callback_server, kind: str | None = None) -> pd.DataFrame:
    """Requests the kit's callback server received: the in-notebook replacement for ngrok's inspector."""
    rows = []
    for record in reversed(list(callback_server.records)):
        if kind is not None and record.kind != kind:
            continue
        params = record.params
        rows.append({
            "Received": datetime.fromtimestamp(record.received_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "Kind": record.kind,
            "Event / Reservation": params.get("EventType") or params.get("ReservationSid", ""),
            "Task": params.get("TaskSid", ""),
            "Worker": params.get("WorkerName") or params.get("WorkerSid", ""),
            "Signature": record.verdict,
            "Answer": "" if record.answer is None else json.dumps(record.answer),
        })
    return _frame(rows, ["Received", "Kind", "Event / Reservation", "Task", "Worker", "Signature", "Answer"])


def callback_parameters(record) -> pd.DataFrame:
    """Every form field of one callback request, one per row."""
    rows = [{"Parameter": key, "Value": value} for key, value in sorted(record.params.items())]
    return _frame(rows, ["Parameter", "Value"])
