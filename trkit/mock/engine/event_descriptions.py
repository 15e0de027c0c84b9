"""What each event's ``EventDescription`` says, in one table.

Events recorded from real TaskRouter name the resource by SID, except workers, which they name by
friendly name: "Task WT… created" (a ``task.created`` from a quickstart workspace, 2023),
"TaskQueue WQ… created", "TaskQueue WQ… expression updated to '…'", "Worker test created" and
"Worker <name> updated attributes to {…}" (the ``tr-events`` handlers of Twilio Professional
Services' flex-project-template, 2023). Descriptions of events without a recording follow the
same pattern. A learner's code should read the event's fields, never parse this text.
"""

from __future__ import annotations

from typing import Any

from ...language.documents import with_escaped_slashes

DESCRIPTIONS: dict[str, str] = {
    "workspace.created": "Workspace {resource_sid} created",
    "workspace.updated": "Workspace {resource_sid} updated",
    "workspace.deleted": "Workspace {resource_sid} deleted",
    "activity.created": "Activity {resource_sid} created",
    "activity.updated": "Activity {resource_sid} updated",
    "activity.deleted": "Activity {resource_sid} deleted",
    "task-channel.created": "TaskChannel {resource_sid} created",
    "task-channel.updated": "TaskChannel {resource_sid} updated",
    "task-channel.deleted": "TaskChannel {resource_sid} deleted",
    "task-queue.created": "TaskQueue {resource_sid} created",
    "task-queue.expression.updated": "TaskQueue {resource_sid} expression updated to '{task_queue_target_expression}'",
    "task-queue.deleted": "TaskQueue {resource_sid} deleted",
    "task-queue.entered": "Task {task_sid} entered TaskQueue {task_queue_sid}",
    "task-queue.moved": "Task {task_sid} moved to TaskQueue {task_queue_sid}",
    "task-queue.timeout": "Task {task_sid} timed out of TaskQueue {task_queue_sid}",
    "workflow.created": "Workflow {resource_sid} created",
    "workflow.updated": "Workflow {resource_sid} updated",
    "workflow.deleted": "Workflow {resource_sid} deleted",
    "workflow.entered": "Task {task_sid} entered Workflow {workflow_sid}",
    "workflow.target-matched": "Task {task_sid} matched a workflow target",
    "workflow.timeout": "Task {task_sid} timed out of Workflow {workflow_sid}",
    "workflow.skipped": "Task {task_sid} skipped Workflow {workflow_sid}",
    "worker.created": "Worker {worker_name} created",
    "worker.attributes.update": "Worker {worker_name} updated attributes to {worker_attributes}",
    "worker.activity.update": "Worker {worker_name} updated to {worker_activity_name} Activity",
    "worker.capacity.update": "Worker {worker_name} updated capacity",
    "worker.channel.availability.update": "Worker {worker_name} updated channel availability",
    "worker.deleted": "Worker {worker_name} deleted",
    "task.created": "Task {task_sid} created",
    "task.updated": "Task {task_sid} updated",
    "task.wrapup": "Task {task_sid} wrapping up",
    "task.completed": "Task {task_sid} completed",
    "task.deleted": "Task {task_sid} deleted",
    "task.system-deleted": "Task {task_sid} deleted by the system after it was {task_assignment_status}",
    "reservation.created": "Reservation {reservation_sid} created",
    "reservation.accepted": "Reservation {reservation_sid} accepted",
    "reservation.rejected": "Reservation {reservation_sid} rejected",
    "reservation.timeout": "Reservation {reservation_sid} timed out",
    "reservation.canceled": "Reservation {reservation_sid} canceled",
    "reservation.rescinded": "Reservation {reservation_sid} rescinded",
    "reservation.completed": "Reservation {reservation_sid} completed",
    "reservation.wrapup": "Reservation {reservation_sid} wrapping up",
    "reservation.failed": "Reservation {reservation_sid} failed",
}


def describe(event_type: str, resource_sid: str, data: dict[str, Any]) -> str:
    """The description of one event from its type, resource and data."""
    if event_type == "task.canceled":
        # Twilio's spec: on TTL expiry "the task.canceled event will fire with description Task TTL Exceeded";
        # a cancel with a reason is described by it the same way
        return data.get("task_canceled_reason") or f"Task {resource_sid} canceled"
    if event_type == "worker.attributes.update":  # the attributes, as written in the event's own parameters
        data = {**data, "worker_attributes": with_escaped_slashes(data["worker_attributes"])}
    return DESCRIPTIONS[event_type].format(resource_sid=resource_sid, **data)

