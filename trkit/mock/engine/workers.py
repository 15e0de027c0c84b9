"""Workers, their channels and activity changes."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from ...language.expressions import ExpressionError, compile_expression
from . import paths
from .checks import (
    check_json_object,
    check_name,
    ordering_keys,
    sort_records,
)
from .errors import InvalidParameter, NotFound
from .records import Activity, Worker, WorkerChannel
from .service import Service
from .transaction import read, write


class Workers(Service):
    """Workers, worker channels and activities."""

    needs = ("clock", "events", "indexes", "lookups", "offers", "queues", "routing", "store")

    @write
    def create_worker(self, ws_sid: str, friendly_name: str, activity_sid: str | None = None, attributes: str | None = None) -> Worker:
        ws = self.lookups.workspace(ws_sid)
        check_name(friendly_name)
        self.lookups.unique("worker", ws_sid, "friendly_name", friendly_name, None, "Worker", "FriendlyName")
        attributes = check_json_object(attributes if attributes is not None else "{}", "Attributes")
        activity = self.lookups.activity_ref(ws_sid, activity_sid, "ActivitySid") or self.store.get("activity", ws.default_activity_sid)
        if activity is None:
            raise InvalidParameter("ActivitySid is required: the Workspace has no default activity")
        now = self.clock.now()
        worker = Worker(self.lookups.new_sid("WK"), ws_sid, friendly_name, attributes, activity.sid, now, now, now, idle_since=now)
        self.store.put(worker)
        if activity.available:
            self.indexes.set_available(ws_sid, worker.sid, True)
        for channel in self.store.all("task_channel", ws_sid):
            self.store.put(WorkerChannel(self.lookups.new_sid("WC"), ws_sid, worker.sid, channel.sid, 1, True, now, now))
        self.events.emit(ws, "worker.created", "worker", worker.sid, self.events.worker_data(worker))
        self.routing.match(ws)
        return worker

    @write
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
        ws = self.lookups.workspace(ws_sid)
        worker = self.lookups.worker(ws_sid, sid)
        self.lookups.check_if_match(worker, if_match)
        activity = self.lookups.activity_ref(ws_sid, activity_sid, "ActivitySid")
        if attributes is not None:
            attributes = check_json_object(attributes, "Attributes")
        if friendly_name is not None:
            check_name(friendly_name)
            self.lookups.unique("worker", ws_sid, "friendly_name", friendly_name, sid, "Worker", "FriendlyName")
            worker.friendly_name = friendly_name
        if attributes is not None and attributes != worker.attributes:
            worker.attributes = attributes
            self.lookups.touch(worker)
            self.events.emit(ws, "worker.attributes.update", "worker", sid, self.events.worker_data(worker))
        if activity is not None:
            if reject_pending_reservations and not activity.available:
                for res in self.store.reservations_of_worker(sid):
                    if res.reservation_status == "pending":
                        self.offers.end_reservation(res, "rejected", move_worker=False)
            self.set_activity(worker, activity)
        self.lookups.touch(worker)
        self.routing.match(ws)
        return worker

    @write
    def delete_worker(self, ws_sid: str, sid: str, if_match: str | None = None) -> None:
        ws = self.lookups.workspace(ws_sid)
        worker = self.lookups.worker(ws_sid, sid)
        self.lookups.check_if_match(worker, if_match)
        for res in self.store.reservations_of_worker(sid):
            if res.reservation_status == "pending":
                self.offers.end_reservation(res, "canceled", move_worker=False)
        for wc in self.store.channels_of_worker(sid):
            self.store.delete(wc)
        data = self.events.worker_data(worker)
        self.store.delete(worker)
        self.indexes.forget_worker(ws_sid, sid)
        self.events.emit(ws, "worker.deleted", "worker", sid, data)
        self.routing.match(ws)

    @read
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
        ordering: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Worker]:
        """Workers matching every given filter, in creation order; ``offset``/``limit`` take one page."""
        self.lookups.workspace(ws_sid)
        expression = self.parse_param_expression(target_workers_expression, "TargetWorkersExpression")
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
        end = None if limit is None else offset + limit
        if ordering:  # the field names are the resource's date and name fields (the format Tasks document, https://www.twilio.com/docs/taskrouter/api/task)
            keys = ordering_keys(ordering, {"DateCreated": "date_created", "DateUpdated": "date_updated",
                                            "DateStatusChanged": "date_status_changed", "FriendlyName": "friendly_name"})
            return sort_records(list(matching()), keys)[offset:end]
        return list(islice(matching(), offset, end))

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
        if expression is not None and not expression.matches(self.routing.candidate(worker, activity).namespace()):
            return False
        return not by_queue or (queue is not None and self.queues.in_queue(worker, queue))

    def parse_param_expression(self, text: str | None, param: str):
        if text is None:
            return None
        try:
            return compile_expression(text)
        except ExpressionError as exc:
            raise InvalidParameter(f"{param} is invalid: {exc}") from None

    @read
    def worker_channels(self, ws_sid: str, worker_sid: str) -> list[WorkerChannel]:
        self.lookups.worker(ws_sid, worker_sid)
        return self.store.channels_of_worker(worker_sid)

    @read
    def worker_channel(self, ws_sid: str, worker_sid: str, sid: str) -> WorkerChannel:
        for wc in self.worker_channels(ws_sid, worker_sid):
            channel = self.store.get("task_channel", wc.task_channel_sid)
            if wc.sid == sid or (channel is not None and channel.unique_name == sid):
                return wc
        raise NotFound(path=paths.worker_channel_path(ws_sid, worker_sid, sid))

    @write
    def update_worker_channel(self, ws_sid: str, worker_sid: str, sid: str, capacity: int | None = None, available: bool | None = None) -> WorkerChannel:
        wc = self.worker_channel(ws_sid, worker_sid, sid)
        if capacity is not None:
            if capacity < 0 or capacity > 50:
                raise InvalidParameter(f"Capacity must be between 0 and 50, got {capacity}")
            wc.configured_capacity = capacity
        if available is not None:
            wc.available = available
        self.lookups.touch(wc)
        worker = self.store.get("worker", worker_sid)
        self.events.emit(self.lookups.workspace(ws_sid), "worker.capacity.update" if capacity is not None else "worker.channel.availability.update",
                   "worker", worker_sid, self.events.worker_data(worker))
        self.routing.match(self.lookups.workspace(ws_sid))
        return wc

    def assigned_tasks(self, worker_sid: str, task_channel_sid: str | None = None) -> int:
        """Reservations the worker holds (pending, accepted or wrapping), optionally on one channel."""
        active = self.indexes.held(worker_sid)
        if task_channel_sid is None:
            return len(active)
        count = 0
        for res_sid in active:
            res = self.store.get("reservation", res_sid)
            task = self.store.get("task", res.task_sid) if res else None
            if task is not None and task.task_channel_sid == task_channel_sid:
                count += 1
        return count

    def set_activity(self, worker: Worker, activity: Activity) -> None:
        if worker.activity_sid == activity.sid:
            return
        now = self.clock.now()
        previous = self.store.get("activity", worker.activity_sid)
        spent = now - worker.date_status_changed
        worker.activity_sid = activity.sid
        worker.date_status_changed = now
        self.indexes.set_available(worker.workspace_sid, worker.sid, activity.available)
        if activity.available and not (previous and previous.available):
            worker.idle_since = max(worker.idle_since, now)
        self.lookups.touch(worker)
        ws = self.lookups.workspace(worker.workspace_sid)
        if not self.events.recording(ws):
            return
        data = self.events.worker_data(worker)
        data.update({
            "worker_previous_activity_sid": previous.sid if previous else "",
            "worker_previous_activity_name": previous.friendly_name if previous else "",
            "worker_time_in_previous_activity": int(spent),
            "worker_time_in_previous_activity_ms": int(spent * 1000),
        })
        self.events.emit(ws, "worker.activity.update", "worker", worker.sid, data)

    def free_worker(self, worker_sid: str) -> None:
        worker = self.store.get("worker", worker_sid)
        if worker is not None:
            worker.idle_since = max(worker.idle_since, self.clock.now())
            self.store.put(worker)
