"""What the REST rounds and the profile's parts both measure a POST Tasks against: a workspace's Tasks endpoint on a
mock, the bare endpoint answering the same requests, and the two reference mocks."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, Response, request

from trkit.mock import MockServer


def tasks_endpoint(mock: MockServer) -> tuple[str, str, tuple[str, str]]:
    """A workspace with one queue and a workflow to it: its Tasks URL, the workflow's SID and the credentials."""
    client = mock.client()
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Bench")
    queue = client.taskrouter.v1.workspaces(ws.sid).task_queues.create(friendly_name="Q")
    config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue.sid}]}]}})
    workflow = client.taskrouter.v1.workspaces(ws.sid).workflows.create(friendly_name="W", configuration=config)
    return f"{mock.base_url}/v1/Workspaces/{ws.sid}/Tasks", workflow.sid, (mock.account_sid, mock.auth_token)


def bare_tasks_app(body: bytes) -> Flask:
    """The bare endpoint: at the mock's own paths, it parses a POST's form and answers ``body``, as it answers a GET."""
    bare = Flask("bare")

    @bare.post("/v1/Workspaces/<ws>/Tasks")
    def bare_post(ws: str) -> Response:
        request.form.get("Attributes")
        return Response(body, 201, mimetype="application/json")

    @bare.get("/v1/Workspaces/<ws>/Tasks/<sid>")
    def bare_get(ws: str, sid: str) -> Response:
        return Response(body, 200, mimetype="application/json")

    return bare


@contextlib.contextmanager
def reference_mocks() -> Iterator[tuple[MockServer, MockServer, MockServer]]:
    """The mock as it is (its state file on disk); one that writes nothing down (no state file, and no events made:
    nobody could read them); and one that makes its events, as it does for a subscriber such as the event bridge, but
    stores nothing."""
    with (tempfile.TemporaryDirectory() as tmp, MockServer(db_path=str(Path(tmp) / "bench.sqlite3")) as stored,
          MockServer() as unwritten, MockServer() as recorded):
        unwritten.store.writes = False
        recorded.store.writes = False
        recorded.engine.subscribe(lambda events: None)  # events are made when somebody listens, written down or not
        yield stored, unwritten, recorded
