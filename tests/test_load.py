"""A short bounded load (the long form: python -m bench.load --clients 50 --seconds 60)."""

from __future__ import annotations

import os

from bench.load import run_load


def test_short_load_keeps_every_invariant(tmp_path):
    seconds = float(os.environ.get("TRKIT_LOAD_SECONDS", "8"))
    report = run_load(clients=20, seconds=seconds, workers=12, db_path=str(tmp_path / "load.sqlite3"))
    assert report["server_errors"] == 0, report["statuses"]
    assert report["problems"] == [], report["problems"][:10]
    assert report["tasks_created"] > 50 and report["reservations"] > 10
    assert report["reservation_statuses"].get("accepted", 0) + report["reservation_statuses"].get("completed", 0) > 0
