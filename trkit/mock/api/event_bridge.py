"""The worker SDK's event bridge: its HTTP channel (the SDK's REST calls, token in the body) and its
WebSocket channel (``init``, heartbeats, and every event that concerns the worker, pushed as it
happens — whoever caused it: the page, REST, routing or the clock).

v2 (npm ``twilio-taskrouter``, options ``ebServer``/``wsServer``): ``POST /v1/wschannels`` and the
socket at ``/v1/wschannels?token=…``. v1 (the quickstart page's TaskRouter.js): ``POST`` and the socket
at ``/v1/wschannels/{AC}/{WK}``. No Basic auth here: the token is the credential (https://www.twilio.com/docs/taskrouter/js-sdk).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_sock import Sock

from ..engine.errors import TaskRouterError
from .common import engine
from .sdk_render import BridgeError, kind_of, rest, rest_path, v2_answer, v2_object, v2_reservation

bp = Blueprint("event_bridge", __name__)
sock = Sock()
HEARTBEAT_SECONDS = 15.0  # "a heart beat is sent every 15 secs by EBS" (the v2 SDK gives up after 30 s of silence)
CLOSE_NOTICED_WITHIN = 0.25  # seconds between looks at whether the page closed its socket
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, apiVersion, clientVersion, If-Match, X-Twilio-Token",
    "Access-Control-Max-Age": "600",
}


def _cors(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    return response


def _json(body: Any, status: int = 200) -> Response:
    return _cors(Response(json.dumps(body), status=status, mimetype="application/json"))


# ------------------------------------------------------------------ who may do what
def allowed(grant, method: str, path: str) -> bool:
    """A worker's token reaches its own worker (and what hangs under it), the workspace's activities, and
    the tasks it is offered (their reservations included)."""
    ws, wk = grant.workspace_sid, grant.worker_sid
    own = f"/v1/Workspaces/{ws}/Workers/{wk}"
    if path == own or path.startswith(own + "/"):
        return method in ("GET", "POST")
    if path == f"/v1/Workspaces/{ws}/Activities" or path.startswith(f"/v1/Workspaces/{ws}/Activities/"):
        return method == "GET"
    if path.startswith(f"/v1/Workspaces/{ws}/Tasks/"):
        task_sid = path.split("/")[5]
        return method in ("GET", "POST") and any(r.worker_sid == wk for r in engine.reservations.list_reservations(ws, task_sid=task_sid))
    return False


def policy_allows(grant, method: str, path: str, params: dict[str, Any]) -> bool:
    """A v1 capability token's own policies: one must name the method and the URL (``/**``: anything under
    it, the bare collection too) and find the parameters its ``post_filter`` requires."""
    for policy in grant.policies:
        if not policy.get("allow") or str(policy.get("method", "")).upper() != method:
            continue
        url = rest_path(str(policy.get("url", "")))
        reached = path == url[:-3] or path.startswith(url[:-2]) if url.endswith("/**") else path == url
        required = [name for name, rule in (policy.get("post_filter") or {}).items() if isinstance(rule, dict) and rule.get("required")]
        if reached and all(name in params for name in required):
            return True
    return False


def answer(grant, method: str, path: str, params: dict[str, Any]) -> Any:
    """One SDK request, made against the REST API and shaped for the SDK that sent it."""
    if grant.sdk == "v1" and not policy_allows(grant, method, path, params):
        raise BridgeError(403, f"The worker's token has no policy allowing {method} {path}")
    if not allowed(grant, method, path):
        raise BridgeError(403, f"The worker's token does not allow {method} {path}")
    if grant.sdk == "v2":
        params = dict(params)
        active = str(params.pop("Active", "")).lower() == "true"
        if path.endswith("/WorkerChannels"):
            path = path[: -len("WorkerChannels")] + "Channels"
        params.pop("PageSize", None) if path.endswith("/Activities") else None
        body, version = rest(method, path, params)
        kind = kind_of(path)
        if active and isinstance(body, dict) and "reservations" in body:
            body["reservations"] = [r for r in body["reservations"] if r["reservation_status"] in ("pending", "accepted", "wrapping")]
        return v2_answer(kind, body, version)
    body, _ = rest(method, path, params)
    return body


# ------------------------------------------------------------------ the HTTP channel
def _http_channel(expected_worker: str | None = None) -> Response:
    if request.method == "OPTIONS":
        return _json({})
    try:
        message = json.loads(request.get_data(as_text=True) or "{}")
        grant = engine.keys.verify_worker_token(str(message.get("token", "")))
        if expected_worker is not None and expected_worker != grant.worker_sid:
            raise BridgeError(403, f"This channel is worker {expected_worker}'s; the token is {grant.worker_sid}'s")
        payload = answer(grant, str(message.get("method", "GET")).upper(), rest_path(str(message.get("url", ""))),
                         message.get("params") or {})
    except TaskRouterError as exc:
        return _json({"message": exc.message, "code": exc.code, "status": exc.status}, exc.status)
    except BridgeError as exc:
        return _json({"message": exc.message, "code": exc.code, "status": exc.status}, exc.status)
    except ValueError:
        return _json({"message": "The request body is not JSON", "status": 400}, 400)
    reply = {"payload": payload}
    if message.get("event_type"):
        reply["event_type"] = message["event_type"]  # v1 re-emits it (the "ready" of its start-up)
    return _json(reply)


@bp.route("/v1/wschannels", methods=["POST", "OPTIONS"])
def http_channel_v2():
    return _http_channel()


@bp.route("/v1/wschannels/<account>/<worker>", methods=["POST", "OPTIONS"])
def http_channel_v1(account: str, worker: str):
    return _http_channel(expected_worker=worker)


# ------------------------------------------------------------------ the WebSocket channel
@bp.before_request
def refuse_a_bad_token_before_the_upgrade():
    """A socket with a bad token is refused with 401 and Twilio's JSON before it is upgraded (as a bridge
    that checks its caller does), instead of opening and closing at once."""
    if request.method != "GET":
        return None
    try:
        engine.keys.verify_worker_token(request.args.get("token", ""))
    except TaskRouterError as exc:
        return _json({"message": exc.message, "code": exc.code, "status": exc.status}, exc.status)
    return None


class Sessions:
    """The open sockets, by worker: a worker may have several (pages, tabs); a new one that asks for
    ``closeExistingSessions`` closes the others."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_worker: dict[str, list[queue.Queue]] = {}
        self.closing = False  # the mock is stopping: sockets end, and no worker is moved as they do
        self.live = 0  # sockets being served, until what their end does (the worker moved Offline) is done
        self.ended = threading.Condition(self.lock)

    def close_all(self, wait: float = 5.0) -> None:
        """End every socket, and wait (bounded) for those already ending to finish moving their worker."""
        with self.lock:
            self.closing = True
            for sockets in self.by_worker.values():
                for socket in sockets:
                    socket.put(None)
            self.ended.wait_for(lambda: self.live == 0, timeout=wait)


