"""A TaskRouter workspace driven by name, for tests of the rules written from the reference.

Tests say what happens in TaskRouter's words (make Alice available, move the clock, reject
into Offline) and read back statuses by name; only this module knows the engine's calls,
so the rule tests survive a rebuild of the engine behind it. The clock is frozen: it moves
only when a test advances it, so times and ages are exact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from trkit.mock.engine import NullDispatcher, TaskRouterEngine
from trkit.mock.engine.clock import Clock
from trkit.mock.engine.sids import SidGenerator
from trkit.mock.engine.store import Store

ACCOUNT = "AC" + "5" * 32
EPOCH = 1_800_000_000.0  # a fixed, whole-second start for the mock clock


class FrozenClock(Clock):
    """Time stands still between calls; only ``jump_to`` (the mock's advance) moves it."""

    def __init__(self, start: float = EPOCH) -> None:
        super().__init__(0.0)
        self.current = start

    def now(self) -> float:
        return self.current + self.offset


def examples(full: int) -> int:
    """Hypothesis examples for a property test: fewer while a mutant is under test (mutmut sets
    MUTANT_UNDER_TEST when it runs a test), where the first failure is all that is needed."""
    return max(10, full // 6) if os.environ.get("MUTANT_UNDER_TEST") else full


def new_engine(seed: int = 11, path: str = ":memory:", start: float = EPOCH, journaled: bool = True) -> TaskRouterEngine:
    """An engine on a frozen clock; with ``path``, on that SQLite file (a second engine on it is a restart)."""
    return TaskRouterEngine(Store(path, journaled=journaled), ACCOUNT, "token", clock=FrozenClock(start), sids=SidGenerator(seed), dispatcher=NullDispatcher())


class Scenario:
    """One workspace: activities Idle (available), Reserved, Busy (unavailable) beside the defaults."""

    def __init__(self, multi_task: bool = False, queue_order: str | None = None, engine: TaskRouterEngine | None = None) -> None:
        self.engine = engine or new_engine()
        e = self.engine
        self.ws = e.configuration.create_workspace("Rules", multi_task_enabled=multi_task, prioritize_queue_order=queue_order).sid
        self.activities = {a.friendly_name: a.sid for a in e.configuration.list_activities(self.ws)}
        for name, available in (("Idle", True), ("Reserved", False), ("Busy", False)):
            self.activities[name] = e.configuration.create_activity(self.ws, name, available).sid
        self.queues: dict[str, str] = {}
        self.workers: dict[str, str] = {}
        self.workflows: dict[str, str] = {}
        self.names: dict[str, str] = {}

    # ------------------------------------------------------------ building
    def queue(self, name: str, target_workers: str = "1==1", **options: Any) -> str:
        options.setdefault("reservation_activity_sid", self.activities["Reserved"])
        options.setdefault("assignment_activity_sid", self.activities["Busy"])
        sid = self.engine.queues.create_task_queue(self.ws, name, target_workers, **options).sid
        self.queues[name] = sid
        self.names[sid] = name
        return sid

    def workflow(self, filters: list[dict], default: str | None = None, name: str = "wf", **options: Any) -> str:
        """Filters as dicts whose targets name queues by their names; ``default`` names a queue."""
        routing: dict[str, Any] = {"filters": [self._filter(f) for f in filters]}
        if default is not None:
            routing["default_filter"] = {"queue": self.queues[default]}
        options.setdefault("assignment_callback_url", "http://127.0.0.1:9/assignment")
        sid = self.engine.queues.create_workflow(self.ws, name, json.dumps({"task_routing": routing}), **options).sid
        self.workflows[name] = sid
        self.names[sid] = name
        return sid

    def _filter(self, raw: dict) -> dict:
        targets = [{**t, "queue": self.queues[t["queue"]]} if "queue" in t else dict(t) for t in raw["targets"]]
        return {**raw, "targets": targets}

    def worker(self, name: str, activity: str = "Offline", **attributes: Any) -> str:
        sid = self.engine.workers.create_worker(self.ws, name, activity_sid=self.activities[activity], attributes=json.dumps(attributes)).sid
        self.workers[name] = sid
        self.names[sid] = name
        return sid

    def task(self, workflow: str = "wf", priority: int | None = None, timeout: int | None = None, **attributes: Any) -> str:
        return self.engine.tasks.create_task(self.ws, attributes=json.dumps(attributes), workflow_sid=self.workflows[workflow],
                                       priority=priority, timeout=timeout).sid

    # ------------------------------------------------------------- actions
    def set_activity(self, worker: str, activity: str, **options: Any) -> None:
        self.engine.workers.update_worker(self.ws, self.workers[worker], activity_sid=self.activities[activity], **options)

    def advance(self, seconds: float) -> None:
        self.engine.advance(seconds)

    def offer(self, task: str) -> str:
        """The one pending reservation of ``task`` (fails when there is not exactly one)."""
        (res,) = [r for r in self.engine.store.reservations_of_task(task) if r.reservation_status == "pending"]
        return res.sid

    def accept(self, task: str) -> None:
        self.engine.reservations.update_reservation(self.ws, self.offer(task), task_sid=task, reservation_status="accepted")

    def reject(self, task: str, activity: str | None = None) -> None:
        self.engine.reservations.update_reservation(self.ws, self.offer(task), task_sid=task, reservation_status="rejected",
                                       worker_activity_sid=self.activities[activity] if activity else None)

    def accept_for(self, task: str, worker: str) -> None:
        """``worker`` accepts its pending offer of ``task`` (a task offered to several at once)."""
        (res,) = [r for r in self.engine.store.reservations_of_task(task)
                  if r.reservation_status == "pending" and r.worker_sid == self.workers[worker]]
        self.engine.reservations.update_reservation(self.ws, res.sid, task_sid=task, reservation_status="accepted")

    def answer(self, task: str, **instruction: Any) -> None:
        self.engine.reservations.apply_assignment_answer(self.offer(task), instruction)

    def set_task(self, task: str, status: str, reason: str = "done") -> None:
        self.engine.tasks.update_task(self.ws, task, assignment_status=status, reason=reason)

    # ------------------------------------------------------------- requests as a client words them
    def create_task(self, **params: Any):
        """``POST Tasks`` with exactly these parameters (attributes as text, routing_target, task_channel…): the task."""
        return self.engine.tasks.create_task(self.ws, **params)

    def list_tasks(self, **filters: Any) -> list:
        return self.engine.tasks.list_tasks(self.ws, **filters)

    def update_task(self, task: str, **changes: Any):
        return self.engine.tasks.update_task(self.ws, task, **changes)

    def fetch(self, kind: str, sid: str, workspace: str | None = None, **where: Any):
        """``GET`` one resource of the workspace (or of ``workspace``) by kind ("worker", "task_channel",
        "reservation"…), or Twilio's 404."""
        return getattr(self.engine.lookups, kind)(workspace or self.ws, sid, **where)

    def neighbour(self) -> Scenario:
        """A second workspace of the same account, on the same mock."""
        return Scenario(engine=self.engine)

    @property
    def account_sid(self) -> str:
        return self.engine.account_sid

    def list_workspaces(self, friendly_name: str | None = None) -> list:
        return self.engine.configuration.list_workspaces(friendly_name)

    def routing_config(self, name: str = "wf"):
        """The workflow's configuration as routing reads it (filters, targets, their defaults filled in)."""
        return self.engine.lookups.routing_config(self.fetch("workflow", self.workflows[name]))

    def reset(self) -> None:
        """``POST /mock/reset``: everything the mock holds is forgotten (records, events, the clock, the callback log)."""
        self.engine.reset()

    def subscribe(self, listener: Callable[[list], None]) -> None:
        """What the event bridge does: ``listener(events)`` after each change that recorded events."""
        self.engine.subscribe(listener)

    def unsubscribe(self, listener: Callable[[list], None]) -> None:
        self.engine.unsubscribe(listener)

    def record_callback(self, entry: dict) -> None:
        self.engine.record_callback(entry)

    @property
    def callback_log(self) -> list:
        """Every callback the mock sent, newest last, as the control plane lists them."""
        return self.engine.callback_log

    def update_worker(self, worker_sid: str, **changes: Any):
        return self.engine.workers.update_worker(self.ws, worker_sid, **changes)

    def worker_channel(self, worker_sid: str, channel: str):
        return self.engine.workers.worker_channel(self.ws, worker_sid, channel)

    def delete_queue(self, queue_sid: str) -> None:
        self.engine.queues.delete_task_queue(self.ws, queue_sid)

    def list_workflows(self, **filters: Any) -> list:
        return self.engine.queues.list_workflows(self.ws, **filters)

    def next_due(self) -> float | None:
        """When the mock's next timer falls due (a reservation's timeout, a task's TTL, a finished task's deletion…)."""
        return self.engine.timers.next_due()

    def list_workers(self, **filters: Any) -> list:
        return self.engine.workers.list_workers(self.ws, **filters)

    def delete_worker(self, worker_sid: str, **options: Any) -> None:
        self.engine.workers.delete_worker(self.ws, worker_sid, **options)

    def worker_channels(self, worker_sid: str) -> list:
        return self.engine.workers.worker_channels(self.ws, worker_sid)

    def update_worker_channel(self, worker_sid: str, channel_sid: str, **changes: Any):
        return self.engine.workers.update_worker_channel(self.ws, worker_sid, channel_sid, **changes)

    def assigned_tasks(self, worker_sid: str, task_channel_sid: str | None = None) -> int:
        """What a worker holds (pending, accepted, wrapping), on one channel or all."""
        return self.engine.workers.assigned_tasks(worker_sid, task_channel_sid)

    def list_task_queues(self, **filters: Any) -> list:
        return self.engine.queues.list_task_queues(self.ws, **filters)

    def list_reservations(self, **filters: Any) -> list:
        return self.engine.reservations.list_reservations(self.ws, **filters)

    def delete_task(self, task: str, **options: Any) -> None:
        self.engine.tasks.delete_task(self.ws, task, **options)

    def create_workflow(self, friendly_name: str, configuration: str, **options: Any):
        """``POST Workflows`` with a configuration as text (the verb ``workflow`` builds one from filters)."""
        return self.engine.queues.create_workflow(self.ws, friendly_name, configuration, **options)

    def create_task_channel(self, friendly_name: str, unique_name: str, **options: Any):
        return self.engine.configuration.create_task_channel(self.ws, friendly_name, unique_name, **options)

    def update_task_channel(self, sid: str, **changes: Any):
        return self.engine.configuration.update_task_channel(self.ws, sid, **changes)

    def delete_task_channel(self, sid: str) -> None:
        self.engine.configuration.delete_task_channel(self.ws, sid)

    def list_task_channels(self) -> list:
        return self.engine.configuration.list_task_channels(self.ws)

    def update_workspace(self, **changes: Any):
        return self.engine.configuration.update_workspace(self.ws, **changes)

    def update_queue(self, name: str, **changes: Any):
        return self.engine.queues.update_task_queue(self.ws, self.queues[name], **changes)

    def answer_callback(self, res: str, answer: dict) -> str:
        """The assignment callback of ``res`` answered with ``answer`` (a JSON object): what the mock made of it."""
        return self.engine.reservations.apply_assignment_answer(res, answer)

    def update_workflow(self, name: str = "wf", **changes: Any):
        return self.engine.queues.update_workflow(self.ws, self.workflows[name], **changes)

    def update_reservation(self, res: str, task: str, **changes: Any):
        """``POST Tasks/{task}/Reservations/{res}`` with these changes (a status, an instruction and its parameters)."""
        return self.engine.reservations.update_reservation(self.ws, res, task_sid=task, **changes)

    def listed_events(self, **filters: Any) -> list:
        """``GET Events`` with these filters (without Minutes or dates: the last 15 minutes, as TaskRouter lists them)."""
        return self.engine.events.list_events(self.ws, **filters)

    # ------------------------------------------------------------- API keys and tokens (the account's, not the workspace's)
    def create_api_key(self, friendly_name: str | None = None):
        return self.engine.keys.create_api_key(friendly_name)

    def api_key(self, sid: str):
        return self.engine.keys.api_key(sid)

    def list_api_keys(self) -> list:
        return self.engine.keys.list_api_keys()

    def update_api_key(self, sid: str, **changes: Any):
        return self.engine.keys.update_api_key(sid, **changes)

    def delete_api_key(self, sid: str) -> None:
        self.engine.keys.delete_api_key(sid)

    def verify_worker_token(self, token: str):
        """What the mock makes of a worker's token (its grant), or Twilio's refusal."""
        return self.engine.keys.verify_worker_token(token)

    def now(self) -> float:
        return self.engine.now()

    # ------------------------------------------------------------- statistics
    def real_time(self, **options: Any) -> dict:
        """The workspace's real-time statistics (``task_queue_sid``, ``workflow_sid``, ``task_channel`` narrow them)."""
        return self.engine.statistics.real_time_statistics(self.ws, **options)

    def cumulative(self, start: float, end: float, scope: str = "workspace", **options: Any) -> dict:
        """Cumulative statistics from ``start`` to ``end`` (mock time) for the workspace, a queue or a workflow."""
        from trkit.mock.engine.statistics import compute_cumulative

        return compute_cumulative(self.engine.statistics, self.ws, start, end, scope, **options)

    def worker_cumulative(self, start: float, end: float, worker_sid: str | None = None, **options: Any) -> dict:
        from trkit.mock.engine.statistics import compute_worker_cumulative

        return compute_worker_cumulative(self.engine.statistics, self.ws, start, end, worker_sid, **options)

    def statistics_window(self, minutes: int | None, start: float | None, end: float | None) -> tuple[float, float]:
        """The window a statistics request asks for (``Minutes``, ``StartDate``, ``EndDate``), as TaskRouter reads it."""
        from trkit.mock.engine.statistics import window

        return window(self.engine.statistics, minutes, start, end)

    # ------------------------------------------------------------- reading
    def status(self, task: str) -> str:
        return self.engine.lookups.task(self.ws, task).assignment_status

    def fetch_task(self, task: str):
        return self.engine.lookups.task(self.ws, task)

    def queue_of(self, task: str) -> str | None:
        sid = self.engine.lookups.task(self.ws, task).task_queue_sid
        return self.names.get(sid) if sid else None

    def activity_of(self, worker: str) -> str:
        sid = self.engine.lookups.worker(self.ws, self.workers[worker]).activity_sid
        return next(name for name, a in self.activities.items() if a == sid)

    def reservations(self, task: str) -> list[tuple[str, str]]:
        """(worker name, status) of every reservation of ``task``, oldest first."""
        found = sorted(self.engine.store.reservations_of_task(task), key=lambda r: (r.date_created, r.sid))
        return [(self.names[r.worker_sid], r.reservation_status) for r in found]

    def record(self, kind: str, sid: str):
        """The stored record itself (``None`` once it is gone), as the mock holds it."""
        return self.engine.store.get(kind, sid)

    def reservation_records(self, task: str) -> list:
        """Every stored reservation of ``task``, oldest first."""
        return sorted(self.engine.store.reservations_of_task(task), key=lambda r: (r.date_created, r.sid))

    def holder(self, task: str) -> str | None:
        """The worker with a pending or accepted reservation of ``task``."""
        live = [name for name, status in self.reservations(task) if status in ("pending", "accepted", "wrapping")]
        return live[0] if live else None

    def events(self, event_type: str | None = None) -> list:
        """The workspace's event log (all of the last 30 days), oldest first."""
        now = self.engine.now()
        return self.engine.events.list_events(self.ws, start_date=now - 30 * 86400, end_date=now, event_type=event_type)

    @contextmanager
    def fault_when_recording_events(self, event_type: str | None = None) -> Iterator[None]:
        """While inside, recording an event (of ``event_type``, or any) fails as a bug would: after the change it
        records was made in memory, and after what the transaction did before it."""
        record = self.engine.events.emit

        def explode(ws: Any, kind: str, *args: Any, **kwargs: Any) -> Any:
            if event_type in (None, kind):
                raise RuntimeError(f"a fault inside the mock, recording {kind}")
            return record(ws, kind, *args, **kwargs)

        self.engine.events.emit = explode
        try:
            yield
        finally:
            del self.engine.events.emit

    def snapshot(self) -> dict:
        """Every stored record, as the mock would write its state (the clock left out)."""
        return {k: v for k, v in self.engine.dump().items() if k != "clock"}

    def sent(self) -> list:
        """The callbacks the mock has sent so far (kept by the NullDispatcher)."""
        return list(self.engine.dispatcher.sent)

    def stored_events(self) -> int:
        """How many events the mock keeps, of every age (what the store holds, not what a list shows)."""
        return self.engine.store.event_count()

    def event_types(self, resource_sid: str | None = None) -> list[str]:
        events = sorted(self.events(), key=lambda e: e.event_date)
        return [e.event_type for e in events if resource_sid is None or resource_sid in (e.resource_sid, e.event_data.get("task_sid"))]
