"""TaskRouter's rules: resources, routing, reservations, timers and events.

Plain Python, no HTTP: the REST layer parses a request, calls one method here
and renders what it returns. Every public method that changes state runs under
one lock and commits one store transaction; callbacks it causes are handed to
the dispatcher only after the lock is released, so a slow callback server never
blocks the API.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, wraps
from itertools import islice
from typing import Any

from . import paths
from .clock import Clock, iso
from .documents import parse_json_object
from .errors import TaskRouterError, invalid, not_found
from .expressions import ExpressionError, attribute_at, compile_expression
from .models import (
    ACTIVE_RESERVATION_STATUSES,
    PENDING_STATUSES,
    Activity,
    Event,
    Reservation,
    Task,
    TaskChannel,
    TaskQueue,
    Worker,
    WorkerChannel,
    Workflow,
    Workspace,
)
from .sids import SidGenerator
from .workflow_config import RoutingConfig, Target, parse_configuration, queues_named

DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))
DEFAULT_CHANNELS = (("Default", "default"), ("Voice", "voice"), ("SMS", "sms"), ("Chat", "chat"), ("Video", "video"))
MAX_ATTRIBUTES = 4096
MAX_TASK_TIMEOUT = 1_209_600
MAX_PRIORITY = 2_147_483_647
MAX_ASSIGNMENTS = 1000
TTL_REASON = "Task TTL Exceeded"
# canceled and completed tasks are deleted "about 5 minutes" later (taskrouter-api.md §6.6); a switch
FINISHED_TASK_LIFETIME = 300.0


@dataclass
class Outbound:
    """A callback the mock must POST once the current transaction is committed."""

    kind: str  # "assignment" or "event"
    url: str
    params: dict[str, str]
    workspace_sid: str
    fallback_url: str | None = None
    reservation_sid: str | None = None
    event_type: str | None = None


class NullDispatcher:
    """Keeps callbacks instead of sending them (unit tests without HTTP)."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    def submit(self, items: list[Outbound]) -> list:
        self.sent.extend(items)
        return []


class _Local(threading.local):
    def __init__(self) -> None:
        self.futures: list = []
        # set by the REST layer: a write answers with the resource as it was before routing ran
        # (as TaskRouter does), though routing runs in the same transaction
        self.answer_before_routing = False


def mutation(method: Callable) -> Callable:
    """Run a state change atomically: one lock, one commit, callbacks after."""

    @wraps(method)
    def wrapper(self: TaskRouterEngine, *args, **kwargs):
        items: list[Outbound] = []
        with self.lock:
            self._depth += 1
            if self._depth == 1:
                self.store.begin()
            try:
                result = method(self, *args, **kwargs)
                if self._depth == 1:
                    if self._local.answer_before_routing and hasattr(result, "KIND"):
                        result = copy.copy(result)
                    self._flush_matches()
                    self.store.commit(now=self.now())
                    items, self._outbox = self._outbox, []
            except BaseException:
                if self._depth == 1:
                    self._outbox = []
                    self._match_wanted.clear()
                    self._rederive(self.store.rollback())
                raise
            finally:
                self._depth -= 1
        if items:
            self._local.futures.extend(self.dispatcher.submit(items) or [])
        return result

    return wrapper


def _check_json_object(value: str, param: str) -> str:
    parse_json_object(value, param, max_len=MAX_ATTRIBUTES)
    return value


