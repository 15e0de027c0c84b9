"""Who may take what, and why not: the one rule routing applies and ``explain`` reports.

A worker may be reserved for a task from a queue under a workflow target when, in this order
(https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment): its activity is available; it has room (single-tasking: no task held;
multi-tasking: its channel's capacity); it does not already hold a pending reservation for the
task; the queue's ``target_workers`` matches its attributes; the target's ``expression`` matches
``task.*`` and ``worker.*``; and, for known-agent routing, the task names this very worker.

The mock's routing asks :func:`why_not` for the first failing condition only; ``explain`` asks
for all of them, each with the clause of the expression that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .expressions import ExpressionError, attribute_at, compile_expression
from .workflow_config import Target


@dataclass(frozen=True)
class Candidate:
    """A worker as routing sees it."""

    sid: str
    friendly_name: str
    attributes: dict
    activity_sid: str | None
    activity_name: str | None
    available: bool

    def namespace(self) -> dict[str, Any]:
        """What ``worker.*`` means in a target expression: the attributes, then the worker's own fields."""
        context = dict(self.attributes)
        context.setdefault("sid", self.sid)
        context.setdefault("friendly_name", self.friendly_name)
        context.setdefault("activity_sid", self.activity_sid)
        context.setdefault("activity_name", self.activity_name)
        return context


def _matches(expression: str, context: dict, explain: bool) -> tuple[bool, list[str]]:
    try:
        compiled = compile_expression(expression)
    except ExpressionError as exc:
        return False, [f"expression {expression!r} does not parse: {exc}"]
    if compiled.matches(context):
        return True, []
    return False, compiled.why_false(context) if explain else []


def in_queue(target_workers: str | None, attributes: dict) -> bool:
    """Is a worker with these attributes a member of a queue with this ``target_workers``?"""
    return bool(target_workers) and _matches(target_workers, attributes, False)[0]


def is_known_worker(task_attributes: dict, target: Target, sid: str, friendly_name: str) -> bool:
    """Known-agent routing: only the worker the task's attributes name is considered in that step."""
    for path, field in ((target.known_worker_sid, sid), (target.known_worker_friendly_name, friendly_name)):
        if path is not None:
            return attribute_at(task_attributes, path) == field
    return True


def why_not(worker: Candidate, task_attributes: dict, target_workers: str | None, target: Target | None, *,
            busy: str | None = None, offered: bool = False, explain: bool = False) -> list[str]:
    """Why ``worker`` may not be reserved for the task now; empty when it may.

    ``busy`` says why the worker has no room (the caller counts its load), ``offered`` that it already
    holds a pending reservation for this task. Without ``explain`` the answer stops at the first
    reason (routing needs no more); with it, every reason, each expression's failing clauses spelled out.
    """
    reasons: list[str] = []
    if not worker.available:
        reasons.append(f"activity {worker.activity_name} is not available")
    if busy and (explain or not reasons):
        reasons.append(busy)
    if offered and (explain or not reasons):
        reasons.append("holds a pending reservation for it: accept or reject it")
    if reasons and not explain:
        return reasons
    if not target_workers:
        reasons.append("the queue has no target workers")
    else:
        member, why = _matches(target_workers, worker.attributes, explain)
        if not member:
            reasons.append(f"fails the queue's target workers {target_workers!r}" + (": " + "; ".join(why) if why else ""))
    if reasons and not explain:
        return reasons
    if target is not None and target.expression:
        matched, why = _matches(target.expression, {"task": task_attributes, "worker": worker.namespace()}, explain)
        if not matched:
            reasons.append(f"fails the target expression {target.expression!r}" + (": " + "; ".join(why) if why else ""))
    if target is not None and not is_known_worker(task_attributes, target, worker.sid, worker.friendly_name):
        reasons.append("is not the known worker the task names for this step")
    return reasons


def order_key(attributes: dict, target: Target) -> tuple:
    """A target's ``order_by``: numeric worker attributes in the clauses' order; workers without one go last."""
    key: list = []
    for path, descending in target.order_by:
        value = attribute_at(attributes, path)
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        key.append((number is None, -number if descending and number is not None else number or 0))
    return tuple(key)
