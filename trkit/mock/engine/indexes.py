"""Who is free and what each worker holds, kept beside the store for routing; and the rebuild of every derived index from the store."""

from __future__ import annotations

from typing import Any

from ...language.vocabulary import HELD_RESERVATION_STATUSES, WAITING_TASK_STATUSES
from .service import Service


class Indexes(Service):
    """The free workers of each workspace and the reservations each worker holds (its load). The other
    derived indexes belong to their services (queue heaps to routing, tasks waiting for one worker to
    offers, timers to timers); this service rebuilds them all from the store, or re-derives the records
    a rollback put back."""

    needs = ("offers", "routing", "store", "timers")

    def __init__(self) -> None:
        self._available: dict[str, dict[str, None]] = {}  # workspace -> its workers in an available activity, in order
        self._active: dict[str, set[str]] = {}  # worker -> the reservations it holds (pending, accepted, wrapping)

    # ------------------------------------------------------------ free workers
    def set_available(self, ws_sid: str, worker_sid: str, available: bool) -> None:
        free = self._available.setdefault(ws_sid, {})
        if available:
            free[worker_sid] = None
        else:
            free.pop(worker_sid, None)

    def available_in(self, ws_sid: str) -> dict[str, None]:
        """The workspace's free workers, as routing reads them while it reserves (kept current as it goes)."""
        return self._available.get(ws_sid, {})

    # ------------------------------------------------------------ load
    def hold(self, worker_sid: str, res_sid: str, held: bool = True) -> None:
        """The worker holds the reservation (``held``) or no longer does."""
        if held:
            self._active.setdefault(worker_sid, set()).add(res_sid)
        else:
            self._active.get(worker_sid, set()).discard(res_sid)

    def held(self, worker_sid: str) -> set[str] | tuple[()]:
        return self._active.get(worker_sid, ())

    def forget_worker(self, ws_sid: str, worker_sid: str) -> None:
        self._available.get(ws_sid, {}).pop(worker_sid, None)
        self._active.pop(worker_sid, None)

    # ------------------------------------------------------------ rebuilding
    def rederive(self, records: list[Any]) -> None:
        """After a rollback: re-derive the indexes (free workers, load, queue heaps) of the records it put back.

        Timers need nothing: a timer stays on its heap until it fires (one that finds its record changed
        does nothing), and the facade puts back a timer whose firing was rolled back."""
        for record in records:
            stored = self.store.get(record.KIND, record.sid) is record
            if record.KIND == "worker":
                activity = self.store.get("activity", record.activity_sid)
                self.set_available(record.workspace_sid, record.sid, stored and activity is not None and activity.available)
            elif record.KIND == "reservation":
                self.hold(record.worker_sid, record.sid, stored and record.reservation_status in HELD_RESERVATION_STATUSES)
            elif record.KIND == "task" and stored:
                self.routing.need_workers(record)
                self.offers.wait_for_worker_again(record)
            elif record.KIND == "task_queue":
                self.routing.rebuild_queue_heap(record.sid)

    def rebuild(self) -> None:
        """Every derived index (free workers, load, queue heaps, tasks waiting for one worker, timers) from the stored state."""
        self._available, self._active = {}, {}
        self.routing.forget_heaps()
        self.offers.forget_direct()
        for worker in self.store.all("worker"):
            activity = self.store.get("activity", worker.activity_sid)
            if activity is not None and activity.available:
                self.set_available(worker.workspace_sid, worker.sid, True)
        for res in self.store.all("reservation"):
            if res.reservation_status in HELD_RESERVATION_STATUSES:
                self.hold(res.worker_sid, res.sid)
        for task in self.store.all("task"):
            if task.assignment_status in WAITING_TASK_STATUSES:
                self.routing.need_workers(task)
                self.offers.wait_for_worker_again(task)
        self.timers.rebuild_timers()
