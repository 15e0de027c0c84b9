"""The engine's derived indexes (free workers, load, queue heaps, tasks waiting for one worker, timers): rebuilt from the store, or re-derived for the records a rollback put back."""

from __future__ import annotations

from typing import Any

from ...language.vocabulary import (
    HELD_RESERVATION_STATUSES,
    WAITING_TASK_STATUSES,
)


class Indexes:
    """What routing keeps beside the store, and how it is rebuilt."""

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
                if stored and record.reservation_status in HELD_RESERVATION_STATUSES:
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
                self._wait_for_worker_again(record)
            elif record.KIND == "task_queue":
                self._rebuild_queue_heap(record.sid)

    def _rebuild_indexes(self) -> None:
        """Derived indexes (free workers, load, queue heaps, timers) from the stored state."""
        self._available: dict[str, dict[str, None]] = {}
        self._active: dict[str, set[str]] = {}
        self._queue_heaps: dict[tuple[str, str], list] = {}  # (queue, task channel) -> waiting tasks, best first
        for worker in self.store.all("worker"):
            activity = self.store.get("activity", worker.activity_sid)
            if activity is not None and activity.available:
                self._available.setdefault(worker.workspace_sid, {})[worker.sid] = None
        for res in self.store.all("reservation"):
            if res.reservation_status in HELD_RESERVATION_STATUSES:
                self._active.setdefault(res.worker_sid, set()).add(res.sid)
        self._direct: dict[str, str] = {}  # task routed straight to a worker -> that worker, while it waits
        for task in self.store.all("task"):
            if task.assignment_status in WAITING_TASK_STATUSES:
                self._need_workers(task)
                self._wait_for_worker_again(task)
        self._rebuild_timers()
