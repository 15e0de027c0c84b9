"""The store's own promises, below the rules: a transaction's creations, deletions, field changes and settings are
written together or not at all; what a rollback puts back is back in creation order and in every index; a record
made and deleted in one transaction never reaches the file."""

from __future__ import annotations

import os
import re
import sqlite3
import time

import pytest
from helpers import wait_until

from trkit.mock.engine.codec import StateFileError
from trkit.mock.engine.records import Event, Reservation, Worker, WorkerChannel, Workspace
from trkit.mock.engine.sids import SidGenerator
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


def test_a_store_without_a_journal_keeps_failed_changes_and_then_refuses_every_transaction(tmp_path):
    """What ``journaled=False`` gives up, and how it says so: a field changed in a failed transaction stays changed
    (nothing noted it), so the store takes no further transaction; a journaled store undoes it and goes on."""
    for journaled in (True, False):
        store = Store(str(tmp_path / f"state-{journaled}.db"), writes=False, journaled=journaled)
        committed(store, worker("WK1"))
        store.begin()
        store.get("worker", "WK1").friendly_name = "changed"
        store.rollback()
        kept = store.get("worker", "WK1").friendly_name
        if journaled:
            assert kept == "WK1"
            committed(store, worker("WK2"))
            assert store.get("worker", "WK2") is not None
        else:
            assert kept == "changed"
            with pytest.raises(RuntimeError) as refused:
                store.begin()
            assert str(refused.value) == ("this store keeps no journal and a transaction failed in it (its field changes "
                                          "were not journaled, so they stay): its state is not that of any finished "
                                          "change, so it takes no more")
        store.close()


def test_a_store_without_a_journal_commits_as_one_with_a_journal_does(tmp_path):
    store = Store(str(tmp_path / "state.db"), writes=False, journaled=False)
    committed(store, worker("WK1"))
    store.begin()
    store.get("worker", "WK1").friendly_name = "renamed"
    store.commit()
    committed(store, worker("WK2"))
    assert [store.get("worker", sid).friendly_name for sid in ("WK1", "WK2")] == ["renamed", "WK2"]
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
    assert SidGenerator().new("WK") != SidGenerator().new("WK")  # each unseeded generator draws its own sequence
    drawn = [unseeded.new("WT") for _ in range(200)]
    assert len(set(drawn)) == 200 and all(re.fullmatch(r"WT[0-9a-f]{32}", sid) for sid in drawn)
    seeded.seed(7)  # seeding again starts each prefix's sequence again
    assert seeded.new("WT") == tasks[0]
    seeded.seed(None)  # and no seed draws at random again
    assert seeded.new("WT") not in tasks and seeded.seed_value is None


def write_workers(store: Store, commits: int) -> None:
    for i in range(commits):
        committed(store, Worker(sid=f"WK{i:032x}", workspace_sid="WS1", friendly_name="x" * 3000, attributes="{}",
                                activity_sid="WA1", date_created=0.0, date_updated=0.0, date_status_changed=0.0))


def test_the_wal_is_copied_back_into_the_file_beside_the_writer_and_nothing_is_lost(tmp_path, monkeypatch):
    """Every CHECKPOINT_EVERY commits a checkpoint runs on a connection of its own, not inside a commit (SQLite's
    own, below its BACKSTOP_PAGES, would hold the engine's lock while it syncs): the records reach the file itself
    while the store is open, and all of them are there once it is closed."""
    from trkit.mock.engine import state_file

    commits = 4 * state_file.CHECKPOINT_EVERY  # some 1,000 pages: below the backstop, so only the Checkpointer copies
    assert commits * 4 < state_file.BACKSTOP_PAGES * 4096 / 3000
    monkeypatch.setattr(state_file, "CHECKPOINT_EVERY", 10**9)
    unchecked = Store(str(tmp_path / "unchecked.db"))
    write_workers(unchecked, commits)
    assert os.path.getsize(tmp_path / "unchecked.db") < commits * 3000 / 4  # the WAL holds them: nothing copied yet
    unchecked.close()
    monkeypatch.undo()
    path = str(tmp_path / "state.db")
    store = Store(path)
    write_workers(store, commits)
    wait_until(lambda: os.path.getsize(path) >= commits * 3000 / 2, what="the WAL copied back while the store was open")
    store.close()
    assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0  # closed: all of it in the file
    assert len(rows(path)) == commits


def event(store: Store, ws: str = "WS1", date: float = 100.0, task: str = "WT1", event_type: str = "task.created") -> Event:
    """An event of the open transaction, numbered by the store as the engine's are."""
    recorded = Event(sid=store.next_event_sid(SidGenerator(3)), workspace_sid=ws, event_type=event_type, description="",
                     resource_type="task", resource_sid=task, resource_url_path="", actor_type="workspace", actor_sid=ws,
                     actor_url_path=None, event_date=date, task_sid=task)
    store.add_event(recorded)
    return recorded


