"""Timers on the mock clock: reservation timeouts, task TTLs, workflow step timeouts, deletion of finished tasks."""

from __future__ import annotations

import heapq
import itertools
import json

from ...language.vocabulary import (
    TTL_REASON,
    WAITING_TASK_STATUSES,
)
from .records import Task
from .service import Service
from .transaction import read, write


class Timers(Service):
    """Time: every due timer fires at its own instant."""

    needs = ("calls", "clock", "finished_task_lifetime", "lookups", "offers", "routing", "store", "tasks")

    def __init__(self) -> None:
        self._timers: list[tuple[float, int, str, str]] = []  # a heap of (due, order, kind, sid)
        self._timer_counter = itertools.count()

    def add_timer(self, due: float, kind: str, sid: str) -> None:
        heapq.heappush(self._timers, (due, next(self._timer_counter), kind, sid))

    def rebuild_timers(self) -> None:
        self._timers = []
        for res in self.store.all("reservation"):
            if res.reservation_status == "pending":
                self.add_timer(res.timeout_at, "reservation", res.sid)
        for task in self.store.all("task"):
            self.task_timers(task)
        for call in self.store.all("call"):
            if call.wait_until is not None:
                self.add_timer(call.wait_until, "call", call.sid)

    def task_timers(self, task: Task) -> None:
        """The timers a task's state calls for (a timer that finds the state changed does nothing)."""
        if task.finished_at is not None and self.finished_task_lifetime is not None:
            self.add_timer(task.finished_at + self.finished_task_lifetime, "purge", task.sid)
        if task.assignment_status in WAITING_TASK_STATUSES:
            self.add_timer(task.date_created + task.timeout, "ttl", task.sid)
            target = self.routing.current_target(task)
            if target is not None and target.timeout is not None and task.step_entered_at is not None:
                self.add_timer(task.step_entered_at + target.timeout, "step", task.sid)

    @read
    def next_due(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    def pop_due(self, limit: float) -> tuple[float, str, str] | None:
        """The earliest timer due by ``limit`` (taken off the heap), or None."""
        if not self._timers or self._timers[0][0] > limit:
            return None
        due, _, kind, sid = heapq.heappop(self._timers)
        return due, kind, sid

    def _fire(self, kind: str, sid: str, due: float) -> None:
        if kind == "call":
            self.calls.call_timer(sid, due)
        elif kind == "reservation":
            res = self.store.get("reservation", sid)
            if res is not None and res.reservation_status == "pending" and res.timeout_at <= due:
                self.offers.end_reservation(res, "timeout")
        elif kind == "ttl":
            task = self.store.get("task", sid)
            if task is not None and task.assignment_status in WAITING_TASK_STATUSES and task.date_created + task.timeout <= due:
                self.tasks.set_task_status(task, "canceled", TTL_REASON)
        elif kind == "purge":
            task = self.store.get("task", sid)
            if task is not None and task.finished_at is not None and self.finished_task_lifetime is not None \
                    and task.finished_at + self.finished_task_lifetime <= due:
                self.tasks.purge_task(task)
        elif kind == "step":
            task = self.store.get("task", sid)
            if task is None or task.assignment_status not in WAITING_TASK_STATUSES:
                return
            target = self.routing.current_target(task)
            if target is None or target.timeout is None or task.step_entered_at is None:
                return
            if task.step_entered_at + target.timeout > due:
                return
            if task.assignment_status == "pending":
                # a pending reservation is not interrupted; the step advances when it ends
                self.routing.advance_step(task)
                self.routing.match(self.lookups.workspace(task.workspace_sid))

    @write
    def fire_due(self, due: float, kind: str, sid: str) -> None:
        self._fire(kind, sid, due)

    @write
    def save_clock(self, target: float) -> None:
        self.clock.jump_to(target)
        self.store.set_meta("clock_offset", repr(self.clock.offset))
        self.store.set_meta("clock_history", json.dumps(self.clock.history))