SESSIONS_KEY = "trkit.bridge.sessions"


def close_sessions(app) -> None:
    """End every open socket before the mock stops (a socket ending later would move its worker Offline in a
    store that is closed)."""
    sessions = app.extensions.get(SESSIONS_KEY)
    if sessions is not None:
        sessions.close_all()


def _sessions() -> Sessions:
    return current_app.extensions.setdefault(SESSIONS_KEY, Sessions())


def frames_for(grant, events: list) -> list[dict]:
    """The socket frames a worker gets for the events of one transaction."""
    frames = []
    for event in events:
        if event.workspace_sid != grant.workspace_sid:
            continue
        kind = event.event_type
        mine = event.worker_sid == grant.worker_sid or event.resource_sid == grant.worker_sid
        if kind.startswith("worker.") and event.resource_sid == grant.worker_sid:
            body, version = rest("GET", f"/v1/Workspaces/{grant.workspace_sid}/Workers/{grant.worker_sid}")
            frames.append({"event_type": kind, "payload": v2_object("worker", body, version) if grant.sdk == "v2" else body})
        elif kind.startswith("reservation.") and mine:
            path = f"/v1/Workspaces/{grant.workspace_sid}/Tasks/{event.task_sid}"
            if grant.sdk == "v2":
                body, version = rest("GET", f"{path}/Reservations/{event.reservation_sid}")
                frames.append({"event_type": kind, "payload": v2_reservation(body, version)})
            else:
                body, _ = rest("GET", path)
                frames.append({"event_type": kind, "payload": {**body, "reservation_sid": event.reservation_sid}})
        elif kind.startswith("task.") and event.task_sid and any(
                r.worker_sid == grant.worker_sid for r in engine.reservations.list_reservations(grant.workspace_sid, task_sid=event.task_sid)):
            body, version = rest("GET", f"/v1/Workspaces/{grant.workspace_sid}/Tasks/{event.task_sid}")
            frames.append({"event_type": kind, "payload": v2_object("task", body, version) if grant.sdk == "v2" else body})
    return frames


