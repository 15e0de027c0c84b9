"""The quickstart's workspace, created idempotently: re-running finds and reuses it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .language.vocabulary import WAITING_TASK_STATUSES

WORKSPACE_NAME = "trkit TaskRouter Quickstart"
ACTIVITIES = {"Offline": False, "Idle": True, "Busy": False, "Reserved": False}
WORKERS = {"Alice": {"languages": ["en", "es"]}, "Bob": {"languages": ["en"]}}
QUEUES = {"es": "Customer Care Requests - Spanish", "en": "Customer Care Requests - English"}
WORKFLOW_NAME = "Incoming Customer Care Requests"
RESERVATION_TIMEOUT = 1200  # the quickstart's: long enough to accept by hand


def routing_configuration(queues: dict[str, str]) -> dict:
    return {
        "task_routing": {
            "filters": [
                {"filter_friendly_name": "Language - Spanish", "expression": 'selected_language == "es"',
                 "targets": [{"queue": queues["es"]}]},
                {"filter_friendly_name": "Language - English", "expression": 'selected_language == "en"',
                 "targets": [{"queue": queues["en"]}]},
            ],
            "default_filter": {"queue": queues["en"]},
        }
    }


@dataclass
class Tutorial:
    """SIDs of the tutorial workspace and the few actions every notebook needs."""

    client: Any
    workspace_sid: str
    activities: dict[str, str] = field(default_factory=dict)
    workers: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    workflow_sid: str = ""

    @property
    def workspace(self):
        """``client.taskrouter.v1.workspaces(workspace_sid)``: the twilio context for this workspace."""
        return self.client.taskrouter.v1.workspaces(self.workspace_sid)

    def set_activity(self, worker: str, activity: str, **kwargs):
        return self.workspace.workers(self.workers[worker]).update(activity_sid=self.activities[activity], **kwargs)

    def create_task(self, language: str = "es", **kwargs):
        return self.workspace.tasks.create(attributes=json.dumps({"selected_language": language}),
                                           workflow_sid=self.workflow_sid, **kwargs)

    def pending_reservations(self, task_sid: str) -> list:
        return self.workspace.tasks(task_sid).reservations.list(reservation_status="pending")

    def reset(self) -> None:
        """Start a lesson from a clean slate: every task ended and deleted, every worker Offline."""
        workspace = self.workspace
        for name in self.workers:
            self.set_activity(name, "Offline", reject_pending_reservations=True)
        for task in workspace.tasks.list(page_size=1000):
            if task.assignment_status in WAITING_TASK_STATUSES:
                workspace.tasks(task.sid).update(assignment_status="canceled", reason="lesson reset")
            elif task.assignment_status in ("assigned", "wrapping"):
                workspace.tasks(task.sid).update(assignment_status="completed", reason="lesson reset")
            workspace.tasks(task.sid).delete()


def reset_phone_line(client, number: str) -> None:
    """On the mock, a lesson starts with the kit's number (bought once) pointing nowhere and no calls on record."""
    for call in client.calls.list(status="in-progress") + client.calls.list(status="ringing"):
        client.calls(call.sid).update(status="completed")
    for call in client.calls.list():
        client.calls(call.sid).delete()
    found = client.incoming_phone_numbers.list(phone_number=number)
    if found:
        client.incoming_phone_numbers(found[0].sid).update(voice_url="", voice_fallback_url="", status_callback="")
    else:
        client.incoming_phone_numbers.create(phone_number=number, friendly_name="trkit tutorial line")


def remove_tutorial_workspaces(client) -> int:
    """Delete the tutorial workspace(s) and everything in them; returns how many."""
    found = client.taskrouter.v1.workspaces.list(friendly_name=WORKSPACE_NAME)
    for workspace in found:
        client.taskrouter.v1.workspaces(workspace.sid).delete()
    return len(found)


def _by_name(items) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        found.setdefault(item.friendly_name, item)
    return found


def ensure_tutorial_workspace(client, assignment_callback_url: str | None, event_callback_url: str | None = None,
                              reservation_timeout: int = RESERVATION_TIMEOUT) -> Tutorial:
    """Find or build the quickstart's workspace and point its callbacks at ``*_callback_url``."""
    tr = client.taskrouter.v1
    existing = tr.workspaces.list(friendly_name=WORKSPACE_NAME)
    if existing:
        workspace = existing[0]
        if (workspace.event_callback_url or None) != event_callback_url:
            tr.workspaces(workspace.sid).update(event_callback_url=event_callback_url or "")
    else:
        workspace = tr.workspaces.create(friendly_name=WORKSPACE_NAME, multi_task_enabled=False,
                                         event_callback_url=event_callback_url)
    api = tr.workspaces(workspace.sid)
    tutorial = Tutorial(client, workspace.sid)

    activities = _by_name(api.activities.list())
    for name, available in ACTIVITIES.items():
        activity = activities.get(name) or api.activities.create(friendly_name=name, available=available)
        tutorial.activities[name] = activity.sid

    workers = _by_name(api.workers.list())
    for name, attributes in WORKERS.items():
        text = json.dumps(attributes)
        worker = workers.get(name)
        if worker is None:
            worker = api.workers.create(friendly_name=name, attributes=text, activity_sid=tutorial.activities["Offline"])
        elif json.loads(worker.attributes or "{}") != attributes:
            worker = api.workers(worker.sid).update(attributes=text)
        tutorial.workers[name] = worker.sid

    queues = _by_name(api.task_queues.list())
    for language, name in QUEUES.items():
        wanted = {"target_workers": f'languages HAS "{language}"',
                  "reservation_activity_sid": tutorial.activities["Reserved"],
                  "assignment_activity_sid": tutorial.activities["Busy"]}
        queue = queues.get(name)
        if queue is None:
            queue = api.task_queues.create(friendly_name=name, **wanted)
        elif any(getattr(queue, key) != value for key, value in wanted.items()):
            queue = api.task_queues(queue.sid).update(**wanted)
        tutorial.queues[language] = queue.sid

    configuration = json.dumps(routing_configuration(tutorial.queues))
    workflow = _by_name(api.workflows.list()).get(WORKFLOW_NAME)
    if workflow is None:
        workflow = api.workflows.create(friendly_name=WORKFLOW_NAME, configuration=configuration,
                                        assignment_callback_url=assignment_callback_url,
                                        task_reservation_timeout=reservation_timeout)
    elif (json.loads(workflow.configuration) != json.loads(configuration)
          or (workflow.assignment_callback_url or None) != assignment_callback_url
          or workflow.task_reservation_timeout != reservation_timeout):
        workflow = api.workflows(workflow.sid).update(configuration=configuration,
                                                      assignment_callback_url=assignment_callback_url or "",
                                                      task_reservation_timeout=reservation_timeout)
    tutorial.workflow_sid = workflow.sid
    return tutorial
