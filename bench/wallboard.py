"""What a wallboard refresh costs as the workspace grows: the two statistics reads it makes (real-time and
the last hour's cumulative), with few or many queues and workers, side by side in one run."""

from __future__ import annotations

import json
import statistics
import time

from trkit.mock import MockServer


def _refresh_ms(queues: int, workers: int, repeats: int) -> float:
    with MockServer() as mock:
        engine = mock.engine
        ws = engine.configuration.create_workspace("Wallboard").sid
        queue_sids = [engine.queues.create_task_queue(ws, f"Q{n}", f"skill == {n}").sid for n in range(queues)]
        config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue_sids[0]}]}]}})
        workflow = engine.queues.create_workflow(ws, "Flow", config).sid
        for n in range(workers):
            engine.workers.create_worker(ws, f"W{n}", attributes=json.dumps({"skill": n % queues}))
        for n in range(200):
            engine.tasks.create_task(ws, attributes=json.dumps({"n": n}), workflow_sid=workflow)
        workspace = mock.client().taskrouter.v1.workspaces(ws)
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            workspace.real_time_statistics().fetch()
            workspace.cumulative_statistics().fetch(minutes=60)
            samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def wallboard_cost(repeats: int) -> dict:
    sizes = [(2, 2), (10, 100), (50, 1000)]
    runs = [{"queues": q, "workers": w, "refresh_ms": _refresh_ms(q, w, repeats)} for q, w in sizes]
    return {"runs": runs, "largest_vs_smallest": round(runs[-1]["refresh_ms"] / runs[0]["refresh_ms"], 2)}
