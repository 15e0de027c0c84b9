"""Tasks."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request

from ...language.vocabulary import TASK_STATUSES
from ..engine.errors import InvalidParameter
from .common import args, deleted, engine, form, if_match, one, page

bp = Blueprint("tasks", __name__)


@bp.route("/v1/Workspaces/<ws>/Tasks", methods=["GET", "POST"])
def tasks(ws: str):
    if request.method == "GET":
        a = args()
        statuses = a.list("AssignmentStatus")
        for status in statuses or []:
            if status not in TASK_STATUSES:
                raise InvalidParameter(f"AssignmentStatus must be one of {', '.join(TASK_STATUSES)}, got {status!r}")
        return page(partial(
            engine.tasks.list_tasks, ws,
            priority=a.int("Priority"),
            assignment_status=statuses,
            workflow_sid=a.str("WorkflowSid"),
            workflow_name=a.str("WorkflowName"),
            task_queue_sid=a.str("TaskQueueSid"),
            task_queue_name=a.str("TaskQueueName"),
            evaluate_task_attributes=a.str("EvaluateTaskAttributes"),
            routing_target=a.str("RoutingTarget"),
            ordering=a.str("Ordering"),
            has_addons=a.bool("HasAddons"),
        ), "tasks")
    f = form()
    return one(engine.tasks.create_task(
        ws,
        attributes=f.str("Attributes"),
        workflow_sid=f.str("WorkflowSid"),
        priority=f.int("Priority", 0, 2_147_483_647),
        timeout=f.int("Timeout", 1, 1_209_600),
        task_channel=f.str("TaskChannel"),
        virtual_start_time=f.date("VirtualStartTime"),
        routing_target=f.str("RoutingTarget"),
        ignore_capacity=f.bool("IgnoreCapacity"),
        task_queue_sid=f.str("TaskQueueSid"),
    ), 201)


@bp.route("/v1/Workspaces/<ws>/Tasks/<sid>", methods=["GET", "POST", "DELETE"])
def task(ws: str, sid: str):
    if request.method == "GET":
        return one(engine.lookups.task(ws, sid))
    if request.method == "DELETE":
        engine.tasks.delete_task(ws, sid, if_match=if_match())
        return deleted()
    f = form()
    return one(engine.tasks.update_task(
        ws, sid,
        attributes=f.str("Attributes"),
        assignment_status=f.enum("AssignmentStatus", TASK_STATUSES),
        reason=f.str("Reason"),
        priority=f.int("Priority", 0, 2_147_483_647),
        task_channel=f.str("TaskChannel"),
        virtual_start_time=f.date("VirtualStartTime"),
        if_match=if_match(),
    ))
