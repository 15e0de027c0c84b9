"""A bounded concurrent load (the long, timed form: python -m bench.load --clients 50 --seconds 60).

Bounded by operations, not by time, so it asserts behaviour only: no server error, and afterwards
no double assignment, no lost task, every reservation in exactly one final state.
"""

from __future__ import annotations

from bench.load import run_load


def test_concurrent_load_keeps_every_invariant(tmp_path):
    report = run_load(clients=20, seconds=None, operations=40, workers=12, db_path=str(tmp_path / "load.sqlite3"))
    assert report["server_errors"] == 0, report["statuses"]
    assert report["problems"] == [], report["problems"][:10]
    # the seeded clients create tasks, flip workers, accept and complete: each kind of write happened
    assert report["tasks_created"] > 0 and report["reservations"] > 0, report
    statuses = report["reservation_statuses"]
    assert statuses.get("accepted", 0) + statuses.get("completed", 0) > 0, statuses
    assert report["task_statuses"].get("completed", 0) > 0, report["task_statuses"]
