"""TaskRouter's words, each spelled once: statuses, their groupings, reasons the system gives, SID shapes.

Values are Twilio's own: its OpenAPI spec's enums and https://www.twilio.com/docs/taskrouter/lifecycle-task-state.
"""

from __future__ import annotations

import re

# a Task's assignment_status (spec: task_enum_status)
TASK_STATUSES = ("pending", "reserved", "assigned", "canceled", "completed", "wrapping")
WAITING_TASK_STATUSES = ("pending", "reserved")  # still looking for a worker
LIVE_TASK_STATUSES = ("pending", "reserved", "assigned", "wrapping")  # not yet finished
FINISHED_TASK_STATUSES = ("canceled", "completed")

# a Reservation's reservation_status (spec: task_reservation_enum_status)
RESERVATION_STATUSES = ("pending", "accepted", "rejected", "timeout", "canceled", "rescinded", "wrapping", "completed")
HELD_RESERVATION_STATUSES = ("pending", "accepted", "wrapping")  # the worker is busy with it
FINAL_RESERVATION_STATUSES = ("rejected", "timeout", "canceled", "rescinded", "completed")

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
