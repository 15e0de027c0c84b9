"""A state file never runs code, and one the mock will not use is refused in one line, untouched.

State files get passed around (a prepared workspace, a bug report's attachment), so `python -m trkit.mock
--db FILE` is tried here with each kind of file a person might hand it: not SQLite, another application's
SQLite, truncated, with a row edited by hand, written by a newer trkit, and written by an older trkit whose
rows were pickles. Each must exit with one line saying what is wrong and what to do, no traceback, and the
file byte for byte as it was. A file crafted so that unpickling it would run code must run nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from trkit.mock import MockServer
from trkit.mock.client import MockControl

REFUSED = 3  # python -m trkit.mock's exit status for a state file it will not use


def start_mock(db: Path) -> subprocess.CompletedProcess:
    """``python -m trkit.mock --db db``, stopped at once if it starts (it should not)."""
    env = {**os.environ, "TWILIO_AUTH_TOKEN": "0" * 32}
    try:
        return subprocess.run([sys.executable, "-m", "trkit.mock", "--port", "0", "--db", str(db)], capture_output=True,
                              text=True, timeout=20, env=env)
    except subprocess.TimeoutExpired as exc:  # it served: the file was accepted
        raise AssertionError(f"the mock started on {db}: {exc.stdout}") from None


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_state_file(path: Path) -> Path:
    """A real state file: the mock made it, with a workspace, a worker and a task in it."""
    with MockServer(db_path=str(path)) as mock:
        client = mock.client()
        ws = client.taskrouter.v1.workspaces.create(friendly_name="Kept", template="FIFO")
        client.taskrouter.v1.workspaces(ws.sid).workers.create(friendly_name="Alice")
        client.taskrouter.v1.workspaces(ws.sid).tasks.create(attributes='{"type": "support"}')
    return path


def refused(path: Path) -> str:
    """The one line the mock says about ``path``, having refused it and left it as it was."""
    before = digest(path)
    done = start_mock(path)
    assert done.returncode == REFUSED, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert digest(path) == before, "the refused file was modified"
    return lines[0]


def test_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my notes, not a database\n" * 50)
    assert refused(path) == f"trkit mock: {path} is not a SQLite file, so not a trkit mock's state: give --db a new file name"


def test_another_applications_sqlite_file(tmp_path):
    path = tmp_path / "photos.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT)")
        db.execute("INSERT INTO albums(title) VALUES ('Summer')")
    db.close()
    assert refused(path) == (f"trkit mock: {path} is another application's SQLite database (tables: albums), "
                             "not a trkit mock's state: give --db a new file name")


def test_a_truncated_file(tmp_path):
    path = a_state_file(tmp_path / "state.db")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    line = refused(path)
    assert line.startswith(f"trkit mock: {path} is damaged (") and line.endswith("): start from a new --db file")


def test_a_row_edited_by_hand(tmp_path):
    path = a_state_file(tmp_path / "state.db")
    with sqlite3.connect(path) as db:
        (seq, body) = db.execute("SELECT seq, body FROM resources WHERE kind='task'").fetchone()
        row = json.loads(body)
        row["priority"] = "urgent"
        db.execute("UPDATE resources SET body=? WHERE seq=?", (json.dumps(row).encode(), seq))
    db.close()
    assert refused(path) == (f"trkit mock: {path} holds a damaged task record: priority must be an integer, got str; "
                             "start from a new --db file")


def test_a_file_from_a_newer_trkit(tmp_path):
    path = a_state_file(tmp_path / "state.db")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    db.close()
    assert refused(path) == (f"trkit mock: {path} was written by a newer trkit (state format 99; this one reads format 2): "
                             "upgrade trkit, or start from a new --db file")


class Canary:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def crafted(path: Path, canary: Path, current_format: bool) -> Path:
    """A file laid out as the mock's, whose task row would run code if anything unpickled it."""
    a_state_file(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE resources SET body=? WHERE kind='task'", (pickle.dumps(Canary(canary)),))
        if not current_format:  # as an older trkit wrote it: no application id or format in the header
            db.execute("PRAGMA application_id=0")
            db.execute("PRAGMA user_version=0")
    db.close()
    return path


def test_a_file_from_an_older_trkit_with_pickled_rows_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    path = crafted(tmp_path / "old.db", canary, current_format=False)
    assert refused(path) == (f"trkit mock: {path} was written by an older trkit, whose records were pickles (reading them "
                             "could run code, so this trkit does not): start from a new --db file")
    assert not canary.exists()


def test_a_pickle_in_a_file_that_claims_the_current_format_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    path = crafted(tmp_path / "forged.db", canary, current_format=True)
    assert refused(path).startswith(f"trkit mock: {path} holds a damaged task record: ")
    assert not canary.exists()


def test_a_refused_file_is_an_exception_in_python_too(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database")
    from trkit.mock import StateFileError

    with pytest.raises(StateFileError, match="is not a SQLite file"):
        MockServer(db_path=str(path))


def test_every_record_comes_back_from_the_file_as_it_was(tmp_path, listener):
    """The format keeps each field's type: tuples, TwiML verbs waiting to play, nested documents."""
    path = str(tmp_path / "state.db")
    gather_then_say = ('<Response><Gather numDigits="1" action="/gathered"><Say>Press one</Say></Gather>'
                       '<Say>Goodbye</Say></Response>')
    listener.answer = lambda received: __import__("flask").Response(gather_then_say, mimetype="application/xml")
    with MockServer(db_path=path) as mock:
        client = mock.client()
        ws = client.taskrouter.v1.workspaces.create(friendly_name="Everything", template="FIFO")
        client.taskrouter.v1.workspaces(ws.sid).workers.create(friendly_name="Alice", attributes='{"skills": ["a/b"]}')
        client.taskrouter.v1.workspaces(ws.sid).tasks.create(attributes='{"type": "support"}')
        client.incoming_phone_numbers.create(phone_number="+15005550006", voice_url=listener.url("/voice"))
        control = MockControl(mock.base_url, mock.account_sid, mock.auth_token)
        caller = control.place_call("+14155550100", "+15005550006")["sid"]
        listener.wait_for(lambda got: any(r.path == "/voice" for r in got))
        call = mock.engine.store.get("call", caller)
        assert call.waiting == "gather" and call.program  # the <Say> after the <Gather> waits to be played
        before = mock.engine.store.dump()
        events_before = len(before["event"])
    from trkit.mock.engine import Store

    again = Store(path)
    try:
        assert again.dump() == before and events_before > 0
    finally:
        again.close()


def test_the_kit_sets_a_refused_state_file_aside_and_starts_afresh(tmp_path, capsys):
    from trkit.shared_mock import ensure_shared_mock, private_home, stop_shared_mock

    home = private_home(tmp_path / "home")
    canary = tmp_path / "canary"
    crafted(home / "mock.sqlite3", canary, current_format=False)  # as an older trkit left it, plus a trap
    before = digest(home / "mock.sqlite3")
    private_home(home)
    capsys.readouterr()
    try:
        mock = ensure_shared_mock(home)
        said = capsys.readouterr().err.splitlines()
        assert said[0].startswith("trkit mock: ") and "was written by an older trkit" in said[0]
        (aside,) = home.glob("mock.sqlite3.refused-*[0-9]")
        assert said[1] == f"trkit: moved it to {aside}; the mock starts with a new state"
        assert digest(aside) == before and not canary.exists()
        workspaces = requests.get(mock.url + "/v1/Workspaces", auth=(mock.account_sid, mock.auth_token), timeout=10).json()
        assert workspaces["workspaces"] == []
    finally:
        stop_shared_mock(home)


def test_a_damaged_event_batch_fails_the_read_that_meets_it_and_nothing_else(tmp_path):
    # events are read only when listed, so a batch edited by hand is found then: that read fails as Twilio's
    # 500 does, saying what is damaged, and the rest of the state keeps working
    path = a_state_file(tmp_path / "state.db")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE event_batches SET body=? WHERE batch=(SELECT MAX(batch) FROM event_batches)", (b"\x78\x01garbage",))
    db.close()
    with MockServer(db_path=str(path)) as mock:
        client = mock.client()
        (ws,) = client.taskrouter.v1.workspaces.list()
        auth = (mock.account_sid, mock.auth_token)
        answer = requests.get(f"{mock.base_url}/v1/Workspaces/{ws.sid}/Events", auth=auth, timeout=10)
        assert answer.status_code == 500 and answer.json()["code"] == 20500
        assert [w.friendly_name for w in client.taskrouter.v1.workspaces(ws.sid).workers.list()] == ["Alice"]
