"""The kit's callback server: Flask in a background thread inside the kernel.

It receives assignment callbacks (``/assignment``) and event callbacks
(``/events``), refuses anything not signed by TaskRouter with the account's
auth token (403 — in real mode it faces the internet), logs every request, and
answers assignment callbacks with the instruction the notebook chose.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

Instruction = None | str | dict | Callable[[dict], Any]


@dataclass
class CallbackRecord:
    """One request the server received, what it concluded and what it answered."""

    received_at: float
    kind: str  # "assignment", "event" or "unknown"
    path: str
    params: dict[str, str]
    verdict: str  # "valid signature", "missing signature", "forged signature"
    status: int
    answer: Any = None
    listeners_failed: list[str] = field(default_factory=list)


def _normalise(instruction: Any) -> dict:
    if instruction is None:
        return {}
    if isinstance(instruction, str):
        return {"instruction": instruction}
    if isinstance(instruction, dict):
        return dict(instruction)
    raise TypeError(f"an instruction must be None, a string or a dict, not {type(instruction).__name__}")


class CallbackServer:
    """Receives TaskRouter's callbacks on a free loopback port; stoppable and restartable."""

    def __init__(self, auth_token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self._validator = RequestValidator(auth_token)
        self.host = host
        self.requested_port = port
        self.instruction: Instruction = None
        self.records: list[CallbackRecord] = []
        self.public_url: str | None = None
        self._listeners: list[Callable[[CallbackRecord], None]] = []
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its access log would land in whatever cell runs
        self.app = self._make_app()

    # ------------------------------------------------------------ lifecycle
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def local_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the callback server is not running: call start()")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL TaskRouter must call: the tunnel's in real mode, loopback otherwise."""
        return self.public_url or self.local_url

    @property
    def assignment_url(self) -> str:
        return self.base_url + "/assignment"

    @property
    def events_url(self) -> str:
        return self.base_url + "/events"

    def start(self) -> CallbackServer:
        if self.running:
            return self
        self._server = make_server(self.host, self.requested_port if self.port is None else self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="trkit-callbacks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def restart(self) -> CallbackServer:
        self.stop()
        return self.start()

    # -------------------------------------------------------------- helpers
    def on_request(self, listener: Callable[[CallbackRecord], None]) -> None:
        """Call ``listener(record)`` (from the server thread) after every request."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[CallbackRecord], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()

    def assignment_requests(self) -> list[CallbackRecord]:
        with self._lock:
            return [r for r in self.records if r.kind == "assignment"]

    def wait_for(self, predicate: Callable[[list[CallbackRecord]], bool], timeout: float = 10.0) -> bool:
        """Poll until ``predicate(records)`` holds (callbacks arrive asynchronously on real Twilio)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                snapshot = list(self.records)
            if predicate(snapshot):
                return True
            time.sleep(0.05)
        return False

    def signed_url(self) -> str:
        """The URL TaskRouter signed: the public one, not what the request says it is (tunnels rewrite it)."""
        query = request.query_string.decode()
        return self.base_url + request.path + (f"?{query}" if query else "")

    # --------------------------------------------------------------- Flask
    def _make_app(self) -> Flask:
        app = Flask("trkit.callbacks")

        @app.route("/assignment", methods=["POST"])
        def assignment() -> Response:
            return self._handle("assignment")

        @app.route("/events", methods=["POST"])
        def events() -> Response:
            return self._handle("event")

        @app.route("/", methods=["GET"])
        def index() -> Response:
            return Response("trkit callback server: POST /assignment and /events", mimetype="text/plain")

        return app

    def _handle(self, kind: str) -> Response:
        params = request.form.to_dict()
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            verdict = "missing signature"
        elif self._validator.validate(self.signed_url(), params, signature):
            verdict = "valid signature"
        else:
            verdict = "forged signature"
        if verdict != "valid signature":
            record = CallbackRecord(time.time(), kind, request.path, params, verdict, 403)
            self._record(record)
            return Response(json.dumps({"error": verdict}), 403, mimetype="application/json")
        if kind == "event":
            record = CallbackRecord(time.time(), kind, request.path, params, verdict, 204)
            self._record(record)
            return Response(status=204, mimetype="application/json")
        try:
            chosen = self.instruction(self._reservation_view(params)) if callable(self.instruction) else self.instruction
            answer = _normalise(chosen)
        except Exception as exc:  # the notebook's function failed: answer nothing, keep the reason
            answer = {}
            record = CallbackRecord(time.time(), kind, request.path, params, verdict, 200, answer, [f"instruction function failed: {exc}"])
            self._record(record)
            return Response(json.dumps(answer), 200, mimetype="application/json")
        record = CallbackRecord(time.time(), kind, request.path, params, verdict, 200, answer)
        self._record(record)
        return Response(json.dumps(answer), 200, mimetype="application/json")

    @staticmethod
    def _reservation_view(params: dict[str, str]) -> dict:
        view: dict[str, Any] = dict(params)
        for key in ("TaskAttributes", "WorkerAttributes"):
            try:
                view[key] = json.loads(params.get(key, "{}"))
            except ValueError:
                pass
        return view

    def _record(self, record: CallbackRecord) -> None:
        with self._lock:
            self.records.append(record)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(record)
            except Exception as exc:  # a broken listener must not break the callback
                record.listeners_failed.append(repr(exc))
