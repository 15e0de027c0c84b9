"""The twelve read-only statistics routes: parse the window and scope, ask the engine, render."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request

from ...language.documents import parse_json
from ..engine.errors import InvalidParameter
from .common import args, engine, json_response, page, url

bp = Blueprint("statistics", __name__)


def span() -> tuple[float, float]:
    a = args()
    return engine.statistics.statistics_window(a.int("Minutes", 1, 43200), a.date("StartDate"), a.date("EndDate"))


def cumulative(ws: str, scope: str, **ids: Any) -> dict:
    """Cumulative statistics over the request's window; every statistics route honours SplitByWaitTime."""
    start, end = span()
    a = args()
    return engine.statistics.cumulative_statistics(ws, start, end, scope, split_by_wait_time=a.str("SplitByWaitTime"),
                                        task_channel=a.str("TaskChannel"), **ids)


def realtime(ws: str, **scope: Any) -> dict:
    return engine.statistics.real_time_statistics(ws, task_channel=args().str("TaskChannel"), **scope)


def base(ws: str) -> dict:
    return {"account_sid": engine.account_sid, "workspace_sid": ws}


@bp.route("/v1/Workspaces/<ws>/RealTimeStatistics", methods=["GET"])
def workspace_real_time(ws: str):
    return json_response({**base(ws), **realtime(ws), "url": url()})


@bp.route("/v1/Workspaces/<ws>/CumulativeStatistics", methods=["GET"])
def workspace_cumulative(ws: str):
    return json_response({**cumulative(ws, "workspace"), "url": url()})


@bp.route("/v1/Workspaces/<ws>/Statistics", methods=["GET"])
def workspace_statistics(ws: str):
    return json_response({**base(ws), "realtime": realtime(ws), "cumulative": cumulative(ws, "workspace"), "url": url()})


def queue_realtime(ws: str, sid: str) -> dict:
    engine.lookups.task_queue(ws, sid)
    stats = realtime(ws, task_queue_sid=sid)
    return {**base(ws), "task_queue_sid": sid, **stats}


@bp.route("/v1/Workspaces/<ws>/TaskQueues/<sid>/RealTimeStatistics", methods=["GET"])
def queue_real_time(ws: str, sid: str):
    stats = queue_realtime(ws, sid)
    return json_response({**stats, "url": url()})


@bp.route("/v1/Workspaces/<ws>/TaskQueues/<sid>/CumulativeStatistics", methods=["GET"])
def queue_cumulative(ws: str, sid: str):
    engine.lookups.task_queue(ws, sid)
    return json_response({**cumulative(ws, "queue", task_queue_sid=sid), "url": url()})


@bp.route("/v1/Workspaces/<ws>/TaskQueues/<sid>/Statistics", methods=["GET"])
def queue_statistics(ws: str, sid: str):
    engine.lookups.task_queue(ws, sid)
    return json_response({**base(ws), "task_queue_sid": sid, "realtime": realtime(ws, task_queue_sid=sid),
                  "cumulative": cumulative(ws, "queue", task_queue_sid=sid), "url": url()})


@bp.route("/v1/Workspaces/<ws>/TaskQueues/Statistics", methods=["GET"])
def queues_statistics(ws: str):
    a = args()
    span()  # a bad window is refused even when no queue matches
    name = a.str("FriendlyName")
    items = []
    for queue in engine.queues.list_task_queues(ws, friendly_name=name):
        items.append({**base(ws), "task_queue_sid": queue.sid, "realtime": realtime(ws, task_queue_sid=queue.sid),
                      "cumulative": cumulative(ws, "queue", task_queue_sid=queue.sid)})
    return page(items, "task_queues_statistics", rendered=True)


