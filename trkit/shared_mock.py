"""One mock per user, shared by every notebook and kernel.

The first ``connect()`` starts ``python -m trkit.mock`` as a detached process
with its SQLite file under the trkit home (``$TRKIT_HOME``, else ``~/.trkit``)
and writes where it listens to ``mock.json``; later kernels find it there, and
start a new one on the same file if it has died — so the state survives.

On a shared host the home is the user's alone: 0700, its files 0600, and the
mock's auth token is random, made once and kept in ``auth_token``, so no other
user can call the mock or sign a callback the user's kernel accepts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from .errors import KitError
from .mock.client import DEFAULT_ACCOUNT_SID, STATE_FILE_REFUSED


@dataclass
class SharedMock:
    url: str
    pid: int
    account_sid: str
    auth_token: str
    db_path: str


def trkit_home() -> Path:
    return Path(os.environ.get("TRKIT_HOME") or Path.home() / ".trkit")


PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
STATE_FILE = "mock.sqlite3"  # the shared mock's SQLite file in the home (with its -wal and -shm beside it)


def private_home(home: Path) -> Path:
    """``home``, created 0700 with its files 0600 whatever the umask: on a shared host other users must not read
    the mock's address and token, its state or its log. A home left looser (by an older trkit) is tightened,
    saying so once."""
    home.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    loose = [path for path in [home, *home.iterdir()] if _mode(path) & 0o077]
    for path in loose:
        with contextlib.suppress(FileNotFoundError):  # gone since: nothing left to tighten
            path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)
    if loose:
        print(f"trkit: made {home} private (0700, its files 0600): other users on this host could read it", file=sys.stderr)
    return home


def _mode(path: Path) -> int:
    """A file's mode, or 0 for one that went away after it was listed: SQLite removes its -wal and -shm files when
    the mock that used them stops, which may be just then."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return 0


def _private(path: Path, flags: int) -> int:
    """A file descriptor of ``path`` opened (or created) 0600."""
    fd = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def is_alive(mock: SharedMock, timeout: float = 2.0) -> bool:
    session = requests.Session()
    session.trust_env = False
    try:
        response = session.get(mock.url + "/mock/clock", auth=(mock.account_sid, mock.auth_token), timeout=timeout)
    except requests.RequestException:
        return False
    return response.status_code == 200


def _read(info_path: Path) -> SharedMock | None:
    try:
        return SharedMock(**json.loads(info_path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def home_auth_token(home: Path) -> str:
    """The user's mock token: made at random the first time, then kept in the home (0600) for every later start."""
    path = home / "auth_token"
    try:
        fd = _private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        token = path.read_text().strip()
        if re.fullmatch(r"[0-9a-f]{32}", token):
            return token
        fd = _private(path, os.O_WRONLY | os.O_TRUNC)  # damaged: a new token, and the next start uses it
    token = secrets.token_hex(16)
    with open(fd, "w") as out:
        out.write(token + "\n")
    return token


def _spawn(home: Path, account_sid: str, auth_token: str, port: int = 0) -> SharedMock:
    db_path = home / STATE_FILE
    log_path = home / "mock.log"
    offset = log_path.stat().st_size if log_path.exists() else 0
    # the token goes in the environment: a process's arguments are visible to every user of the host
    environment = {**os.environ, "TWILIO_AUTH_TOKEN": auth_token}
    with open(_private(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "trkit.mock", "--port", str(port), "--db", str(db_path), "--account-sid", account_sid],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True, env=environment,
            umask=0o077,  # the state file and its journals are the mock's to create: 0600 too
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        exited = process.poll() is not None
        with open(log_path, "rb") as log:
            log.seek(offset)
            said = log.read()
        match = re.search(rb"listening on (http://[\d.]+:\d+)", said)
        if match:
            return SharedMock(match.group(1).decode(), process.pid, account_sid, auth_token, str(db_path))
        if exited:
            if process.returncode == STATE_FILE_REFUSED:
                raise StateRefused(said.decode(errors="replace").strip())
            break
        time.sleep(0.05)
    raise KitError(f"The bundled mock did not start; see {log_path} for why.")


class StateRefused(Exception):
    """The mock would not use the state file in the home (its one line says why)."""


def _set_aside(home: Path, reason: str) -> None:
    """A state file the mock refused (damaged, from an older or newer trkit) is kept beside, not lost; a new one starts."""
    aside = home / time.strftime(f"{STATE_FILE}.refused-%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        source = home / f"{STATE_FILE}{suffix}"
        if source.exists():
            source.replace(Path(f"{aside}{suffix}"))
    print(f"{reason}\ntrkit: moved it to {aside}; the mock starts with a new state", file=sys.stderr)


def _respawn(home: Path, previous: SharedMock | None, auth_token: str) -> SharedMock:
    """A new mock process, on the port the previous one had when it is free: every client, tutorial and
    dashboard a kernel made before then keeps working; else on any free port."""
    port = int(previous.url.rsplit(":", 1)[1]) if previous is not None else 0
    if port:
        try:
            return _spawn(home, DEFAULT_ACCOUNT_SID, auth_token, port)
        except KitError:  # the port was taken meanwhile
            pass
    return _spawn(home, DEFAULT_ACCOUNT_SID, auth_token)


def _stop(mock: SharedMock) -> None:
    try:
        os.kill(mock.pid, 15)
    except ProcessLookupError:
        return
    for _ in range(100):
        if not is_alive(mock, timeout=0.2):
            return
        time.sleep(0.05)


def ensure_shared_mock(home: Path | None = None) -> SharedMock:
    """The user's running mock: found again, or started (once, even with several kernels racing)."""
    home = private_home(home or trkit_home())
    info_path = home / "mock.json"
    with open(_private(home / "mock.lock", os.O_WRONLY | os.O_CREAT), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            auth_token = home_auth_token(home)
            current = _read(info_path)
            if current is not None and is_alive(current):
                if current.auth_token == auth_token:
                    return current
                # started by an older trkit with the published fixed token: anyone on the host could use it
                print("trkit: restarting the mock with a private auth token (it ran with one other users could know)",
                      file=sys.stderr)
                _stop(current)
            try:
                mock = _respawn(home, current, auth_token)
            except StateRefused as refused:
                _set_aside(home, str(refused))
                mock = _respawn(home, current, auth_token)
            if not is_alive(mock, timeout=10):
                raise KitError(f"The bundled mock started but does not answer at {mock.url}; see {home / 'mock.log'}.")
            tmp = info_path.with_suffix(".tmp")
            with open(_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as out:
                out.write(json.dumps(asdict(mock)))
            tmp.replace(info_path)
            return mock
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def stop_shared_mock(home: Path | None = None) -> bool:
    """Stop the user's mock process (its SQLite file stays)."""
    home = home or trkit_home()
    current = _read(home / "mock.json")
    if current is None:
        return False
    try:
        os.kill(current.pid, 0)
    except ProcessLookupError:
        return False
    _stop(current)
    return True
