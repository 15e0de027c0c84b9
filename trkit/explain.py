""""Why is my task pending?" — routing explained from what the REST API returns.

Everything here reads TaskRouter through the twilio library (workflow
configuration, queues, workers, reservations) and judges each worker with the
eligibility rule the bundled mock routes with (``trkit.language.eligibility``),
so the explanation is the same on the mock and on real Twilio.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .language.eligibility import Candidate, why_not
from .language.expressions import ExpressionError, compile_expression
from .language.vocabulary import HELD_RESERVATION_STATUSES, WAITING_TASK_STATUSES
from .language.workflow_config import DEFAULT_FILTER_NAME, Target, read_configuration


@dataclass
class WorkerVerdict:
    worker: str
    activity: str
    available: bool
    verdict: str  # "reserved for this task", "eligible", "not eligible", "assigned this task"
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sid: str = ""


@dataclass
class FilterCheck:
    name: str
    expression: str
    matched: bool
    chosen: bool


@dataclass
class TaskExplanation:
    task_sid: str
    status: str
    summary: str
    queue: str | None
    queue_expression: str | None
    target_expression: str | None
    seconds_in_queue: int | None
    target_timeout: int | None
    filters: list[FilterCheck]
    workers: list[WorkerVerdict]

    @property
    def routable(self) -> bool:
        """A waiting task that some worker could be reserved for right now."""
        return self.status == "pending" and any(w.verdict == "eligible" for w in self.workers)

    def workers_frame(self) -> pd.DataFrame:
        rows = [{"Worker": w.worker, "Activity": w.activity, "Verdict": w.verdict,
                 "Why": "; ".join(w.reasons + w.notes)} for w in self.workers]
        return pd.DataFrame(rows, columns=["Worker", "Activity", "Verdict", "Why"])

    def filters_frame(self) -> pd.DataFrame:
        rows = [{"Filter": f.name, "Expression": f.expression, "Matches the task": f.matched, "Chosen": f.chosen} for f in self.filters]
        return pd.DataFrame(rows, columns=["Filter", "Expression", "Matches the task", "Chosen"])

    def __str__(self) -> str:
        return self.summary

    def _repr_html_(self) -> str:
        parts = [f"<p class='trkit-explain-summary'><b>{html.escape(self.summary)}</b></p>"]
        if self.queue:
            wait = f", waiting {self.seconds_in_queue} s" if self.seconds_in_queue is not None else ""
            timeout = f"; the target moves it on after {self.target_timeout} s" if self.target_timeout else ""
            parts.append(f"<p>Queue <b>{html.escape(self.queue)}</b> (target workers <code>{html.escape(self.queue_expression or '')}</code>)"
                         f"{wait}{timeout}.</p>")
        if self.filters:
            parts.append(self.filters_frame().to_html(index=False))
        parts.append(self.workers_frame().to_html(index=False))
        return "".join(parts)

    def __repr__(self) -> str:
        return self.summary + "\n" + self.workers_frame().to_string(index=False)


def _attributes(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _evaluate(expression: str, context: dict) -> tuple[bool, list[str]]:
    try:
        compiled = compile_expression(expression)
    except ExpressionError as exc:
        return False, [f"expression {expression!r} does not parse: {exc}"]
    return compiled.matches(context), compiled.why_false(context)


def explain_task(workspace, task_sid: str, multi_task: bool | None = None) -> TaskExplanation:
    """Explain where ``task_sid`` stands and, worker by worker, why it is (not) being offered."""
    task = workspace.tasks(task_sid).fetch()
    attributes = _attributes(task.attributes)
    workflow = workspace.workflows(task.workflow_sid).fetch() if task.workflow_sid else None
    config = read_configuration(workflow.configuration if workflow else None)
    checks: list[FilterCheck] = []
    chosen_seen = False
    for filt in config.filters:
        matched, _ = _evaluate(filt.expression, attributes)
        chosen = matched and not chosen_seen
        chosen_seen = chosen_seen or matched
        checks.append(FilterCheck(filt.name, filt.expression, matched, chosen))
    if config.default is not None:
        checks.append(FilterCheck(DEFAULT_FILTER_NAME, "(used when no filter matches)", not chosen_seen, not chosen_seen))
    _, target = config.step_of_queue(task.task_queue_sid)
    queue = workspace.task_queues(task.task_queue_sid).fetch() if task.task_queue_sid else None
    if multi_task is None:
        multi_task = bool(workspace.fetch().multi_task_enabled)
    reservations = workspace.tasks(task_sid).reservations.list()
    waited = None
    if task.task_queue_entered_date is not None and task.date_created is not None:
        # from the server's own figures (the mock's clock may run ahead of this machine's)
        waited = max(0, (task.age or 0) - int((task.task_queue_entered_date - task.date_created).total_seconds()))
    verdicts = []
    for worker in workspace.workers.list():
        verdicts.append(_worker_verdict(workspace, worker, task, attributes, queue, target, reservations, multi_task))
    summary = _summary(task, queue, verdicts)
    return TaskExplanation(
        task_sid=task.sid, status=task.assignment_status, summary=summary,
        queue=queue.friendly_name if queue else None, queue_expression=queue.target_workers if queue else None,
        target_expression=target.expression if target else None, seconds_in_queue=waited,
        target_timeout=target.timeout if target else None,
        filters=checks, workers=verdicts,
    )


def _worker_verdict(workspace, worker, task, task_attributes: dict, queue, target: Target | None, reservations,
                    multi_task: bool) -> WorkerVerdict:
    verdict = WorkerVerdict(worker.friendly_name, worker.activity_name, bool(worker.available), "not eligible", sid=worker.sid)
    mine = [r for r in reservations if r.worker_sid == worker.sid]
    if any(r.reservation_status in ("accepted", "wrapping", "completed") for r in mine):
        verdict.verdict = "assigned this task"
        return verdict
    if any(r.reservation_status == "pending" for r in mine):
        verdict.verdict = "reserved for this task"
        verdict.reasons.append("holds a pending reservation for it: accept or reject it")
        return verdict
    for r in mine:
        if r.reservation_status in ("rejected", "timeout"):
            verdict.notes.append(f"{'rejected' if r.reservation_status == 'rejected' else 'timed out on'} this task before")
    if queue is None:
        verdict.reasons.append("the task is in no queue")
        return verdict
    busy = None
    if not multi_task:
        held = [r for r in workspace.workers(worker.sid).reservations.list() if r.reservation_status in HELD_RESERVATION_STATUSES
                and r.task_sid != task.sid]
        if held:
            kind = "a pending reservation" if held[0].reservation_status == "pending" else f"an {held[0].reservation_status} task"
            busy = f"already holds {kind} ({held[0].task_sid})"
    candidate = Candidate(worker.sid, worker.friendly_name, _attributes(worker.attributes), worker.activity_sid,
                          worker.activity_name, bool(worker.available))
    verdict.reasons.extend(why_not(candidate, task_attributes, queue.target_workers, target, busy=busy, explain=True))
    if not verdict.reasons:
        if task.assignment_status not in WAITING_TASK_STATUSES:
            verdict.verdict = "could have taken it"
        else:
            pending_count = sum(r.reservation_status == "pending" for r in reservations)
            verdict.verdict = "eligible"
            if pending_count >= (queue.max_reserved_workers or 1):
                verdict.notes.append(f"the queue offers a task to {queue.max_reserved_workers} worker(s) at a time, and that is taken")
            else:
                verdict.notes.append("should be reserved as soon as routing runs")
    return verdict


def _summary(task, queue, verdicts: list[WorkerVerdict]) -> str:
    status = task.assignment_status
    if status in ("assigned", "wrapping", "completed", "canceled"):
        who = next((v.worker for v in verdicts if v.verdict == "assigned this task"), None)
        return f"Task is {status}" + (f" to {who}." if who and status != "canceled" else ".") + (f" Reason: {task.reason}" if task.reason else "")
    if status == "reserved":
        names = [v.worker for v in verdicts if v.verdict == "reserved for this task"]
        return f"Task is reserved for {', '.join(names)}: waiting for an accept or reject (by REST or the callback's instruction)."
    if queue is None:
        return "Task is pending outside any queue: no workflow filter matched and there is no default filter."
    eligible = [v.worker for v in verdicts if v.verdict == "eligible"]
    if eligible:
        return f"Task is pending in {queue.friendly_name}; {', '.join(eligible)} can take it now."
    short = []
    for v in verdicts:
        if v.reasons:
            reason = v.reasons[0]
            if reason.startswith("fails the queue's target workers") and ": " in reason:
                reason = reason.split(": ", 1)[1]
            elif reason.startswith("activity "):
                reason = f"is {v.activity}"
            short.append(f"{v.worker} {reason}")
    who = queue.target_workers or "this queue"
    return f"No available worker matches {who}: " + "; ".join(short) if short else f"Task is pending in {queue.friendly_name} and there are no workers."


@dataclass
class WorkerExplanation:
    worker: str
    summary: str
    queues: list[dict[str, Any]]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.queues, columns=["Queue", "Member", "Why", "Waiting tasks"])

    def _repr_html_(self) -> str:
        return f"<p class='trkit-explain-summary'><b>{html.escape(self.summary)}</b></p>" + self.frame().to_html(index=False)

    def __repr__(self) -> str:
        return self.summary + "\n" + self.frame().to_string(index=False)


def explain_worker(workspace, worker_sid: str, multi_task: bool | None = None) -> WorkerExplanation:
    """Why a worker is (not) getting tasks: availability, queue membership, what waits in those queues."""
    worker = workspace.workers(worker_sid).fetch()
    attributes = _attributes(worker.attributes)
    if multi_task is None:
        multi_task = bool(workspace.fetch().multi_task_enabled)
    waiting = workspace.tasks.list(assignment_status=list(WAITING_TASK_STATUSES))
    rows = []
    member_of = []
    for queue in workspace.task_queues.list():
        member, why = _evaluate(queue.target_workers, attributes) if queue.target_workers else (False, ["no target workers"])
        count = sum(1 for t in waiting if t.task_queue_sid == queue.sid)
        rows.append({"Queue": queue.friendly_name, "Member": member, "Why": "" if member else "; ".join(why), "Waiting tasks": count})
        if member:
            member_of.append((queue, count))
    held = [r for r in workspace.workers(worker_sid).reservations.list() if r.reservation_status in HELD_RESERVATION_STATUSES]
    name = worker.friendly_name
    if held and not multi_task:
        summary = f"{name} already holds a {held[0].reservation_status} reservation ({held[0].sid}): one task at a time."
    elif not worker.available:
        summary = f"{name} is {worker.activity_name}, which is not an available activity: no task will be offered."
    elif not member_of:
        summary = f"{name} is available but belongs to no queue: every queue's target workers expression rejects their attributes."
    elif not any(count for _, count in member_of):
        summary = f"{name} is available and in {', '.join(q.friendly_name for q, _ in member_of)}, but no task is waiting there."
    else:
        summary = f"{name} is available and tasks are waiting in their queues: check the tasks' target expressions with explain(task)."
    return WorkerExplanation(name, summary, rows)
