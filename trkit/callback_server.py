"""The kit's callback server: Flask in a background thread inside the kernel.

Every request first passes a checking layer: it is refused unless signed by
TaskRouter with the account's auth token (403 — in real mode it faces the
internet), and logged with the answer it got and what TaskRouter makes of that
answer. Behind it, the learner's own Flask app (``serve(app)``: the assignment
handler the quickstart has you write) gets the paths it routes; the kit's own
routes answer the rest: ``/assignment`` with the instruction the notebook chose,
``/events`` with 204.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Request

from .language.answers import AnswerReading, read_answer
from .language.signatures import request_signature
from .language.twiml import read_twiml_answer
from .mock.serving import keep_alive_server

Instruction = None | str | dict | Callable[[dict], Any]


@dataclass
class CallbackRecord:
    """One request the server received, what it concluded and what it answered."""

    received_at: float
    kind: str  # "assignment", "event", "voice" (a call asking for TwiML) or "unknown"
    path: str
    params: dict[str, str]
    verdict: str  # "valid signature", "missing signature", "forged signature"
    status: int
    answer: Any = None  # the JSON answered (a dict), or the text when it was not JSON
    listeners_failed: list[str] = field(default_factory=list)
    reading: str = ""  # what TaskRouter makes of an assignment answer (language.answers)
    handler: str = "kit"  # who answered: "kit" or the learner's app ("your app")
    content_type: str = ""  # the answer's Content-Type header, as sent
    body: str = ""  # the answer's text, as sent

    def answer_reading(self) -> AnswerReading:
        """An assignment answer as TaskRouter reads it (the mock acts on the same reading)."""
        return read_answer(self.status, self.content_type, self.body)


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
        self._auth_token = auth_token
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
        self.pages: dict[str, str] = {}  # agent pages by id (kit.agent_page)
        self.pictures: dict[str, str] = {}  # routing graphs' Mermaid sources by id, drawn live by /pictures/<id>
        self.app = self._make_app()
        self.learner_app: Flask | None = None

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
        self._server = keep_alive_server(self.host, self.requested_port if self.port is None else self.port, self)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="trkit-callbacks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
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

    # --------------------------------------------------------------- Flask
    def serve(self, app: Flask) -> None:
        """Serve ``app`` (the learner's Flask app) behind the signature check: it gets every path it routes.

        Calling it again with a new app replaces the old one, so a handler cell can be edited and re-run.
        """
        if not isinstance(app, Flask):
            raise TypeError(f"serve() takes a Flask app, not {type(app).__name__}")
        self.learner_app = app

    def _make_app(self) -> Flask:
        app = Flask("trkit.callbacks")

        @app.route("/assignment", methods=["POST"])
        def assignment() -> Response:
            return self._answer_assignment()

        @app.route("/agents/<page_id>", methods=["GET"])
        def agent_page(page_id: str) -> Response:
            page = self.pages.get(page_id)
            if page is None:
                return Response("No such agent page: make it again with kit.agent_page(token)", 404, mimetype="text/plain")
            return Response(page, mimetype="text/html")

        @app.route("/agents/sdk.js", methods=["GET"])
        def agent_sdk() -> Response:
            from .agent_page import SDK, sdk_missing

            missing = sdk_missing()
            if missing:
                return Response(f"document.write({json.dumps(missing)});", 200, mimetype="application/javascript")
            return Response(SDK.read_bytes(), mimetype="application/javascript")

        @app.route("/agents/sdk-license", methods=["GET"])
        def agent_sdk_license() -> Response:
            from .agent_page import SDK_LICENSE

            return Response(SDK_LICENSE.read_text() if SDK_LICENSE.exists() else "not installed", mimetype="text/plain")

        @app.route("/pictures/mermaid.js", methods=["GET"])
        def mermaid_js() -> Response:
            from .pictures import MERMAID

            if not MERMAID.exists():
                return Response("document.body.textContent = 'Mermaid is not installed: ./run lab installs it (npm ci --prefix agent)';",
                                mimetype="application/javascript")
            return Response(MERMAID.read_bytes(), mimetype="application/javascript")

        @app.route("/pictures/<picture_id>", methods=["GET"])
        def picture(picture_id: str) -> Response:
            from .pictures import graph_page

            if picture_id not in self.pictures:
                return Response("No such picture", 404, mimetype="text/plain")
            return Response(graph_page(picture_id), mimetype="text/html")

        @app.route("/pictures/<picture_id>/source", methods=["GET"])
        def picture_source(picture_id: str) -> Response:
            source = self.pictures.get(picture_id)
            if source is None:
                return Response("No such picture", 404, mimetype="text/plain")
            return Response(source, mimetype="text/plain", headers={"Cache-Control": "no-store"})

        @app.route("/", methods=["GET"])
        def index() -> Response:
            return Response("trkit callback server: POST /assignment and /events", mimetype="text/plain")

        return app

    def _answer_assignment(self) -> Response:
        params = request.form.to_dict()
        try:
            chosen = self.instruction(self._reservation_view(params)) if callable(self.instruction) else self.instruction
            answer = _normalise(chosen)
        except Exception as exc:  # the notebook's function failed: answer nothing, keep the reason
            request.environ["trkit.failure"] = f"instruction function failed: {exc}"
            answer = {}
        return Response(json.dumps(answer), 200, mimetype="application/json")

    def _routes(self, app: Flask | None, environ: dict) -> bool:
        if app is None:
            return False
        try:
            app.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:  # 405 still means the path is the app's
            return exc.code == 405
        return True

    def __call__(self, environ: dict, start_response):
        """WSGI entry: check the signature, let the right app answer, log the request with its answer."""
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        req = Request(environ)
        if req.method != "POST":
            return self.app(environ, start_response)
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        kind = ("event" if "EventType" in params else "assignment" if "ReservationSid" in params
                else "voice" if "CallSid" in params else "unknown")
        verdict = self._verify(req, params)
        if verdict != "valid signature":
            self._record(CallbackRecord(time.time(), kind, req.path, params, verdict, 403))
            return Response(json.dumps({"error": verdict}), 403, mimetype="application/json")(environ, start_response)
        learner = self.learner_app
        answering = learner if self._routes(learner, environ) else self.app
        if answering is self.app and req.path == "/events":
            # the kit's own answer to an event callback is "204 No Content": said here, without an app to route it
            # (a busy hour brings hundreds of them, and a change waits until its callbacks are answered)
            app_iter, status, headers = [b""], "204 NO CONTENT", Headers([("Content-Type", "application/json")])
        else:
            app_iter, status, headers = run_wsgi_app(answering, environ, buffered=True)
        answer_bytes = b"".join(app_iter)
        code = int(status.split()[0])
        record = CallbackRecord(time.time(), kind, req.path, params, verdict, code, handler="kit" if answering is self.app else "your app")
        if environ.get("trkit.failure"):
            record.listeners_failed.append(environ["trkit.failure"])
        text = answer_bytes.decode("utf-8", "replace")
        record.content_type, record.body = headers.get("Content-Type") or "", text
        if kind == "assignment":
            try:
                record.answer = json.loads(text) if text.strip() else None
            except ValueError:
                record.answer = text
            record.reading = record.answer_reading().why
        elif kind == "voice":
            record.answer = text
            record.reading = read_twiml_answer(code, headers.get("Content-Type"), text)
        self._record(record)
        start_response(status, list(headers.items()))
        return [answer_bytes]

    def _verify(self, req: Request, params: dict[str, str]) -> str:
        signature = req.headers.get("X-Twilio-Signature")
        if not signature:
            return "missing signature"
        # TaskRouter signed the public URL, not what the request says it is (tunnels rewrite it)
        query = req.query_string.decode()
        url = self.base_url + req.path + (f"?{query}" if query else "")
        if hmac.compare_digest(request_signature(self._auth_token, url, params), signature):
            return "valid signature"  # signed as TaskRouter signs: the URL exactly as the kit gave it
        # the twilio library's check: also the URL with or without its port (Twilio's own signing varies there)
        return "valid signature" if self._validator.validate(url, params, signature) else "forged signature"

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
