"""TaskRouter's words, each spelled once: statuses, their groupings, reasons the system gives, SID shapes.

Values are Twilio's own: its OpenAPI spec's enums and https://www.twilio.com/docs/taskrouter/lifecycle-task-state.
"""

from __future__ import annotations

import re
from enum import StrEnum


class TaskStatus(StrEnum):
    """A Task's ``assignment_status`` (Twilio's spec: task_enum_status)."""

    PENDING = "pending"
    RESERVED = "reserved"
    ASSIGNED = "assigned"
    CANCELED = "canceled"
    COMPLETED = "completed"
    WRAPPING = "wrapping"


class ReservationStatus(StrEnum):
    """A Reservation's ``reservation_status`` (Twilio's spec: task_reservation_enum_status)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    CANCELED = "canceled"
    RESCINDED = "rescinded"
    WRAPPING = "wrapping"
    COMPLETED = "completed"


class CallStatus(StrEnum):
    """A Voice call's ``status`` (https://www.twilio.com/docs/voice/api/call-resource#call-status-values)."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


class ConferenceStatus(StrEnum):
    """A Voice conference's ``status`` (https://www.twilio.com/docs/voice/api/conference-resource): "init",
    "in-progress" or "completed"."""

    INIT = "init"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"


# groupings (how they move: lifecycles.py)
TASK_STATUSES = tuple(TaskStatus)
WAITING_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.RESERVED)  # still looking for a worker
LIVE_TASK_STATUSES = (*WAITING_TASK_STATUSES, TaskStatus.ASSIGNED, TaskStatus.WRAPPING)  # not yet finished
FINISHED_TASK_STATUSES = (TaskStatus.CANCELED, TaskStatus.COMPLETED)
LIVE_CALL_STATUSES = (CallStatus.QUEUED, CallStatus.RINGING, CallStatus.IN_PROGRESS)  # not yet ended
RESERVATION_STATUSES = tuple(ReservationStatus)
HELD_RESERVATION_STATUSES = (ReservationStatus.PENDING, ReservationStatus.ACCEPTED, ReservationStatus.WRAPPING)  # the worker is busy
FINAL_RESERVATION_STATUSES = tuple(s for s in ReservationStatus if s not in HELD_RESERVATION_STATUSES)

# reasons TaskRouter writes on a task it cancels itself
TTL_REASON = "Task TTL Exceeded"
MAX_ASSIGNMENTS_REASON = "Task TTL Exceeded or Max assignment count exceeded"
WORKFLOW_TIMEOUT_REASON = "Workflow Timeout"
# a task skipped (skip_if) out of its workflow's last step: the reference names the event
# (workflow.skipped), not the reason text — UNCONFIRMED, chosen to mirror the timeout's
WORKFLOW_SKIPPED_REASON = "Workflow Skipped"

# the instructions an assignment callback's answer (or REST Instruction=) may give
INSTRUCTIONS = ("accept", "reject", "dequeue", "call", "redirect", "conference", "supervise")

# the activities and task channels every new workspace starts with
DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))
DEFAULT_CHANNELS = (("Default", "default"), ("Voice", "voice"), ("SMS", "sms"), ("Chat", "chat"), ("Video", "video"))

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def looks_like(sid: str | None, prefix: str) -> bool:
    """Is ``sid`` shaped like a SID with this two-letter prefix (e.g. ``WQ`` for a TaskQueue)?"""
    return bool(sid) and sid[:2] == prefix and bool(_SID.match(sid))