def test_events_of_the_open_transaction_are_read_with_the_stored_ones_and_filtered_alike(on_file):
    store, _ = on_file
    store.begin()
    stored = event(store, date=10.0)
    store.commit()
    store.begin()
    new = [event(store, date=date, task=task, event_type=kind) for date, task, kind in
           ((20.0, "WT1", "task.created"), (30.0, "WT2", "task.canceled"), (40.0, "WT1", "task.canceled"))]
    other_ws = event(store, ws="WS2", date=20.0)
    assert store.events("WS1", 0.0, 100.0) == [stored, *new] and store.events("WS2", 0.0, 100.0) == [other_ws]
    assert store.events("WS1", 20.0, 30.0) == new[:2]  # both ends count, for new events as for stored ones
    assert store.events("WS1", 0.0, 100.0, task_sid="WT1", event_type=None) == [stored, new[0], new[2]]
    assert store.events("WS1", 0.0, 100.0, task_sid="WT1", event_type="task.canceled") == [new[2]]
    assert store.events("WS1", 0.0, 100.0, limit=1) == [stored, *new]  # the page is the stored ones'; new ones follow
    assert store.event(new[1].sid) == new[1] and store.event(stored.sid) == stored and store.event("EV" + "0" * 32) is None
    assert store.event_count() == 5
    store.commit()
    assert store.event_count() == 5 and store.events("WS1", 0.0, 100.0, limit=2) == [stored, new[0]]


def test_event_sids_carry_consecutive_numbers_across_transactions_written_or_not(tmp_path):
    for writes in (True, False):
        store = Store(str(tmp_path / f"state-{writes}.db"), writes=writes)
        numbers = []
        for _ in range(2):
            store.begin()
            numbers += [int(event(store).sid[2:14], 16) for _ in range(2)]
            store.commit()
        assert numbers == [1, 2, 3, 4], writes
        store.close()


def test_an_event_sid_is_ev_and_32_hex_digits(on_file):
    store, _ = on_file
    store.begin()
    assert re.fullmatch(r"EV[0-9a-f]{32}", event(store).sid)


def test_a_transaction_that_only_records_events_writes_them(on_file):
    store, path = on_file
    store.begin()
    recorded = event(store)
    store.commit()
    store.close()
    again = Store(path)
    assert again.event(recorded.sid) == recorded and again.dump(["event"])["event"][0]["sid"] == recorded.sid
    again.close()


def test_a_workspaces_events_dropped_leave_the_file_and_the_others_stay(on_file):
    store, _ = on_file
    store.begin()
    kept, dropped = event(store, ws="WS2"), event(store, ws="WS1")
    store.commit()
    store.begin()
    store.drop_events("WS1")
    store.commit()
    assert store.event(dropped.sid) is None and store.event(kept.sid) == kept


def test_events_past_retention_are_swept_at_a_commit_even_one_that_changes_nothing(tmp_path):
    path = str(tmp_path / "state.db")
    store = Store(path, event_retention=1000.0)
    committed(store, Workspace(sid="WS1", friendly_name="Sweep", date_created=0.0, date_updated=0.0))  # swept workspace by workspace
    store.begin()
    first, second = event(store, date=0.0), event(store, date=100.0)
    store.commit()
    store.begin()
    store.commit()  # without a time: nothing is swept, nothing fails
    store.close()
    store = Store(path, event_retention=1000.0)  # the oldest event's date is read back with the file
    store.begin()
    store.commit(now=1000.0)  # the first is exactly 1000 s old: kept
    assert store.event(first.sid) == first
    store.begin()
    store.commit(now=1050.0)
    assert store.event(first.sid) is None and store.event(second.sid) == second
    store.begin()
    store.commit(now=1101.0)  # the oldest left is known without a new event
    assert store.event(second.sid) is None
    store.close()


def test_records_made_after_a_reload_come_after_the_stored_ones_and_deletions_reach_the_file(on_file):
    store, path = on_file
    committed(store, worker("WK1"), worker("WK2"))
    store.close()
    store = Store(path)
    committed(store, worker("WK3"))
    store.begin()
    store.delete(store.get_any("WK1"))
    store.commit()
    store.close()
    store = Store(path)
    assert [w.sid for w in store.all("worker")] == ["WK2", "WK3"] and rows(path) == ["WK2", "WK3"]
    store.close()


def test_a_rollback_puts_records_back_in_creation_order_whatever_their_sids(on_file):
    store, _ = on_file
    committed(store, worker("WK9"), worker("WK1"))
    store.begin()
    store.delete(store.get_any("WK9"))
    store.rollback()
    assert [w.sid for w in store.all("worker")] == ["WK9", "WK1"]


def test_a_record_is_found_under_its_own_kind_only(on_file):
    store, _ = on_file
    committed(store, worker("WK1"))
    assert store.get("task", "WK1") is None and store.get("worker", "WK1").sid == "WK1"


def test_a_damaged_file_is_refused_naming_the_file(on_file):
    store, path = on_file
    committed(store, worker("WK1"))
    store.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE resources SET body = ?", (b'{"sid": 5}',))
    db.commit()
    db.close()
    with pytest.raises(StateFileError) as refused:
        Store(path)
    assert str(refused.value).startswith(f"{path} holds a damaged worker record: ")


