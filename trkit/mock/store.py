"""State in memory, written through to SQLite one transaction per API call.

Reads come from memory (fast, indexed); every mutation marks the objects it
changed and :meth:`Store.commit` writes them in one SQLite transaction before
the API answers, so an acknowledged write survives ``kill -9``. If a rule fails
half-way, :meth:`Store.rollback` reloads memory from the last commit: nothing
half-written is ever seen.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import asdict, fields
from typing import Any

from .models import MODEL_CLASSES

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


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _encode(obj: Any) -> bytes:
    # pickle, not JSON: several times faster for these dicts, and the file is the mock's own
    return pickle.dumps(_row(obj), protocol=5)


def _decode(body: bytes | str) -> dict:
    return json.loads(body) if isinstance(body, str) else pickle.loads(body)


def _row(obj: Any) -> dict:
    """A model's fields as a dict, shallow (json.dumps copies the nested ones anyway)."""
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in fields(obj))
    return {name: getattr(obj, name) for name in names}


class Store:
    """All resources of one mock, by kind and by workspace, in creation order."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db_lock = threading.Lock()
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed transaction survives the process being killed
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._dirty: dict[str, Any] = {}
        self._deleted: set[int] = set()  # rows (by seq) to drop; a SID deleted and made again has a new seq
        self._meta_dirty: dict[str, str] = {}
        self._load()

    # -- loading ---------------------------------------------------------------
    def _load(self) -> None:
        self._objects: dict[str, Any] = {}
        self._seq: dict[str, int] = {}
        self._by_ws: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_kind: dict[str, dict[str, Any]] = {kind: {} for kind in MODEL_CLASSES}
        self._res_by_task: dict[str, dict[str, Any]] = {}
        self._res_by_worker: dict[str, dict[str, Any]] = {}
        self._channels_by_worker: dict[str, dict[str, Any]] = {}
        self._next_seq = 1
        with self._db_lock:
            rows = self._db.execute("SELECT kind, seq, body FROM resources ORDER BY seq").fetchall()
            self.meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        for kind, seq, body in rows:
            obj = MODEL_CLASSES[kind](**_decode(body))
            self._index(obj, seq)
            self._next_seq = max(self._next_seq, seq + 1)

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
        self._by_ws.get((obj.KIND, obj.workspace_sid), {}).pop(sid, None)
        if obj.KIND == "reservation":
            self._res_by_task.get(obj.task_sid, {}).pop(sid, None)
            self._res_by_worker.get(obj.worker_sid, {}).pop(sid, None)
        elif obj.KIND == "worker_channel":
            self._channels_by_worker.get(obj.worker_sid, {}).pop(sid, None)

    # -- reads -----------------------------------------------------------------
    def get(self, kind: str, sid: str | None) -> Any | None:
        obj = self._objects.get(sid) if sid else None
        return obj if obj is not None and obj.KIND == kind else None

    def get_any(self, sid: str | None) -> Any | None:
        return self._objects.get(sid) if sid else None

    def all(self, kind: str, workspace_sid: str | None = None) -> list[Any]:
        if workspace_sid is None:
            return list(self._by_kind[kind].values())
        return list(self._by_ws.get((kind, workspace_sid), {}).values())

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

    # -- writes ----------------------------------------------------------------
    def put(self, obj: Any) -> None:
        if obj.sid not in self._objects:
            self._index(obj, self._next_seq)
            self._next_seq += 1
        self._dirty[obj.sid] = obj

    def delete(self, obj: Any) -> None:
        seq = self._seq.get(obj.sid)
        self._unindex(obj)
        self._dirty.pop(obj.sid, None)
        if seq is not None:
            self._deleted.add(seq)

    def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value
        self._meta_dirty[key] = value

    def commit(self) -> None:
        if not (self._dirty or self._deleted or self._meta_dirty):
            return
        rows = [
            (self._seq[obj.sid], obj.sid, obj.KIND, obj.workspace_sid, _encode(obj))
            for obj in self._dirty.values()
        ]
        with self._db_lock:
            db = self._db
            db.execute("BEGIN")
            try:
                if rows:
                    db.executemany(
                        "INSERT INTO resources(seq, sid, kind, workspace_sid, body) VALUES (?,?,?,?,?) "
                        "ON CONFLICT(seq) DO UPDATE SET body=excluded.body",
                        rows,
                    )
                if self._deleted:
                    db.executemany("DELETE FROM resources WHERE seq=?", [(seq,) for seq in self._deleted])
                if self._meta_dirty:
                    db.executemany(
                        "INSERT INTO meta(key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        list(self._meta_dirty.items()),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self._dirty.clear()
        self._deleted.clear()
        self._meta_dirty.clear()

    def rollback(self) -> None:
        """Forget uncommitted changes: memory is rebuilt from the last commit."""
        self._dirty.clear()
        self._deleted.clear()
        self._meta_dirty.clear()
        self._load()

    def reset(self) -> None:
        with self._db_lock:
            self._db.execute("DELETE FROM resources")
            self._db.execute("DELETE FROM meta")
        self.rollback()

    def dump(self, kinds: Iterable[str] | None = None) -> dict[str, list[dict]]:
        wanted = list(kinds) if kinds else list(MODEL_CLASSES)
        return {kind: [asdict(obj) for obj in self._by_kind[kind].values()] for kind in wanted}

    def close(self) -> None:
        with self._db_lock:
            self._db.close()
