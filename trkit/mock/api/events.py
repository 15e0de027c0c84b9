"""The event log."""

from __future__ import annotations

from functools import partial

from flask import Blueprint

from .common import args, engine, one, page

bp = Blueprint("events", __name__)


@bp.route("/v1/Workspaces/<ws>/Events", methods=["GET"])
def events(ws: str):
    a = args()
    return page(partial(
        engine.events.list_events, ws,
        end_date=a.date("EndDate"),
        event_type=a.str("EventType"),
        minutes=a.int("Minutes", 1, 43200),
        reservation_sid=a.str("ReservationSid"),
        start_date=a.date("StartDate"),
        task_queue_sid=a.str("TaskQueueSid"),
        task_sid=a.str("TaskSid"),
        worker_sid=a.str("WorkerSid"),
        workflow_sid=a.str("WorkflowSid"),
        task_channel=a.str("TaskChannel"),
        sid=a.str("Sid"),
    ), "events")


@bp.route("/v1/Workspaces/<ws>/Events/<sid>", methods=["GET"])
def event(ws: str, sid: str):
    return one(engine.lookups.event(ws, sid))
