"""On a shared host no other user reads a learner's trkit home: the directory is 0700 and every file in it
(the mock's address and token, its state and journals, its log, the lock, progress) 0600, whatever the umask;
a home an older trkit left readable is tightened on start, saying so. The mock's auth token is the user's own:
random, kept in the home, never in a process's arguments or a notebook's output.
(tests/test_shared_host.py tries all this as a second OS user.)"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import requests

from trkit.backend import connect
from trkit.shared_mock import _spawn, ensure_shared_mock, private_home, stop_shared_mock

OLD_FIXED_TOKEN = "trkit-mock-auth-token"  # what every mock used before tokens were private


def modes(home) -> dict[str, int]:
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in [home, *home.iterdir()]}


def test_the_shared_mocks_home_and_files_are_private_whatever_the_umask(tmp_path):
    home = tmp_path / "home"
    previous = os.umask(0o022)  # a usual umask: files 0644, directories 0755
    try:
        ensure_shared_mock(home)
    finally:
        os.umask(previous)
    try:
        found = modes(home)
        assert found.pop("home") == 0o700
        assert {"mock.json", "mock.lock", "mock.log", "mock.sqlite3", "auth_token"} <= set(found)
        assert all(mode == 0o600 for mode in found.values()), found
    finally:
        stop_shared_mock(home)


def test_a_home_left_readable_is_tightened_saying_so(tmp_path, capsys):
    home = tmp_path / "old"
    home.mkdir(mode=0o755)
    (home / "mock.json").write_text("{}")
    (home / "mock.json").chmod(0o644)
    private_home(home)
    assert modes(home) == {"old": 0o700, "mock.json": 0o600}
    said = capsys.readouterr().err
    assert said == f"trkit: made {home} private (0700, its files 0600): other users on this host could read it\n"
    private_home(home)
    assert capsys.readouterr().err == ""  # once: a private home says nothing


def test_each_home_has_its_own_random_token_kept_across_restarts(tmp_path):
    first, other = tmp_path / "first", tmp_path / "other"
    try:
        mock = ensure_shared_mock(first)
        assert len(mock.auth_token) == 32 and mock.auth_token != OLD_FIXED_TOKEN
        with open(f"/proc/{mock.pid}/cmdline", "rb") as arguments:  # every user of the host can read this
            assert mock.auth_token.encode() not in arguments.read()
        stop_shared_mock(first)
        again = ensure_shared_mock(first)
        assert again.pid != mock.pid and again.auth_token == mock.auth_token  # clients made before keep working
        assert ensure_shared_mock(other).auth_token != mock.auth_token
    finally:
        stop_shared_mock(first)
        stop_shared_mock(other)


def test_a_mock_an_older_trkit_started_with_the_fixed_token_is_restarted_with_the_private_one(tmp_path, capsys):
    home = private_home(tmp_path / "home")
    old = _spawn(home, "AC" + "0" * 31 + "1", OLD_FIXED_TOKEN)  # as an older trkit left it running
    (home / "mock.json").write_text(json.dumps(dataclasses.asdict(old)))
    auth = (old.account_sid, OLD_FIXED_TOKEN)
    requests.post(old.url + "/v1/Workspaces", data={"FriendlyName": "kept"}, auth=auth, timeout=10).raise_for_status()
    try:
        mock = ensure_shared_mock(home)
        assert "restarting the mock with a private auth token" in capsys.readouterr().err
        assert mock.auth_token != OLD_FIXED_TOKEN and mock.db_path == old.db_path
        assert requests.get(mock.url + "/v1/Workspaces", auth=auth, timeout=10).status_code == 401
        found = requests.get(mock.url + "/v1/Workspaces", auth=(mock.account_sid, mock.auth_token), timeout=10).json()
        assert [w["friendly_name"] for w in found["workspaces"]] == ["kept"]  # the state survives the restart
    finally:
        stop_shared_mock(home)


def test_curl_names_the_credentials_and_the_kernel_has_them(trkit_home):
    kit = connect()
    command = kit.curl("GET", "/v1/Workspaces")
    token = json.loads((trkit_home / "mock.json").read_text())["auth_token"]
    assert token not in command and '-u "$TRKIT_ACCOUNT_SID:$TRKIT_AUTH_TOKEN"' in command
    assert os.environ["TRKIT_AUTH_TOKEN"] == token  # so a notebook's !curl works as printed


def test_a_file_that_goes_away_while_the_home_is_tightened_is_no_error(tmp_path, monkeypatch):
    """A mock that just stopped removes its SQLite -wal and -shm files: one may be listed and then gone."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    loose = home / "mock.log"
    loose.write_text("")
    loose.chmod(0o644)
    listed = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda self: [*listed(self), self / "mock.sqlite3-shm"] if self == home else listed(self))
    private_home(home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700 and stat.S_IMODE(loose.stat().st_mode) == 0o600
