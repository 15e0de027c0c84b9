"""Workers and their channels."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request

from .common import args, deleted, engine, form, if_match, one, page

bp = Blueprint("workers", __name__)


@bp.route("/v1/Workspaces/<ws>/Workers", methods=["GET", "POST"])
def workers(ws: str):
    if request.method == "GET":
        a = args()
        return page(partial(
            engine.workers.list_workers, ws,
            activity_name=a.str("ActivityName"),
            activity_sid=a.str("ActivitySid"),
            available=a.bool("Available", lenient=True),
            friendly_name=a.str("FriendlyName"),
            target_workers_expression=a.str("TargetWorkersExpression"),
            task_queue_name=a.str("TaskQueueName"),
            task_queue_sid=a.str("TaskQueueSid"),
            ordering=a.str("Ordering"),
        ), "workers")
    f = form()
    return one(engine.workers.create_worker(ws, f.str("FriendlyName", required=True), f.str("ActivitySid"), f.str("Attributes")), 201)


@bp.route("/v1/Workspaces/<ws>/Workers/<sid>", methods=["GET", "POST", "DELETE"])
def worker(ws: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.worker(ws, sid))
    if request.method == "DELETE":
        engine.workers.delete_worker(ws, sid, if_match=if_match())
        return deleted()
    f = form()
    return one(engine.workers.update_worker(
        ws, sid,
        activity_sid=f.str("ActivitySid"),
        attributes=f.str("Attributes"),
        friendly_name=f.str("FriendlyName"),
        reject_pending_reservations=f.bool("RejectPendingReservations"),
        if_match=if_match(),
    ))


@bp.route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Channels", methods=["GET"])
def worker_channels(ws: str, worker_sid: str):
    return page(engine.workers.worker_channels(ws, worker_sid), "channels")


@bp.route("/v1/Workspaces/<ws>/Workers/<worker_sid>/Channels/<sid>", methods=["GET", "POST"])
def worker_channel(ws: str, worker_sid: str, sid: str):
    if request.method == "GET":
        return one(engine.workers.worker_channel(ws, worker_sid, sid))
    f = form()
    return one(engine.workers.update_worker_channel(ws, worker_sid, sid, f.int("Capacity", 0, 50), f.bool("Available")))
