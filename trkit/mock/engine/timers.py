"""Timers on the mock clock: reservation timeouts, task TTLs, workflow step timeouts, deletion of finished tasks."""

from __future__ import annotations

import heapq
import json

from ...language.vocabulary import (
    TTL_REASON,
    WAITING_TASK_STATUSES,
)
from .errors import InvalidParameter
from .records import Task
from .transaction import read, write


class Timers:
    """Time: every due timer fires at its own instant."""

    def _add_timer(self, due: float, kind: str, sid: str) -> None:
        heapq.heappush(self._timers, (due, next(self._timer_counter), kind, sid))

    def _rebuild_timers(self) -> None:
        self._timers = []
        for res in self.store.all("reservation"):
            if res.reservation_status == "pending":
                self._add_timer(res.timeout_at, "reservation", res.sid)
        for task in self.store.all("task"):
            self._task_timers(task)
        for call in self.store.all("call"):
            if call.wait_until is not None:
                self._add_timer(call.wait_until, "call", call.sid)

    def _task_timers(self, task: Task) -> None:
        """The timers a task's state calls for (a timer that finds the state changed does nothing)."""
        if task.finished_at is not None and self.finished_task_lifetime is not None:
            self._add_timer(task.finished_at + self.finished_task_lifetime, "purge", task.sid)
        if task.assignment_status in WAITING_TASK_STATUSES:
            self._add_timer(task.date_created + task.timeout, "ttl", task.sid)
            target = self.current_target(task)
            if target is not None and target.timeout is not None and task.step_entered_at is not None:
                self._add_timer(task.step_entered_at + target.timeout, "step", task.sid)

    @read
    def next_due(self) -> float | None:
        with self.lock:
            return self._timers[0][0] if self._timers else None

    def _fire(self, kind: str, sid: str, due: float) -> None:
        if kind == "call":
            self._call_timer(sid, due)
        elif kind == "reservation":
            res = self.store.get("reservation", sid)
            if res is not None and res.reservation_status == "pending" and res.timeout_at <= due:
                self._end_reservation(res, "timeout")
        elif kind == "ttl":
            task = self.store.get("task", sid)
            if task is not None and task.assignment_status in WAITING_TASK_STATUSES and task.date_created + task.timeout <= due:
                self._set_task_status(task, "canceled", TTL_REASON)
        elif kind == "purge":
            task = self.store.get("task", sid)
            if task is not None and task.finished_at is not None and self.finished_task_lifetime is not None \
                    and task.finished_at + self.finished_task_lifetime <= due:
                self._purge_task(task)
        elif kind == "step":
            task = self.store.get("task", sid)
            if task is None or task.assignment_status not in WAITING_TASK_STATUSES:
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

    @write
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
            raise InvalidParameter(f"Advance must not be negative, got {seconds}")
        with self.lock:
            target = self.now() + seconds
        self.process_due(until=target)
        self._save_clock(target)
        return self.now()

    @write
    def _save_clock(self, target: float) -> None:
        self.clock.jump_to(target)
        self.store.set_meta("clock_offset", repr(self.clock.offset))
        self.store.set_meta("clock_history", json.dumps(self.clock.history))
