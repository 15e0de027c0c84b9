"""What the store costs as it grows: refusals, fetches, pages, memory and disk, and a steady month.

Each figure is a ratio measured in the same run: the same request against a store of ``large``
tasks and of ``small`` tasks (or a refused request against an accepted one), so the machine's
speed cancels out.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import requests

from trkit.mock import MockServer
from trkit.mock.engine import SidGenerator, Store, TaskRouterEngine

RECORD_KINDS = ("workspace", "activity", "task_channel", "worker", "worker_channel", "task_queue", "workflow", "task", "reservation")
ATTRIBUTES = {"customer": "x" * 150, "selected_language": "es", "type": "support", "tier": "gold", "n": 0}


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _disk_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def _populated(path: str, tasks: int) -> tuple[MockServer, str, str, str]:
    """A mock on ``path`` holding ``tasks`` pending tasks (in a queue no worker matches: no routing)."""
    mock = MockServer(db_path=path, finished_task_lifetime=None).start()
    engine = mock.engine
    ws = engine.configuration.create_workspace("Store").sid
    queue = engine.queues.create_task_queue(ws, "Nobody", "1==2").sid
    config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})
    workflow = engine.queues.create_workflow(ws, "Flow", config).sid
    for n in range(tasks):
        engine.tasks.create_task(ws, attributes=json.dumps({**ATTRIBUTES, "n": n}), workflow_sid=workflow, timeout=1_209_600)
    task = engine.tasks.list_tasks(ws, limit=1)[0].sid
    return mock, ws, workflow, task


def _median_ms(call, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 3)


def _latencies(mock: MockServer, ws: str, workflow: str, task: str, repeats: int) -> dict:
    session = requests.Session()
    session.trust_env = False
    session.auth = (mock.account_sid, mock.auth_token)
    base = f"{mock.base_url}/v1/Workspaces/{ws}"

    def ok(response: requests.Response, status: int) -> None:
        assert response.status_code == status, response.text

    good = {"Attributes": json.dumps(ATTRIBUTES), "WorkflowSid": workflow}
    bad = {"Attributes": '{"customer": ', "WorkflowSid": workflow}
    return {
        "fetch_ms": _median_ms(lambda: ok(session.get(f"{base}/Tasks/{task}"), 200), repeats),
        "page_ms": _median_ms(lambda: ok(session.get(f"{base}/Tasks", params={"PageSize": 50}), 200), repeats),
        "refused_ms": _median_ms(lambda: ok(session.post(f"{base}/Tasks", data=bad), 400), repeats),
        "accepted_ms": _median_ms(lambda: ok(session.post(f"{base}/Tasks", data=good), 201), repeats),
    }


def store_costs(large: int, small: int, repeats: int = 200) -> dict:
    """Latencies at ``large`` vs ``small`` stored tasks; memory and disk per task at ``large``."""
    with tempfile.TemporaryDirectory() as tmp:
        mock, *ids = _populated(str(Path(tmp) / "small.db"), small)
        try:
            at_small = _latencies(mock, *ids, repeats)
        finally:
            mock.stop()
        gc.collect()
        rss_before = _rss_bytes()
        path = str(Path(tmp) / "large.db")
        mock, *ids = _populated(path, large)
        try:
            gc.collect()
            memory = (_rss_bytes() - rss_before) / large
            disk = _disk_bytes(path) / large
            at_large = _latencies(mock, *ids, repeats)
        finally:
            mock.stop()
    attribute_bytes = len(json.dumps({**ATTRIBUTES, "n": large // 2}))
    return {
        "large": large, "small": small, "at_large": at_large, "at_small": at_small,
        "refused_vs_accepted": round(at_large["refused_ms"] / at_large["accepted_ms"], 2),
        "fetch_large_vs_small": round(at_large["fetch_ms"] / at_small["fetch_ms"], 2),
        "page_large_vs_small": round(at_large["page_ms"] / at_small["page_ms"], 2),
        "memory_per_task_bytes": int(memory), "disk_per_task_bytes": int(disk), "attribute_bytes": attribute_bytes,
        "memory_vs_attributes": round(memory / attribute_bytes, 1), "disk_vs_attributes": round(disk / attribute_bytes, 1),
    }


def steady_month(days: int = 40, every_seconds: int = 300) -> dict:
    """A task every ``every_seconds`` of mock time, accepted and completed, for ``days``: the store's
    size at day 1, at day 31 (retention reached) and at the end — bounded means the last two agree."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "month.db")
        engine = TaskRouterEngine(Store(path), "AC" + "4" * 32, "token", sids=SidGenerator(4))  # no HTTP needed
        ws = engine.configuration.create_workspace("Month", multi_task_enabled=False).sid
        idle = engine.configuration.create_activity(ws, "Idle", True).sid
        queue = engine.queues.create_task_queue(ws, "All", "1==1").sid
        config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})
        workflow = engine.queues.create_workflow(ws, "Flow", config).sid
        worker = engine.workers.create_worker(ws, "Alice", activity_sid=idle).sid
        sizes = {}
        per_day = 86400 // every_seconds
        for day in range(1, days + 1):
            for _ in range(per_day):
                task = engine.tasks.create_task(ws, attributes=json.dumps(ATTRIBUTES), workflow_sid=workflow).sid
                (res,) = [r for r in engine.reservations.list_reservations(ws, worker_sid=worker) if r.reservation_status == "pending"]
                engine.reservations.update_reservation(ws, res.sid, task_sid=task, reservation_status="accepted")
                engine.tasks.update_task(ws, task, assignment_status="completed", reason="done")
                engine.workers.update_worker(ws, worker, activity_sid=idle)
                engine.advance(every_seconds)
            if day in (1, 31, days):
                sizes[day] = {"records": sum(len(engine.store.all(kind)) for kind in RECORD_KINDS),
                              "events": engine.store.event_count(), "disk_bytes": _disk_bytes(path)}
        engine.store.close()
    return {"days": days, "tasks_per_day": per_day, "sizes": sizes,
            "end_vs_day_31": round(sizes[days]["events"] / sizes[31]["events"], 2)}
