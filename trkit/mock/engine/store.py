"""Resources in memory, written through to SQLite one transaction per API call; events in SQLite only.

Reads of resources come from memory (indexed by kind, workspace, task and worker); every
mutation marks what it changed and :meth:`Store.commit` writes it in one SQLite transaction
before the API answers, so an acknowledged write survives ``kill -9``. A transaction is
journaled (:class:`~.models.Journal`): :meth:`Store.rollback` puts back just the fields,
records and rows it touched, so a refused request costs what it did, never the store's size.

The event log lives only in SQLite (compressed, indexed by workspace and date): it is the
largest part of the state and nothing but the Events list and statistics read it. Events
older than the retention (30 days of mock time, as on TaskRouter) are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from . import event_table
from .codec import DamagedRecord, StateFileError, check_meta, decode, encode, stored_fields
from .records import JOURNALS, MODEL_CLASSES, Event, Journal
from .state_file import Checkpointer, open_state_file

EVENT_RETENTION = 30 * 86400.0

SCHEMA = """
-- keyed by creation sequence: new rows append to the B-tree's end, so a write costs
-- the same with ten rows or ten million (a random SID key made commits grow with size)
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY,
    sid TEXT NOT NULL,
    kind TEXT NOT NULL,
    workspace_sid TEXT,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

def stored_values(obj: Any) -> dict[str, Any]:
    """A record's fields as written down: without the derived ones (a task's parsed attributes)."""
    stored = {f.name for f in stored_fields(type(obj))}
    return {name: value for name, value in asdict(obj).items() if name in stored}


