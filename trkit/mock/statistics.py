"""Statistics: real-time figures from live state, cumulative ones from the event log.

``compute_*`` functions are plain rules over the engine; ``register_statistics``
adds the twelve read-only statistics routes to the REST app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .clock import iso
from .documents import parse_json
from .engine import TaskRouterEngine
from .errors import invalid

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


def window(engine: TaskRouterEngine, minutes: int | None, start: float | None, end: float | None) -> tuple[float, float]:
    now = engine.now()
    end = end if end is not None else now
    start = start if start is not None else end - 60 * (minutes if minutes is not None else 15)
    if now - start > 30 * 86400:
        raise invalid("StartDate must be within the last 30 days")
    if start > end:
        raise invalid("StartDate must be before EndDate")
    return start, end


def compute_cumulative(engine: TaskRouterEngine, ws_sid: str, start: float, end: float, scope: str,
                       task_queue_sid: str | None = None, workflow_sid: str | None = None,
                       split_by_wait_time: str | None = None) -> dict[str, Any]:
    engine.workspace(ws_sid)
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
            raise invalid(f"SplitByWaitTime must be a comma-separated list of seconds, got {split_by_wait_time!r}") from None
    split = {str(t): {"above": {"tasks_canceled": 0, "reservations_accepted": 0},
                      "below": {"tasks_canceled": 0, "reservations_accepted": 0}} for t in thresholds}
    for event in engine.store.all("event", ws_sid):
        if not start <= event.event_date <= end + 0.999:
            continue
        if task_queue_sid and event.task_queue_sid != task_queue_sid:
            continue
        if workflow_sid and event.workflow_sid != workflow_sid:
            continue
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
        "account_sid": engine.account_sid,
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


def compute_worker_cumulative(engine: TaskRouterEngine, ws_sid: str, start: float, end: float,
                              worker_sid: str | None = None) -> dict[str, Any]:
    """Reservation counts and time spent in each activity, from the event log."""
    engine.workspace(ws_sid)
    counts = {name: 0 for name in RESERVATION_COUNTS.values()}
    spent: dict[str, list[float]] = {a.sid: [] for a in engine.store.all("activity", ws_sid)}
    for event in engine.store.all("event", ws_sid):
        if not start <= event.event_date <= end + 0.999:
            continue
        if worker_sid and event.worker_sid != worker_sid:
            continue
        if event.event_type in RESERVATION_COUNTS:
            counts[RESERVATION_COUNTS[event.event_type]] += 1
        if event.event_type == "worker.activity.update":
            previous = event.event_data.get("worker_previous_activity_sid")
            if previous in spent:
                spent[previous].append(float(event.event_data.get("worker_time_in_previous_activity") or 0))
    durations = []
    for activity in engine.store.all("activity", ws_sid):
        durations.append({"sid": activity.sid, "friendly_name": activity.friendly_name, **_durations(spent[activity.sid])})
    return {"start_time": iso(start), "end_time": iso(end), "activity_durations": durations, **counts}


def register_statistics(app, engine: TaskRouterEngine, route: Callable, locked: Callable, args: Callable, renderer: Callable) -> None:
    """Add the statistics routes to ``app``."""
    from flask import request

    from .rest import _json

    def url() -> str:
        return renderer().url(request.path)

    def span() -> tuple[float, float]:
        a = args()
        return window(engine, a.int("Minutes", 1, 43200), a.date("StartDate"), a.date("EndDate"))

    def realtime(ws: str, **scope: Any) -> dict:
        return engine.real_time_statistics(ws, task_channel=args().str("TaskChannel"), **scope)

    def base(ws: str) -> dict:
        return {"account_sid": engine.account_sid, "workspace_sid": ws}

    @route("/v1/Workspaces/<ws>/RealTimeStatistics", ["GET"])
    @locked
    def workspace_real_time(ws: str):
        return _json({**base(ws), **realtime(ws), "url": url()})

    @route("/v1/Workspaces/<ws>/CumulativeStatistics", ["GET"])
    @locked
    def workspace_cumulative(ws: str):
        start, end = span()
        stats = compute_cumulative(engine, ws, start, end, "workspace", split_by_wait_time=args().str("SplitByWaitTime"))
        return _json({**stats, "url": url()})

    @route("/v1/Workspaces/<ws>/Statistics", ["GET"])
    @locked
    def workspace_statistics(ws: str):
        start, end = span()
        cumulative = compute_cumulative(engine, ws, start, end, "workspace", split_by_wait_time=args().str("SplitByWaitTime"))
        return _json({**base(ws), "realtime": realtime(ws), "cumulative": cumulative, "url": url()})

    def queue_realtime(ws: str, sid: str) -> dict:
        engine.task_queue(ws, sid)
        stats = realtime(ws, task_queue_sid=sid)
        return {**base(ws), "task_queue_sid": sid, **stats}

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>/RealTimeStatistics", ["GET"])
    @locked
    def queue_real_time(ws: str, sid: str):
        stats = queue_realtime(ws, sid)
        stats.pop("total_workers", None)
        return _json({**stats, "url": url()})

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>/CumulativeStatistics", ["GET"])
    @locked
    def queue_cumulative(ws: str, sid: str):
        engine.task_queue(ws, sid)
        start, end = span()
        stats = compute_cumulative(engine, ws, start, end, "queue", task_queue_sid=sid, split_by_wait_time=args().str("SplitByWaitTime"))
        return _json({**stats, "url": url()})

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>/Statistics", ["GET"])
    @locked
    def queue_statistics(ws: str, sid: str):
        engine.task_queue(ws, sid)
        start, end = span()
        cumulative = compute_cumulative(engine, ws, start, end, "queue", task_queue_sid=sid)
        return _json({**base(ws), "task_queue_sid": sid, "realtime": realtime(ws, task_queue_sid=sid),
                      "cumulative": cumulative, "url": url()})

    @route("/v1/Workspaces/<ws>/TaskQueues/Statistics", ["GET"])
    @locked
    def queues_statistics(ws: str):
        from .rest import _json as render_json

        a = args()
        start, end = span()
        name = a.str("FriendlyName")
        items = []
        for queue in engine.list_task_queues(ws, friendly_name=name):
            items.append({**base(ws), "task_queue_sid": queue.sid, "realtime": realtime(ws, task_queue_sid=queue.sid),
                          "cumulative": compute_cumulative(engine, ws, start, end, "queue", task_queue_sid=queue.sid)})
        size = a.int("PageSize", 1, 1000) or 50
        page_url = f"{url()}?PageSize={size}&Page=0"
        chunk = items[:size]
        meta = {"page": 0, "page_size": size, "first_page_url": page_url, "previous_page_url": None,
                "url": page_url, "next_page_url": None, "key": "task_queues_statistics"}
        return render_json({"task_queues_statistics": chunk, "meta": meta})

    @route("/v1/Workspaces/<ws>/TaskQueues/RealTimeStatistics", ["POST"])
    @locked
    def queues_bulk_real_time(ws: str):
        engine.workspace(ws)
        try:
            text = request.get_data(as_text=True) or "{}"
        except UnicodeDecodeError:
            raise invalid("The request body is not valid UTF-8") from None
        body = parse_json(text, "The request body")
        sids = body.get("QueueSids", body.get("queueSids")) if isinstance(body, dict) else None
        if not isinstance(sids, list) or not 1 <= len(sids) <= 50:
            raise invalid("QueueSids must be a list of 1 to 50 TaskQueue SIDs, in a JSON body such as {\"QueueSids\": [\"WQ...\"]}")
        wrong = [sid for sid in sids if not isinstance(sid, str)]
        if wrong:
            raise invalid(f"QueueSids must hold TaskQueue SIDs as strings, got {json.dumps(wrong[0])[:80]}")
        data = []
        for sid in sids:
            queue = engine.store.get("task_queue", sid)
            if queue is None or queue.workspace_sid != ws:
                continue
            stats = queue_realtime(ws, sid)
            stats.pop("total_workers", None)
            data.append(stats)
        return _json({**base(ws), "task_queue_data": data, "task_queue_response_count": len(data), "url": url()})

    @route("/v1/Workspaces/<ws>/Workflows/<sid>/RealTimeStatistics", ["GET"])
    @locked
    def workflow_real_time(ws: str, sid: str):
        engine.workflow(ws, sid)
        stats = realtime(ws, workflow_sid=sid)
        keep = ("longest_task_waiting_age", "longest_task_waiting_sid", "tasks_by_priority", "tasks_by_status", "total_tasks")
        return _json({**base(ws), "workflow_sid": sid, **{k: stats[k] for k in keep}, "url": url()})

    @route("/v1/Workspaces/<ws>/Workflows/<sid>/CumulativeStatistics", ["GET"])
    @locked
    def workflow_cumulative(ws: str, sid: str):
        engine.workflow(ws, sid)
        start, end = span()
        stats = compute_cumulative(engine, ws, start, end, "workflow", workflow_sid=sid, split_by_wait_time=args().str("SplitByWaitTime"))
        return _json({**stats, "url": url()})

    @route("/v1/Workspaces/<ws>/Workflows/<sid>/Statistics", ["GET"])
    @locked
    def workflow_statistics(ws: str, sid: str):
        engine.workflow(ws, sid)
        start, end = span()
        return _json({**base(ws), "workflow_sid": sid, "realtime": realtime(ws, workflow_sid=sid),
                      "cumulative": compute_cumulative(engine, ws, start, end, "workflow", workflow_sid=sid), "url": url()})

    def workers_realtime(ws: str) -> dict:
        stats = realtime(ws)
        return {"activity_statistics": stats["activity_statistics"], "total_workers": stats["total_workers"]}

    @route("/v1/Workspaces/<ws>/Workers/RealTimeStatistics", ["GET"])
    @locked
    def workers_real_time(ws: str):
        return _json({**base(ws), **workers_realtime(ws), "url": url()})

    @route("/v1/Workspaces/<ws>/Workers/CumulativeStatistics", ["GET"])
    @locked
    def workers_cumulative(ws: str):
        start, end = span()
        return _json({**base(ws), **compute_worker_cumulative(engine, ws, start, end), "url": url()})

    @route("/v1/Workspaces/<ws>/Workers/Statistics", ["GET"])
    @locked
    def workers_statistics(ws: str):
        start, end = span()
        return _json({**base(ws), "realtime": workers_realtime(ws),
                      "cumulative": compute_worker_cumulative(engine, ws, start, end), "url": url()})

    @route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Statistics", ["GET"])
    @locked
    def worker_statistics(ws: str, worker_sid: str):
        engine.worker(ws, worker_sid)
        start, end = span()
        return _json({**base(ws), "worker_sid": worker_sid,
                      "cumulative": compute_worker_cumulative(engine, ws, start, end, worker_sid), "url": url()})
