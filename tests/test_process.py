"""`python -m trkit.mock` as its own process: serving, SIGTERM, and surviving kill -9."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading

import requests

from trkit.mock.client import mock_client
from trkit.mock.server import DEFAULT_ACCOUNT_SID, new_auth_token

CREDS = (DEFAULT_ACCOUNT_SID, new_auth_token())


def start_mock(db: str, port: int = 0) -> tuple[subprocess.Popen, str]:
    env = {**{k: v for k, v in os.environ.items() if k != "TWILIO_ACCOUNT_SID"}, "TWILIO_AUTH_TOKEN": CREDS[1]}
    proc = subprocess.Popen([sys.executable, "-m", "trkit.mock", "--port", str(port), "--db", db],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    assert match, f"the mock did not print its URL: {line!r}"
    return proc, match.group(1)


def test_sigterm_stops_the_server(tmp_path):
    proc, url = start_mock(str(tmp_path / "a.sqlite3"))
    assert requests.get(url + "/v1/Workspaces", auth=CREDS, timeout=10).status_code == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_acknowledged_writes_survive_kill_9_and_timeouts_still_fire(tmp_path):
    db = str(tmp_path / "state.sqlite3")
    proc, url = start_mock(db)
    client = mock_client(url, *CREDS)
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Durable", multi_task_enabled=False)
    api = client.taskrouter.v1.workspaces(ws.sid)
    idle = api.activities.create(friendly_name="Idle", available=True)
    queue = api.task_queues.create(friendly_name="All", target_workers="1==1")
    workflow = api.workflows.create(friendly_name="wf", configuration=json.dumps(
        {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue.sid}]}]}}), task_reservation_timeout=60)
    worker = api.workers.create(friendly_name="Kim")
    first = api.tasks.create(attributes="{}", workflow_sid=workflow.sid)
    api.workers(worker.sid).update(activity_sid=idle.sid)
    reservation = api.tasks(first.sid).reservations.list()[0]

    acknowledged: list[str] = []
    stop = threading.Event()
    progress = threading.Condition()

    def writer():
        while not stop.is_set():
            try:
                task = api.tasks.create(attributes=json.dumps({"n": len(acknowledged)}), workflow_sid=workflow.sid)
            except Exception:
                return
            with progress:
                acknowledged.append(task.sid)
                progress.notify_all()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    with progress:  # kill once writes are flowing, whatever the machine's speed
        assert progress.wait_for(lambda: len(acknowledged) >= 20, timeout=60), "the writers never got going"
    proc.kill()  # SIGKILL in the middle of the writes
    proc.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    proc, url = start_mock(db)
    try:
        client = mock_client(url, *CREDS)
        api = client.taskrouter.v1.workspaces(ws.sid)
        stored = {t.sid for t in api.tasks.list(page_size=1000)}
        assert set(acknowledged) <= stored, "an acknowledged task was lost"
        assert len(stored) <= len(acknowledged) + 1 + 3  # nothing invented beyond in-flight writes
        for task in api.tasks.list(page_size=1000):
            assert task.assignment_status in ("pending", "reserved")
            json.loads(task.attributes)
        assert api.tasks(first.sid).reservations(reservation.sid).fetch().reservation_status == "pending"
        requests.post(url + "/mock/clock", data={"Advance": "61"}, auth=CREDS, timeout=30).raise_for_status()
        assert api.tasks(first.sid).reservations(reservation.sid).fetch().reservation_status == "timeout"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_a_mock_started_without_a_token_makes_one_up_and_says_it_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")}
    proc = subprocess.Popen([sys.executable, "-m", "trkit.mock", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    try:
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+) \(account (AC\w+), auth token ([0-9a-f]{32})\)", proc.stdout.readline())
        assert match, "the mock did not say its made-up token"
        url, account_sid, token = match.groups()
        assert requests.get(url + "/v1/Workspaces", auth=(account_sid, token), timeout=10).status_code == 200
        assert requests.get(url + "/v1/Workspaces", auth=(account_sid, "trkit-mock-auth-token"), timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
