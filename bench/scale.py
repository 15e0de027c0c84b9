"""The engine alone (no HTTP) draining queued tasks with the accept instruction."""

from __future__ import annotations

import json
import time

from trkit.mock.engine import TaskRouterEngine
from trkit.mock.engine.clock import Clock
from trkit.mock.engine.sids import SidGenerator
from trkit.mock.engine.store import Store


class AcceptingDispatcher:
    """Answers every assignment callback with {"instruction": "accept"}, in process."""

    def __init__(self) -> None:
        self.accepted = 0

    def submit(self, items, engine):
        for item in items:
            if item.kind == "assignment":
                engine.reservations.apply_assignment_answer(item.reservation_sid, {"instruction": "accept"})
                self.accepted += 1
        return []


def drain(tasks: int, workers: int) -> dict:
    """Queue ``tasks`` tasks, then let ``workers`` workers take them until none is left."""
    dispatcher = AcceptingDispatcher()
    engine = TaskRouterEngine(Store(), "AC" + "3" * 32, "token", clock=Clock(), sids=SidGenerator(1), dispatcher=dispatcher)
    ws = engine.configuration.create_workspace("Scale", multi_task_enabled=False).sid
    idle = engine.configuration.create_activity(ws, "Idle", True).sid
    busy = engine.configuration.create_activity(ws, "Busy", False).sid
    queue = engine.queues.create_task_queue(ws, "All", "skill HAS 'support'", assignment_activity_sid=busy).sid
    config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})
    engine.queues.create_workflow(ws, "Flow", config, assignment_callback_url="http://in-process/assignment", task_reservation_timeout=86400)
    staff = [engine.workers.create_worker(ws, f"W{i}", attributes='{"skill": ["support"]}').sid for i in range(workers)]
    for i in range(tasks):
        engine.tasks.create_task(ws, attributes=json.dumps({"n": i}), priority=i % 3, timeout=1_209_600)
    started = time.perf_counter()
    current: dict[str, str] = {}
    for worker in staff:  # every worker comes online: each gets a task and accepts it
        engine.workers.update_worker(ws, worker, activity_sid=idle)
    done = 0
    while done < tasks:
        progressed = False
        for worker in staff:
            active = [r for r in engine.store.reservations_of_worker(worker) if r.reservation_status == "accepted"]
            if not active:
                continue
            engine.tasks.update_task(ws, active[0].task_sid, assignment_status="completed", reason="done")
            done += 1
            progressed = True
            if done < tasks:
                engine.workers.update_worker(ws, worker, activity_sid=idle)  # available again: the next task arrives
        if not progressed:
            break
        current.clear()
    elapsed = time.perf_counter() - started
    assert dispatcher.accepted == tasks, (dispatcher.accepted, tasks)
    return {"tasks": tasks, "workers": workers, "seconds": round(elapsed, 3),
            "reservations_per_s": round(tasks / elapsed, 1), "us_per_reservation": round(1e6 * elapsed / tasks, 1)}


if __name__ == "__main__":
    for t, w in ((100, 10), (1000, 100), (10000, 1000)):
        print(drain(t, w))