@bp.route("/v1/Workspaces/<ws>/TaskQueues/RealTimeStatistics", methods=["POST"])
def queues_bulk_real_time(ws: str):
    engine.lookups.workspace(ws)
    try:
        text = request.get_data(as_text=True) or "{}"
    except UnicodeDecodeError:
        raise InvalidParameter("The request body is not valid UTF-8") from None
    body = parse_json(text, "The request body")
    sids = body.get("QueueSids", body.get("queueSids")) if isinstance(body, dict) else None
    if not isinstance(sids, list) or not 1 <= len(sids) <= 50:
        raise InvalidParameter("QueueSids must be a list of 1 to 50 TaskQueue SIDs, in a JSON body such as {\"QueueSids\": [\"WQ...\"]}")
    wrong = [sid for sid in sids if not isinstance(sid, str)]
    if wrong:
        raise InvalidParameter(f"QueueSids must hold TaskQueue SIDs as strings, got {json.dumps(wrong[0])[:80]}")
    data = []
    for sid in sids:
        if engine.lookup("task_queue", sid) is None or engine.lookup("task_queue", sid).workspace_sid != ws:
            continue
        stats = queue_realtime(ws, sid)
        data.append(stats)
    return json_response({**base(ws), "task_queue_data": data, "task_queue_response_count": len(data), "url": url()})


@bp.route("/v1/Workspaces/<ws>/Workflows/<sid>/RealTimeStatistics", methods=["GET"])
def workflow_real_time(ws: str, sid: str):
    engine.lookups.workflow(ws, sid)
    stats = realtime(ws, workflow_sid=sid)
    keep = ("longest_task_waiting_age", "longest_task_waiting_sid", "tasks_by_priority", "tasks_by_status", "total_tasks")
    return json_response({**base(ws), "workflow_sid": sid, **{k: stats[k] for k in keep}, "url": url()})


@bp.route("/v1/Workspaces/<ws>/Workflows/<sid>/CumulativeStatistics", methods=["GET"])
def workflow_cumulative(ws: str, sid: str):
    engine.lookups.workflow(ws, sid)
    return json_response({**cumulative(ws, "workflow", workflow_sid=sid), "url": url()})


@bp.route("/v1/Workspaces/<ws>/Workflows/<sid>/Statistics", methods=["GET"])
def workflow_statistics(ws: str, sid: str):
    engine.lookups.workflow(ws, sid)
    return json_response({**base(ws), "workflow_sid": sid, "realtime": realtime(ws, workflow_sid=sid),
                  "cumulative": cumulative(ws, "workflow", workflow_sid=sid), "url": url()})


def workers_realtime(ws: str, workers: set[str] | None = None) -> dict:
    stats = realtime(ws, workers=workers)
    return {"activity_statistics": stats["activity_statistics"], "total_workers": stats["total_workers"]}


def chosen_workers(ws: str) -> set[str] | None:
    """Workers/Statistics' FriendlyName, TaskQueueSid and TaskQueueName: the workers to count (None: all)."""
    a = args()
    name, queue_sid, queue_name = a.str("FriendlyName"), a.str("TaskQueueSid"), a.str("TaskQueueName")
    if name is None and queue_sid is None and queue_name is None:
        return None
    return {w.sid for w in engine.workers.list_workers(ws, friendly_name=name, task_queue_sid=queue_sid, task_queue_name=queue_name)}


@bp.route("/v1/Workspaces/<ws>/Workers/RealTimeStatistics", methods=["GET"])
def workers_real_time(ws: str):
    return json_response({**base(ws), **workers_realtime(ws), "url": url()})


@bp.route("/v1/Workspaces/<ws>/Workers/CumulativeStatistics", methods=["GET"])
def workers_cumulative(ws: str):
    start, end = span()
    stats = engine.statistics.worker_cumulative_statistics(ws, start, end, task_channel=args().str("TaskChannel"))
    return json_response({**base(ws), **stats, "url": url()})


@bp.route("/v1/Workspaces/<ws>/Workers/Statistics", methods=["GET"])
def workers_statistics(ws: str):
    start, end = span()
    workers = chosen_workers(ws)
    cumulative_stats = engine.statistics.worker_cumulative_statistics(ws, start, end, task_channel=args().str("TaskChannel"), workers=workers)
    return json_response({**base(ws), "realtime": workers_realtime(ws, workers), "cumulative": cumulative_stats, "url": url()})


@bp.route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Statistics", methods=["GET"])
def worker_statistics(ws: str, worker_sid: str):
    engine.lookups.worker(ws, worker_sid)
    start, end = span()
    stats = engine.statistics.worker_cumulative_statistics(ws, start, end, worker_sid, task_channel=args().str("TaskChannel"))
    return json_response({**base(ws), "worker_sid": worker_sid, "cumulative": stats, "url": url()})
