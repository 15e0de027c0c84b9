"""The worker SDK's view of TaskRouter: its requests answered from the REST API, in the SDK's representation.

The event bridge does not re-implement TaskRouter: a request the SDK sends (``{url, method, params,
token}``) is made against the mock's own REST API in-process, so its parameters are read, checked and
refused exactly as over REST; the answer is then reshaped for the SDK. For the v2 SDK (npm
``twilio-taskrouter``): dates in epoch seconds, a ``version`` on every object, lists as
``{"contents", "after_sid"}``, a task's queue and workflow names under the SDK's keys, and a
reservation carrying its whole task (https://twilio.github.io/twilio-taskrouter.js/). For v1, the REST shapes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app

from .common import engine

RECORD_KINDS = {"channel": "worker_channel"}
DATE_KEYS = ("date_created", "date_updated", "date_status_changed", "virtual_start_time", "task_queue_entered_date")


class BridgeError(Exception):
    """A request the SDK made that TaskRouter refused: its status and Twilio's message."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def rest(method: str, path: str, params: dict[str, Any] | None = None) -> tuple[Any, str | None]:
    """Make ``method path`` against the mock's REST API in-process: (its JSON, its ETag's version)."""
    fields = {k: (json.dumps(v) if isinstance(v, (dict, list)) else "true" if v is True else "false" if v is False else str(v))
              for k, v in (params or {}).items() if v is not None}
    client = current_app.test_client()
    auth = {"Authorization": "Basic " + _basic(engine.account_sid, engine.auth_token)}
    if method == "GET":
        response = client.get(path + ("?" + urlencode(fields) if fields else ""), headers=auth)
    else:
        response = client.open(path, method=method, data=fields, headers=auth)
    body = response.get_json(silent=True) if response.data else None
    if response.status_code >= 400:
        body = body or {}
        raise BridgeError(response.status_code, body.get("message", response.status), body.get("code"))
    etag = response.headers.get("ETag")
    return body, etag.strip('"') if etag else None


def _basic(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


def rest_path(url: str) -> str:
    """The REST path of an SDK ``url``: absolute (v1, ``https://taskrouter.twilio.com/v1/…``) or relative (v2)."""
    path = urlsplit(url).path if "://" in url else url
    path = path.lstrip("/")
    if path.startswith("v1/"):
        path = path[3:]
    return "/v1/" + path


def _epoch(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return value


def v2_object(kind: str, body: dict, version: str | None = None) -> dict:
    """One REST object in the v2 SDK's shape."""
    shaped = {k: _epoch(v) if k in DATE_KEYS else v for k, v in body.items() if k not in ("links", "url")}
    if version is None:  # a list's items carry no ETag: the record's own version
        record = engine.lookup(RECORD_KINDS.get(kind, kind), body.get("sid"))
        version = str(getattr(record, "version", 0))
    shaped["version"] = version
    if kind == "task":
        shaped["queue_sid"] = body.get("task_queue_sid")
        shaped["queue_name"] = body.get("task_queue_friendly_name")
        shaped["workflow_name"] = body.get("workflow_friendly_name")
    elif kind == "channel":
        shaped.setdefault("last_reserved_time", 0)
    return shaped


def kind_of(path: str) -> str:
    last = [part for part in path.split("/") if part]
    for part in reversed(last):
        if part[:2] in ("WT",):
            return "task"
        if part[:2] == "WR":
            return "reservation"
        if part[:2] == "WK":
            return "worker"
        if part[:2] == "WA":
            return "activity"
        if part[:2] == "WC":
            return "channel"
        if part in ("Tasks",):
            return "task"
        if part == "Reservations":
            return "reservation"
        if part in ("Channels", "WorkerChannels"):
            return "channel"
        if part == "Activities":
            return "activity"
        if part == "Workers":
            return "worker"
    return "object"


def v2_reservation(body: dict, version: str | None) -> dict:
    """A reservation with its whole task and its timeout, as the v2 SDK builds Reservation objects."""
    shaped = v2_object("reservation", body, version)
    task, task_version = rest("GET", f"/v1/Workspaces/{body['workspace_sid']}/Tasks/{body['task_sid']}")
    shaped["task"] = v2_object("task", task, task_version)
    workflow = engine.lookup("workflow", task.get("workflow_sid"))
    shaped["reservation_timeout"] = workflow.task_reservation_timeout if workflow is not None else 120
    return shaped


def v2_answer(kind: str, body: Any, version: str | None) -> Any:
    """A REST answer (object or page) in the v2 SDK's shape."""
    if isinstance(body, dict) and "meta" in body:
        key = body["meta"].get("key")
        items = body.get(key, [])
        shaped = [v2_reservation(i, None) if kind == "reservation" else v2_object(kind, i) for i in items]
        return {"contents": shaped, "after_sid": None}
    if kind == "reservation":
        return v2_reservation(body, version)
    return v2_object(kind, body, version)
