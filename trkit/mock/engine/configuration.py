"""Workspaces, activities and task channels: creating, changing and deleting them, with TaskRouter's guards."""

from __future__ import annotations

import json
from typing import Any

from ...language.vocabulary import (
    DEFAULT_ACTIVITIES,
    DEFAULT_CHANNELS,
    LIVE_TASK_STATUSES,
)
from .checks import (
    check_name,
)
from .errors import InvalidParameter
from .records import Activity, TaskChannel, WorkerChannel, Workflow, Workspace
from .service import Service
from .transaction import read, write


class Configuration(Service):
    """Workspaces, activities and task channels."""

    needs = ("clock", "events", "indexes", "lookups", "queues", "store")

    @write
    def create_workspace(
        self,
        friendly_name: str,
        event_callback_url: str | None = None,
        events_filter: str | None = None,
        multi_task_enabled: bool | None = None,
        template: str | None = None,
        prioritize_queue_order: str | None = None,
    ) -> Workspace:
        check_name(friendly_name)
        if template not in (None, "NONE", "FIFO"):
            raise InvalidParameter(f"Template must be NONE or FIFO, got {template!r}")
        now = self.clock.now()
        ws = Workspace(
            sid=self.lookups.new_sid("WS"),
            friendly_name=friendly_name,
            date_created=now,
            date_updated=now,
            event_callback_url=event_callback_url,
            events_filter=events_filter,
            multi_task_enabled=True if multi_task_enabled is None else multi_task_enabled,
            prioritize_queue_order=prioritize_queue_order or "FIFO",
        )
        self.store.put(ws)
        activities = [self._put_activity(ws.sid, name, available) for name, available in DEFAULT_ACTIVITIES]
        ws.default_activity_sid = ws.timeout_activity_sid = activities[0].sid
        for friendly, unique in DEFAULT_CHANNELS:
            self.store.put(TaskChannel(self.lookups.new_sid("TC"), ws.sid, friendly, unique, now, now, False))
        self.events.emit(ws, "workspace.created", "workspace", ws.sid, {})
        if template == "FIFO":
            queue = self.queues.put_queue(ws.sid, "Sample Queue", "1==1", 1, "FIFO", None, None)
            config = json.dumps({"task_routing": {"default_filter": {"queue": queue.sid}}})
            self.store.put(Workflow(self.lookups.new_sid("WW"), ws.sid, "Default Fifo Workflow", config, 120, now, now))
        return ws

    @write
    def update_workspace(self, sid: str, **changes: Any) -> Workspace:
        ws = self.lookups.workspace(sid)
        if changes.get("friendly_name") is not None:
            check_name(changes["friendly_name"])
        for key in ("default_activity_sid", "timeout_activity_sid"):
            if changes.get(key) is not None:
                param = "DefaultActivitySid" if key == "default_activity_sid" else "TimeoutActivitySid"
                self.lookups.activity_ref(sid, changes[key], param)
        if changes.get("multi_task_enabled") is False and ws.multi_task_enabled:
            raise InvalidParameter("MultiTaskEnabled: a multi-tasking Workspace cannot be switched back to single-tasking")
        for key, value in changes.items():
            if value is not None:
                setattr(ws, key, value)
        self.lookups.touch(ws)
        self.events.emit(ws, "workspace.updated", "workspace", ws.sid, {})
        return ws

    @write
    def delete_workspace(self, sid: str) -> None:
        ws = self.lookups.workspace(sid)
        # the event goes to the workspace's event callback; its stored copy goes with the workspace
        self.events.emit(ws, "workspace.deleted", "workspace", ws.sid, {})
        self.store.drop_events(sid)
        for kind in ("reservation", "task", "workflow", "task_queue", "worker_channel", "worker", "task_channel", "activity"):
            for obj in self.store.all(kind, sid):
                self.store.delete(obj)
        self.store.delete(ws)
        # free-worker, load, queue and timer indexes must forget the workspace: a seeded mock
        # gives a rebuilt workspace the same SIDs again
        self.indexes.rebuild()

    @read
    def list_workspaces(self, friendly_name: str | None = None) -> list[Workspace]:
        items = self.store.all("workspace")
        return [w for w in items if friendly_name is None or w.friendly_name == friendly_name]

    def _put_activity(self, ws_sid: str, name: str, available: bool) -> Activity:
        now = self.clock.now()
        activity = Activity(self.lookups.new_sid("WA"), ws_sid, name, available, now, now)
        self.store.put(activity)
        return activity

    @write
    def create_activity(self, ws_sid: str, friendly_name: str, available: bool = False) -> Activity:
        ws = self.lookups.workspace(ws_sid)
        check_name(friendly_name)
        self.lookups.unique("activity", ws_sid, "friendly_name", friendly_name, None, "Activity", "FriendlyName")
        if self.store.count("activity", ws_sid) >= 100:
            raise InvalidParameter("A Workspace can have at most 100 Activities")
        activity = self._put_activity(ws_sid, friendly_name, available)
        self.events.emit(ws, "activity.created", "activity", activity.sid, self.events.activity_data(activity))
        return activity

    @write
    def update_activity(self, ws_sid: str, sid: str, friendly_name: str | None = None) -> Activity:
        activity = self.lookups.activity(ws_sid, sid)
        if friendly_name is not None:
            check_name(friendly_name)
            self.lookups.unique("activity", ws_sid, "friendly_name", friendly_name, sid, "Activity", "FriendlyName")
            activity.friendly_name = friendly_name
        self.lookups.touch(activity)
        self.events.emit(self.lookups.workspace(ws_sid), "activity.updated", "activity", sid, self.events.activity_data(activity))
        return activity

    @write
    def delete_activity(self, ws_sid: str, sid: str) -> None:
        activity = self.lookups.activity(ws_sid, sid)
        ws = self.lookups.workspace(ws_sid)
        if sid in (ws.default_activity_sid, ws.timeout_activity_sid):
            role = "default" if sid == ws.default_activity_sid else "timeout"
            raise InvalidParameter(f"Cannot delete Activity {sid} ({activity.friendly_name}): it is the Workspace's {role} activity")
        for worker in self.store.all("worker", ws_sid):
            if worker.activity_sid == sid:
                raise InvalidParameter(f"Cannot delete Activity {sid} ({activity.friendly_name}): Worker {worker.sid} ({worker.friendly_name}) is in it")
        for queue in self.store.all("task_queue", ws_sid):
            if sid in (queue.reservation_activity_sid, queue.assignment_activity_sid):
                raise InvalidParameter(f"Cannot delete Activity {sid} ({activity.friendly_name}): TaskQueue {queue.sid} ({queue.friendly_name}) uses it")
        self.store.delete(activity)
        self.events.emit(ws, "activity.deleted", "activity", sid, self.events.activity_data(activity))

    @read
    def list_activities(self, ws_sid: str, friendly_name: str | None = None, available: bool | None = None) -> list[Activity]:
        self.lookups.workspace(ws_sid)
        return [
            a for a in self.store.all("activity", ws_sid)
            if (friendly_name is None or a.friendly_name == friendly_name) and (available is None or a.available == available)
        ]

    @write
    def create_task_channel(self, ws_sid: str, friendly_name: str, unique_name: str, channel_optimized_routing: bool | None = None) -> TaskChannel:
        ws = self.lookups.workspace(ws_sid)
        check_name(friendly_name)
        check_name(unique_name, "UniqueName")
        if "-" in unique_name or " " in unique_name:
            raise InvalidParameter(f"UniqueName {unique_name!r} must not contain hyphens or spaces")
        self.lookups.unique("task_channel", ws_sid, "unique_name", unique_name, None, "TaskChannel", "UniqueName")
        now = self.clock.now()
        channel = TaskChannel(self.lookups.new_sid("TC"), ws_sid, friendly_name, unique_name, now, now, bool(channel_optimized_routing))
        self.store.put(channel)
        for worker in self.store.all("worker", ws_sid):
            self.store.put(WorkerChannel(self.lookups.new_sid("WC"), ws_sid, worker.sid, channel.sid, 1, True, now, now))
        self.events.emit(ws, "task-channel.created", "task_channel", channel.sid, self.events.channel_data(channel))
        return channel

    @write
    def update_task_channel(self, ws_sid: str, sid: str, friendly_name: str | None = None, channel_optimized_routing: bool | None = None) -> TaskChannel:
        channel = self.lookups.task_channel(ws_sid, sid)
        if friendly_name is not None:
            channel.friendly_name = check_name(friendly_name)
        if channel_optimized_routing is not None:
            channel.channel_optimized_routing = channel_optimized_routing
        self.lookups.touch(channel)
        self.events.emit(self.lookups.workspace(ws_sid), "task-channel.updated", "task_channel", channel.sid, self.events.channel_data(channel))
        return channel

    @write
    def delete_task_channel(self, ws_sid: str, sid: str) -> None:
        channel = self.lookups.task_channel(ws_sid, sid)
        for task in self.store.all("task", ws_sid):
            if task.task_channel_sid == channel.sid and task.assignment_status in LIVE_TASK_STATUSES:
                raise InvalidParameter(f"Cannot delete TaskChannel {channel.sid} ({channel.unique_name}): Task {task.sid} uses it")
        for wc in self.store.all("worker_channel", ws_sid):
            if wc.task_channel_sid == channel.sid:
                self.store.delete(wc)
        self.store.delete(channel)
        self.events.emit(self.lookups.workspace(ws_sid), "task-channel.deleted", "task_channel", channel.sid, self.events.channel_data(channel))

    @read
    def list_task_channels(self, ws_sid: str) -> list[TaskChannel]:
        self.lookups.workspace(ws_sid)
        return self.store.all("task_channel", ws_sid)
