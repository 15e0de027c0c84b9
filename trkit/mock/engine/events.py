"""The event log: recording events with TaskRouter's data, event callbacks, and the Events list."""

from __future__ import annotations

from typing import Any

from ...language.documents import with_escaped_slashes
from . import paths
from .checks import (
    event_string,
)
from .errors import InvalidParameter
from .event_descriptions import describe
from .records import Activity, Event, Reservation, Task, TaskChannel, TaskQueue, Worker, Workflow, Workspace
from .service import Service
from .transaction import Outbound, read

# event callback parameters holding a JSON document: TaskRouter writes "/" in them as "\/"
JSON_PARAMETERS = ("TaskAttributes", "WorkerAttributes")


class EventLog(Service):
    """Events: emitted, stored, listed."""

    needs = ("account_sid", "clock", "lookups", "outbox", "sids", "store")

    def __init__(self) -> None:
        self._published: list[Event] = []  # the events of the open transaction, for subscribers after it commits
        self._listened = False  # does anyone subscribe to the events transactions record?

    def listened_to(self, listened: bool) -> None:
        """Someone subscribes to the events transactions record (or nobody does any more)."""
        self._listened = listened

    def take_published(self) -> list[Event]:
        """The events the transaction recorded (it committed: they go to the subscribers), and none kept."""
        events, self._published = self._published, []
        return events

    @read
    def list_events(
        self,
        ws_sid: str,
        end_date: float | None = None,
        event_type: str | None = None,
        minutes: int | None = None,
        reservation_sid: str | None = None,
        start_date: float | None = None,
        task_queue_sid: str | None = None,
        task_sid: str | None = None,
        worker_sid: str | None = None,
        workflow_sid: str | None = None,
        task_channel: str | None = None,
        sid: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Event]:
        self.lookups.workspace(ws_sid)
        now = self.clock.now()
        end = end_date if end_date is not None else now
        if start_date is None:
            start_date = end - 60 * (minutes if minutes is not None else 15)
        if now - start_date > 30 * 86400:
            raise InvalidParameter("StartDate must be within the last 30 days")
        found = self.store.events(ws_sid, start_date, end + 0.999, event_type=event_type, sid=sid,
                                  offset=0 if task_channel else offset, limit=None if task_channel else limit,
                                  reservation_sid=reservation_sid, task_queue_sid=task_queue_sid, task_sid=task_sid,
                                  worker_sid=worker_sid, workflow_sid=workflow_sid)
        if task_channel is None:
            return found
        # a channel is named by SID or unique name; the unique name is only in the event's data
        found = [e for e in found if task_channel in (e.task_channel, e.event_data.get("task_channel_unique_name"))]
        return found[offset:None if limit is None else offset + limit]

    def _wants_callback(self, ws: Workspace, event_type: str) -> bool:
        if not ws.event_callback_url:
            return False
        if not ws.events_filter:
            return True
        return event_type in {part.strip() for part in ws.events_filter.split(",")}

    def recording(self, ws: Workspace) -> bool:
        """Could anyone ever read an event of ``ws``? Not when the store keeps no event log (trkit.simulate) and
        there is no event callback and no subscriber: then its data need not even be gathered."""
        return bool(self.store.writes or ws.event_callback_url or self._listened)

    def emit(self, ws: Workspace, event_type: str, resource_type: str, resource_sid: str,
              data: dict[str, Any], actor: tuple[str, str, str | None] | None = None) -> Event | None:
        if not self.recording(ws):
            return None
        now = self.clock.now()
        # event data values are strings, as TaskRouter sends them
        for key, value in data.items():
            if value.__class__ is not str:
                data[key] = event_string(value)
        data.setdefault("workspace_sid", ws.sid)
        data.setdefault("workspace_name", ws.friendly_name)
        description = describe(event_type, resource_sid, data)
        kind = "task_queue" if resource_type == "taskqueue" else resource_type
        resource_path = paths.path_of(kind, ws.sid, resource_sid) if kind in ("workspace", "activity", "task_channel", "worker", "task_queue", "workflow", "task") else ""
        if resource_type == "reservation":
            resource_path = paths.task_reservation_path(ws.sid, data.get("task_sid", ""), resource_sid)
        actor_type, actor_sid, actor_path = actor or ("workspace", ws.sid, f"/v1/Workspaces/{ws.sid}")
        event = Event(
            sid=self.store.next_event_sid(self.sids), workspace_sid=ws.sid, event_type=event_type, description=description,
            resource_type=resource_type, resource_sid=resource_sid, resource_url_path=resource_path,
            actor_type=actor_type, actor_sid=actor_sid, actor_url_path=actor_path, event_date=now, event_data=data,
            task_sid=data.get("task_sid") or None, worker_sid=data.get("worker_sid") or None,
            reservation_sid=data.get("reservation_sid") or None, task_queue_sid=data.get("task_queue_sid") or None,
            workflow_sid=data.get("workflow_sid") or None, task_channel=data.get("task_channel_sid") or None,
        )
        self.store.add_event(event)
        self._published.append(event)  # for the event bridge's sockets, once the transaction commits
        if self._wants_callback(ws, event_type):
            params = {"".join(p.capitalize() for p in key.split("_")): value for key, value in data.items()}
            for key in JSON_PARAMETERS:
                if key in params:
                    params[key] = with_escaped_slashes(params[key])
            params.update({
                "Sid": event.sid, "EventType": event_type, "EventDescription": description,
                "ResourceType": resource_type, "ResourceSid": resource_sid, "AccountSid": self.account_sid,
                "Timestamp": str(int(now)), "TimestampMs": str(int(now * 1000)),
            })
            self.outbox.post(Outbound("event", ws.event_callback_url, params, ws.sid, event_type=event_type))
        return event

    # -------------------------------------------------------------- event data
    def activity_data(self, activity: Activity) -> dict:
        return {"activity_sid": activity.sid, "activity_name": activity.friendly_name, "activity_available": activity.available}

    def channel_data(self, channel: TaskChannel) -> dict:
        return {"task_channel_sid": channel.sid, "task_channel_name": channel.friendly_name,
                "task_channel_unique_name": channel.unique_name, "task_channel_optimized_routing": bool(channel.channel_optimized_routing)}

    def queue_data(self, queue: TaskQueue) -> dict:
        return {"task_queue_sid": queue.sid, "task_queue_name": queue.friendly_name, "task_queue_target_expression": queue.target_workers}

    def workflow_data(self, workflow: Workflow) -> dict:
        return {"workflow_sid": workflow.sid, "workflow_name": workflow.friendly_name}

    def worker_data(self, worker: Worker) -> dict:
        activity = self.store.get("activity", worker.activity_sid)
        return {
            "worker_sid": worker.sid, "worker_name": worker.friendly_name, "worker_attributes": worker.attributes,
            "worker_activity_sid": worker.activity_sid, "worker_activity_name": activity.friendly_name if activity else "",
            "worker_version": worker.version,
        }

    def task_data(self, task: Task, entering: str | None = None) -> dict:
        """The task's fields in event data; ``entering`` names the queue it is entering as the event happens
        (a task.created recorded from real TaskRouter already carries the queue the workflow sends it to)."""
        queue = self.store.get("task_queue", entering or task.task_queue_sid)
        entered = self.clock.now() if entering else task.task_queue_entered_date
        workflow = self.store.get("workflow", task.workflow_sid)
        channel = self.store.get("task_channel", task.task_channel_sid)
        return {
            "task_sid": task.sid, "task_attributes": task.attributes, "task_age": int(self.clock.now() - task.date_created),
            "task_priority": task.priority, "task_assignment_status": task.assignment_status,
            "task_date_created": int(task.date_created), "task_channel_sid": task.task_channel_sid,
            "task_channel_unique_name": channel.unique_name if channel else "",
            "task_queue_sid": queue.sid if queue else "", "task_queue_name": queue.friendly_name if queue else "",
            "task_queue_target_expression": queue.target_workers if queue else "", "task_version": task.version,
            "task_queue_entered_date": int(entered) if entered else "",
            "workflow_sid": task.workflow_sid, "workflow_name": workflow.friendly_name if workflow else "",
        }

    def emit_reservation(self, res: Reservation, event_type: str, extra: dict | None = None) -> None:
        ws = self.lookups.workspace(res.workspace_sid)
        if not self.recording(ws):
            return
        task = self.store.get("task", res.task_sid)
        worker = self.store.get("worker", res.worker_sid)
        data = self.task_data(task) if task else {"task_sid": res.task_sid}
        if worker is not None:
            data.update(self.worker_data(worker))
        else:
            data["worker_sid"] = res.worker_sid
        data["reservation_sid"] = res.sid
        if extra:
            data.update(extra)
        self.emit(ws, event_type, "reservation", res.sid, data)
