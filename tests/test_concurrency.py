"""Concurrent requests over HTTP keep the invariants: one winner per reservation, no double assignment."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from helpers import build_tutorial_workspace
from twilio.base.exceptions import TwilioRestException


def test_racing_accepts_have_exactly_one_winner(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    tw.api.task_queues(tw.queues["en"]).update(max_reserved_workers=2)
    tw.set_activity("Alice", "Idle")
    tw.set_activity("Bob", "Idle")
    task = tw.create_task("en")
    reservations = tw.reservations(task.sid)
    assert len(reservations) == 2
    barrier = threading.Barrier(4)

    def accept(reservation_sid: str) -> str:
        barrier.wait()
        try:
            tw.api.tasks(task.sid).reservations(reservation_sid).update(reservation_status="accepted")
            return "ok"
        except TwilioRestException as exc:
            return f"{exc.status}"

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(accept, [r.sid for r in reservations] * 2))
    assert results.count("ok") == 1, results
    statuses = sorted(r.reservation_status for r in tw.reservations(task.sid))
    assert statuses == ["accepted", "rescinded"]


def test_many_clients_creating_and_flipping_keep_the_invariants(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"), extra_workers={f"W{i}": ["en", "es"] for i in range(6)})
    listener.answer = lambda req: {"instruction": "accept"}
    names = [n for n in tw.workers if n.startswith("W")]

    def work(i: int) -> None:
        tw.create_task("es" if i % 2 else "en")
        name = names[i % len(names)]
        tw.api.workers(tw.workers[name]).update(activity_sid=tw.activities["Idle" if i % 3 else "Offline"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(60)))
    tasks = tw.api.tasks.list(page_size=1000)
    assert len(tasks) == 60
    for task in tasks:
        reservations = tw.reservations(task.sid)
        accepted = [r for r in reservations if r.reservation_status == "accepted"]
        assert len(accepted) <= 1
        assert (task.assignment_status == "assigned") == (len(accepted) == 1)
    busy_by_worker: dict[str, int] = {}
    for task in tasks:
        for r in tw.reservations(task.sid):
            if r.reservation_status in ("pending", "accepted"):
                busy_by_worker[r.worker_sid] = busy_by_worker.get(r.worker_sid, 0) + 1
    assert all(count == 1 for count in busy_by_worker.values()), busy_by_worker
    json.dumps(busy_by_worker)
