"""The event log's SQLite table: written in batches (one per transaction), read by workspace and date.

Events are the bulk of the state (TaskRouter's event data repeats the task's attributes in every
event), so they are not kept in memory, but for the newest few (``RecentBatches``). The events one
transaction records are written together as one compressed *batch* (``codec.encode_batch``: they share most of their data, which the
compression keeps once, so a batch costs little more than one event), while each event keeps a row of the columns the Events
list filters on.
Every function here runs on the store's connection, inside the store's SQLite transaction.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from .codec import DamagedRecord, StateFileError, decode_batch, encode_batch
from .records import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    sid TEXT NOT NULL,
    workspace_sid TEXT NOT NULL,
    event_date REAL NOT NULL,
    event_type TEXT NOT NULL,
    task_sid TEXT, worker_sid TEXT, reservation_sid TEXT, task_queue_sid TEXT, workflow_sid TEXT,
    batch INTEGER NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_date ON events(workspace_sid, event_date);
CREATE INDEX IF NOT EXISTS events_by_task ON events(task_sid);
CREATE TABLE IF NOT EXISTS event_batches (batch INTEGER PRIMARY KEY, body BLOB NOT NULL);
-- an event's SID carries its sequence number (sid_for): an index of SIDs would only slow every write
DROP INDEX IF EXISTS events_by_sid;
"""

# the columns the Events list filters on in SQL, beside workspace, date, type and SID
FILTER_COLUMNS = ("task_sid", "worker_sid", "reservation_sid", "task_queue_sid", "workflow_sid")


def create(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


def next_numbers(db: sqlite3.Connection) -> tuple[int, int]:
    """The next event sequence number and batch number."""
    seq = db.execute("SELECT MAX(seq) FROM events").fetchone()[0] or 0
    batch = db.execute("SELECT MAX(batch) FROM event_batches").fetchone()[0] or 0
    return seq + 1, batch + 1


def insert(db: sqlite3.Connection, events: list[Event], first_seq: int, batch: int) -> None:
    """Write ``events`` (one transaction's) as one compressed batch and one filter row each."""
    body = encode_batch(events)
    db.execute("INSERT INTO event_batches(batch, body) VALUES (?,?)", (batch, body))
    db.executemany(
        "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(first_seq + i, e.sid, e.workspace_sid, e.event_date, e.event_type, *(getattr(e, c) for c in FILTER_COLUMNS), batch, i)
         for i, e in enumerate(events)],
    )


RECENT_EVENTS = 5_000  # events kept unpacked: about 3 kB each, some 16 MB at most (a busy hour at the tutorial's desk makes 1,500)


class RecentBatches:
    """The batches read most recently, unpacked, up to ``limit`` events in all.

    A wallboard asks for the same hour of events every few seconds, and unpacking them was most of what
    its cumulative statistics cost. A batch is written once and never changed, and its number is never
    given to another while the store is open (the store makes a new one of these whenever it numbers batches
    anew), so a batch kept here is the batch stored. Only batches somebody read are kept: a store that is only
    written to (a drain of tasks) holds no events in memory. The events are shared with every reader: never
    change one.
    """

    def __init__(self, limit: int = RECENT_EVENTS) -> None:
        self.limit = limit
        self._batches: OrderedDict[int, list[Event]] = OrderedDict()
        self._held = 0

    def get(self, batch: int) -> list[Event] | None:
        events = self._batches.get(batch)
        if events is not None:
            self._batches.move_to_end(batch)
        return events

    def keep(self, batch: int, events: list[Event]) -> None:
        if len(events) > self.limit or batch in self._batches:
            return
        self._batches[batch] = events
        self._held += len(events)
        while self._held > self.limit:
            _, dropped = self._batches.popitem(last=False)
            self._held -= len(dropped)

    def clear(self) -> None:
        self._batches.clear()
        self._held = 0