def test_a_checkpoint_runs_after_every_checkpoint_every_commits_on_a_daemon_thread_that_ends_with_the_store(tmp_path, monkeypatch):
    from trkit.mock.engine import state_file

    monkeypatch.setattr(state_file, "CHECKPOINT_EVERY", 3)
    store = Store(str(tmp_path / "state.db"))
    checkpointer = store._checkpointer
    write_workers(store, 2)
    time.sleep(0.1)
    assert checkpointer.checkpoints == 0 and checkpointer._thread is None  # started by the first checkpoint due
    write_workers(store, 1)  # the third commit
    wait_until(lambda: checkpointer.checkpoints == 1, what="the first checkpoint")
    thread = checkpointer._thread
    assert thread.name == "trkit-mock-checkpoint" and thread.daemon  # a store nobody closed does not keep Python alive
    for _ in range(2):
        committed(store, worker(f"WK{time.monotonic_ns()}"))
    time.sleep(0.1)
    assert checkpointer.checkpoints == 1  # two more commits: not yet
    committed(store, worker("WKlast"))
    wait_until(lambda: checkpointer.checkpoints == 2, what="the second checkpoint")
    store.close()
    assert not thread.is_alive()


def test_a_checkpoint_that_fails_is_logged_with_the_file_and_the_next_one_runs(tmp_path, monkeypatch, caplog):
    from trkit.mock.engine import state_file

    monkeypatch.setattr(state_file, "CHECKPOINT_EVERY", 1)
    real_connect = sqlite3.connect
    failures = [sqlite3.OperationalError("disk I/O error")]

    class Failing:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def execute(self, sql: str):
            if failures:
                raise failures.pop()
            return self.db.execute(sql)

        def close(self) -> None:
            self.db.close()

    path = str(tmp_path / "state.db")
    store = Store(path)
    monkeypatch.setattr(state_file.sqlite3, "connect", lambda *a, **k: Failing(real_connect(*a, **k)))
    checkpointer = store._checkpointer
    committed(store, worker("WK1"))
    wait_until(lambda: any("checkpointing" in r.getMessage() for r in caplog.records), what="the failed checkpoint logged")
    record = next(r for r in caplog.records if "checkpointing" in r.getMessage())
    assert record.name == "trkit.mock" and record.getMessage() == f"checkpointing {path} failed" and record.exc_info
    assert checkpointer.checkpoints == 0
    committed(store, worker("WK2"))
    wait_until(lambda: checkpointer.checkpoints == 1, what="the first checkpoint")
    store.close()


def test_events_read_just_after_their_commit_equal_those_a_store_reads_back_from_the_file(tmp_path):
    """The store keeps each batch it writes unpacked (a wallboard reads the same hour again and again): what it
    answers from memory must be what the file holds."""
    path = str(tmp_path / "state.db")
    store = Store(path)
    store.begin()
    recorded = [event(store, date=10.0 + i, task=f"WT{i}") for i in range(3)]
    recorded[1].event_data.update({"task_age": "12", "task_attributes": '{"selected_language": "es"}'})
    store.commit()
    from_memory = store.events("WS1", 0.0, 100.0)
    store.close()
    again = Store(path)
    assert again.events("WS1", 0.0, 100.0) == from_memory == recorded
    again.close()


def committed_and_read(store: Store, task: str) -> Event:
    """One event committed alone in WS1, then read back: its batch is the one the store keeps in memory."""
    store.begin()
    recorded = event(store, task=task)
    store.commit()
    assert store.events("WS1", 0.0, 1000.0) == [recorded]
    return recorded


def test_after_a_reset_the_batches_numbered_anew_are_read_not_those_kept_from_before(on_file):
    store, _ = on_file
    before = committed_and_read(store, "WT-before")
    store.reset()  # the log starts again at event 1 and batch 1
    after = committed_and_read(store, "WT-after")
    assert after.sid[:14] == before.sid[:14] and store.event(after.sid) == after  # the same number, the new event


def test_a_workspaces_events_dropped_are_not_read_from_memory_either(on_file):
    store, _ = on_file
    dropped = committed_and_read(store, "WT1")
    store.begin()
    store.drop_events("WS1")
    store.commit()
    assert store.events("WS1", 0.0, 1000.0) == [] and store.event(dropped.sid) is None


def test_a_batch_read_once_is_not_unpacked_again_by_the_reads_after_it(on_file, monkeypatch):
    """A wallboard reads the same hour of events every few seconds: each batch is unpacked at its first read only."""
    from trkit.mock.engine import event_table

    store, _ = on_file
    store.begin()
    recorded = [event(store, date=10.0 + i, task=f"WT{i}") for i in range(3)]
    store.commit()
    unpacked: list[bytes] = []
    original = event_table.decode_batch
    monkeypatch.setattr(event_table, "decode_batch", lambda body: unpacked.append(body) or original(body))
    assert store.events("WS1", 0.0, 100.0) == recorded and len(unpacked) == 1  # one batch: the transaction's
    assert store.events("WS1", 11.0, 100.0) == recorded[1:] and store.event(recorded[2].sid) == recorded[2]
    assert len(unpacked) == 1
