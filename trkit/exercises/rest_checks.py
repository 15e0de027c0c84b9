"""Checks of the REST exercises: create a task (notebook 01), accept a reservation (02)."""

from __future__ import annotations

import json

from ..tutorial import QUEUES
from .evidence import Evidence, attributes_of
from .objectives import CheckResult, failed, passed

WANTED_ATTRIBUTES = {"selected_language": "es"}


def create_task(evidence: Evidence) -> CheckResult:
    tasks = evidence.tasks()
    if not tasks:
        return failed("create-task", "there is no task in the tutorial workspace.",
                      "run your cell: tutorial.workspace.tasks.create(attributes=..., workflow_sid=...).")
    task = tasks[0]
    attributes = attributes_of(task)
    shown = json.dumps(attributes)
    if task.workflow_sid != evidence.tutorial.workflow_sid:
        return failed("create-task", f"task {task.sid} is in workflow {task.workflow_sid}, not the tutorial's.",
                      f"pass workflow_sid=tutorial.workflow_sid ({evidence.tutorial.workflow_sid}).")
    language = attributes.get("selected_language")
    queue = task.task_queue_friendly_name or "no queue"
    if "selected_language" not in attributes:
        return failed("create-task", f"task {task.sid} has the attributes {shown}: no selected_language, so no filter "
                                     f"matched and the default filter put it in {queue!r}.",
                      'the workflow\'s filters read selected_language: attributes=json.dumps({"selected_language": "es"}).')
    if language != "es":
        return failed("create-task", f"task {task.sid} has selected_language {json.dumps(language)}; the Spanish filter "
                                     f'asks selected_language == "es", so it waits in {queue!r}.',
                      'use the language code the filter compares with: "es".')
    if queue != QUEUES["es"]:
        return failed("create-task", f"task {task.sid} waits in {queue!r}.", f"it should wait in {QUEUES['es']!r}.")
    return passed("create-task", f"task {task.sid} has the attributes {shown} and is {task.assignment_status} "
                                 f"in {queue!r}.")


def accept_by_rest(evidence: Evidence) -> CheckResult:
    alice = evidence.tutorial.workers["Alice"]
    for task in evidence.tasks():
        reservations = [r for r in evidence.workspace.tasks(task.sid).reservations.list() if r.worker_sid == alice]
        if reservations:
            return _judge_acceptance(evidence, task, reservations)
    return failed("accept-by-rest", "Alice holds no reservation in the tutorial workspace.",
                  "run the cells above: a Spanish task, then Alice Idle, make one.")


def _judge_acceptance(evidence: Evidence, task, reservations: list) -> CheckResult:
    by_status = {r.reservation_status: r for r in reservations}
    if "accepted" in by_status:
        reservation = by_status["accepted"]
        task = evidence.workspace.tasks(task.sid).fetch()
        activity = evidence.worker("Alice").activity_name
        return passed("accept-by-rest", f"reservation {reservation.sid} is accepted, task {task.sid} is "
                                        f"{task.assignment_status} and Alice is {activity}.")
    if "rejected" in by_status:
        again = f"; TaskRouter offered it to her again ({by_status['pending'].sid}, pending)" if "pending" in by_status else ""
        return failed("accept-by-rest", f"Alice's reservation {by_status['rejected'].sid} was rejected, so the task went back "
                                        f"to waiting{again}.", 'accepting is reservation_status="accepted".')
    reservation = reservations[-1]
    if reservation.reservation_status == "pending":
        return failed("accept-by-rest", f"Alice's reservation {reservation.sid} is still pending.",
                      'update it with reservation_status="accepted": the status word, not the verb "accept".')
    return failed("accept-by-rest", f"Alice's reservation {reservation.sid} is {reservation.reservation_status}.",
                  "make a new reservation (the cells above) and accept it before it times out.")
