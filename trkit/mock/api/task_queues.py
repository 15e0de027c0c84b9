"""Task queues."""

from __future__ import annotations

from flask import Blueprint, request

from .common import args, deleted, engine, form, one, page

bp = Blueprint("task_queues", __name__)


@bp.route("/v1/Workspaces/<ws>/TaskQueues", methods=["GET", "POST"])
def task_queues(ws: str):
    if request.method == "GET":
        a = args()
        return page(engine.queues.list_task_queues(
            ws, a.str("FriendlyName"), a.str("EvaluateWorkerAttributes"), a.str("WorkerSid"), a.str("Ordering"),
        ), "task_queues")
    f = form()
    return one(engine.queues.create_task_queue(
        ws,
        friendly_name=f.str("FriendlyName", required=True),
        target_workers=f.str("TargetWorkers"),
        max_reserved_workers=f.int("MaxReservedWorkers", 1, 50),
        task_order=f.enum("TaskOrder", ("FIFO", "LIFO")),
        reservation_activity_sid=f.str("ReservationActivitySid"),
        assignment_activity_sid=f.str("AssignmentActivitySid"),
    ), 201)


@bp.route("/v1/Workspaces/<ws>/TaskQueues/<sid>", methods=["GET", "POST", "DELETE"])
def task_queue(ws: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.task_queue(ws, sid))
    if request.method == "DELETE":
        engine.queues.delete_task_queue(ws, sid)
        return deleted()
    f = form()
    return one(engine.queues.update_task_queue(
        ws, sid,
        friendly_name=f.str("FriendlyName"),
        target_workers=f.str("TargetWorkers"),
        max_reserved_workers=f.int("MaxReservedWorkers", 1, 50),
        task_order=f.enum("TaskOrder", ("FIFO", "LIFO")),
        reservation_activity_sid=f.str("ReservationActivitySid"),
        assignment_activity_sid=f.str("AssignmentActivitySid"),
    ))
