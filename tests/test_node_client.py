"""The official Node.js twilio library (npm ``twilio``) drives the quickstart lifecycle against the mock.

A client no one on the project wrote: its requests (form encoding, If-Match headers, paging) must be
served as Twilio serves them. Runs when ``node`` and the library (``npm ci --prefix tests/node``,
done by ``./run tests``) are present; skipped, saying which is missing, otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from trkit.mock import MockServer

HERE = Path(__file__).resolve().parent / "node"


def test_node_library_runs_the_quickstart_lifecycle_if_match_included():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node.js client check needs it")
    if not (HERE / "node_modules" / "twilio").is_dir():
        pytest.skip("the npm twilio library is not installed: run npm ci --prefix tests/node (./run tests does)")
    with MockServer() as mock:
        env = {**os.environ, "MOCK_URL": mock.base_url, "TWILIO_ACCOUNT_SID": mock.account_sid,
               "TWILIO_AUTH_TOKEN": mock.auth_token, "NO_PROXY": "127.0.0.1,localhost"}
        done = subprocess.run([node, str(HERE / "lifecycle.js")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"reserved": "reserved", "staleIfMatch": 412, "assigned": "assigned", "completed": "completed",
                    "events": seen["events"], "removed": True}
    assert seen["events"] >= 4
