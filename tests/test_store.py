"""The store's own promises, below the rules: a transaction's creations, deletions, field changes and settings are
written together or not at all; what a rollback puts back is back in creation order and in every index; a record
made and deleted in one transaction never reaches the file."""

from __future__ import annotations

import sqlite3

import pytest

from trkit.mock.engine.records import Reservation, Worker, WorkerChannel
from trkit.mock.engine.store import Store


def worker(sid: str, ws: str = "WS1") -> Worker:
    return Worker(sid=sid, workspace_sid=ws, friendly_name=sid, attributes="{}", activity_sid="WA1", date_created=0.0,
                  date_updated=0.0, date_status_changed=0.0)


def reservation(sid: str, worker_sid: str, task_sid: str = "WT1") -> Reservation:
    return Reservation(sid=sid, workspace_sid="WS1", task_sid=task_sid, worker_sid=worker_sid, worker_name=worker_sid,
                       reservation_status="pending", date_created=0.0, date_updated=0.0, timeout_at=120.0)


def channel(sid: str, worker_sid: str) -> WorkerChannel:
    return WorkerChannel(sid=sid, workspace_sid="WS1", worker_sid=worker_sid, task_channel_sid="TC1", configured_capacity=1,
                         available=True, date_created=0.0, date_updated=0.0)


def committed(store: Store, *records) -> None:
    store.begin()
    for record in records:
        store.put(record)
    store.commit()


def rows(path: str) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT sid FROM resources ORDER BY seq")]
    finally:
        db.close()


@pytest.fixture
def on_file(tmp_path):
    path = str(tmp_path / "state.db")
    store = Store(path)
    yield store, path
    store.close()


def test_a_record_made_and_deleted_in_one_transaction_never_reaches_the_file(on_file):
    store, path = on_file
    committed(store, worker("WK1"))
    store.begin()
    passing = worker("WK2")
    store.put(passing)
    store.delete(passing)
    store.commit()
    assert rows(path) == ["WK1"] and store.get("worker", "WK2") is None


def test_a_deletion_undone_puts_the_record_back_in_its_place_in_every_index(on_file):
    store, path = on_file
    committed(store, worker("WK1"), worker("WK2"), worker("WK3"), reservation("WR1", "WK2"), channel("WC1", "WK2"))
    store.begin()
    for sid in ("WK2", "WR1", "WC1"):
        store.delete(store.get_any(sid))
    assert store.get("worker", "WK2") is None and store.reservations_of_worker("WK2") == [] and store.channels_of_worker("WK2") == []
    store.rollback()
    assert [w.sid for w in store.all("worker")] == ["WK1", "WK2", "WK3"]  # creation order, not the order put back
    assert [w.sid for w in store.all("worker", "WS1")] == ["WK1", "WK2", "WK3"]
    assert [r.sid for r in store.reservations_of_worker("WK2")] == ["WR1"] and [r.sid for r in store.reservations_of_task("WT1")] == ["WR1"]
    assert [c.sid for c in store.channels_of_worker("WK2")] == ["WC1"]
    assert store.seq("WK1") < store.seq("WK2") < store.seq("WK3")
    store.begin()
    store.commit()
    assert rows(path) == ["WK1", "WK2", "WK3", "WR1", "WC1"]  # nothing was deleted from the file


def test_a_deletion_committed_leaves_no_trace_in_any_index_or_the_file(on_file):
    store, path = on_file
    committed(store, worker("WK1"), reservation("WR1", "WK1"), reservation("WR2", "WK1"), channel("WC1", "WK1"), channel("WC2", "WK1"))
    store.begin()
    store.delete(store.get_any("WR1"))
    store.delete(store.get_any("WC1"))
    store.commit()
    assert [r.sid for r in store.reservations_of_worker("WK1")] == ["WR2"] and [c.sid for c in store.channels_of_worker("WK1")] == ["WC2"]
    assert store.get_any("WR1") is None and rows(path) == ["WK1", "WR2", "WC2"]
    store.begin()
    store.delete(store.get_any("WR2"))
    store.delete(store.get_any("WC2"))
    store.commit()
    assert store.reservations_of_worker("WK1") == [] and store.channels_of_worker("WK1") == [] and store.channels_of_worker("WK9") == []


def test_settings_changed_in_a_transaction_undone_go_back_and_a_new_one_goes(on_file):
    store, path = on_file
    store.begin()
    store.set_meta("clock_offset", "5")
    store.commit()
    store.begin()
    store.set_meta("clock_offset", "9")
    store.set_meta("phones", "[]")
    store.rollback()
    assert store.meta == {"clock_offset": "5"}
    store.close()
    again = Store(path)
    assert again.meta == {"clock_offset": "5"}
    again.close()


def test_a_dump_holds_the_kinds_asked_for_and_the_events_not_yet_written(on_file):
    store, _ = on_file
    committed(store, worker("WK1"), channel("WC1", "WK1"))
    assert set(store.dump(["worker"])) == {"worker"} and [w["sid"] for w in store.dump(["worker"])["worker"]] == ["WK1"]
    everything = store.dump()
    assert "event" in everything and everything["worker_channel"][0]["sid"] == "WC1"
    assert "_parsed" not in everything["worker"][0]  # derived fields are not state


def test_a_store_that_writes_nothing_keeps_the_file_empty(tmp_path):
    path = str(tmp_path / "state.db")
    store = Store(path, writes=False)
    committed(store, worker("WK1"))
    assert store.get("worker", "WK1") is not None and rows(path) == []
    store.close()


def test_sids_are_a_prefix_and_32_lowercase_hex_digits_and_a_seed_repeats_each_prefixs_own():
    import re

    from trkit.mock.engine.sids import SidGenerator

    seeded, again, unseeded = SidGenerator(7), SidGenerator(7), SidGenerator()
    tasks = [seeded.new("WT") for _ in range(3)]
    again.new("EV")  # another prefix drawn in between changes nothing for the tasks
    assert [again.new("WT") for _ in range(3)] == tasks and len(set(tasks)) == 3
    for sid in (*tasks, unseeded.new("WK")):
        assert re.fullmatch(r"(WT|WK)[0-9a-f]{32}", sid)
    assert unseeded.new("WK") != unseeded.new("WK")
    seeded.seed(7)  # seeding again starts each prefix's sequence again
    assert seeded.new("WT") == tasks[0]
    seeded.seed(None)  # and no seed draws at random again
    assert seeded.new("WT") not in tasks and seeded.seed_value is None
