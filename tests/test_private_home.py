"""On a shared host no other user reads a learner's trkit home: the directory is 0700 and every file in it
(the mock's address and token, its state and journals, its log, the lock, progress) 0600, whatever the umask;
a home an older trkit left readable is tightened on start, saying so."""

from __future__ import annotations

import os
import stat

from trkit.shared_mock import ensure_shared_mock, private_home, stop_shared_mock


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
        assert {"mock.json", "mock.lock", "mock.log", "mock.sqlite3"} <= set(found)
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
