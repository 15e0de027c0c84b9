"""Statistics: real-time figures from live state, cumulative ones from the event log.

``compute_*`` functions are plain rules over the records and the event log that the
:class:`Statistics` service reaches; the service offers them, under the engine's lock, to the API's
statistics routes.
"""

from __future__ import annotations

from typing import Any

from ...language.vocabulary import LIVE_TASK_STATUSES, WAITING_TASK_STATUSES
from .clock import iso
from .errors import InvalidParameter
from .service import Service
from .transaction import read

RESERVATION_COUNTS = {
    "reservation.created": "reservations_created",
    "reservation.accepted": "reservations_accepted",
    "reservation.rejected": "reservations_rejected",
    "reservation.timeout": "reservations_timed_out",
    "reservation.canceled": "reservations_canceled",
    "reservation.rescinded": "reservations_rescinded",
}
TASK_COUNTS = {
    "task.canceled": "tasks_canceled",
    "task.completed": "tasks_completed",
    "task.deleted": "tasks_deleted",
    "task-queue.moved": "tasks_moved",
    "workflow.timeout": "tasks_timed_out_in_workflow",
}


def _durations(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"avg": 0, "min": 0, "max": 0, "total": 0}
    return {"avg": int(sum(values) / len(values)), "min": int(min(values)), "max": int(max(values)), "total": int(sum(values))}


def window(stats: Statistics, minutes: int | None, start: float | None, end: float | None) -> tuple[float, float]:
    now = stats.clock.now()
    end = end if end is not None else now
    start = start if start is not None else end - 60 * (minutes if minutes is not None else 15)
    if now - start > 30 * 86400:
        raise InvalidParameter("StartDate must be within the last 30 days")
    if start > end:
        raise InvalidParameter("StartDate must be before EndDate")
    return start, end


def compute_cumulative(stats: Statistics, ws_sid: str, start: float, end: float, scope: str,
                       task_queue_sid: str | None = None, workflow_sid: str | None = None,
                       split_by_wait_time: str | None = None, task_channel: str | None = None) -> dict[str, Any]:
    stats.lookups.workspace(ws_sid)
    channel_sid = stats.tasks.task_channel_ref(ws_sid, task_channel).sid if task_channel else None
    counts = {name: 0 for name in list(RESERVATION_COUNTS.values()) + list(TASK_COUNTS.values())}
    counts["tasks_created"] = counts["tasks_entered"] = 0
    accepted_waits: list[float] = []
    canceled_waits: list[float] = []
    queue_waits: list[float] = []
    thresholds = []
    if split_by_wait_time:
        try:
            thresholds = [int(part) for part in split_by_wait_time.split(",") if part.strip()]
        except ValueError:
            raise InvalidParameter(f"SplitByWaitTime must be a comma-separated list of seconds, got {split_by_wait_time!r}") from None
    split = {str(t): {"above": {"tasks_canceled": 0, "reservations_accepted": 0},
                      "below": {"tasks_canceled": 0, "reservations_accepted": 0}} for t in thresholds}
    for event in stats.store.events(ws_sid, start, end + 0.999, task_queue_sid=task_queue_sid or None,
                                     workflow_sid=workflow_sid or None):
        if channel_sid is not None and event.task_channel != channel_sid:
            continue  # TaskChannel: only that channel's tasks and reservations count
        kind = event.event_type
        age = float(event.event_data.get("task_age") or 0)
        if kind in RESERVATION_COUNTS:
            counts[RESERVATION_COUNTS[kind]] += 1
        if kind in TASK_COUNTS:
            counts[TASK_COUNTS[kind]] += 1
        if kind == "task.created":
            counts["tasks_created"] += 1
        if kind == ("task-queue.entered" if scope == "queue" else "workflow.entered"):
            counts["tasks_entered"] += 1
        if kind == "reservation.accepted":
            accepted_waits.append(age)
            entered = event.event_data.get("task_queue_entered_date")
            if entered:
                queue_waits.append(event.event_date - float(entered))
        if kind == "task.canceled":
            canceled_waits.append(age)
        for t in thresholds:
            side = "above" if age > t else "below"
            if kind == "reservation.accepted":
                split[str(t)][side]["reservations_accepted"] += 1
            if kind == "task.canceled":
                split[str(t)][side]["tasks_canceled"] += 1
    result: dict[str, Any] = {
        "account_sid": stats.account_sid,
        "avg_task_acceptance_time": int(sum(accepted_waits) / len(accepted_waits)) if accepted_waits else 0,
        "start_time": iso(start),
        "end_time": iso(end),
        **{name: counts[name] for name in RESERVATION_COUNTS.values()},
        "split_by_wait_time": split or None,
        "wait_duration_until_accepted": _durations(accepted_waits),
        "wait_duration_until_canceled": _durations(canceled_waits),
        "tasks_canceled": counts["tasks_canceled"],
        "tasks_completed": counts["tasks_completed"],
        "tasks_deleted": counts["tasks_deleted"],
        "tasks_moved": counts["tasks_moved"],
        "workspace_sid": ws_sid,
    }
    if scope == "workspace":
        result["tasks_created"] = counts["tasks_created"]
    else:
        result["tasks_entered"] = counts["tasks_entered"]
    if scope in ("workspace", "workflow"):
        result["tasks_timed_out_in_workflow"] = counts["tasks_timed_out_in_workflow"]
    if scope == "queue":
        result["task_queue_sid"] = task_queue_sid
        result["wait_duration_in_queue_until_accepted"] = _durations(queue_waits)
    if scope == "workflow":
        result["workflow_sid"] = workflow_sid
    return result