def _revive(rows: Iterable[tuple[int, int, bytes]], recent: RecentBatches | None = None) -> list[Event]:
    """Events from (batch, position, batch body) rows; each batch is unpacked once (or found in ``recent``)."""
    unpacked: dict[int, list] = {}
    found = []
    for batch, position, body in rows:
        events = unpacked.get(batch)
        if events is None:
            events = recent.get(batch) if recent is not None else None
            if events is None:
                try:
                    events = decode_batch(body)
                except DamagedRecord as exc:
                    raise StateFileError(f"the state file's event batch {batch} is damaged: {exc}") from None
                if recent is not None:
                    recent.keep(batch, events)
            unpacked[batch] = events
        found.append(events[position])
    return found


_SELECT = "SELECT e.batch, e.position, b.body FROM events e JOIN event_batches b ON b.batch = e.batch"


def sid_for(seq: int, random_sid: str) -> str:
    """An event SID: ``EV``, the event's sequence number in 12 hex digits, then 20 digits of ``random_sid``."""
    return f"EV{seq:012x}{random_sid[2:22]}"


def fetch(db: sqlite3.Connection, sid: str | None, recent: RecentBatches | None = None) -> Event | None:
    try:
        seq = int((sid or "")[2:14], 16)
    except ValueError:
        return None
    found = _revive(db.execute(f"{_SELECT} WHERE e.seq=? AND e.sid=?", (seq, sid)).fetchall(), recent)
    if not found and sid:  # an event moved here from an older layout keeps its old SID (rare: scanned)
        found = _revive(db.execute(f"{_SELECT} WHERE e.sid=?", (sid,)).fetchall())
    return found[0] if found else None


def query(db: sqlite3.Connection, workspace_sid: str, start: float, end: float, offset: int, limit: int | None,
          filters: dict[str, Any], recent: RecentBatches | None = None) -> list[Event]:
    """Events of a workspace dated in [start, end], oldest first; ``filters`` by column (None: any)."""
    where = ["e.workspace_sid=?", "e.event_date>=?", "e.event_date<=?"]
    args: list[Any] = [workspace_sid, start, end]
    for column, value in filters.items():
        if value is None:
            continue
        if column not in ("event_type", "sid", *FILTER_COLUMNS):
            raise ValueError(f"events cannot be filtered on {column}")
        where.append(f"e.{column}=?")
        args.append(value)
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY e.seq LIMIT ? OFFSET ?"
    return _revive(db.execute(sql, (*args, -1 if limit is None else limit, offset)).fetchall(), recent)


def everything(db: sqlite3.Connection) -> list[Event]:
    return _revive(db.execute(f"{_SELECT} ORDER BY e.seq").fetchall())


def count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def drop_workspace(db: sqlite3.Connection, workspace_sid: str) -> None:
    db.execute("DELETE FROM events WHERE workspace_sid=?", (workspace_sid,))
    _drop_unused_batches(db)


def prune(db: sqlite3.Connection, workspaces: Iterable[str], before: float) -> None:
    """Drop events dated before ``before``, workspace by workspace (each is one range of the date index)."""
    db.executemany("DELETE FROM events WHERE workspace_sid=? AND event_date<?", [(ws, before) for ws in workspaces])
    _drop_unused_batches(db)


def _drop_unused_batches(db: sqlite3.Connection) -> None:
    # batches are numbered in time order: those older than the oldest remaining event's are unused
    # (a deleted workspace's batches between live ones go when they become the oldest)
    oldest = db.execute("SELECT batch FROM events ORDER BY seq LIMIT 1").fetchone()
    db.execute("DELETE FROM event_batches WHERE batch < ?", (oldest[0] if oldest else 2**62,))


def oldest_date(db: sqlite3.Connection, workspaces: Iterable[str]) -> float | None:
    """The date of the oldest stored event, workspace by workspace (one step down the date index each)."""
    dates = [db.execute("SELECT MIN(event_date) FROM events WHERE workspace_sid=?", (ws,)).fetchone()[0] for ws in workspaces]
    return min((d for d in dates if d is not None), default=None)