@lru_cache(maxsize=65536)
def _parse_attributes(value: str | None) -> dict:
    try:
        parsed = json.loads(value or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _loads(value: str | None) -> dict:
    """Attributes as a dict; cached, so callers must not change what they get."""
    return _parse_attributes(value)


def _check_name(value: str, param: str = "FriendlyName", limit: int = 64) -> str:
    if not value or not value.strip():
        raise invalid(f"{param} must not be empty")
    if len(value) > limit:
        raise invalid(f"{param} is too long: {len(value)} characters, at most {limit} are allowed")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise invalid(f"{param} must not contain control characters")
    return value


def _event_string(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


class TaskRouterEngine:
    """One account's TaskRouter: every workspace and everything inside them."""

    def __init__(
        self,
        store,
        account_sid: str,
        auth_token: str,
        clock: Clock | None = None,
        sids: SidGenerator | None = None,
        dispatcher=None,
        finished_task_lifetime: float | None = FINISHED_TASK_LIFETIME,
    ) -> None:
        self.store = store
        self.finished_task_lifetime = finished_task_lifetime  # None: finished tasks are kept
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock or Clock(float(store.meta.get("clock_offset", "0")))
        self.sids = sids or SidGenerator()
        self.dispatcher = dispatcher or NullDispatcher()
        self.lock = threading.RLock()
        self._depth = 0
        self._outbox: list[Outbound] = []
        self._match_wanted: dict[str, None] = {}
        self._local = _Local()
        self._configs: dict[str, tuple[str, RoutingConfig]] = {}
        self._timer_counter = itertools.count()
        self._timers: list[tuple[float, int, str, str]] = []
        self.callback_log: list[dict] = []
        self._rebuild_indexes()

    # ================================================================ helpers
    def now(self) -> float:
        return self.clock.now()

    def take_futures(self) -> list:
        """Callbacks caused by this thread's calls since the last take."""
        futures, self._local.futures = self._local.futures, []
        return futures

    def _new_sid(self, prefix: str) -> str:
        sid = self.sids.new(prefix)
        while self.store.get_any(sid) is not None:
            sid = self.sids.new(prefix)
        return sid

    def workspace(self, sid: str) -> Workspace:
        ws = self.store.get("workspace", sid)
        if ws is None:
            raise not_found(f"/v1/Workspaces/{sid}")
        return ws

    def _get(self, kind: str, ws_sid: str, sid: str | None) -> Any:
        self.workspace(ws_sid)
        obj = self.store.get(kind, sid)
        if obj is None or obj.workspace_sid != ws_sid:
            raise not_found(paths.path_of(kind, ws_sid, sid or ""))
        return obj

    def activity(self, ws_sid: str, sid: str) -> Activity:
        return self._get("activity", ws_sid, sid)

    def worker(self, ws_sid: str, sid: str) -> Worker:
        return self._get("worker", ws_sid, sid)

    def task_queue(self, ws_sid: str, sid: str) -> TaskQueue:
        return self._get("task_queue", ws_sid, sid)

    def workflow(self, ws_sid: str, sid: str) -> Workflow:
        return self._get("workflow", ws_sid, sid)

    def task(self, ws_sid: str, sid: str) -> Task:
        return self._get("task", ws_sid, sid)

    def event(self, ws_sid: str, sid: str) -> Event:
        return self._get("event", ws_sid, sid)

    def task_channel(self, ws_sid: str, sid_or_name: str) -> TaskChannel:
        self.workspace(ws_sid)
        channel = self.store.get("task_channel", sid_or_name)
        if channel is None or channel.workspace_sid != ws_sid:
            channel = next(
                (c for c in self.store.all("task_channel", ws_sid) if c.unique_name == sid_or_name), None
            )
        if channel is None:
            raise not_found(paths.path_of("task_channel", ws_sid, sid_or_name))
        return channel

    def reservation(self, ws_sid: str, sid: str, task_sid: str | None = None, worker_sid: str | None = None) -> Reservation:
        if task_sid is not None:
            self.task(ws_sid, task_sid)
        if worker_sid is not None:
            self.worker(ws_sid, worker_sid)
        res = self.store.get("reservation", sid)
        if (
            res is None
            or res.workspace_sid != ws_sid
            or (task_sid is not None and res.task_sid != task_sid)
            or (worker_sid is not None and res.worker_sid != worker_sid)
        ):
            path = (
                paths.task_reservation_path(ws_sid, task_sid, sid)
                if task_sid
                else paths.worker_reservation_path(ws_sid, worker_sid or "", sid)
            )
            raise not_found(path)
        return res

    def _activity_ref(self, ws_sid: str, sid: str | None, param: str) -> Activity | None:
        if sid is None:
            return None
        activity = self.store.get("activity", sid)
        if activity is None or activity.workspace_sid != ws_sid:
            raise invalid(f"{param} {sid!r} is not an Activity of Workspace {ws_sid}")
        return activity

    def _unique(self, kind: str, ws_sid: str, attr: str, value: str, exclude: str | None, label: str, param: str) -> None:
        for obj in self.store.all(kind, ws_sid):
            if getattr(obj, attr) == value and obj.sid != exclude:
                raise invalid(f"{param} '{value}' is already used by {label} {obj.sid} in this Workspace")

    def _touch(self, obj: Any) -> None:
        obj.date_updated = self.now()
        if hasattr(obj, "version"):
            obj.version += 1
        self.store.put(obj)

    @staticmethod
    def _check_if_match(obj: Any, if_match: str | None) -> None:
        """Optimistic concurrency: a stale ``If-Match`` is refused with 412 (code UNCONFIRMED: 20001)."""
        if if_match is None:
            return
        wanted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
        if "*" not in wanted and str(obj.version) not in wanted:
            raise TaskRouterError(412, 20001, f"Precondition failed: If-Match {if_match!r} does not match the current ETag "
                                              f"\"{obj.version}\" of {obj.sid}; fetch it again and retry")

    def routing_config(self, workflow: Workflow) -> RoutingConfig:
        cached = self._configs.get(workflow.sid)
        if cached is None or cached[0] != workflow.configuration:
            config = parse_configuration(workflow.configuration, lambda sid: self.store.get("task_queue", sid) is not None)
            cached = (workflow.configuration, config)
            self._configs[workflow.sid] = cached
        return cached[1]

    # ============================================================= workspaces
    @mutation
    def create_workspace(
        self,
        friendly_name: str,
        event_callback_url: str | None = None,
        events_filter: str | None = None,
        multi_task_enabled: bool | None = None,
        template: str | None = None,
        prioritize_queue_order: str | None = None,
    ) -> Workspace:
        _check_name(friendly_name)
        if template not in (None, "NONE", "FIFO"):
            raise invalid(f"Template must be NONE or FIFO, got {template!r}")
        now = self.now()
        ws = Workspace(
            sid=self._new_sid("WS"),
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
            self.store.put(TaskChannel(self._new_sid("TC"), ws.sid, friendly, unique, now, now, False))
        self._emit(ws, "workspace.created", "workspace", ws.sid, f"Workspace {ws.friendly_name} created", {})
        if template == "FIFO":
            queue = self._put_queue(ws.sid, "Sample Queue", "1==1", 1, "FIFO", None, None)
            config = json.dumps({"task_routing": {"default_filter": {"queue": queue.sid}}})
            self.store.put(Workflow(self._new_sid("WW"), ws.sid, "Default Fifo Workflow", config, 120, now, now))
        return ws

    @mutation
    def update_workspace(self, sid: str, **changes: Any) -> Workspace:
        ws = self.workspace(sid)
        if changes.get("friendly_name") is not None:
            _check_name(changes["friendly_name"])
        for key in ("default_activity_sid", "timeout_activity_sid"):
            if changes.get(key) is not None:
                param = "DefaultActivitySid" if key == "default_activity_sid" else "TimeoutActivitySid"
                self._activity_ref(sid, changes[key], param)
        if changes.get("multi_task_enabled") is False and ws.multi_task_enabled:
            raise invalid("MultiTaskEnabled: a multi-tasking Workspace cannot be switched back to single-tasking")
        for key, value in changes.items():
            if value is not None:
                setattr(ws, key, value)
        self._touch(ws)
        self._emit(ws, "workspace.updated", "workspace", ws.sid, f"Workspace {ws.friendly_name} updated", {})
        return ws

    @mutation
    def delete_workspace(self, sid: str) -> None:
        ws = self.workspace(sid)
        # the event goes to the workspace's event callback; its stored copy goes with the workspace
        self._emit(ws, "workspace.deleted", "workspace", ws.sid, f"Workspace {ws.friendly_name} deleted", {})
        self.store.drop_events(sid)
        for kind in ("reservation", "task", "workflow", "task_queue", "worker_channel", "worker", "task_channel", "activity"):
            for obj in self.store.all(kind, sid):
                self.store.delete(obj)
        self.store.delete(ws)
        self._configs = {k: v for k, v in self._configs.items() if self.store.get("workflow", k)}
        # free-worker, load, queue and timer indexes must forget the workspace: a seeded mock
        # gives a rebuilt workspace the same SIDs again
        self._rebuild_indexes()

    def list_workspaces(self, friendly_name: str | None = None) -> list[Workspace]:
        items = self.store.all("workspace")
        return [w for w in items if friendly_name is None or w.friendly_name == friendly_name]

    # ============================================================= activities
    def _put_activity(self, ws_sid: str, name: str, available: bool) -> Activity:
        now = self.now()
        activity = Activity(self._new_sid("WA"), ws_sid, name, available, now, now)
        self.store.put(activity)
        return activity

    @mutation
    def create_activity(self, ws_sid: str, friendly_name: str, available: bool = False) -> Activity:
        ws = self.workspace(ws_sid)
        _check_name(friendly_name)
        self._unique("activity", ws_sid, "friendly_name", friendly_name, None, "Activity", "FriendlyName")
        if self.store.count("activity", ws_sid) >= 100:
            raise invalid("A Workspace can have at most 100 Activities")
        activity = self._put_activity(ws_sid, friendly_name, available)
        self._emit(ws, "activity.created", "activity", activity.sid, f"Activity {friendly_name} created", self._activity_data(activity))
        return activity

    @mutation
    def update_activity(self, ws_sid: str, sid: str, friendly_name: str | None = None) -> Activity:
        activity = self.activity(ws_sid, sid)
        if friendly_name is not None:
            _check_name(friendly_name)
            self._unique("activity", ws_sid, "friendly_name", friendly_name, sid, "Activity", "FriendlyName")
            activity.friendly_name = friendly_name
        self._touch(activity)
        self._emit(self.workspace(ws_sid), "activity.updated", "activity", sid, f"Activity {activity.friendly_name} updated", self._activity_data(activity))
        return activity

    @mutation
    def delete_activity(self, ws_sid: str, sid: str) -> None:
        activity = self.activity(ws_sid, sid)
        ws = self.workspace(ws_sid)
        if sid in (ws.default_activity_sid, ws.timeout_activity_sid):
            role = "default" if sid == ws.default_activity_sid else "timeout"
            raise invalid(f"Cannot delete Activity {sid} ({activity.friendly_name}): it is the Workspace's {role} activity")
        for worker in self.store.all("worker", ws_sid):
            if worker.activity_sid == sid:
                raise invalid(f"Cannot delete Activity {sid} ({activity.friendly_name}): Worker {worker.sid} ({worker.friendly_name}) is in it")
        for queue in self.store.all("task_queue", ws_sid):
            if sid in (queue.reservation_activity_sid, queue.assignment_activity_sid):
                raise invalid(f"Cannot delete Activity {sid} ({activity.friendly_name}): TaskQueue {queue.sid} ({queue.friendly_name}) uses it")
        self.store.delete(activity)
        self._emit(ws, "activity.deleted", "activity", sid, f"Activity {activity.friendly_name} deleted", self._activity_data(activity))

    def list_activities(self, ws_sid: str, friendly_name: str | None = None, available: bool | None = None) -> list[Activity]:
        self.workspace(ws_sid)
        return [
            a for a in self.store.all("activity", ws_sid)
            if (friendly_name is None or a.friendly_name == friendly_name) and (available is None or a.available == available)
        ]

    # =========================================================== task channels
    @mutation
    def create_task_channel(self, ws_sid: str, friendly_name: str, unique_name: str, channel_optimized_routing: bool | None = None) -> TaskChannel:
        ws = self.workspace(ws_sid)
        _check_name(friendly_name)
        _check_name(unique_name, "UniqueName")
        if "-" in unique_name or " " in unique_name:
            raise invalid(f"UniqueName {unique_name!r} must not contain hyphens or spaces")
        self._unique("task_channel", ws_sid, "unique_name", unique_name, None, "TaskChannel", "UniqueName")
        now = self.now()
        channel = TaskChannel(self._new_sid("TC"), ws_sid, friendly_name, unique_name, now, now, bool(channel_optimized_routing))
        self.store.put(channel)
        for worker in self.store.all("worker", ws_sid):
            self.store.put(WorkerChannel(self._new_sid("WC"), ws_sid, worker.sid, channel.sid, 1, True, now, now))
        self._emit(ws, "task-channel.created", "task_channel", channel.sid, f"TaskChannel {unique_name} created", self._channel_data(channel))
        return channel

    @mutation
    def update_task_channel(self, ws_sid: str, sid: str, friendly_name: str | None = None, channel_optimized_routing: bool | None = None) -> TaskChannel:
        channel = self.task_channel(ws_sid, sid)
        if friendly_name is not None:
            channel.friendly_name = _check_name(friendly_name)
        if channel_optimized_routing is not None:
            channel.channel_optimized_routing = channel_optimized_routing
        self._touch(channel)
        self._emit(self.workspace(ws_sid), "task-channel.updated", "task_channel", channel.sid, f"TaskChannel {channel.unique_name} updated", self._channel_data(channel))
        return channel

    @mutation
    def delete_task_channel(self, ws_sid: str, sid: str) -> None:
        channel = self.task_channel(ws_sid, sid)
        for task in self.store.all("task", ws_sid):
            if task.task_channel_sid == channel.sid and task.assignment_status in ("pending", "reserved", "assigned", "wrapping"):
                raise invalid(f"Cannot delete TaskChannel {channel.sid} ({channel.unique_name}): Task {task.sid} uses it")
        for wc in self.store.all("worker_channel", ws_sid):
            if wc.task_channel_sid == channel.sid:
                self.store.delete(wc)
        self.store.delete(channel)
        self._emit(self.workspace(ws_sid), "task-channel.deleted", "task_channel", channel.sid, f"TaskChannel {channel.unique_name} deleted", self._channel_data(channel))

    def list_task_channels(self, ws_sid: str) -> list[TaskChannel]:
        self.workspace(ws_sid)
        return self.store.all("task_channel", ws_sid)

    # ================================================================ workers
    @mutation
    def create_worker(self, ws_sid: str, friendly_name: str, activity_sid: str | None = None, attributes: str | None = None) -> Worker:
        ws = self.workspace(ws_sid)
        _check_name(friendly_name)
        self._unique("worker", ws_sid, "friendly_name", friendly_name, None, "Worker", "FriendlyName")
        attributes = _check_json_object(attributes if attributes is not None else "{}", "Attributes")
        activity = self._activity_ref(ws_sid, activity_sid, "ActivitySid") or self.store.get("activity", ws.default_activity_sid)
        if activity is None:
            raise invalid("ActivitySid is required: the Workspace has no default activity")
        now = self.now()
        worker = Worker(self._new_sid("WK"), ws_sid, friendly_name, attributes, activity.sid, now, now, now, idle_since=now)
        self.store.put(worker)
        if activity.available:
            self._available.setdefault(ws_sid, {})[worker.sid] = None
        for channel in self.store.all("task_channel", ws_sid):
            self.store.put(WorkerChannel(self._new_sid("WC"), ws_sid, worker.sid, channel.sid, 1, True, now, now))
        self._emit(ws, "worker.created", "worker", worker.sid, f"Worker {friendly_name} created", self._worker_data(worker))
        self._match(ws)
        return worker

    @mutation
    def update_worker(
        self,
        ws_sid: str,
        sid: str,
        activity_sid: str | None = None,
        attributes: str | None = None,
        friendly_name: str | None = None,
        reject_pending_reservations: bool | None = None,
        if_match: str | None = None,
    ) -> Worker:
        ws = self.workspace(ws_sid)
        worker = self.worker(ws_sid, sid)
        self._check_if_match(worker, if_match)
        activity = self._activity_ref(ws_sid, activity_sid, "ActivitySid")
        if attributes is not None:
            _check_json_object(attributes, "Attributes")
        if friendly_name is not None:
            _check_name(friendly_name)
            self._unique("worker", ws_sid, "friendly_name", friendly_name, sid, "Worker", "FriendlyName")
            worker.friendly_name = friendly_name
        if attributes is not None and attributes != worker.attributes:
            worker.attributes = attributes
            self._touch(worker)
            self._emit(ws, "worker.attributes.update", "worker", sid, f"Worker {worker.friendly_name} updated attributes", self._worker_data(worker))
        if activity is not None:
            if reject_pending_reservations and not activity.available:
                for res in self.store.reservations_of_worker(sid):
                    if res.reservation_status == "pending":
                        self._end_reservation(res, "rejected", move_worker=False)
            self._set_activity(worker, activity)
        self._touch(worker)
        self._match(ws)
        return worker

    @mutation
    def delete_worker(self, ws_sid: str, sid: str, if_match: str | None = None) -> None:
        ws = self.workspace(ws_sid)
        worker = self.worker(ws_sid, sid)
        self._check_if_match(worker, if_match)
        for res in self.store.reservations_of_worker(sid):
            if res.reservation_status == "pending":
                self._end_reservation(res, "canceled", move_worker=False)
        for wc in self.store.channels_of_worker(sid):
            self.store.delete(wc)
        data = self._worker_data(worker)
        self.store.delete(worker)
        self._available.get(ws_sid, {}).pop(sid, None)
        self._active.pop(sid, None)
        self._emit(ws, "worker.deleted", "worker", sid, f"Worker {worker.friendly_name} deleted", data)
        self._match(ws)

    def list_workers(
        self,
        ws_sid: str,
        activity_name: str | None = None,
        activity_sid: str | None = None,
        available: bool | None = None,
        friendly_name: str | None = None,
        target_workers_expression: str | None = None,
        task_queue_name: str | None = None,
        task_queue_sid: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Worker]:
        """Workers matching every given filter, in creation order; ``offset``/``limit`` take one page."""
        self.workspace(ws_sid)
        expression = self._parse_param_expression(target_workers_expression, "TargetWorkersExpression")
        queue = None
        if task_queue_sid is not None:
            queue = self.store.get("task_queue", task_queue_sid)
        elif task_queue_name is not None:
            queue = next((q for q in self.store.all("task_queue", ws_sid) if q.friendly_name == task_queue_name), None)

        def matching() -> Iterator[Worker]:
            for worker in self.store.iterate("worker", ws_sid):
                if self._worker_matches(worker, activity_name, activity_sid, available, friendly_name, expression, queue,
                                        task_queue_sid is not None or task_queue_name is not None):
                    yield worker
        return list(islice(matching(), offset, None if limit is None else offset + limit))

    def _worker_matches(self, worker: Worker, activity_name, activity_sid, available, friendly_name, expression, queue,
                        by_queue: bool) -> bool:
        activity = self.store.get("activity", worker.activity_sid)
        if activity_sid is not None and worker.activity_sid != activity_sid:
            return False
        if activity_name is not None and (activity is None or activity.friendly_name != activity_name):
            return False
        if available is not None and (activity is not None and activity.available) != available:
            return False
        if friendly_name is not None and worker.friendly_name != friendly_name:
            return False
        if expression is not None and not expression.matches(self._worker_context(worker, activity)):
            return False
        return not by_queue or (queue is not None and self.in_queue(worker, queue))

    def _parse_param_expression(self, text: str | None, param: str):
        if text is None:
            return None
        try:
            return compile_expression(text)
        except ExpressionError as exc:
            raise invalid(f"{param} is invalid: {exc}") from None

    def _worker_context(self, worker: Worker, activity: Activity | None = None) -> dict:
        context = dict(_loads(worker.attributes))
        activity = activity or self.store.get("activity", worker.activity_sid)
        context.setdefault("sid", worker.sid)
        context.setdefault("friendly_name", worker.friendly_name)
        context.setdefault("activity_sid", worker.activity_sid)
        context.setdefault("activity_name", activity.friendly_name if activity else None)
        return context

    def worker_channels(self, ws_sid: str, worker_sid: str) -> list[WorkerChannel]:
        self.worker(ws_sid, worker_sid)
        return self.store.channels_of_worker(worker_sid)

    def worker_channel(self, ws_sid: str, worker_sid: str, sid: str) -> WorkerChannel:
        for wc in self.worker_channels(ws_sid, worker_sid):
            channel = self.store.get("task_channel", wc.task_channel_sid)
            if wc.sid == sid or (channel is not None and channel.unique_name == sid):
                return wc
        raise not_found(paths.worker_channel_path(ws_sid, worker_sid, sid))

    @mutation
    def update_worker_channel(self, ws_sid: str, worker_sid: str, sid: str, capacity: int | None = None, available: bool | None = None) -> WorkerChannel:
        wc = self.worker_channel(ws_sid, worker_sid, sid)
        if capacity is not None:
            if capacity < 0 or capacity > 50:
                raise invalid(f"Capacity must be between 0 and 50, got {capacity}")
            wc.configured_capacity = capacity
        if available is not None:
            wc.available = available
        self._touch(wc)
        worker = self.store.get("worker", worker_sid)
        self._emit(self.workspace(ws_sid), "worker.capacity.update" if capacity is not None else "worker.channel.availability.update",
                   "worker", worker_sid, f"Worker {worker.friendly_name} channel updated", self._worker_data(worker))
        self._match(self.workspace(ws_sid))
        return wc

    def assigned_tasks(self, worker_sid: str, task_channel_sid: str | None = None) -> int:
        """Reservations the worker holds (pending, accepted or wrapping), optionally on one channel."""
        active = self._active.get(worker_sid, ())
        if task_channel_sid is None:
            return len(active)
        count = 0
        for res_sid in active:
            res = self.store.get("reservation", res_sid)
            task = self.store.get("task", res.task_sid) if res else None
            if task is not None and task.task_channel_sid == task_channel_sid:
                count += 1
        return count

    # ============================================================ task queues
    def _put_queue(self, ws_sid, name, target_workers, max_reserved, order, reservation_sid, assignment_sid) -> TaskQueue:
        now = self.now()
        queue = TaskQueue(self._new_sid("WQ"), ws_sid, name, target_workers, max_reserved, order, now, now, reservation_sid, assignment_sid)
        self.store.put(queue)
        return queue

    def _check_queue_fields(self, ws_sid, target_workers, max_reserved_workers, task_order, reservation_activity_sid, assignment_activity_sid):
        if target_workers is not None:
            try:
                compile_expression(target_workers)
            except ExpressionError as exc:
                raise invalid(f"TargetWorkers is invalid: {exc}") from None
        if max_reserved_workers is not None and not 1 <= max_reserved_workers <= 50:
            raise invalid(f"MaxReservedWorkers must be between 1 and 50, got {max_reserved_workers}")
        if task_order is not None and task_order not in ("FIFO", "LIFO"):
            raise invalid(f"TaskOrder must be FIFO or LIFO, got {task_order!r}")
        self._activity_ref(ws_sid, reservation_activity_sid, "ReservationActivitySid")
        self._activity_ref(ws_sid, assignment_activity_sid, "AssignmentActivitySid")

    @mutation
    def create_task_queue(
        self,
        ws_sid: str,
        friendly_name: str,
        target_workers: str | None = None,
        max_reserved_workers: int | None = None,
        task_order: str | None = None,
        reservation_activity_sid: str | None = None,
        assignment_activity_sid: str | None = None,
    ) -> TaskQueue:
        ws = self.workspace(ws_sid)
        _check_name(friendly_name)
        self._unique("task_queue", ws_sid, "friendly_name", friendly_name, None, "TaskQueue", "FriendlyName")
        self._check_queue_fields(ws_sid, target_workers, max_reserved_workers, task_order, reservation_activity_sid, assignment_activity_sid)
        if self.store.count("task_queue", ws_sid) >= 5000:
            raise invalid("A Workspace can have at most 5000 TaskQueues")
        queue = self._put_queue(
            ws_sid, friendly_name, target_workers if target_workers is not None else "1==1",
            max_reserved_workers or 1, task_order or "FIFO", reservation_activity_sid, assignment_activity_sid,
        )
        self._emit(ws, "task-queue.created", "taskqueue", queue.sid, f"TaskQueue {friendly_name} created", self._queue_data(queue))
        return queue

    @mutation
    def update_task_queue(self, ws_sid: str, sid: str, **changes: Any) -> TaskQueue:
        ws = self.workspace(ws_sid)
        queue = self.task_queue(ws_sid, sid)
        if changes.get("friendly_name") is not None:
            _check_name(changes["friendly_name"])
            self._unique("task_queue", ws_sid, "friendly_name", changes["friendly_name"], sid, "TaskQueue", "FriendlyName")
        self._check_queue_fields(
            ws_sid, changes.get("target_workers"), changes.get("max_reserved_workers"), changes.get("task_order"),
            changes.get("reservation_activity_sid"), changes.get("assignment_activity_sid"),
        )
        expression_changed = changes.get("target_workers") is not None and changes["target_workers"] != queue.target_workers
        for key, value in changes.items():
            if value is not None:
                setattr(queue, key, value)
        self._touch(queue)
        self._rebuild_queue_heap(queue.sid)  # order or slots may have changed
        if expression_changed:
            self._emit(ws, "task-queue.expression.updated", "taskqueue", sid, f"TaskQueue {queue.friendly_name} expression updated", self._queue_data(queue))
        self._match(ws)
        return queue

    @mutation
    def delete_task_queue(self, ws_sid: str, sid: str) -> None:
        ws = self.workspace(ws_sid)
        queue = self.task_queue(ws_sid, sid)
        for workflow in self.store.all("workflow", ws_sid):
            if sid in queues_named(workflow.configuration):
                raise invalid(f"Cannot delete TaskQueue {sid} ({queue.friendly_name}): Workflow {workflow.sid} ({workflow.friendly_name}) routes Tasks to it")
        for task in self.store.all("task", ws_sid):
            if task.task_queue_sid == sid and task.assignment_status in ("pending", "reserved", "assigned", "wrapping"):
                raise invalid(f"Cannot delete TaskQueue {sid} ({queue.friendly_name}): Task {task.sid} is in it ({task.assignment_status})")
        self.store.delete(queue)
        self._emit(ws, "task-queue.deleted", "taskqueue", sid, f"TaskQueue {queue.friendly_name} deleted", self._queue_data(queue))

    def list_task_queues(
        self,
        ws_sid: str,
        friendly_name: str | None = None,
        evaluate_worker_attributes: str | None = None,
        worker_sid: str | None = None,
    ) -> list[TaskQueue]:
        self.workspace(ws_sid)
        attrs = None
        if evaluate_worker_attributes is not None:
            attrs = _loads(_check_json_object(evaluate_worker_attributes, "EvaluateWorkerAttributes"))
        worker = self.store.get("worker", worker_sid) if worker_sid else None
        if worker_sid is not None and (worker is None or worker.workspace_sid != ws_sid):
            return []
        result = []
        for queue in self.store.all("task_queue", ws_sid):
            if friendly_name is not None and queue.friendly_name != friendly_name:
                continue
            if attrs is not None and not self._queue_expression(queue).matches(attrs):
                continue
            if worker is not None and not self.in_queue(worker, queue):
                continue
            result.append(queue)
        return result

    def _queue_expression(self, queue: TaskQueue):
        return compile_expression(queue.target_workers or "1==1")

    def in_queue(self, worker: Worker, queue: TaskQueue) -> bool:
        if not queue.target_workers:
            return False
        return self._queue_expression(queue).matches(_loads(worker.attributes))

    # ============================================================== workflows
    @mutation
    def create_workflow(
        self,
        ws_sid: str,
        friendly_name: str,
        configuration: str,
        assignment_callback_url: str | None = None,
        fallback_assignment_callback_url: str | None = None,
        task_reservation_timeout: int | None = None,
    ) -> Workflow:
        ws = self.workspace(ws_sid)
        _check_name(friendly_name)
        self._check_workflow_fields(ws_sid, configuration, task_reservation_timeout)
        now = self.now()
        workflow = Workflow(
            self._new_sid("WW"), ws_sid, friendly_name, configuration,
            task_reservation_timeout if task_reservation_timeout is not None else 120, now, now,
            assignment_callback_url, fallback_assignment_callback_url,
        )
        self.store.put(workflow)
        self._emit(ws, "workflow.created", "workflow", workflow.sid, f"Workflow {friendly_name} created", self._workflow_data(workflow))
        return workflow

    def _check_workflow_fields(self, ws_sid: str, configuration: str | None, timeout: int | None) -> None:
        if configuration is not None:
            if len(configuration) > 1_000_000:
                raise invalid("Configuration is too long: at most 1 MB is allowed")
            parse_configuration(configuration, lambda sid: (q := self.store.get("task_queue", sid)) is not None and q.workspace_sid == ws_sid)
        if timeout is not None and not 1 <= timeout <= 86400:
            raise invalid(f"TaskReservationTimeout must be between 1 and 86400 seconds, got {timeout}")

    @mutation
    def update_workflow(self, ws_sid: str, sid: str, re_evaluate_tasks: bool = False, **changes: Any) -> Workflow:
        ws = self.workspace(ws_sid)
        workflow = self.workflow(ws_sid, sid)
        if changes.get("friendly_name") is not None:
            _check_name(changes["friendly_name"])
        self._check_workflow_fields(ws_sid, changes.get("configuration"), changes.get("task_reservation_timeout"))
        old_config = self.routing_config(workflow)
        for key, value in changes.items():
            if value is not None:
                setattr(workflow, key, value)
        self._touch(workflow)
        self._emit(ws, "workflow.updated", "workflow", sid, f"Workflow {workflow.friendly_name} updated", self._workflow_data(workflow))
        self._rehome_tasks(workflow, old_config, re_evaluate_tasks)
        self._match(ws)
        return workflow

    def _rehome_tasks(self, workflow: Workflow, old_config: RoutingConfig, re_evaluate: bool) -> None:
        """After a configuration change: ``ReEvaluateTasks`` sends every pending task through the workflow
        again; without it a task stays at its step, unless that step is gone from the new configuration,
        in which case it is evaluated again (at once if pending, when its reservation ends if reserved)."""
        new_config = self.routing_config(workflow)
        for task in self.store.all("task", workflow.workspace_sid):
            if task.workflow_sid != workflow.sid or task.assignment_status not in PENDING_STATUSES:
                continue
            kept = old_config.same_step(new_config, task.filter_index, task.target_index)
            if task.assignment_status == "pending" and (re_evaluate or (not kept and task.filter_index is not None)):
                self._enter_workflow(task)
            elif task.assignment_status == "reserved" and not kept and task.filter_index is not None:
                task.filter_index, task.target_index, task.step_entered_at = None, 0, None
                self._touch(task)

    @mutation
    def delete_workflow(self, ws_sid: str, sid: str) -> None:
        ws = self.workspace(ws_sid)
        workflow = self.workflow(ws_sid, sid)
        for task in self.store.all("task", ws_sid):
            if task.workflow_sid == sid and task.assignment_status in ("pending", "reserved", "assigned", "wrapping"):
                raise invalid(f"Cannot delete Workflow {sid} ({workflow.friendly_name}): Task {task.sid} is still {task.assignment_status}")
        self.store.delete(workflow)
        self._configs.pop(sid, None)
        self._emit(ws, "workflow.deleted", "workflow", sid, f"Workflow {workflow.friendly_name} deleted", self._workflow_data(workflow))

    def list_workflows(self, ws_sid: str, friendly_name: str | None = None) -> list[Workflow]:
        self.workspace(ws_sid)
        return [w for w in self.store.all("workflow", ws_sid) if friendly_name is None or w.friendly_name == friendly_name]

    # ================================================================== tasks
    @mutation
    def create_task(
        self,
        ws_sid: str,
        attributes: str | None = None,
        workflow_sid: str | None = None,
        priority: int | None = None,
        timeout: int | None = None,
        task_channel: str | None = None,
        virtual_start_time: float | None = None,
        routing_target: str | None = None,
        ignore_capacity: bool | None = None,
        task_queue_sid: str | None = None,
    ) -> Task:
        ws = self.workspace(ws_sid)
        attributes = _check_json_object(attributes if attributes is not None else "{}", "Attributes")
        if priority is not None and not 0 <= priority <= MAX_PRIORITY:
            raise invalid(f"Priority must be between 0 and {MAX_PRIORITY}, got {priority}")
        if timeout is not None and not 1 <= timeout <= MAX_TASK_TIMEOUT:
            raise invalid(f"Timeout must be between 1 and {MAX_TASK_TIMEOUT} seconds, got {timeout}")
        now = self.now()
        if virtual_start_time is not None and virtual_start_time > now + 1:
            raise invalid("VirtualStartTime must not be in the future")
        channel = self._task_channel_ref(ws_sid, task_channel or "default")
        queue = None
        if routing_target is not None:
            target = self.store.get_any(routing_target)
            if target is not None and target.KIND == "worker" and target.workspace_sid == ws_sid:
                raise invalid(f"RoutingTarget {routing_target} is a Worker: routing a Task straight to a Worker is not emulated "
                              "by the mock TaskRouter; route it through a TaskQueue or a Workflow here")
            if target is None or getattr(target, "workspace_sid", None) != ws_sid or target.KIND not in ("task_queue", "workflow"):
                raise invalid(f"RoutingTarget {routing_target!r} is not a TaskQueue or Workflow of this Workspace")
            if target.KIND == "task_queue":
                queue = target
            else:
                workflow_sid = target.sid
        if task_queue_sid is not None:
            queue = self.store.get("task_queue", task_queue_sid)
            if queue is None or queue.workspace_sid != ws_sid:
                raise invalid(f"TaskQueueSid {task_queue_sid!r} is not a TaskQueue of this Workspace")
        workflow = None
        if queue is None:
            if workflow_sid is None:
                workflows = self.store.all("workflow", ws_sid)
                if len(workflows) != 1:
                    raise invalid("Missing required parameter WorkflowSid: the Workspace has "
                                  f"{len(workflows)} Workflows, so the Task must name one")
                workflow = workflows[0]
            else:
                workflow = self.store.get("workflow", workflow_sid)
                if workflow is None or workflow.workspace_sid != ws_sid:
                    raise invalid(f"WorkflowSid {workflow_sid!r} is not a Workflow of this Workspace")
        task = Task(
            sid=self._new_sid("WT"),
            workspace_sid=ws_sid,
            attributes=attributes,
            assignment_status="pending",
            priority=priority or 0,
            timeout=timeout or 86400,
            task_channel_sid=channel.sid,
            date_created=now,
            date_updated=now,
            virtual_start_time=virtual_start_time if virtual_start_time is not None else now,
            workflow_sid=workflow.sid if workflow else None,
            ignore_capacity=ignore_capacity,
            routing_target=routing_target,
        )
        self.store.put(task)
        self._add_timer(now + task.timeout, "ttl", task.sid)
        self._emit(ws, "task.created", "task", task.sid, "Task created", self._task_data(task))
        if queue is not None:
            self._enter_queue(task, queue.sid, None)
        else:
            self._enter_workflow(task, explicit_priority=priority)
        self._match(ws)
        return task

    def _task_channel_ref(self, ws_sid: str, value: str) -> TaskChannel:
        try:
            return self.task_channel(ws_sid, value)
        except TaskRouterError:
            raise invalid(f"TaskChannel {value!r} is not a TaskChannel SID or unique name of this Workspace") from None

    @mutation
    def update_task(
        self,
        ws_sid: str,
        sid: str,
        attributes: str | None = None,
        assignment_status: str | None = None,
        reason: str | None = None,
        priority: int | None = None,
        task_channel: str | None = None,
        virtual_start_time: float | None = None,
        if_match: str | None = None,
    ) -> Task:
        ws = self.workspace(ws_sid)
        task = self.task(ws_sid, sid)
        self._check_if_match(task, if_match)
        if attributes is not None:
            _check_json_object(attributes, "Attributes")
        if priority is not None and not 0 <= priority <= MAX_PRIORITY:
            raise invalid(f"Priority must be between 0 and {MAX_PRIORITY}, got {priority}")
        channel = self._task_channel_ref(ws_sid, task_channel) if task_channel is not None else None
        if assignment_status is not None:
            self._check_task_transition(ws, task, assignment_status)
            if assignment_status in ("canceled", "completed") and not reason:
                raise invalid(f"Missing required parameter Reason: a Task set to {assignment_status} needs a Reason")
            if attributes is not None and assignment_status in ("wrapping", "completed"):
                raise invalid("AssignmentStatus and Attributes cannot be changed in the same request: update the attributes first")
        changed = False
        if attributes is not None and attributes != task.attributes:
            task.attributes = attributes
            changed = True
        if priority is not None and priority != task.priority:
            task.priority = priority
            changed = True
        if channel is not None and channel.sid != task.task_channel_sid:
            task.task_channel_sid = channel.sid
            changed = True
        if virtual_start_time is not None:
            task.virtual_start_time = virtual_start_time
            changed = True
        if changed:
            self._touch(task)
            self._emit(ws, "task.updated", "task", sid, "Task updated", self._task_data(task))
            if task.assignment_status in PENDING_STATUSES:
                self._need_workers(task)
            if attributes is not None and task.assignment_status == "pending" and task.workflow_sid:
                self._enter_workflow(task, explicit_priority=priority)
        if assignment_status is not None:
            self._set_task_status(task, assignment_status, reason)
        self._touch(task)
        self._match(ws)
        return task

    def _check_task_transition(self, ws: Workspace, task: Task, status: str) -> None:
        where = f"in workspace {ws.sid} for account {self.account_sid}"
        current = task.assignment_status
        if status == "canceled" and current not in PENDING_STATUSES:
            raise invalid(f"Cannot cancel task {task.sid} {where} because it is not pending or reserved.")
        if status == "wrapping" and current != "assigned":
            raise invalid(f"Cannot wrap up a task {task.sid} {where} because it's not currently assigned")
        if status == "completed" and current not in ("assigned", "wrapping"):
            raise invalid(f"Cannot complete task {task.sid} {where} because it is not assigned or wrapping.")
        if status in ("pending", "reserved", "assigned"):
            raise invalid(f"AssignmentStatus can only be set to canceled, wrapping or completed, not {status!r}")

    def _set_task_status(self, task: Task, status: str, reason: str | None) -> None:
        ws = self.workspace(task.workspace_sid)
        task.assignment_status = status
        if reason is not None:
            task.reason = reason
        if status in ("canceled", "completed"):
            task.finished_at = self.now()
            if self.finished_task_lifetime is not None:
                self._add_timer(task.finished_at + self.finished_task_lifetime, "purge", task.sid)
        self._touch(task)
        reservations = self.store.reservations_of_task(task.sid)
        if status == "canceled":
            for res in reservations:
                if res.reservation_status == "pending":
                    self._end_reservation(res, "canceled")  # the task is canceled already: nothing to route again
            data = self._task_data(task)
            data["task_canceled_reason"] = reason
            # the spec: on TTL expiry "the task.canceled event will fire with description Task TTL Exceeded"
            self._emit(ws, "task.canceled", "task", task.sid, reason or "Task canceled", data)
        elif status == "wrapping":
            for res in reservations:
                if res.reservation_status == "accepted":
                    self._set_res_status(res, "wrapping")
                    self._emit_reservation(res, "reservation.wrapup")
            self._emit(ws, "task.wrapup", "task", task.sid, "Task wrapping up", self._task_data(task))
        elif status == "completed":
            for res in reservations:
                if res.reservation_status in ("accepted", "wrapping"):
                    self._set_res_status(res, "completed")
                    self._free_worker(res.worker_sid)
                    self._emit_reservation(res, "reservation.completed")
            data = self._task_data(task)
            data["task_completed_reason"] = reason
            # completing through the reservation (ReservationStatus=completed) gives no reason
            self._emit(ws, "task.completed", "task", task.sid, f"Task completed: {reason}" if reason else "Task completed", data)

    @mutation
    def delete_task(self, ws_sid: str, sid: str, if_match: str | None = None) -> None:
        ws = self.workspace(ws_sid)
        task = self.task(ws_sid, sid)
        self._check_if_match(task, if_match)
        data = self._task_data(task)
        for res in self.store.reservations_of_task(sid):
            if res.reservation_status == "pending":
                self._end_reservation(res, "canceled", reroute=False)
            if res.reservation_status in ("accepted", "wrapping"):
                self._free_worker(res.worker_sid)
            self._active.get(res.worker_sid, set()).discard(res.sid)
            self.store.delete(res)
        self.store.delete(task)
        self._emit(ws, "task.deleted", "task", sid, "Task deleted", data)
        self._match(ws)

    def _purge_task(self, task: Task) -> None:
        """A finished task's lifetime is over: it and its reservations are gone (404 from now on)."""
        data = self._task_data(task)
        for res in self.store.reservations_of_task(task.sid):
            self.store.delete(res)
        self.store.delete(task)
        self._emit(self.workspace(task.workspace_sid), "task.system-deleted", "task", task.sid,
                   f"Task {task.sid} deleted by the system after it was {task.assignment_status}", data)

    def list_tasks(
        self,
        ws_sid: str,
        priority: int | None = None,
        assignment_status: list[str] | None = None,
        workflow_sid: str | None = None,
        workflow_name: str | None = None,
        task_queue_sid: str | None = None,
        task_queue_name: str | None = None,
        evaluate_task_attributes: str | None = None,
        routing_target: str | None = None,
        ordering: str | None = None,
        has_addons: bool | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Task]:
        """Tasks matching every given filter, in creation order or ``ordering``; ``offset``/``limit`` take one page."""
        self.workspace(ws_sid)
        expression = self._parse_param_expression(evaluate_task_attributes, "EvaluateTaskAttributes")
        # without Ordering: creation order, which is date_created order (the mock clock never goes back)
        sort_keys = self._task_ordering(ordering) if ordering else []
        wanted = dict(priority=priority, assignment_status=assignment_status, workflow_sid=workflow_sid,
                      workflow_name=workflow_name, task_queue_sid=task_queue_sid, task_queue_name=task_queue_name,
                      expression=expression, routing_target=routing_target, has_addons=has_addons)
        found: Iterator[Task] = (t for t in self.store.iterate("task", ws_sid) if self._task_matches(t, **wanted))
        end = None if limit is None else offset + limit
        if not sort_keys:
            return list(islice(found, offset, end))
        result = list(found)
        for attr, descending in reversed(sort_keys):
            result.sort(key=lambda t: getattr(t, attr), reverse=descending)
        return result[offset:end]

    def _task_matches(self, task: Task, priority, assignment_status, workflow_sid, workflow_name, task_queue_sid,
                      task_queue_name, expression, routing_target, has_addons) -> bool:
        if priority is not None and task.priority != priority:
            return False
        if assignment_status and task.assignment_status not in assignment_status:
            return False
        if workflow_sid is not None and task.workflow_sid != workflow_sid:
            return False
        if workflow_name is not None:
            workflow = self.store.get("workflow", task.workflow_sid)
            if workflow is None or workflow.friendly_name != workflow_name:
                return False
        if task_queue_sid is not None and task.task_queue_sid != task_queue_sid:
            return False
        if task_queue_name is not None:
            queue = self.store.get("task_queue", task.task_queue_sid)
            if queue is None or queue.friendly_name != task_queue_name:
                return False
        if expression is not None and not expression.matches(_loads(task.attributes)):
            return False
        if routing_target is not None and task.routing_target != routing_target:
            return False
        if has_addons is not None and (task.addons not in (None, "{}")) != has_addons:
            return False
        return True

    @staticmethod
    def _task_ordering(ordering: str | None) -> list[tuple[str, bool]]:
        if not ordering:
            return [("date_created", False)]
        fields = {"DateCreated": "date_created", "Priority": "priority", "VirtualStartTime": "virtual_start_time"}
        keys = []
        for part in ordering.split(","):
            name, _, direction = part.strip().partition(":")
            if name not in fields or direction.lower() not in ("asc", "desc"):
                raise invalid(f"Ordering {part.strip()!r} is invalid: use DateCreated, Priority or VirtualStartTime followed by :asc or :desc")
            keys.append((fields[name], direction.lower() == "desc"))
        names = [k for k, _ in keys]
        if "date_created" in names and "virtual_start_time" in names:
            raise invalid("Ordering cannot combine DateCreated and VirtualStartTime")
        return keys

    # ========================================================== reservations
    def list_reservations(self, ws_sid: str, task_sid: str | None = None, worker_sid: str | None = None,
                          reservation_status: str | None = None, filter_worker_sid: str | None = None) -> list[Reservation]:
        if task_sid is not None:
            self.task(ws_sid, task_sid)
            items = self.store.reservations_of_task(task_sid)
        else:
            self.worker(ws_sid, worker_sid)
            items = self.store.reservations_of_worker(worker_sid)
        return [
            r for r in items
            if (reservation_status is None or r.reservation_status == reservation_status)
            and (filter_worker_sid is None or r.worker_sid == filter_worker_sid)
        ]

    @mutation
    def update_reservation(
        self,
        ws_sid: str,
        sid: str,
        task_sid: str | None = None,
        worker_sid: str | None = None,
        reservation_status: str | None = None,
        worker_activity_sid: str | None = None,
        instruction: str | None = None,
        instruction_params: dict[str, Any] | None = None,
        if_match: str | None = None,
    ) -> Reservation:
        res = self.reservation(ws_sid, sid, task_sid=task_sid, worker_sid=worker_sid)
        self._check_if_match(res, if_match)
        activity = self._activity_ref(ws_sid, worker_activity_sid, "WorkerActivitySid")
        if reservation_status is None and instruction is None:
            raise invalid("Missing required parameter ReservationStatus or Instruction in the post body")
        if instruction is not None:
            self._apply_instruction(res, instruction, instruction_params or {}, source="rest")
            return res
        self._apply_status(res, reservation_status, activity)
        return res

    def _state_error(self, res: Reservation, target: str) -> TaskRouterError:
        if res.reservation_status == "rescinded":
            return TaskRouterError(410, 20001, f"Reservation {res.sid} has been rescinded and cannot be updated to [{target}]")
        return invalid(f"Reservation {res.sid} is already in state [{res.reservation_status}] and cannot be updated to [{target}]")

    def _apply_status(self, res: Reservation, status: str, activity: Activity | None) -> None:
        current = res.reservation_status
        if status in ("accepted", "rejected"):
            if current != "pending":
                raise self._state_error(res, status)
            if status == "accepted":
                self._accept(res)
            else:
                self._end_reservation(res, "rejected", activity=activity)
        elif status == "wrapping":
            if current != "accepted":
                raise self._state_error(res, status)
            self._set_task_status(self.store.get("task", res.task_sid), "wrapping", None)
        elif status == "completed":
            if current not in ("accepted", "wrapping"):
                raise self._state_error(res, status)
            self._set_task_status(self.store.get("task", res.task_sid), "completed", None)
        elif status in ("timeout", "canceled", "rescinded", "pending"):
            raise invalid(f"ReservationStatus cannot be set to {status!r}: use accepted, rejected, wrapping or completed")
        else:
            raise invalid(f"ReservationStatus {status!r} is not one of accepted, rejected, wrapping, completed")
        if activity is not None and status in ("accepted", "wrapping", "completed"):
            self._set_activity(self.store.get("worker", res.worker_sid), activity)

    def _apply_instruction(self, res: Reservation, instruction: str, params: dict[str, Any], source: str) -> None:
        name = instruction.lower()
        if name not in ("accept", "reject", "dequeue", "call", "redirect", "conference", "supervise"):
            raise invalid(f"Instruction {instruction!r} is not one of accept, reject, dequeue, call, redirect, conference")
        if name == "supervise":
            if res.reservation_status != "accepted":
                raise invalid(f"Reservation {res.sid} must be accepted to be supervised")
            res.instruction = {"instruction": name, **params}
            self._touch(res)
            return
        if res.reservation_status != "pending":
            raise self._state_error(res, "accepted" if name != "reject" else "rejected")
        ws_sid = res.workspace_sid
        if name == "accept":
            self._accept(res)
            return
        if name == "reject":
            activity = self._activity_ref(ws_sid, params.get("activity_sid"), "activity_sid")
            self._end_reservation(res, "rejected", activity=activity)
            return
        if name in ("dequeue", "conference"):
            self._activity_ref(ws_sid, params.get("post_work_activity_sid"), "post_work_activity_sid")
        if name == "call" and (not params.get("url") or not params.get("from")):
            raise invalid("The call instruction needs url and from")
        if name == "redirect" and (not params.get("call_sid") or not params.get("url")):
            raise invalid("The redirect instruction needs call_sid and url")
        res.instruction = {"instruction": name, **params}
        if name in ("dequeue", "call"):
            self._record_worker_call(res)
        accepts = name in ("dequeue", "conference") or str(params.get("accept", "false")).lower() == "true"
        self._touch(res)
        if accepts:
            self._accept(res)

    def _record_worker_call(self, res: Reservation) -> None:
        """A dequeue or call instruction places a call to the worker: TaskRouter adds its CallSid to the
        task's attributes as ``worker_call_sid``. The mock has no phone network yet, so the SID names a
        call leg it records in the instruction and nowhere else."""
        task = self.store.get("task", res.task_sid)
        call_sid = self._new_sid("CA")
        res.instruction["worker_call_sid"] = call_sid
        attributes = dict(_loads(task.attributes))
        attributes["worker_call_sid"] = call_sid
        task.attributes = json.dumps(attributes)
        self._touch(task)

    def apply_assignment_answer(self, reservation_sid: str, answer: dict[str, Any]) -> str:
        """Act on an assignment callback's JSON answer; returns what was done."""
        return self._apply_answer(reservation_sid, answer)

    @mutation
    def _apply_answer(self, reservation_sid: str, answer: dict[str, Any]) -> str:
        res = self.store.get("reservation", reservation_sid)
        if res is None:
            return "reservation no longer exists"
        instruction = answer.get("instruction")
        if not instruction:
            return "no instruction: reservation stays pending (40005)"
        if res.reservation_status != "pending":
            return f"ignored: reservation is {res.reservation_status}"
        params = {k: v for k, v in answer.items() if k != "instruction"}
        try:
            self._apply_instruction(res, str(instruction), params, source="callback")
        except TaskRouterError as exc:
            # a bad instruction leaves the reservation as it was (warning in Twilio's debugger)
            code = 55555 if "is not one of" in exc.message else 40100 if instruction == "reject" else exc.code
            raise TaskRouterError(exc.status, code, exc.message) from None
        return f"{instruction} applied"

    # ================================================================ events
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
        self.workspace(ws_sid)
        now = self.now()
        end = end_date if end_date is not None else now
        if start_date is None:
            start_date = end - 60 * (minutes if minutes is not None else 15)
        if now - start_date > 30 * 86400:
            raise invalid("StartDate must be within the last 30 days")
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

    def _emit(self, ws: Workspace, event_type: str, resource_type: str, resource_sid: str, description: str,
              data: dict[str, Any], actor: tuple[str, str, str | None] | None = None) -> Event:
        now = self.now()
        # event data values are strings, as TaskRouter sends them
        for key, value in data.items():
            if value.__class__ is not str:
                data[key] = _event_string(value)
        data.setdefault("workspace_sid", ws.sid)
        data.setdefault("workspace_name", ws.friendly_name)
        kind = "task_queue" if resource_type == "taskqueue" else resource_type
        resource_path = paths.path_of(kind, ws.sid, resource_sid) if kind in ("workspace", "activity", "task_channel", "worker", "task_queue", "workflow", "task") else ""
        if resource_type == "reservation":
            resource_path = paths.task_reservation_path(ws.sid, data.get("task_sid", ""), resource_sid)
        actor_type, actor_sid, actor_path = actor or ("workspace", ws.sid, f"/v1/Workspaces/{ws.sid}")
        event = Event(
            sid=self._new_sid("EV"), workspace_sid=ws.sid, event_type=event_type, description=description,
            resource_type=resource_type, resource_sid=resource_sid, resource_url_path=resource_path,
            actor_type=actor_type, actor_sid=actor_sid, actor_url_path=actor_path, event_date=now, event_data=data,
            task_sid=data.get("task_sid") or None, worker_sid=data.get("worker_sid") or None,
            reservation_sid=data.get("reservation_sid") or None, task_queue_sid=data.get("task_queue_sid") or None,
            workflow_sid=data.get("workflow_sid") or None, task_channel=data.get("task_channel_sid") or None,
        )
        self.store.add_event(event)
        if self._wants_callback(ws, event_type):
            params = {"".join(p.capitalize() for p in key.split("_")): value for key, value in data.items()}
            params.update({
                "Sid": event.sid, "EventType": event_type, "EventDescription": description,
                "ResourceType": resource_type, "ResourceSid": resource_sid, "AccountSid": self.account_sid,
                "Timestamp": str(int(now)), "TimestampMs": str(int(now * 1000)),
            })
            self._outbox.append(Outbound("event", ws.event_callback_url, params, ws.sid, event_type=event_type))
        return event

    # -------------------------------------------------------------- event data
    def _activity_data(self, activity: Activity) -> dict:
        return {"activity_sid": activity.sid, "activity_name": activity.friendly_name, "activity_available": activity.available}

    def _channel_data(self, channel: TaskChannel) -> dict:
        return {"task_channel_sid": channel.sid, "task_channel_name": channel.friendly_name,
                "task_channel_unique_name": channel.unique_name, "task_channel_optimized_routing": bool(channel.channel_optimized_routing)}

    def _queue_data(self, queue: TaskQueue) -> dict:
        return {"task_queue_sid": queue.sid, "task_queue_name": queue.friendly_name, "task_queue_target_expression": queue.target_workers}

    def _workflow_data(self, workflow: Workflow) -> dict:
        return {"workflow_sid": workflow.sid, "workflow_name": workflow.friendly_name}

    def _worker_data(self, worker: Worker) -> dict:
        activity = self.store.get("activity", worker.activity_sid)
        return {
            "worker_sid": worker.sid, "worker_name": worker.friendly_name, "worker_attributes": worker.attributes,
            "worker_activity_sid": worker.activity_sid, "worker_activity_name": activity.friendly_name if activity else "",
        }

    def _task_data(self, task: Task) -> dict:
        queue = self.store.get("task_queue", task.task_queue_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        channel = self.store.get("task_channel", task.task_channel_sid)
        return {
            "task_sid": task.sid, "task_attributes": task.attributes, "task_age": int(self.now() - task.date_created),
            "task_priority": task.priority, "task_assignment_status": task.assignment_status,
            "task_date_created": int(task.date_created), "task_channel_sid": task.task_channel_sid,
            "task_channel_unique_name": channel.unique_name if channel else "",
            "task_queue_sid": task.task_queue_sid, "task_queue_name": queue.friendly_name if queue else "",
            "task_queue_entered_date": int(task.task_queue_entered_date) if task.task_queue_entered_date else "",
            "workflow_sid": task.workflow_sid, "workflow_name": workflow.friendly_name if workflow else "",
        }

    def _emit_reservation(self, res: Reservation, event_type: str, extra: dict | None = None) -> None:
        task = self.store.get("task", res.task_sid)
        worker = self.store.get("worker", res.worker_sid)
        data = self._task_data(task) if task else {"task_sid": res.task_sid}
        if worker is not None:
            data.update(self._worker_data(worker))
        else:
            data["worker_sid"] = res.worker_sid
        data["reservation_sid"] = res.sid
        if extra:
            data.update(extra)
        status = event_type.split(".", 1)[1]
        self._emit(self.workspace(res.workspace_sid), event_type, "reservation", res.sid,
                   f"Reservation {res.sid} {status} for Worker {res.worker_name}", data)

    # =============================================================== activity
    def _set_activity(self, worker: Worker, activity: Activity) -> None:
        if worker.activity_sid == activity.sid:
            return
        now = self.now()
        previous = self.store.get("activity", worker.activity_sid)
        spent = now - worker.date_status_changed
        worker.activity_sid = activity.sid
        worker.date_status_changed = now
        available = self._available.setdefault(worker.workspace_sid, {})
        if activity.available:
            available[worker.sid] = None
        else:
            available.pop(worker.sid, None)
        if activity.available and not (previous and previous.available):
            worker.idle_since = max(worker.idle_since, now)
        self._touch(worker)
        data = self._worker_data(worker)
        data.update({
            "worker_previous_activity_sid": previous.sid if previous else "",
            "worker_previous_activity_name": previous.friendly_name if previous else "",
            "worker_time_in_previous_activity": int(spent),
            "worker_time_in_previous_activity_ms": int(spent * 1000),
        })
        self._emit(self.workspace(worker.workspace_sid), "worker.activity.update", "worker", worker.sid,
                   f"Worker {worker.friendly_name} updated to {activity.friendly_name} Activity", data)

    def _free_worker(self, worker_sid: str) -> None:
        worker = self.store.get("worker", worker_sid)
        if worker is not None:
            worker.idle_since = max(worker.idle_since, self.now())
            self.store.put(worker)

    # ================================================================ routing
    def _enter_workflow(self, task: Task, explicit_priority: int | None = None) -> None:
        """Evaluate the workflow's filters against the task and apply the first target."""
        ws = self.workspace(task.workspace_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        if workflow is None:
            return
        config = self.routing_config(workflow)
        self._emit(ws, "workflow.entered", "workflow", workflow.sid, f"Task {task.sid} entered Workflow {workflow.friendly_name}", self._task_data(task))
        attrs = _loads(task.attributes)
        for index, filt in enumerate(config.filters):
            if compile_expression(filt.expression).matches(attrs):
                self._apply_target(task, index, 0, config, explicit_priority)
                return
        if config.default is not None:
            self._apply_target(task, -1, 0, config, explicit_priority)
            return
        # nothing matched and no default filter: the task waits outside any queue until its TTL
        task.filter_index, task.target_index, task.step_entered_at = None, 0, None
        task.task_queue_sid = None
        task.task_queue_entered_date = None
        self._touch(task)

    def _apply_target(self, task: Task, filter_index: int, target_index: int, config: RoutingConfig,
                      explicit_priority: int | None = None) -> None:
        target = config.target(filter_index, target_index)
        assert target is not None
        now = self.now()
        task.filter_index, task.target_index, task.step_entered_at = filter_index, target_index, now
        if target.priority is not None:
            task.priority = target.priority
        elif explicit_priority is not None:
            task.priority = explicit_priority
        filter_name = "Default Filter" if filter_index == -1 else config.filters[filter_index].name
        data = self._task_data(task)
        data.update({"workflow_filter_name": filter_name, "workflow_filter_target_index": target_index,
                     "workflow_filter_expression": "" if filter_index == -1 else config.filters[filter_index].expression,
                     "task_queue_sid": target.queue_sid})
        workflow = self.store.get("workflow", task.workflow_sid)
        self._emit(self.workspace(task.workspace_sid), "workflow.target-matched", "workflow", workflow.sid,
                   f"Task {task.sid} matched a target of filter {filter_name}", data)
        if target.timeout is not None:
            self._add_timer(now + target.timeout, "step", task.sid)
        self._enter_queue(task, target.queue_sid, filter_name)

    def _enter_queue(self, task: Task, queue_sid: str, filter_name: str | None) -> None:
        queue = self.store.get("task_queue", queue_sid)
        now = self.now()
        moved_from = task.task_queue_sid
        task.task_queue_sid = queue_sid
        if moved_from != queue_sid or task.task_queue_entered_date is None:
            task.task_queue_entered_date = now
        self._touch(task)
        ws = self.workspace(task.workspace_sid)
        if moved_from is not None and moved_from != queue_sid:
            data = self._task_data(task)
            data["task_queue_previous_sid"] = moved_from
            self._emit(ws, "task-queue.moved", "taskqueue", queue_sid, f"Task {task.sid} moved to TaskQueue {queue.friendly_name}", data)
        self._emit(ws, "task-queue.entered", "taskqueue", queue_sid,
                   f"Task {task.sid} entered TaskQueue {queue.friendly_name}", self._task_data(task))
        self._need_workers(task)

    def current_target(self, task: Task) -> Target | None:
        workflow = self.store.get("workflow", task.workflow_sid)
        if workflow is None:
            return None
        try:
            return self.routing_config(workflow).target(task.filter_index, task.target_index)
        except TaskRouterError:
            return None

    def _advance_step(self, task: Task) -> None:
        """The current target timed out: next target, next matching filter, or cancel."""
        ws = self.workspace(task.workspace_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        if workflow is None or task.filter_index is None:
            return
        config = self.routing_config(workflow)
        self._emit(ws, "task-queue.timeout", "taskqueue", task.task_queue_sid or "", f"Task {task.sid} timed out of its TaskQueue", self._task_data(task))
        if task.filter_index >= 0:
            if config.target(task.filter_index, task.target_index + 1) is not None:
                self._apply_target(task, task.filter_index, task.target_index + 1, config)
                return
            attrs = _loads(task.attributes)
            for index in range(task.filter_index + 1, len(config.filters)):
                if compile_expression(config.filters[index].expression).matches(attrs):
                    self._apply_target(task, index, 0, config)
                    return
        self._emit(ws, "workflow.timeout", "workflow", workflow.sid, f"Task {task.sid} fell out of Workflow {workflow.friendly_name}", self._task_data(task))
        self._set_task_status(task, "canceled", "Workflow Timeout")

    def eligible(self, worker: Worker, task: Task, queue: TaskQueue, target: Target | None, multi: bool) -> bool:
        """Can ``worker`` be reserved for ``task`` right now?"""
        activity = self.store.get("activity", worker.activity_sid)
        if activity is None or not activity.available:
            return False
        if not self.has_capacity(worker, task, multi):
            return False
        for res in self.store.reservations_of_task(task.sid):
            if res.worker_sid == worker.sid and res.reservation_status == "pending":
                return False
        if not self.in_queue(worker, queue):
            return False
        if target is not None and target.expression:
            context = {"task": _loads(task.attributes), "worker": self._worker_context(worker, activity)}
            if not compile_expression(target.expression).matches(context):
                return False
        if target is not None and not self._is_known_worker(worker, task, target):
            return False
        return True

    @staticmethod
    def _is_known_worker(worker: Worker, task: Task, target: Target) -> bool:
        """Known-agent routing: only the worker the task's attributes name is considered in that step."""
        for path, field in ((target.known_worker_sid, worker.sid), (target.known_worker_friendly_name, worker.friendly_name)):
            if path is not None:
                return attribute_at(_loads(task.attributes), path) == field
        return True

    def _order_key(self, worker: Worker, target: Target) -> tuple:
        """A target's ``order_by``: numeric worker attributes in the clauses' order; workers without one go last."""
        attributes = _loads(worker.attributes)
        key: list = []
        for path, descending in target.order_by:
            value = attribute_at(attributes, path)
            number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
            key.append((number is None, -number if descending and number is not None else number or 0))
        return (*key, worker.idle_since, self.store.seq(worker.sid))

    def has_capacity(self, worker: Worker, task: Task, multi: bool) -> bool:
        if not multi:
            return self.assigned_tasks(worker.sid) == 0
        for wc in self.store.channels_of_worker(worker.sid):
            if wc.task_channel_sid == task.task_channel_sid:
                return wc.available and self.assigned_tasks(worker.sid, task.task_channel_sid) < wc.configured_capacity
        return False

    def _task_rank(self, ws: Workspace, task: Task, queue: TaskQueue) -> tuple:
        lifo = queue.task_order == "LIFO"
        preferred = 0 if (queue.task_order == ws.prioritize_queue_order) else 1
        age_key = -task.virtual_start_time if lifo else task.virtual_start_time
        return (-task.priority, preferred, age_key, self.store.seq(task.sid))

    def _match(self, ws: Workspace) -> None:
        """Routing is due in ``ws``; it runs once, when the current change is done."""
        self._match_wanted[ws.sid] = None

    def _flush_matches(self) -> None:
        while self._match_wanted:
            ws_sid = next(iter(self._match_wanted))
            del self._match_wanted[ws_sid]
            ws = self.store.get("workspace", ws_sid)
            if ws is not None:
                self._run_match(ws)

    def answer_before_routing(self, flag: bool) -> None:
        """While set (per thread), a write returns a copy of its resource taken before routing ran."""
        self._local.answer_before_routing = flag

    def _run_match(self, ws: Workspace) -> None:
        """Reserve waiting tasks for free workers: longest-idle worker first, each gets its best task.

        Tasks wait in one heap per queue (best first: priority, then queue order), so a
        free worker finds its task by looking at the tops of its queues' heaps instead of
        scanning every task.
        """
        available = self._available.get(ws.sid)
        if not available:
            return
        multi = ws.multi_task_enabled
        queues = [q for q in self.store.all("task_queue", ws.sid) if self._queue_heaps.get(q.sid)]
        if not queues:
            return
        workers = [self.store.get("worker", sid) for sid in available]
        workers = [w for w in workers if w is not None and (multi or not self._active.get(w.sid))]
        workers.sort(key=lambda w: (w.idle_since, self.store.seq(w.sid)))
        for worker in workers:
            while True:
                if worker.sid not in available:
                    break  # the reservation moved the worker to an unavailable activity
                found = self._best_task_for(worker, queues, multi)
                if found is None:
                    break
                task, queue = found
                chosen = self._ordered_choice(worker, task, queue, workers, multi)
                self._reserve(task, chosen, queue)
                if chosen is worker and not multi:
                    break
            if not any(self._queue_heaps.get(q.sid) for q in queues):
                return

    def _ordered_choice(self, worker: Worker, task: Task, queue: TaskQueue, free: list[Worker], multi: bool) -> Worker:
        """The worker a task goes to: ``worker`` (idle longest), unless the step's ``order_by`` ranks another free one first."""
        target = self.current_target(task)
        if target is None or not target.order_by:
            return worker
        candidates = [w for w in free if w.sid in self._available.get(w.workspace_sid, {})
                      and (multi or not self._active.get(w.sid)) and self.eligible(w, task, queue, target, multi)]
        return min(candidates, key=lambda w: self._order_key(w, target), default=worker)

    def _slots(self, task: Task, queue: TaskQueue) -> int:
        """How many more workers ``task`` may be offered to right now (0 if none)."""
        if task.assignment_status not in PENDING_STATUSES:
            return 0
        pending = 0
        for res in self.store.reservations_of_task(task.sid):
            if res.reservation_status in ("accepted", "wrapping"):
                return 0
            if res.reservation_status == "pending":
                pending += 1
        return queue.max_reserved_workers - pending

    def _heap_entry_valid(self, entry: tuple, queue: TaskQueue) -> Task | None:
        rank, task_sid = entry[0], entry[1]
        task = self.store.get("task", task_sid)
        if task is None or task.task_queue_sid != queue.sid or self._task_rank(self.workspace(task.workspace_sid), task, queue) != rank:
            return None
        return task if self._slots(task, queue) > 0 else None

    def _best_task_for(self, worker: Worker, queues: list[TaskQueue], multi: bool) -> tuple[Task, TaskQueue] | None:
        best: tuple[tuple, Task, TaskQueue] | None = None
        for queue in queues:
            heap = self._queue_heaps.get(queue.sid)
            if not heap or not self.in_queue(worker, queue):
                continue
            # drop entries that no longer need workers (assigned, canceled, re-ranked, moved)
            while heap and self._heap_entry_valid(heap[0], queue) is None:
                heapq.heappop(heap)
            if not heap:
                continue
            if best is not None and heap[0][0] >= best[0]:
                continue
            candidate = None
            top = self._heap_entry_valid(heap[0], queue)
            if top is not None and self.eligible(worker, top, queue, self.current_target(top), multi):
                candidate = (heap[0][0], top, queue)
            else:
                # the best task is not for this worker (target expression, already offered): look further down
                for entry in sorted(heap[1:]):
                    if best is not None and entry[0] >= best[0]:
                        break
                    task = self._heap_entry_valid(entry, queue)
                    if task is not None and self.eligible(worker, task, queue, self.current_target(task), multi):
                        candidate = (entry[0], task, queue)
                        break
            if candidate is not None:
                best = candidate
        return (best[1], best[2]) if best is not None else None

    def _need_workers(self, task: Task) -> None:
        """Put a waiting task (back) in its queue's heap."""
        queue = self.store.get("task_queue", task.task_queue_sid)
        if queue is None or task.assignment_status not in PENDING_STATUSES:
            return
        rank = self._task_rank(self.workspace(task.workspace_sid), task, queue)
        heapq.heappush(self._queue_heaps.setdefault(queue.sid, []), (rank, task.sid))

    def _rebuild_queue_heap(self, queue_sid: str) -> None:
        queue = self.store.get("task_queue", queue_sid)
        self._queue_heaps[queue_sid] = []
        if queue is None:
            return
        for task in self.store.all("task", queue.workspace_sid):
            if task.task_queue_sid == queue_sid and task.assignment_status in PENDING_STATUSES:
                self._need_workers(task)

    def _set_res_status(self, res: Reservation, status: str) -> None:
        """Every reservation status change goes through here, to keep the worker's load index right."""
        res.reservation_status = status
        self._touch(res)
        active = self._active.setdefault(res.worker_sid, set())
        if status in ACTIVE_RESERVATION_STATUSES:
            active.add(res.sid)
        else:
            active.discard(res.sid)

    def _rederive(self, records: list[Any]) -> None:
        """After a rollback: re-derive the indexes (free workers, load, queue heaps, timers) of the records it put back."""
        for record in records:
            stored = self.store.get(record.KIND, record.sid) is record
            if record.KIND == "worker":
                self._available.get(record.workspace_sid, {}).pop(record.sid, None)
                activity = self.store.get("activity", record.activity_sid)
                if stored and activity is not None and activity.available:
                    self._available.setdefault(record.workspace_sid, {})[record.sid] = None
            elif record.KIND == "reservation":
                self._active.get(record.worker_sid, set()).discard(record.sid)
                if stored and record.reservation_status in ACTIVE_RESERVATION_STATUSES:
                    self._active.setdefault(record.worker_sid, set()).add(record.sid)
                if stored and record.reservation_status == "pending":
                    self._add_timer(record.timeout_at, "reservation", record.sid)
                task = self.store.get("task", record.task_sid)
                if task is not None:
                    self._task_timers(task)
                    self._need_workers(task)
            elif record.KIND == "task" and stored:
                self._task_timers(record)
                self._need_workers(record)
            elif record.KIND == "task_queue":
                self._rebuild_queue_heap(record.sid)

    def _rebuild_indexes(self) -> None:
        """Derived indexes (free workers, load, queue heaps, timers) from the stored state."""
        self._available: dict[str, dict[str, None]] = {}
        self._active: dict[str, set[str]] = {}
        self._queue_heaps: dict[str, list] = {}
        for worker in self.store.all("worker"):
            activity = self.store.get("activity", worker.activity_sid)
            if activity is not None and activity.available:
                self._available.setdefault(worker.workspace_sid, {})[worker.sid] = None
        for res in self.store.all("reservation"):
            if res.reservation_status in ACTIVE_RESERVATION_STATUSES:
                self._active.setdefault(res.worker_sid, set()).add(res.sid)
        for task in self.store.all("task"):
            if task.assignment_status in PENDING_STATUSES:
                self._need_workers(task)
        self._rebuild_timers()

    def _reserve(self, task: Task, worker: Worker, queue: TaskQueue) -> Reservation:
        ws = self.workspace(task.workspace_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        now = self.now()
        timeout = workflow.task_reservation_timeout if workflow else 120
        res = Reservation(
            sid=self._new_sid("WR"), workspace_sid=ws.sid, task_sid=task.sid, worker_sid=worker.sid,
            worker_name=worker.friendly_name, reservation_status="pending", date_created=now, date_updated=now,
            timeout_at=now + timeout, task_queue_sid=queue.sid, workflow_sid=task.workflow_sid,
            previous_activity_sid=worker.activity_sid,
        )
        self.store.put(res)
        self._active.setdefault(worker.sid, set()).add(res.sid)
        task.assignment_status = "reserved"
        task.assignment_count += 1
        self._touch(task)
        self._add_timer(res.timeout_at, "reservation", res.sid)
        self._emit_reservation(res, "reservation.created")
        if not ws.multi_task_enabled and queue.reservation_activity_sid:
            self._set_activity(worker, self.store.get("activity", queue.reservation_activity_sid))
        if workflow is not None and workflow.assignment_callback_url:
            self._outbox.append(Outbound(
                "assignment", workflow.assignment_callback_url, self.assignment_params(res, task, worker),
                ws.sid, fallback_url=workflow.fallback_assignment_callback_url or None, reservation_sid=res.sid,
            ))
        return res

    def assignment_params(self, res: Reservation, task: Task, worker: Worker) -> dict[str, str]:
        """The documented form fields of an assignment callback."""
        return {
            "Timestamp": str(int(self.now())),
            "AccountSid": self.account_sid,
            "WorkspaceSid": res.workspace_sid,
            "WorkflowSid": task.workflow_sid or "",
            "TaskQueueSid": res.task_queue_sid or "",
            "WorkerSid": worker.sid,
            "WorkerAttributes": worker.attributes,
            "TaskSid": task.sid,
            "TaskAttributes": task.attributes,
            "TaskAge": str(int(self.now() - task.date_created)),
            "TaskPriority": str(task.priority),
            "ReservationSid": res.sid,
        }

    def _accept(self, res: Reservation) -> None:
        task = self.store.get("task", res.task_sid)
        worker = self.store.get("worker", res.worker_sid)
        ws = self.workspace(res.workspace_sid)
        self._set_res_status(res, "accepted")
        task.assignment_status = "assigned"
        self._touch(task)
        self._emit_reservation(res, "reservation.accepted")
        for other in self.store.reservations_of_task(task.sid):
            if other.sid != res.sid and other.reservation_status == "pending":
                self._end_reservation(other, "rescinded", reroute=False)
        queue = self.store.get("task_queue", res.task_queue_sid)
        if not ws.multi_task_enabled and queue is not None and queue.assignment_activity_sid:
            self._set_activity(worker, self.store.get("activity", queue.assignment_activity_sid))

    def _end_reservation(self, res: Reservation, status: str, activity: Activity | None = None,
                         move_worker: bool = True, reroute: bool = True) -> None:
        """A pending reservation ends unaccepted: rejected, timeout, canceled or rescinded."""
        ws = self.workspace(res.workspace_sid)
        self._set_res_status(res, status)
        worker = self.store.get("worker", res.worker_sid)
        self._emit_reservation(res, f"reservation.{status}")
        if worker is not None:
            self._free_worker(worker.sid)
            if move_worker:
                destination = activity
                if status == "timeout":
                    destination = self.store.get("activity", ws.timeout_activity_sid)
                elif destination is None and not ws.multi_task_enabled:
                    queue = self.store.get("task_queue", res.task_queue_sid)
                    moved = queue is not None and queue.reservation_activity_sid and worker.activity_sid == queue.reservation_activity_sid
                    if moved:
                        destination = self.store.get("activity", res.previous_activity_sid)
                if destination is not None:
                    self._set_activity(worker, destination)
        # routing runs again: the worker may be free for other tasks (e.g. rescinded when another
        # worker accepted) and the task may need another worker
        self._match(ws)
        task = self.store.get("task", res.task_sid)
        if task is None or task.assignment_status != "reserved":
            return
        if any(r.reservation_status in ("pending", "accepted", "wrapping") for r in self.store.reservations_of_task(task.sid)):
            if reroute and not any(r.reservation_status in ("accepted", "wrapping") for r in self.store.reservations_of_task(task.sid)):
                self._need_workers(task)  # a slot of a multi-reservation task opened again
            return
        task.assignment_status = "pending"
        self._touch(task)
        if task.filter_index is None and task.workflow_sid and reroute:
            self._enter_workflow(task)  # its step was taken out of the workflow while it was reserved
            return
        self._need_workers(task)
        if not reroute:
            return
        if task.assignment_count >= MAX_ASSIGNMENTS:
            self._set_task_status(task, "canceled", "Task TTL Exceeded or Max assignment count exceeded")
            return
        target = self.current_target(task)
        if target is not None and target.timeout is not None and task.step_entered_at is not None \
                and self.now() >= task.step_entered_at + target.timeout:
            self._advance_step(task)

    # ================================================================= timers
    def _add_timer(self, due: float, kind: str, sid: str) -> None:
        heapq.heappush(self._timers, (due, next(self._timer_counter), kind, sid))

    def _rebuild_timers(self) -> None:
        self._timers = []
        for res in self.store.all("reservation"):
            if res.reservation_status == "pending":
                self._add_timer(res.timeout_at, "reservation", res.sid)
        for task in self.store.all("task"):
            self._task_timers(task)

    def _task_timers(self, task: Task) -> None:
        """The timers a task's state calls for (a timer that finds the state changed does nothing)."""
        if task.finished_at is not None and self.finished_task_lifetime is not None:
            self._add_timer(task.finished_at + self.finished_task_lifetime, "purge", task.sid)
        if task.assignment_status in PENDING_STATUSES:
            self._add_timer(task.date_created + task.timeout, "ttl", task.sid)
            target = self.current_target(task)
            if target is not None and target.timeout is not None and task.step_entered_at is not None:
                self._add_timer(task.step_entered_at + target.timeout, "step", task.sid)

    def next_due(self) -> float | None:
        with self.lock:
            return self._timers[0][0] if self._timers else None

    def _fire(self, kind: str, sid: str, due: float) -> None:
        if kind == "reservation":
            res = self.store.get("reservation", sid)
            if res is not None and res.reservation_status == "pending" and res.timeout_at <= due:
                self._end_reservation(res, "timeout")
        elif kind == "ttl":
            task = self.store.get("task", sid)
            if task is not None and task.assignment_status in PENDING_STATUSES and task.date_created + task.timeout <= due:
                self._set_task_status(task, "canceled", TTL_REASON)
        elif kind == "purge":
            task = self.store.get("task", sid)
            if task is not None and task.finished_at is not None and self.finished_task_lifetime is not None \
                    and task.finished_at + self.finished_task_lifetime <= due:
                self._purge_task(task)
        elif kind == "step":
            task = self.store.get("task", sid)
            if task is None or task.assignment_status not in PENDING_STATUSES:
                return
            target = self.current_target(task)
            if target is None or target.timeout is None or task.step_entered_at is None:
                return
            if task.step_entered_at + target.timeout > due:
                return
            if task.assignment_status == "pending":
                # a pending reservation is not interrupted; the step advances when it ends
                self._advance_step(task)
                self._match(self.workspace(task.workspace_sid))

    @mutation
    def _fire_due(self, due: float, kind: str, sid: str) -> None:
        self._fire(kind, sid, due)

    def process_due(self, until: float | None = None) -> int:
        """Fire every timer due by ``until`` (default: now), in time order."""
        fired = 0
        while True:
            with self.lock:
                limit = self.now() if until is None else until
                if not self._timers or self._timers[0][0] > limit:
                    return fired
                due, _, kind, sid = heapq.heappop(self._timers)
                if until is not None:
                    self.clock.jump_to(due)
            try:
                self._fire_due(due, kind, sid)
            except BaseException:
                with self.lock:
                    self._add_timer(due, kind, sid)  # rolled back: it is still due
                raise
            fired += 1

    def advance(self, seconds: float) -> float:
        """Move the clock forward, firing everything that falls due on the way."""
        if seconds < 0:
            raise invalid(f"Advance must not be negative, got {seconds}")
        with self.lock:
            target = self.now() + seconds
        self.process_due(until=target)
        self._save_clock(target)
        return self.now()

    @mutation
    def _save_clock(self, target: float) -> None:
        self.clock.jump_to(target)
        self.store.set_meta("clock_offset", repr(self.clock.offset))

    # ============================================================= statistics
    def real_time_statistics(self, ws_sid: str, task_queue_sid: str | None = None, workflow_sid: str | None = None,
                             task_channel: str | None = None) -> dict:
        """Counts from live state for a workspace, one queue or one workflow."""
        ws = self.workspace(ws_sid)
        channel_sid = self._task_channel_ref(ws_sid, task_channel).sid if task_channel else None
        tasks = [t for t in self.store.all("task", ws_sid)
                 if t.assignment_status in ("pending", "reserved", "assigned", "wrapping")
                 and (task_queue_sid is None or t.task_queue_sid == task_queue_sid)
                 and (workflow_sid is None or t.workflow_sid == workflow_sid)
                 and (channel_sid is None or t.task_channel_sid == channel_sid)]
        now = self.now()
        by_status = {s: 0 for s in ("pending", "reserved", "assigned", "wrapping")}
        by_priority: dict[str, int] = {}
        for task in tasks:
            by_status[task.assignment_status] += 1
            by_priority[str(task.priority)] = by_priority.get(str(task.priority), 0) + 1
        waiting = [t for t in tasks if t.assignment_status in PENDING_STATUSES]
        oldest = min(waiting, key=lambda t: t.date_created, default=None)
        workers = self.store.all("worker", ws_sid)
        queue = self.store.get("task_queue", task_queue_sid) if task_queue_sid else None
        if queue is not None:
            workers = [w for w in workers if self.in_queue(w, queue)]
        activity_statistics = []
        for activity in self.store.all("activity", ws_sid):
            count = sum(1 for w in workers if w.activity_sid == activity.sid)
            activity_statistics.append({"sid": activity.sid, "friendly_name": activity.friendly_name, "workers": count})
        stats = {
            "activity_statistics": activity_statistics,
            "longest_task_waiting_age": int(now - oldest.date_created) if oldest else 0,
            "longest_task_waiting_sid": oldest.sid if oldest else None,
            "tasks_by_priority": by_priority,
            "tasks_by_status": by_status,
            "total_tasks": len(tasks),
        }
        if queue is None:
            stats["total_workers"] = len(workers)
        else:
            entered = min(waiting, key=lambda t: t.task_queue_entered_date or t.date_created, default=None)
            stats.update({
                "longest_relative_task_age_in_queue": int(now - (entered.task_queue_entered_date or entered.date_created)) if entered else 0,
                "longest_relative_task_sid_in_queue": entered.sid if entered else None,
                "total_available_workers": sum(1 for w in workers if (a := self.store.get("activity", w.activity_sid)) and a.available),
                "total_eligible_workers": len(workers),
            })
        del ws
        return stats

    # =============================================================== control
    @mutation
    def reset(self) -> None:
        self.store.reset()
        self._configs = {}
        self._rebuild_indexes()
        self.clock.offset = 0.0
        self.callback_log.clear()

    def dump(self) -> dict:
        with self.lock:
            return {"clock": {"now": iso(self.now()), "offset": self.clock.offset}, **self.store.dump()}

    def record_callback(self, entry: dict) -> None:
        with self.lock:
            self.callback_log.append(entry)
            del self.callback_log[:-1000]
