"""Workflows."""

from __future__ import annotations

from flask import Blueprint, request

from .common import args, deleted, engine, form, one, page

bp = Blueprint("workflows", __name__)


@bp.route("/v1/Workspaces/<ws>/Workflows", methods=["GET", "POST"])
def workflows(ws: str):
    if request.method == "GET":
        return page(engine.queues.list_workflows(ws, args().str("FriendlyName")), "workflows")
    f = form()
    return one(engine.queues.create_workflow(
        ws,
        friendly_name=f.str("FriendlyName", required=True),
        configuration=f.str("Configuration", required=True),
        assignment_callback_url=f.url("AssignmentCallbackUrl"),
        fallback_assignment_callback_url=f.url("FallbackAssignmentCallbackUrl"),
        task_reservation_timeout=f.int("TaskReservationTimeout", 1, 86400),
    ), 201)


@bp.route("/v1/Workspaces/<ws>/Workflows/<sid>", methods=["GET", "POST", "DELETE"])
def workflow(ws: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.workflow(ws, sid))
    if request.method == "DELETE":
        engine.queues.delete_workflow(ws, sid)
        return deleted()
    f = form()
    return one(engine.queues.update_workflow(
        ws, sid,
        re_evaluate_tasks=bool(f.bool("ReEvaluateTasks")),
        friendly_name=f.str("FriendlyName"),
        configuration=f.str("Configuration"),
        assignment_callback_url=f.url("AssignmentCallbackUrl"),
        fallback_assignment_callback_url=f.url("FallbackAssignmentCallbackUrl"),
        task_reservation_timeout=f.int("TaskReservationTimeout", 1, 86400),
    ))
