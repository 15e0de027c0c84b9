"""Opening a state file: looked at read-only first, so a file the mock will not use is refused untouched.

The file says whose it is and which format it holds in SQLite's own header fields (``application_id``
and ``user_version``). A file that is not SQLite, another application's database, a damaged or
truncated one, one from an older trkit (whose rows were pickles, which can run code when read) and
one from a newer trkit are each refused with a :class:`StateFileError` saying what to do; nothing is
written to them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from .codec import StateFileError

APPLICATION_ID = 0x74726B74  # "trkt": this file is a trkit mock's state
# 1: before the file said its format, rows were pickles; 2: JSON rows, checked field by field when read
FORMAT_VERSION = 2
SQLITE_HEADER = b"SQLite format 3\x00"


def open_state_file(path: str) -> sqlite3.Connection:
    """A connection to the state at ``path`` (``:memory:`` for none), once the file has passed every check."""
    if path != ":memory:":
        _inspect(Path(path))
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    if path != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed transaction survives the process being killed
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA journal_size_limit=8388608")  # the WAL shrinks back after a checkpoint
        # SQLite's own checkpoint (inside a commit, under the engine's lock) only as a backstop: the Checkpointer
        # copies the WAL back in the meantime, but under writes without pause the WAL only restarts after this one
        db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:  # a new file: say whose it is, once
        db.execute(f"PRAGMA application_id={APPLICATION_ID}")
        db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
    return db


# commits between two checkpoints: a POST Tasks writes some five pages, so the WAL holds about 1.3 MB before one
CHECKPOINT_EVERY = 64
BACKSTOP_PAGES = 4000  # SQLite's default is 1,000 pages (4 MB)


class Checkpointer:
    """Copies a state file's WAL back into the file from a connection and thread of its own.

    Left to SQLite, a checkpoint runs inside a commit every 1,000 pages and, with ``synchronous=NORMAL``, syncs
    the WAL and the file to disk there: some milliseconds in which the engine's lock is held and every request
    waits. A PASSIVE checkpoint from another connection copies what no reader still needs while the writer goes on
    appending (https://www.sqlite.org/wal.html, "Checkpointing"); the WAL keeps every commit until it is copied, so
    an interrupted checkpoint loses nothing and durability is that of ``synchronous=NORMAL`` as before. The WAL
    starts again from its beginning only when a commit finds all of it copied, which writes without a pause never
    let happen: SQLite's own checkpoint stays on, at ``BACKSTOP_PAGES``, and finds most of its work done.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._commits = 0
        self._due = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # how many ran (a failed one is logged and not counted)

    def committed(self) -> None:
        """One more transaction written to the WAL: every ``CHECKPOINT_EVERY``, the checkpoint thread is woken."""
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY:
            return
        self._commits = 0
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="trkit-mock-checkpoint", daemon=True)
            self._thread.start()
        self._due.set()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        try:
            while True:
                self._due.wait()
                self._due.clear()
                if self._closing:
                    return
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
                except sqlite3.Error:  # nothing is lost (the WAL keeps every commit): said, and tried again next time
                    logging.getLogger("trkit.mock").exception("checkpointing %s failed", self._path)
        finally:
            db.close()

    def close(self) -> None:
        """Stop the thread (before the writer's connection closes: the last connection closed checkpoints it all)."""
        self._closing = True
        self._due.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def _inspect(path: Path) -> None:
    """Refuse, without writing, a file the mock cannot use; a missing or empty file is a new state."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StateFileError(f"{path} is not a SQLite file, so not a trkit mock's state: give --db a new file name")
    try:
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            owner, version = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("application_id", "user_version"))
            tables = sorted(row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'"))
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path} is damaged ({exc}): start from a new --db file") from None
    if problems != ["ok"]:
        raise StateFileError(f"{path} is damaged (SQLite finds: {problems[0]}): start from a new --db file")
    if owner == APPLICATION_ID:
        if version > FORMAT_VERSION:
            raise StateFileError(f"{path} was written by a newer trkit (state format {version}; this one reads format "
                                 f"{FORMAT_VERSION}): upgrade trkit, or start from a new --db file")
        if version < FORMAT_VERSION:
            raise StateFileError(f"{path} holds state format {version}, which this trkit does not read: start from a new --db file")
        return
    if not tables:
        return  # an empty SQLite database: a new state
    if owner == 0 and {"resources", "meta"} <= set(tables):
        raise StateFileError(f"{path} was written by an older trkit, whose records were pickles (reading them could run "
                             "code, so this trkit does not): start from a new --db file")
    raise StateFileError(f"{path} is another application's SQLite database (tables: {', '.join(tables)}), "
                         "not a trkit mock's state: give --db a new file name")