class Store:
    """All resources of one mock, by kind and by workspace, in creation order; and the event log."""

    def __init__(self, path: str = ":memory:", event_retention: float = EVENT_RETENTION, writes: bool = True,
                 journaled: bool = True) -> None:
        self.path = path
        self.event_retention = event_retention
        # False: nothing is written down, the event log included (trkit.simulate, whose day is its own record)
        self.writes = writes
        # False: field changes are not journaled, so a failed transaction cannot be undone, and the store refuses every
        # transaction after one (trkit.simulate: a day that fails is not finished but discarded; journaling was a
        # tenth of a simulated day)
        self.journaled = journaled
        self._failed_unjournaled = False  # a transaction failed in a store without a journal: it takes no more
        self._db = open_state_file(path)  # a file it will not use is refused there, untouched (StateFileError)
        self._db_lock = threading.Lock()
        self._checkpointer = Checkpointer(path) if path != ":memory:" else None
        self._db.executescript(SCHEMA)
        event_table.create(self._db)
        self._journal: Journal | None = None
        self._clear_transaction()
        try:
            self._load()
        except StateFileError:
            self._db.close()
            raise

    def _clear_transaction(self) -> None:
        self._dirty: dict[str, Any] = {}
        self._created: dict[str, Any] = {}
        self._deleted: dict[int, Any] = {}  # rows (by seq) to drop; a SID deleted and made again has a new seq
        self._meta_old: dict[str, str | None] = {}
        self._new_events: list[Event] = []
        self._dropped_event_workspaces: set[str] = set()

    # -- loading ---------------------------------------------------------------
    def _load(self) -> None:
        self._objects: dict[str, Any] = {}
        self._seq: dict[str, int] = {}
        self._by_ws: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_kind: dict[str, dict[str, Any]] = {kind: {} for kind in MODEL_CLASSES if kind != "event"}
        self._res_by_task: dict[str, dict[str, Any]] = {}
        self._res_by_worker: dict[str, dict[str, Any]] = {}
        self._channels_by_worker: dict[str, dict[str, Any]] = {}
        self._next_seq = 1
        with self._db_lock:
            rows = self._db.execute("SELECT kind, seq, body FROM resources ORDER BY seq").fetchall()
            self.meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            self._next_event_seq, self._next_batch = event_table.next_numbers(self._db)
        self._recent_batches = event_table.RecentBatches()  # batches are numbered anew: none kept is theirs
        try:
            check_meta(self.meta)
        except DamagedRecord as exc:
            raise StateFileError(f"{self.path} is damaged: {exc}; start from a new --db file") from None
        for kind, seq, body in rows:
            try:
                obj = decode(kind, body)
            except DamagedRecord as exc:
                raise StateFileError(f"{self.path} holds a damaged {kind} record: {exc}; start from a new --db file") from None
            self._index(obj, seq)
            self._next_seq = max(self._next_seq, seq + 1)
        self._oldest_event = self._oldest_stored_event()  # one step down the date index per workspace

    def _index(self, obj: Any, seq: int) -> None:
        sid = obj.sid
        self._objects[sid] = obj
        self._seq[sid] = seq
        self._by_kind[obj.KIND][sid] = obj
        self._by_ws.setdefault((obj.KIND, obj.workspace_sid), {})[sid] = obj
        if obj.KIND == "reservation":
            self._res_by_task.setdefault(obj.task_sid, {})[sid] = obj
            self._res_by_worker.setdefault(obj.worker_sid, {})[sid] = obj
        elif obj.KIND == "worker_channel":
            self._channels_by_worker.setdefault(obj.worker_sid, {})[sid] = obj

    def _unindex(self, obj: Any) -> None:
        sid = obj.sid
        self._objects.pop(sid, None)
        self._seq.pop(sid, None)
        self._by_kind[obj.KIND].pop(sid, None)
        _drop(self._by_ws, (obj.KIND, obj.workspace_sid), sid)
        if obj.KIND == "reservation":
            _drop(self._res_by_task, obj.task_sid, sid)
            _drop(self._res_by_worker, obj.worker_sid, sid)
        elif obj.KIND == "worker_channel":
            _drop(self._channels_by_worker, obj.worker_sid, sid)

    # -- reads -----------------------------------------------------------------
    def get(self, kind: str, sid: str | None) -> Any | None:
        if kind == "event":
            return self.event(sid)
        obj = self._objects.get(sid) if sid else None
        return obj if obj is not None and obj.KIND == kind else None

    def get_any(self, sid: str | None) -> Any | None:
        return self._objects.get(sid) if sid else None

    def all(self, kind: str, workspace_sid: str | None = None) -> list[Any]:
        if workspace_sid is None:
            return list(self._by_kind[kind].values())
        return list(self._by_ws.get((kind, workspace_sid), {}).values())

    def iterate(self, kind: str, workspace_sid: str) -> Iterator[Any]:
        """The resources of one kind in a workspace, in creation order, without copying the index."""
        return iter(self._by_ws.get((kind, workspace_sid), {}).values())

    def count(self, kind: str, workspace_sid: str) -> int:
        return len(self._by_ws.get((kind, workspace_sid), {}))

    def seq(self, sid: str) -> int:
        return self._seq.get(sid, 0)

    def reservations_of_task(self, task_sid: str) -> list[Any]:
        return list(self._res_by_task.get(task_sid, {}).values())

    def reservations_of_worker(self, worker_sid: str) -> list[Any]:
        return list(self._res_by_worker.get(worker_sid, {}).values())

    def channels_of_worker(self, worker_sid: str) -> list[Any]:
        return list(self._channels_by_worker.get(worker_sid, {}).values())

    # -- the event log ---------------------------------------------------------
    def next_event_sid(self, sids: Any) -> str:
        """The SID of the next event recorded: its place in the log, then digits from ``sids`` (seeded or not).

        Finding an event by SID is then a step down the log's own key: no index of random SIDs to keep.
        """
        return event_table.sid_for(self._next_event_seq + len(self._new_events), sids.new("EV"))

    def add_event(self, event: Event) -> None:
        self._new_events.append(event)

    def event(self, sid: str | None) -> Event | None:
        for event in self._new_events:
            if event.sid == sid:
                return event
        with self._db_lock:
            return event_table.fetch(self._db, sid, self._recent_batches)

    def events(self, workspace_sid: str, start: float, end: float, offset: int = 0, limit: int | None = None,
               **filters: str | None) -> list[Event]:
        """Events of a workspace dated in [start, end], oldest first, filtered in SQL by column
        (``event_type``, ``sid`` and ``event_table.FILTER_COLUMNS``)."""
        with self._db_lock:
            found = event_table.query(self._db, workspace_sid, start, end, offset, limit, filters, self._recent_batches)
        if self._new_events:  # read inside the transaction that made them
            found += [e for e in self._new_events if e.workspace_sid == workspace_sid and start <= e.event_date <= end
                      and all(v is None or getattr(e, k) == v for k, v in filters.items())]
        return found

    def drop_events(self, workspace_sid: str) -> None:
        self._dropped_event_workspaces.add(workspace_sid)

    def event_count(self) -> int:
        with self._db_lock:
            return event_table.count(self._db) + len(self._new_events)

    # -- writes ----------------------------------------------------------------
    def begin(self) -> None:
        """Open a transaction: from now on every field change is journaled (in a store that keeps a journal) until
        commit or rollback."""
        if self._failed_unjournaled:
            raise RuntimeError("this store keeps no journal and a transaction failed in it (its field changes were not "
                               "journaled, so they stay): its state is not that of any finished change, so it takes no more")
        self._journal = JOURNALS.current = Journal(self._objects) if self.journaled else None

    def put(self, obj: Any) -> None:
        if obj.sid not in self._objects:
            self._index(obj, self._next_seq)
            self._next_seq += 1
            self._created[obj.sid] = obj
        self._dirty[obj.sid] = obj

    def delete(self, obj: Any) -> None:
        seq = self._seq.get(obj.sid)
        self._unindex(obj)
        self._dirty.pop(obj.sid, None)
        if seq is not None and self._created.pop(obj.sid, None) is None:
            self._deleted[seq] = obj

    def set_meta(self, key: str, value: str) -> None:
        self._meta_old.setdefault(key, self.meta.get(key))
        self.meta[key] = value

    def commit(self, now: float | None = None) -> None:
        """Write the transaction in one SQLite transaction; sweep out events past retention."""
        self._end_journal()
        if not self.writes:
            self._next_event_seq += len(self._new_events)
            self._clear_transaction()
            return
        # sweep only when the oldest stored event has expired: exact, and free the rest of the time
        prune = now is not None and self._oldest_event is not None and self._oldest_event < now - self.event_retention
        if not (self._dirty or self._deleted or self._meta_old or self._new_events or self._dropped_event_workspaces or prune):
            return
        rows = [(self._seq[obj.sid], obj.sid, obj.KIND, obj.workspace_sid, encode(obj)) for obj in self._dirty.values()]
        with self._db_lock:
            db = self._db
            db.execute("BEGIN")
            try:
                if rows:  # (each statement, even with nothing to do, costs a few microseconds)
                    db.executemany("INSERT INTO resources(seq, sid, kind, workspace_sid, body) VALUES (?,?,?,?,?) "
                                   "ON CONFLICT(seq) DO UPDATE SET body=excluded.body", rows)
                if self._deleted:
                    db.executemany("DELETE FROM resources WHERE seq=?", [(seq,) for seq in self._deleted])
                if self._meta_old:
                    db.executemany("INSERT INTO meta(key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                                   [(key, self.meta[key]) for key in self._meta_old])
                if self._new_events:
                    event_table.insert(db, self._new_events, self._next_event_seq, self._next_batch)
                for workspace_sid in self._dropped_event_workspaces:
                    event_table.drop_workspace(db, workspace_sid)
                if prune:
                    event_table.prune(db, self._by_kind["workspace"], now - self.event_retention)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        if self._checkpointer is not None:
            self._checkpointer.committed()
        if prune or self._dropped_event_workspaces:
            self._oldest_event = self._oldest_stored_event()
            self._recent_batches.clear()  # (rare) batches gone from the file leave the memory too
        if self._new_events:
            if self._oldest_event is None:
                self._oldest_event = min(e.event_date for e in self._new_events)
            self._next_event_seq += len(self._new_events)
            self._next_batch += 1
        self._clear_transaction()

    def _oldest_stored_event(self) -> float | None:
        with self._db_lock:
            return event_table.oldest_date(self._db, self._by_kind["workspace"])

    def rollback(self) -> list[Any]:
        """Forget the transaction: undo its field changes, creations and deletions in memory.

        Returns the records whose state went back, for the engine to re-derive its indexes from.
        """
        self._failed_unjournaled = not self.journaled
        changed = self._journal.undo() if self._journal is not None else []
        self._end_journal()
        for obj in self._created.values():
            self._unindex(obj)
        for seq, obj in self._deleted.items():
            self._index(obj, seq)
        if self._deleted:
            self._reorder()
        for key, old in self._meta_old.items():
            if old is None:
                self.meta.pop(key, None)
            else:
                self.meta[key] = old
        affected = [*changed, *self._created.values(), *self._deleted.values()]
        self._clear_transaction()
        return affected

    def _reorder(self) -> None:
        """Back into creation order after deleted records were put back (rare: a failed delete)."""
        buckets = [self._objects, *self._by_kind.values(), *self._by_ws.values(), *self._res_by_task.values(),
                   *self._res_by_worker.values(), *self._channels_by_worker.values()]
        for bucket in buckets:
            ordered = sorted(bucket.items(), key=lambda item: self._seq[item[0]])
            bucket.clear()
            bucket.update(ordered)

    def _end_journal(self) -> None:
        if JOURNALS.current is self._journal:
            JOURNALS.current = None
        self._journal = None

    def reset(self) -> None:
        self._end_journal()
        self._clear_transaction()
        with self._db_lock:  # one transaction: one commit, and never half emptied
            self._db.execute("BEGIN")
            try:
                for table in ("resources", "events", "event_batches", "meta"):
                    self._db.execute(f"DELETE FROM {table}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        self._load()

    def dump(self, kinds: Iterable[str] | None = None) -> dict[str, list[dict]]:
        wanted = list(kinds) if kinds else list(MODEL_CLASSES)
        dumped = {kind: [stored_values(obj) for obj in self._by_kind[kind].values()] for kind in wanted if kind != "event"}
        if "event" in wanted:
            with self._db_lock:
                stored = event_table.everything(self._db)
            dumped["event"] = [asdict(e) for e in stored + self._new_events]
        return dumped

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        with self._db_lock:
            self._db.close()


def _drop(index: dict, key: Any, sid: str) -> None:
    """Remove ``sid`` from one bucket of an index, and the bucket once it is empty."""
    bucket = index.get(key)
    if bucket is not None:
        bucket.pop(sid, None)
        if not bucket:
            del index[key]
