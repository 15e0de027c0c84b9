"""The twelve read-only statistics routes: parse the window and scope, compute, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .documents import parse_json
from .engine import TaskRouterEngine
from .errors import invalid
from .statistics import compute_cumulative, compute_worker_cumulative, window


def register_statistics(app, engine: TaskRouterEngine, route: Callable, locked: Callable, args: Callable, renderer: Callable) -> None:
    """Add the statistics routes to ``app``."""
    from flask import request

    from .rest import _json

    def url() -> str:
        return renderer().url(request.path)

    def span() -> tuple[float, float]:
        a = args()
        return window(engine, a.int("Minutes", 1, 43200), a.date("StartDate"), a.date("EndDate"))

    def cumulative(ws: str, scope: str, **ids: Any) -> dict:
        """Cumulative statistics over the request's window; every statistics route honours SplitByWaitTime."""
        start, end = span()
        return compute_cumulative(engine, ws, start, end, scope, split_by_wait_time=args().str("SplitByWaitTime"), **ids)

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
        return _json({**cumulative(ws, "workspace"), "url": url()})

    @route("/v1/Workspaces/<ws>/Statistics", ["GET"])
    @locked
    def workspace_statistics(ws: str):
        return _json({**base(ws), "realtime": realtime(ws), "cumulative": cumulative(ws, "workspace"), "url": url()})

    def queue_realtime(ws: str, sid: str) -> dict:
        engine.task_queue(ws, sid)
        stats = realtime(ws, task_queue_sid=sid)
        return {**base(ws), "task_queue_sid": sid, **stats}

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>/RealTimeStatistics", ["GET"])
    @locked
    def queue_real_time(ws: str, sid: str):
        stats = queue_realtime(ws, sid)
        return _json({**stats, "url": url()})

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>/CumulativeStatistics", ["GET"])
    @locked
    def queue_cumulative(ws: str, sid: str):
        engine.task_queue(ws, sid)
        return _json({**cumulative(ws, "queue", task_queue_sid=sid), "url": url()})

    @route("/v1/Workspaces/<ws>/TaskQueues/<sid>/Statistics", ["GET"])
    @locked
    def queue_statistics(ws: str, sid: str):
        engine.task_queue(ws, sid)
        return _json({**base(ws), "task_queue_sid": sid, "realtime": realtime(ws, task_queue_sid=sid),
                      "cumulative": cumulative(ws, "queue", task_queue_sid=sid), "url": url()})

    @route("/v1/Workspaces/<ws>/TaskQueues/Statistics", ["GET"])
    @locked
    def queues_statistics(ws: str):
        from .rest import _json as render_json

        a = args()
        span()  # a bad window is refused even when no queue matches
        name = a.str("FriendlyName")
        items = []
        for queue in engine.list_task_queues(ws, friendly_name=name):
            items.append({**base(ws), "task_queue_sid": queue.sid, "realtime": realtime(ws, task_queue_sid=queue.sid),
                          "cumulative": cumulative(ws, "queue", task_queue_sid=queue.sid)})
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
        return _json({**cumulative(ws, "workflow", workflow_sid=sid), "url": url()})

    @route("/v1/Workspaces/<ws>/Workflows/<sid>/Statistics", ["GET"])
    @locked
    def workflow_statistics(ws: str, sid: str):
        engine.workflow(ws, sid)
        return _json({**base(ws), "workflow_sid": sid, "realtime": realtime(ws, workflow_sid=sid),
                      "cumulative": cumulative(ws, "workflow", workflow_sid=sid), "url": url()})

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