def compute_worker_cumulative(stats: Statistics, ws_sid: str, start: float, end: float,
                              worker_sid: str | None = None, task_channel: str | None = None,
                              workers: set[str] | None = None) -> dict[str, Any]:
    """Reservation counts and time spent in each activity, from the event log: of one worker, of the
    ``workers`` given, or of all; reservations only on ``task_channel`` when given."""
    stats.lookups.workspace(ws_sid)
    channel_sid = stats.tasks.task_channel_ref(ws_sid, task_channel).sid if task_channel else None
    counts = {name: 0 for name in RESERVATION_COUNTS.values()}
    spent: dict[str, list[float]] = {a.sid: [] for a in stats.store.all("activity", ws_sid)}
    for event in stats.store.events(ws_sid, start, end + 0.999, worker_sid=worker_sid or None):
        if workers is not None and event.worker_sid not in workers:
            continue
        if event.event_type in RESERVATION_COUNTS and channel_sid is not None and event.task_channel != channel_sid:
            continue
        if event.event_type in RESERVATION_COUNTS:
            counts[RESERVATION_COUNTS[event.event_type]] += 1
        if event.event_type == "worker.activity.update":
            previous = event.event_data.get("worker_previous_activity_sid")
            if previous in spent:
                spent[previous].append(float(event.event_data.get("worker_time_in_previous_activity") or 0))
    durations = []
    for activity in stats.store.all("activity", ws_sid):
        durations.append({"sid": activity.sid, "friendly_name": activity.friendly_name, **_durations(spent[activity.sid])})
    return {"start_time": iso(start), "end_time": iso(end), "activity_durations": durations, **counts}


class Statistics(Service):
    """The statistics routes' figures, computed under the engine's lock."""

    needs = ("account_sid", "clock", "lookups", "queues", "store", "tasks")

    @read
    def statistics_window(self, minutes: int | None, start: float | None, end: float | None) -> tuple[float, float]:
        return window(self, minutes, start, end)

    @read
    def cumulative_statistics(self, ws_sid: str, start: float, end: float, scope: str, **options: Any) -> dict[str, Any]:
        return compute_cumulative(self, ws_sid, start, end, scope, **options)

    @read
    def worker_cumulative_statistics(self, ws_sid: str, start: float, end: float, worker_sid: str | None = None,
                                     **options: Any) -> dict[str, Any]:
        return compute_worker_cumulative(self, ws_sid, start, end, worker_sid, **options)

    @read
    def real_time_statistics(self, ws_sid: str, task_queue_sid: str | None = None, workflow_sid: str | None = None,
                             task_channel: str | None = None, workers: set[str] | None = None) -> dict:
        """Counts from live state for a workspace, one queue or one workflow."""
        ws = self.lookups.workspace(ws_sid)
        channel_sid = self.tasks.task_channel_ref(ws_sid, task_channel).sid if task_channel else None
        tasks = [t for t in self.store.all("task", ws_sid)
                 if t.assignment_status in LIVE_TASK_STATUSES
                 and (task_queue_sid is None or t.task_queue_sid == task_queue_sid)
                 and (workflow_sid is None or t.workflow_sid == workflow_sid)
                 and (channel_sid is None or t.task_channel_sid == channel_sid)]
        now = self.clock.now()
        by_status = {s: 0 for s in LIVE_TASK_STATUSES}
        by_priority: dict[str, int] = {}
        for task in tasks:
            by_status[task.assignment_status] += 1
            by_priority[str(task.priority)] = by_priority.get(str(task.priority), 0) + 1
        waiting = [t for t in tasks if t.assignment_status in WAITING_TASK_STATUSES]
        oldest = min(waiting, key=lambda t: t.date_created, default=None)
        chosen, workers = workers, self.store.all("worker", ws_sid)
        queue = self.store.get("task_queue", task_queue_sid) if task_queue_sid else None
        if queue is not None:
            workers = [w for w in workers if self.queues.in_queue(w, queue)]
        if chosen is not None:
            workers = [w for w in workers if w.sid in chosen]
        activity_statistics = []
        for activity in self.store.all("activity", ws_sid):
            count = sum(1 for w in workers if w.activity_sid == activity.sid)
            activity_statistics.append({"sid": activity.sid, "friendly_name": activity.friendly_name, "workers": count})
        stats = {
            "activity_statistics": activity_statistics,
            "longest_task_waiting_age": int(now - oldest.date_created) if oldest else 0,
            "longest_task_waiting_sid": oldest.sid if oldest else None,
            "tasks_by_priority": by_priority,
            "tasks_by_status": by_status,
            "total_tasks": len(tasks),
        }
        if queue is None:
            stats["total_workers"] = len(workers)
        else:
            entered = min(waiting, key=lambda t: t.task_queue_entered_date or t.date_created, default=None)
            stats.update({
                "longest_relative_task_age_in_queue": int(now - (entered.task_queue_entered_date or entered.date_created)) if entered else 0,
                "longest_relative_task_sid_in_queue": entered.sid if entered else None,
                "total_available_workers": sum(1 for w in workers if (a := self.store.get("activity", w.activity_sid)) and a.available),
                "total_eligible_workers": len(workers),
            })
        del ws
        return stats
