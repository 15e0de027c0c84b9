"""Shared test helpers: a callback listener and the tutorial-shaped workspace."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request

from trkit.mock.serving import keep_alive_server
from trkit.tutorial import Tutorial, routing_configuration

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def wait_until(condition: Callable[[], Any], seconds: float = 10.0, what: str = "the awaited state") -> None:
    """Until ``condition()`` holds, failing after ``seconds``: a busy machine runs a background thread late, never
    early, so a test waits for what must come and sleeps only for what must not."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} never came ({seconds:g} s)"
        time.sleep(0.01)


@dataclass
class Received:
    path: str
    form: dict[str, str]
    headers: dict[str, str]
    url: str
    method: str = "POST"
    query: dict[str, str] = field(default_factory=dict)


class CallbackListener:
    """A loopback HTTP server that records callbacks and answers as told."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answer: Callable[[Received], Any] = lambda req: Response("", 200)
        self._cond = threading.Condition()
        app = Flask("listener")

        @app.route("/<path:path>", methods=["POST", "GET"])
        def receive(path: str):
            received = Received("/" + path, request.form.to_dict(), dict(request.headers), request.url, request.method,
                                request.args.to_dict())
            with self._cond:
                self.requests.append(received)
                self._cond.notify_all()
            result = self.answer(received)
            if isinstance(result, Response):
                return result
            return Response(json.dumps(result), 200, mimetype="application/json")

        self._server = keep_alive_server("127.0.0.1", 0, app)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str = "/assignment") -> str:
        return self.base_url + path

    def of(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.requests):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"callbacks never arrived: {[r.path for r in self.requests]}")
                self._cond.wait(remaining)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class TutorialWorkspace(Tutorial):
    """The kit's Tutorial under the short names the tests use; built fresh per test below."""

    @property
    def sid(self) -> str:
        return self.workspace_sid

    @property
    def api(self):
        return self.workspace

    def reservations(self, task_sid: str):
        return self.api.tasks(task_sid).reservations.list()


def build_tutorial_workspace(client, callback_url: str | None = None, reservation_timeout: int = 120,
                             multi_task: bool = False, extra_workers: dict[str, list[str]] | None = None) -> TutorialWorkspace:
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Tutorial", multi_task_enabled=multi_task)
    tw = TutorialWorkspace(client, ws.sid)
    api = tw.api
    for activity in api.activities.list():
        tw.activities[activity.friendly_name] = activity.sid
    for name, available in (("Idle", True), ("Busy", False), ("Reserved", False)):
        tw.activities[name] = api.activities.create(friendly_name=name, available=available).sid
    people = {"Alice": ["en", "es"], "Bob": ["en"], **(extra_workers or {})}
    for name, languages in people.items():
        tw.workers[name] = api.workers.create(
            friendly_name=name, attributes=json.dumps({"languages": languages}), activity_sid=tw.activities["Offline"]
        ).sid
    for language, label in (("es", "Spanish"), ("en", "English")):
        tw.queues[language] = api.task_queues.create(
            friendly_name=f"Customer Care Requests - {label}",
            target_workers=f'languages HAS "{language}"',
            reservation_activity_sid=tw.activities["Reserved"],
            assignment_activity_sid=tw.activities["Busy"],
        ).sid
    configuration = routing_configuration(tw.queues)
    tw.workflow_sid = api.workflows.create(
        friendly_name="Incoming Customer Care Requests",
        configuration=json.dumps(configuration),
        assignment_callback_url=callback_url,
        task_reservation_timeout=reservation_timeout,
    ).sid
    return tw


def connect_as_real_twilio(mock, monkeypatch, **environment: str | None):
    """The kit in real mode with ``mock`` standing in for Twilio: credentials in the environment as a learner
    sets them, the tunnel replaced by loopback. ``environment``: more variables to set (None unsets one)."""
    from trkit.backend import connect
    from trkit.mock.client import LocalHttpClient

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", mock.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", mock.auth_token)
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return connect(tunnel=lambda port: f"http://127.0.0.1:{port}", http_client=LocalHttpClient(mock.base_url))

