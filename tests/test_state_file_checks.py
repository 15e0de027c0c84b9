"""What the mock makes of a state file before it reads a row (``open_state_file``): a file it cannot use is refused
with one line saying why and what to do, and nothing is written to it. (tests/test_state_file.py starts the mock on
such files; these run without a server, so that mutation testing runs them too.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from trkit.mock.engine.codec import StateFileError
from trkit.mock.engine.state_file import APPLICATION_ID, FORMAT_VERSION, open_state_file


def sqlite_file(path: Path, *statements: str) -> Path:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path


def refusal(path: Path) -> str:
    before = path.read_bytes()
    with pytest.raises(StateFileError) as refused:
        open_state_file(str(path))
    assert path.read_bytes() == before  # refused without writing
    return str(refused.value)


def test_a_new_file_an_empty_file_and_an_empty_database_are_new_states(tmp_path):
    for path in (tmp_path / "new.db", sqlite_file(tmp_path / "empty.db"), tmp_path / "zero.db"):
        if path.name == "zero.db":
            path.write_bytes(b"")
        db = open_state_file(str(path))
        assert [db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("application_id", "user_version")] == [
            APPLICATION_ID, FORMAT_VERSION]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # a committed write survives a kill
        db.close()


def test_a_state_in_memory_is_never_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = open_state_file(":memory:")
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID and list(tmp_path.iterdir()) == []


def test_a_state_file_is_usable_from_another_thread(tmp_path):
    # the server's threads share one connection under the engine's lock
    import threading

    db = open_state_file(str(tmp_path / "state.db"))
    seen = []
    worker = threading.Thread(target=lambda: seen.append(db.execute("SELECT 1").fetchone()[0]))
    worker.start()
    worker.join()
    assert seen == [1]


def test_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my notes")
    assert refusal(path) == f"{path} is not a SQLite file, so not a trkit mock's state: give --db a new file name"


def test_another_applications_database_names_its_tables(tmp_path):
    path = sqlite_file(tmp_path / "app.db", "CREATE TABLE users (id)", "CREATE TABLE orders (id)")
    assert refusal(path) == (f"{path} is another application's SQLite database (tables: orders, users), "
                             "not a trkit mock's state: give --db a new file name")


@pytest.mark.parametrize("tables", [("resources", "meta"), ("resources", "meta", "events")])
def test_an_older_trkits_pickled_state_is_refused_unread(tmp_path, tables):
    path = sqlite_file(tmp_path / "old.db", *(f"CREATE TABLE {t} (x)" for t in tables))
    assert refusal(path) == (f"{path} was written by an older trkit, whose records were pickles (reading them could run "
                             "code, so this trkit does not): start from a new --db file")


def test_an_application_id_of_another_kind_with_the_old_tables_is_another_applications(tmp_path):
    path = sqlite_file(tmp_path / "other.db", "PRAGMA application_id=7", "CREATE TABLE resources (x)", "CREATE TABLE meta (x)")
    assert "another application's SQLite database (tables: meta, resources)" in refusal(path)
    path = sqlite_file(tmp_path / "half.db", "CREATE TABLE resources (x)")
    assert "another application's SQLite database (tables: resources)" in refusal(path)


@pytest.mark.parametrize(("version", "message"), [
    (FORMAT_VERSION + 1, "was written by a newer trkit (state format {v}; this one reads format {f}): upgrade trkit, or start "
                         "from a new --db file"),
    (FORMAT_VERSION - 1, "holds state format {v}, which this trkit does not read: start from a new --db file"),
])
def test_a_state_of_another_format_is_refused_saying_which(tmp_path, version, message):
    path = sqlite_file(tmp_path / "state.db", f"PRAGMA application_id={APPLICATION_ID}", f"PRAGMA user_version={version}",
                       "CREATE TABLE t (x)")
    assert refusal(path) == f"{path} " + message.format(v=version, f=FORMAT_VERSION)


def test_a_damaged_file_is_refused_naming_what_sqlite_found(tmp_path):
    path = sqlite_file(tmp_path / "state.db", "CREATE TABLE t (x)", *(f"INSERT INTO t VALUES ({i})" for i in range(2000)))
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 4096] = b"\xff" * 4096  # a page scribbled over
    path.write_bytes(bytes(data))
    message = refusal(path)
    assert message.startswith(f"{path} is damaged (") and message.endswith("): start from a new --db file")


def test_a_truncated_file_is_refused_as_damaged(tmp_path):
    path = sqlite_file(tmp_path / "state.db", "CREATE TABLE t (x)", *(f"INSERT INTO t VALUES ({i})" for i in range(2000)))
    path.write_bytes(path.read_bytes()[:5000])
    assert refusal(path).startswith(f"{path} is damaged (")


def test_a_file_name_with_characters_a_uri_would_read_otherwise_is_opened_as_named(tmp_path):
    path = sqlite_file(tmp_path / "my state?#1.db", "CREATE TABLE users (id)")
    assert "another application's SQLite database (tables: users)" in refusal(path)
