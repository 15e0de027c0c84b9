"""The event log's table, below the store: numbers that continue where the file left off, SIDs that carry
their sequence number, a lookup by SID, a list by workspace and date with its filters, and the pruning that
keeps the file bounded.

An event SID is ``EV`` and 32 hex digits, as TaskRouter's spec writes its pattern (``^EV[0-9a-fA-F]{32}$``,
https://www.twilio.com/docs/taskrouter/api/event).
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from trkit.mock.engine import event_table
from trkit.mock.engine.codec import StateFileError, decode_batch
from trkit.mock.engine.records import Event

RANDOM = "EV" + "0123456789abcdef" * 2  # a SID as the generator makes one


def event(seq: int, ws: str = "WS1", date: float = 100.0, event_type: str = "task.created", task: str | None = "WT1",
          sid: str | None = None) -> Event:
    return Event(sid=sid or event_table.sid_for(seq, RANDOM), workspace_sid=ws, event_type=event_type,
                 description=f"event {seq}", resource_type="task", resource_sid=task or "", resource_url_path="",
                 actor_type="workspace", actor_sid=ws, actor_url_path=None, event_date=date, task_sid=task)


@pytest.fixture
def db():
    connection = sqlite3.connect(":memory:")
    event_table.create(connection)
    yield connection
    connection.close()


def written(db: sqlite3.Connection, *events: Event) -> list[Event]:
    """``events`` written as the next batch, numbered where the table left off."""
    seq, batch = event_table.next_numbers(db)
    event_table.insert(db, list(events), seq, batch)
    return list(events)


def test_an_empty_log_numbers_its_first_event_and_batch_one():
    connection = sqlite3.connect(":memory:")
    event_table.create(connection)
    assert event_table.next_numbers(connection) == (1, 1)


def test_numbers_go_on_from_the_last_event_and_batch_written(db):
    written(db, event(1), event(2), event(3))
    assert event_table.next_numbers(db) == (4, 2)
    written(db, event(4))
    assert event_table.next_numbers(db) == (5, 3) and event_table.count(db) == 4


def test_an_event_sid_is_ev_its_sequence_number_and_twenty_digits_of_a_random_sid():
    sid = event_table.sid_for(26, RANDOM)
    assert re.fullmatch(r"EV[0-9a-f]{32}", sid)
    assert sid == "EV00000000001a" + RANDOM[2:22]


def test_an_event_is_found_by_its_sid_and_an_unknown_or_malformed_sid_finds_nothing(db):
    first, second = written(db, event(1, task="WT1"), event(2, task="WT2"))
    assert event_table.fetch(db, second.sid) == second and event_table.fetch(db, first.sid) == first
    other_random = event_table.sid_for(2, "EV" + "f" * 32)  # the right number, another event's random part
    for sid in (other_random, event_table.sid_for(3, RANDOM), "EVnot-hex-at-all", "", None):
        assert event_table.fetch(db, sid) is None


def test_an_event_is_found_by_the_number_its_sid_carries_in_one_statement(db):
    """The table keeps no index of SIDs (it would slow every write): the number in the SID is the way in."""
    seq = 0x10000000001A  # every one of its 12 hex digits counts
    wanted = event(seq)
    event_table.insert(db, [wanted], seq, 1)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    assert event_table.fetch(db, wanted.sid) == wanted
    assert len(statements) == 1 and f"WHERE e.seq={seq} AND" in statements[0]


def test_an_event_whose_sid_does_not_carry_its_number_is_still_found(db):
    """An event moved from an older layout keeps the SID it was given then."""
    old = "EV" + "9" * 32
    (kept,) = written(db, event(1, sid=old))
    assert event_table.fetch(db, old) == kept


def test_a_list_is_one_workspaces_events_in_the_date_range_oldest_first(db):
    early, late, other_ws = event(1, date=10.0), event(2, date=20.0), event(3, ws="WS2", date=15.0)
    written(db, early, late, other_ws)
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {}) == [early, late]
    assert event_table.query(db, "WS1", 10.0, 19.0, 0, None, {}) == [early]  # both ends count
    assert event_table.query(db, "WS1", 20.0, 20.0, 0, None, {}) == [late]
    assert event_table.query(db, "WS2", 0.0, 100.0, 0, None, {}) == [other_ws]


def test_a_list_pages_by_offset_and_limit_and_no_limit_means_every_event(db):
    events = written(db, *(event(n, date=float(n)) for n in range(1, 6)))
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {}) == events
    assert event_table.query(db, "WS1", 0.0, 100.0, 1, 2, {}) == events[1:3]
    assert event_table.query(db, "WS1", 0.0, 100.0, 4, None, {}) == events[4:]


def test_a_list_filters_on_type_sid_and_the_resource_columns_and_a_filter_of_none_is_no_filter(db):
    created, canceled = event(1, task="WT1"), event(2, task="WT2", event_type="task.canceled")
    written(db, created, canceled)
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {"event_type": "task.canceled"}) == [canceled]
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {"task_sid": "WT1", "worker_sid": None}) == [created]
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {"sid": canceled.sid}) == [canceled]


def test_a_column_the_table_cannot_filter_on_is_named():
    with pytest.raises(ValueError) as refused:
        event_table.query(sqlite3.connect(":memory:"), "WS1", 0.0, 1.0, 0, None, {"description": "x"})
    assert str(refused.value) == "events cannot be filtered on description"


def test_events_of_one_batch_come_back_each_in_its_place(db):
    batch = written(db, *(event(n, task=f"WT{n}") for n in range(1, 4)))
    more = written(db, event(4, task="WT4"))
    assert event_table.everything(db) == batch + more
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {"task_sid": "WT3"}) == [batch[2]]


def test_a_batch_read_for_several_of_its_events_is_unpacked_once(db, monkeypatch):
    written(db, *(event(n) for n in range(1, 4)))
    written(db, event(4))
    unpacked: list[bytes] = []

    def counting(body: bytes) -> list[Event]:
        unpacked.append(body)
        return decode_batch(body)

    monkeypatch.setattr(event_table, "decode_batch", counting)
    assert len(event_table.everything(db)) == 4 and len(unpacked) == 2


def test_a_damaged_batch_is_named_in_a_state_file_error(db):
    written(db, event(1))
    db.execute("UPDATE event_batches SET body = ?", (b"not a batch",))
    with pytest.raises(StateFileError) as damaged:
        event_table.everything(db)
    assert str(damaged.value).startswith("the state file's event batch 1 is damaged: ")


def test_pruning_drops_old_events_and_the_batches_no_event_is_left_in(db):
    written(db, event(1, date=10.0), event(2, ws="WS2", date=10.0))
    written(db, event(3, date=50.0))
    event_table.prune(db, ["WS1", "WS2"], before=20.0)
    assert [e.event_date for e in event_table.everything(db)] == [50.0]
    assert [row[0] for row in db.execute("SELECT batch FROM event_batches")] == [2]


def test_a_deleted_workspace_takes_its_events_and_at_the_end_every_batch(db):
    event_table.insert(db, [event(1), event(2, ws="WS2")], 1, 130)  # a log that has written 130 batches
    event_table.drop_workspace(db, "WS1")
    assert [e.workspace_sid for e in event_table.everything(db)] == ["WS2"]
    event_table.drop_workspace(db, "WS2")
    assert event_table.count(db) == 0 and db.execute("SELECT COUNT(*) FROM event_batches").fetchone()[0] == 0


def test_the_oldest_date_is_over_the_workspaces_asked_about_and_none_without_events(db):
    written(db, event(1, date=30.0), event(2, ws="WS2", date=20.0), event(3, ws="WS3", date=5.0))
    assert event_table.oldest_date(db, ["WS1", "WS2", "WS9"]) == 20.0
    assert event_table.oldest_date(db, ["WS9"]) is None


# ---------------------------------------------------------------- the newest batches, kept unpacked
def test_recent_batches_hold_at_most_their_limit_of_events_dropping_the_one_read_longest_ago():
    recent = event_table.RecentBatches(limit=4)
    batches = {number: [event(number * 10 + i) for i in range(2)] for number in (1, 2, 3)}
    recent.keep(1, batches[1])
    recent.keep(2, batches[2])
    assert recent.get(1) is batches[1]  # read again: now the newest
    recent.keep(3, batches[3])  # six events: one batch must go, the one read longest ago
    assert recent.get(2) is None and recent.get(1) is batches[1] and recent.get(3) is batches[3]
    recent.keep(4, [event(40 + i) for i in range(5)])  # more than the limit alone: not kept, nothing dropped for it
    assert recent.get(4) is None and recent.get(1) is batches[1]
    recent.keep(5, [event(50), event(51)])  # the count after a drop is right: four again, so the oldest read goes
    assert recent.get(3) is None and recent.get(1) is batches[1] and recent.get(5) is not None
    recent.clear()
    assert recent.get(1) is None and recent.get(5) is None
    full = [event(60 + i) for i in range(4)]  # after a clear, a whole limit's worth fits again
    recent.keep(6, full[:2])
    recent.keep(7, full[2:])
    assert recent.get(6) == full[:2] and recent.get(7) == full[2:]
    recent.keep(8, full)  # exactly the limit alone: kept, the others making room
    assert recent.get(8) is full and recent.get(6) is None and recent.get(7) is None


def test_a_batch_read_once_is_not_unpacked_again_and_one_kept_is_read_as_kept(db, monkeypatch):
    first, second = written(db, event(1, date=10.0), event(2, date=20.0))
    unpacked: list[bytes] = []

    def counting(body):
        unpacked.append(body)
        return decode_batch(body)

    monkeypatch.setattr(event_table, "decode_batch", counting)
    recent = event_table.RecentBatches()
    assert event_table.query(db, "WS1", 0.0, 100.0, 0, None, {}, recent) == [first, second]
    assert event_table.query(db, "WS1", 15.0, 100.0, 0, None, {}, recent) == [second]
    assert event_table.fetch(db, first.sid, recent) == first
    assert len(unpacked) == 1  # one batch, unpacked once for the three reads
    kept = [event(1, task="WT-kept"), event(2, task="WT-kept")]
    fresh = event_table.RecentBatches()
    fresh.keep(1, kept)  # what the store keeps at its commit is what is read: the file's copy is not unpacked
    assert [e.task_sid for e in event_table.query(db, "WS1", 0.0, 100.0, 0, None, {}, fresh)] == ["WT-kept", "WT-kept"]
    assert len(unpacked) == 1
