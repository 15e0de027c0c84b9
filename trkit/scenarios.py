"""Scripted traffic on the mock's clock, to fill the wallboard: a busy hour at the tutorial's desk."""

from __future__ import annotations

import random
from typing import Any

from .errors import KitError


def busy_hour(kit: Any, minutes: int = 60, tasks_per_minute: int = 2, handling_minutes: int = 3, board: Any = None,
              seed: int = 7) -> dict:
    """Tasks arrive every minute (Spanish or English), Alice and Bob accept what they are offered and finish
    each task ``handling_minutes`` later; the clock moves a minute at a time. Plain twilio calls throughout."""
    if kit.mode != "mock":
        raise KitError("A busy hour moves the mock's clock: on real Twilio, make the traffic yourself.")
    tutorial = kit._tutorial or kit.tutorial(reset=False)
    workspace = tutorial.workspace
    rng = random.Random(seed)
    handling: dict[str, tuple[str, int]] = {}  # task -> (the worker handling it, the minute it was accepted)
    created = completed = 0
    for name in tutorial.workers:
        tutorial.set_activity(name, "Idle")
    for minute in range(minutes):
        for _ in range(tasks_per_minute):
            tutorial.create_task(rng.choice(("es", "en")))
            created += 1
        for worker_sid in tutorial.workers.values():  # each worker's offers: one list a worker, however many tasks wait
            worker = workspace.workers(worker_sid)
            for reservation in worker.reservations.list(reservation_status="pending"):
                worker.reservations(reservation.sid).update(reservation_status="accepted")
                handling[reservation.task_sid] = (worker_sid, minute)
        for task_sid, (worker_sid, accepted_at) in list(handling.items()):
            if minute - accepted_at >= handling_minutes:
                workspace.tasks(task_sid).update(assignment_status="completed", reason="busy hour")
                workspace.workers(worker_sid).update(activity_sid=tutorial.activities["Idle"])  # ready for the next
                del handling[task_sid]
                completed += 1
        kit.advance(60)
        if board is not None:
            board.refresh()
    waiting = len(workspace.tasks.list(assignment_status=["pending", "reserved"]))
    return {"minutes": minutes, "created": created, "completed": completed, "waiting": waiting}
