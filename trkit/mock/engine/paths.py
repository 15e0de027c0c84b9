"""Relative API paths of every resource (the REST layer prefixes its base URL)."""

from __future__ import annotations

WS = "/v1/Workspaces/{ws}"

_PATHS = {
    "workspace": "/v1/Workspaces/{sid}",
    "activity": WS + "/Activities/{sid}",
    "task_channel": WS + "/TaskChannels/{sid}",
    "worker": WS + "/Workers/{sid}",
    "task_queue": WS + "/TaskQueues/{sid}",
    "workflow": WS + "/Workflows/{sid}",
    "task": WS + "/Tasks/{sid}",
    "event": WS + "/Events/{sid}",
}


def path_of(kind: str, workspace_sid: str, sid: str) -> str:
    return _PATHS[kind].format(ws=workspace_sid, sid=sid)


def task_reservation_path(workspace_sid: str, task_sid: str, sid: str) -> str:
    return f"{WS.format(ws=workspace_sid)}/Tasks/{task_sid}/Reservations/{sid}"


def worker_reservation_path(workspace_sid: str, worker_sid: str, sid: str) -> str:
    return f"{WS.format(ws=workspace_sid)}/Workers/{worker_sid}/Reservations/{sid}"


def worker_channel_path(workspace_sid: str, worker_sid: str, sid: str) -> str:
    return f"{WS.format(ws=workspace_sid)}/Workers/{worker_sid}/Channels/{sid}"