def _serve_socket(ws, token: str, close_existing: bool, offline_on_disconnect: bool, expected_worker: str | None) -> None:
    try:
        grant = engine.keys.verify_worker_token(token)
        if expected_worker is not None and expected_worker != grant.worker_sid:
            raise BridgeError(403, f"This channel is worker {expected_worker}'s; the token is {grant.worker_sid}'s")
    except (TaskRouterError, BridgeError) as exc:
        ws.close(reason=1008, message=getattr(exc, "message", str(exc))[:120])
        return
    sessions, mine = _sessions(), queue.Queue()
    with sessions.lock:
        others = sessions.by_worker.setdefault(grant.worker_sid, [])
        if close_existing:  # the SDK's closeExistingSessions: the worker's other pages are disconnected
            for other in others:
                other.put(None)  # each closes itself
            others.clear()
        others.append(mine)
        sessions.live += 1
    app = current_app._get_current_object()

    def on_events(events: list) -> None:
        with app.app_context():
            for frame in frames_for(grant, events):
                mine.put(frame)

    engine.subscribe(on_events)
    try:
        if grant.sdk == "v2":
            lifetime = int(max(grant.expires - engine.now(), 0) * 1000)
            ws.send(json.dumps({"event_type": "init", "payload": {"channel_id": grant.worker_sid, "account_sid": grant.account_sid,
                                                                   "workspace_sid": grant.workspace_sid, "token_lifetime": lifetime}}))
        heartbeat = current_app.config.get("TRKIT_BRIDGE_HEARTBEAT", HEARTBEAT_SECONDS)
        last_sent = time.monotonic()
        # a page that closes its socket is noticed as it closes (the worker goes Offline within a second), not
        # when the next heartbeat fails to go
        while ws.connected:
            try:
                frame = mine.get(timeout=min(CLOSE_NOTICED_WITHIN, heartbeat))
            except queue.Empty:
                if time.monotonic() - last_sent >= heartbeat:
                    ws.send(" ")  # a heartbeat: a frame of whitespace
                    last_sent = time.monotonic()
                continue
            if frame is None:
                break
            ws.send(json.dumps(frame))
            last_sent = time.monotonic()
    finally:
        engine.unsubscribe(on_events)
        with sessions.lock:
            if mine in sessions.by_worker.get(grant.worker_sid, []):
                sessions.by_worker[grant.worker_sid].remove(mine)
        try:
            if offline_on_disconnect and not sessions.closing:
                _worker_offline(grant)
        finally:
            with sessions.lock:
                sessions.live -= 1
                sessions.ended.notify_all()


def _worker_offline(grant) -> None:
    workspace = engine.lookups.workspace(grant.workspace_sid)
    offline = workspace.default_activity_sid  # the workspace's default activity: Offline in a new workspace
    try:
        engine.workers.update_worker(grant.workspace_sid, grant.worker_sid, activity_sid=offline, reject_pending_reservations=True)
    except TaskRouterError as exc:  # the worker is gone, or cannot move now: said on the mock's log
        logging.getLogger("trkit.mock").info("worker %s disconnected and stays where it is: %s", grant.worker_sid, exc.message)


@sock.route("/v1/wschannels", bp=bp)
def socket_v2(ws):
    args = request.args
    # the SDK sends setWorkerOfflineIfDisconnected only when the page sets it; its WorkerOptions say it
    # "Defaults to true" (https://twilio.github.io/twilio-taskrouter.js/global.html)
    _serve_socket(ws, args.get("token", ""), args.get("closeExistingSessions", "false") == "true",
                  args.get("setWorkerOfflineIfDisconnected", "true") != "false", None)


@sock.route("/v1/wschannels/<account>/<worker>", bp=bp)
def socket_v1(ws, account: str, worker: str):
    args = request.args
    # v1 moves the worker to its disconnectActivitySid itself, from the page's unload handler
    _serve_socket(ws, args.get("token", ""), args.get("closeExistingSessions", "false") == "true", False, worker)
