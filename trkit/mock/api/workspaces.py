"""Workspaces: /v1/Workspaces and /v1/Workspaces/{Sid}."""

from __future__ import annotations

from flask import Blueprint, request

from .common import args, deleted, engine, form, one, page

bp = Blueprint("workspaces", __name__)


@bp.route("/v1/Workspaces", methods=["GET", "POST"])
def workspaces():
    if request.method == "GET":
        return page(engine.configuration.list_workspaces(args().str("FriendlyName")), "workspaces")
    f = form()
    ws = engine.configuration.create_workspace(
        friendly_name=f.str("FriendlyName", required=True),
        event_callback_url=f.url("EventCallbackUrl"),
        events_filter=f.str("EventsFilter"),
        multi_task_enabled=f.bool("MultiTaskEnabled"),
        template=f.enum("Template", ("NONE", "FIFO")),
        prioritize_queue_order=f.enum("PrioritizeQueueOrder", ("FIFO", "LIFO")),
    )
    return one(ws, 201)


@bp.route("/v1/Workspaces/<ws>", methods=["GET", "POST", "DELETE"])
def workspace(ws: str):
    if request.method == "GET":
        return one(engine.lookups.workspace(ws))
    if request.method == "DELETE":
        engine.configuration.delete_workspace(ws)
        return deleted()
    f = form()
    return one(engine.configuration.update_workspace(
        ws,
        default_activity_sid=f.str("DefaultActivitySid"),
        event_callback_url=f.url("EventCallbackUrl"),
        events_filter=f.str("EventsFilter"),
        friendly_name=f.str("FriendlyName"),
        multi_task_enabled=f.bool("MultiTaskEnabled"),
        timeout_activity_sid=f.str("TimeoutActivitySid"),
        prioritize_queue_order=f.enum("PrioritizeQueueOrder", ("FIFO", "LIFO")),
    ))
