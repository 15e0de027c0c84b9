"""On a shared host (a JupyterHub without containers) another user reaches none of a learner's mock.

Run as root, the test makes a second OS user and, as that user, tries what the published fixed token used to
allow: reading the trkit home, calling the learner's mock, and getting a forged callback accepted by the
learner's callback server. Each attempt must fail. The other user runs the system's Python with the standard
library only, as anyone on the host could.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from trkit.callback_server import CallbackServer
from trkit.shared_mock import ensure_shared_mock, stop_shared_mock

OTHER_USER = "trkit-neighbour"
OLD_FIXED_TOKEN = "trkit-mock-auth-token"  # what every mock used before tokens were private
SYSTEM_PYTHON = "/usr/bin/python3"  # one every user may run (a root-installed pyenv is not)

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None
                                or not os.access(SYSTEM_PYTHON, os.X_OK), reason="needs root to create a second OS user")


@pytest.fixture(scope="module")
def neighbour() -> str:
    if subprocess.run(["id", OTHER_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER], check=True)
    return OTHER_USER


def as_user(user: str, script: str) -> dict:
    """Run ``script`` (stdlib Python) as ``user``; it prints one JSON object."""
    done = subprocess.run([shutil.which("runuser"), "-u", user, "--", SYSTEM_PYTHON, "-c", textwrap.dedent(script)], capture_output=True,
                          text=True, timeout=60, cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": "/"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def learner_home(tmp_path_factory):
    # a parent every user may enter, so only the home's own modes stand between the neighbour and its files
    parent = Path(tmp_path_factory.mktemp("shared-host"))
    for directory in (parent, *parent.parents):
        if str(directory).startswith(str(Path(tmp_path_factory.getbasetemp()).parent)):
            directory.chmod(directory.stat().st_mode | 0o011)
    home = parent / "trkit-home"
    yield home
    stop_shared_mock(home)


def test_a_neighbour_cannot_read_the_home(neighbour, learner_home):
    ensure_shared_mock(learner_home)
    seen = as_user(neighbour, f"""
        import json, os
        found = {{"home mode": oct(os.stat({str(learner_home)!r}).st_mode & 0o777)}}  # reached: only its own modes refuse
        for name in ("mock.json", "mock.sqlite3", "auth_token", "mock.log"):
            try:
                open({str(learner_home)!r} + "/" + name).read(1)
                found[name] = "read"
            except PermissionError:
                found[name] = "refused"
        print(json.dumps(found))
    """)
    assert seen == {"home mode": "0o700", "mock.json": "refused", "mock.sqlite3": "refused", "auth_token": "refused", "mock.log": "refused"}


def test_a_neighbour_gets_401_with_the_old_token_and_a_guessed_one(neighbour, learner_home):
    mock = ensure_shared_mock(learner_home)
    assert mock.auth_token != OLD_FIXED_TOKEN and len(mock.auth_token) >= 32
    seen = as_user(neighbour, f"""
        import base64, json, urllib.request, urllib.error
        codes = []
        for token in ({OLD_FIXED_TOKEN!r}, "0" * 32):
            request = urllib.request.Request({mock.url!r} + "/mock/state")
            request.add_header("Authorization", "Basic " + base64.b64encode(f"{mock.account_sid}:{{token}}".encode()).decode())
            try:
                codes.append(urllib.request.urlopen(request, timeout=10).status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
        print(json.dumps(codes))
    """)
    assert seen == [401, 401]


def test_a_forged_callback_is_refused_by_the_learners_callback_server(neighbour, learner_home):
    mock = ensure_shared_mock(learner_home)
    callbacks = CallbackServer(mock.auth_token).start()
    try:
        url = callbacks.base_url + "/assignment"
        seen = as_user(neighbour, f"""
            import base64, hashlib, hmac, json, urllib.parse, urllib.request, urllib.error
            params = {{"AccountSid": {mock.account_sid!r}, "TaskSid": "WT" + "0" * 32, "EventType": "task.created"}}
            codes = []
            for token in ({OLD_FIXED_TOKEN!r}, "0" * 32):
                # signed as Twilio signs: the URL, then each parameter name and value in order, HMAC-SHA1 with the token
                signed = {url!r} + "".join(key + params[key] for key in sorted(params))
                signature = base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()
                request = urllib.request.Request({url!r}, data=urllib.parse.urlencode(params).encode(),
                                                 headers={{"X-Twilio-Signature": signature}})
                try:
                    codes.append(urllib.request.urlopen(request, timeout=10).status)
                except urllib.error.HTTPError as error:
                    codes.append(error.code)
            print(json.dumps(codes))
        """)
    finally:
        callbacks.stop()
    assert seen == [403, 403]
    assert [record.verdict for record in callbacks.records] == ["forged signature"] * 2  # logged as forged, never answered
