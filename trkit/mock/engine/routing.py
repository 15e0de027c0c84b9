"""Routing: workflow steps, queue heaps, choosing the worker, reserving, accepting and ending reservations."""

from __future__ import annotations

import heapq

from ...language.eligibility import Candidate, order_key, why_not
from ...language.expressions import compile_expression
from ...language.vocabulary import (
    WAITING_TASK_STATUSES,
    WORKFLOW_SKIPPED_REASON,
    WORKFLOW_TIMEOUT_REASON,
)
from ...language.workflow_config import DEFAULT_FILTER_NAME, RoutingConfig, Target
from .errors import TaskRouterError
from .records import Activity, Task, TaskQueue, Worker, Workflow, Workspace
from .service import Service


class Routing(Service):
    """Matching waiting tasks with free workers."""

    needs = ("clock", "events", "indexes", "lookups", "offers", "queues", "store", "tasks", "timers", "workers")

    def __init__(self) -> None:
        self._queue_heaps: dict[tuple[str, str], list] = {}  # (queue, task channel) -> waiting tasks, best first
        self._match_wanted: dict[str, None] = {}  # workspaces where routing is due once the current change is done
        self._skip_checks: dict[str, tuple[int, int]] = {}  # task -> the step whose skip_if is due

    def forget_pending(self) -> None:
        """(A rolled-back transaction) the routing it asked for is not due."""
        self._match_wanted.clear()
        self._skip_checks.clear()

    def enter_workflow(self, task: Task, explicit_priority: int | None = None,
                        entry: tuple[int | None, str | None] | None = None) -> None:
        """Evaluate the workflow's filters against the task and apply the first target (``entry``: that step and its
        queue, when the caller has found them already)."""
        ws = self.lookups.workspace(task.workspace_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        if workflow is None:
            return
        config = self.lookups.routing_config(workflow)
        step, queue_sid = entry or self.workflow_entry(task, workflow)
        if self.events.recording(ws):
            self.events.emit(ws, "workflow.entered", "task", task.sid, self.events.task_data(task, entering=queue_sid))
        if step is not None:
            self._apply_target(task, step, 0, config, explicit_priority)
            return
        # nothing matched and no default filter: the task waits outside any queue until its TTL
        task.filter_index, task.target_index, task.step_entered_at = None, 0, None
        task.task_queue_sid = None
        task.task_queue_entered_date = None
        self.lookups.touch(task)

    @staticmethod
    def _matching_filter(config: RoutingConfig, task: Task, start: int = 0) -> int | None:
        """The first filter from ``start`` whose expression the task's attributes match."""
        attrs = task.attrs
        for index in range(start, len(config.filters)):
            if compile_expression(config.filters[index].expression).matches(attrs):
                return index
        return None

    def _first_step(self, config: RoutingConfig, task: Task) -> int | None:
        """Where the workflow sends a task entering it: a filter's index, -1 for the default filter, or None."""
        index = self._matching_filter(config, task)
        return -1 if index is None and config.default is not None else index

    @staticmethod
    def _step_queue(config: RoutingConfig, step: int | None) -> str | None:
        target = config.target(step, 0)
        return target.queue_sid if target is not None else None

    def workflow_entry(self, task: Task, workflow: Workflow) -> tuple[int | None, str | None]:
        """Where a task entering its workflow goes: the step (filter index, -1 for the default, None for nowhere) and
        its queue (events about its entry already name it)."""
        config = self.lookups.routing_config(workflow)
        step = self._first_step(config, task)
        return step, self._step_queue(config, step)

    def _apply_target(self, task: Task, filter_index: int, target_index: int, config: RoutingConfig,
                      explicit_priority: int | None = None) -> None:
        target = config.target(filter_index, target_index)
        assert target is not None
        now = self.clock.now()
        task.filter_index, task.target_index, task.step_entered_at = filter_index, target_index, now
        if target.priority is not None:
            task.priority = target.priority
        elif explicit_priority is not None:
            task.priority = explicit_priority
        filter_name = DEFAULT_FILTER_NAME if filter_index == -1 else config.filters[filter_index].name
        ws = self.lookups.workspace(task.workspace_sid)
        if self.events.recording(ws):
            data = self.events.task_data(task, entering=target.queue_sid)
            data.update({"workflow_filter_name": filter_name, "workflow_filter_target_index": target_index,
                         "workflow_filter_expression": "" if filter_index == -1 else config.filters[filter_index].expression})
            self.events.emit(ws, "workflow.target-matched", "task", task.sid, data)
        if target.timeout is not None:
            self.timers.add_timer(now + target.timeout, "step", task.sid)
        if target.skip_if:
            self._skip_checks[task.sid] = (filter_index, target_index)  # looked at once routing has run
        self.enter_queue(task, target.queue_sid, filter_name)

    def enter_queue(self, task: Task, queue_sid: str, filter_name: str | None) -> None:
        now = self.clock.now()
        moved_from = task.task_queue_sid
        task.task_queue_sid = queue_sid
        if moved_from != queue_sid or task.task_queue_entered_date is None:
            task.task_queue_entered_date = now
        self.lookups.touch(task)
        ws = self.lookups.workspace(task.workspace_sid)
        if self.events.recording(ws):
            if moved_from is not None and moved_from != queue_sid:
                data = self.events.task_data(task)
                data["task_queue_previous_sid"] = moved_from
                self.events.emit(ws, "task-queue.moved", "task", task.sid, data)
            self.events.emit(ws, "task-queue.entered", "task", task.sid, self.events.task_data(task))
        self.need_workers(task)

    def current_target(self, task: Task) -> Target | None:
        workflow = self.store.get("workflow", task.workflow_sid)
        if workflow is None:
            return None
        try:
            return self.lookups.routing_config(workflow).target(task.filter_index, task.target_index)
        except TaskRouterError:
            return None

    def advance_step(self, task: Task, skipped: bool = False) -> None:
        """The current target timed out (or was skipped): next target, next matching filter, or cancel."""
        ws = self.lookups.workspace(task.workspace_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        if workflow is None or task.filter_index is None:
            return
        config = self.lookups.routing_config(workflow)
        if not skipped:
            self.events.emit(ws, "task-queue.timeout", "task", task.sid, self.events.task_data(task))
        if task.filter_index >= 0:
            if config.target(task.filter_index, task.target_index + 1) is not None:
                self._apply_target(task, task.filter_index, task.target_index + 1, config)
                return
            index = self._matching_filter(config, task, start=task.filter_index + 1)
            if index is not None:
                self._apply_target(task, index, 0, config)
                return
        if skipped:
            self.events.emit(ws, "workflow.skipped", "task", task.sid, self.events.task_data(task))
            self.tasks.set_task_status(task, "canceled", WORKFLOW_SKIPPED_REASON)
            return
        self.events.emit(ws, "workflow.timeout", "task", task.sid, self.events.task_data(task))
        self.tasks.set_task_status(task, "canceled", WORKFLOW_TIMEOUT_REASON)

    def candidate(self, worker: Worker, activity: Activity | None = None) -> Candidate:
        """``worker`` as the eligibility rule sees it."""
        activity = activity or self.store.get("activity", worker.activity_sid)
        return Candidate(worker.sid, worker.friendly_name, worker.attrs, worker.activity_sid,
                         activity.friendly_name if activity else None, bool(activity and activity.available))

    def eligible(self, worker: Worker, task: Task, queue: TaskQueue, target: Target | None, multi: bool) -> bool:
        """Can ``worker`` be reserved for ``task`` right now? (the language's one rule, first reason only)"""
        offered = any(res.worker_sid == worker.sid and res.reservation_status == "pending"
                      for res in self.store.reservations_of_task(task.sid))
        busy = None if self.has_capacity(worker, task, multi) else "has no room for another task"
        return not why_not(self.candidate(worker), task.attrs, queue.target_workers, target,
                           busy=busy, offered=offered)

    def _order_key(self, worker: Worker, target: Target) -> tuple:
        """``order_by`` first; then, as without it, the worker idle longest."""
        return (*order_key(worker.attrs, target), worker.idle_since, self.store.seq(worker.sid))

    def _has_room(self, worker: Worker, multi: bool) -> bool:
        """Could the worker take any task at all (single-tasking: none held; multi: a channel not full)?"""
        if not multi:
            return not self.indexes.held(worker.sid)
        return any(self._room_on(worker, wc.task_channel_sid) for wc in self.store.channels_of_worker(worker.sid))

    def _room_on(self, worker: Worker, task_channel_sid: str) -> bool:
        """Multi-tasking: is the worker's channel available and below its capacity?"""
        for wc in self.store.channels_of_worker(worker.sid):
            if wc.task_channel_sid == task_channel_sid:
                return wc.available and self.workers.assigned_tasks(worker.sid, task_channel_sid) < wc.configured_capacity
        return False

    def has_capacity(self, worker: Worker, task: Task, multi: bool) -> bool:
        if not multi:
            return self.workers.assigned_tasks(worker.sid) == 0
        return self._room_on(worker, task.task_channel_sid)

    def _task_rank(self, ws: Workspace, task: Task, queue: TaskQueue) -> tuple:
        lifo = queue.task_order == "LIFO"
        preferred = 0 if (queue.task_order == ws.prioritize_queue_order) else 1
        age_key = -task.virtual_start_time if lifo else task.virtual_start_time
        return (-task.priority, preferred, age_key, self.store.seq(task.sid))

    def match(self, ws: Workspace) -> None:
        """Routing is due in ``ws``; it runs once, when the current change is done."""
        self._match_wanted[ws.sid] = None

    def flush_matches(self) -> None:
        while self._match_wanted or self._skip_checks:
            while self._match_wanted:
                ws_sid = next(iter(self._match_wanted))
                del self._match_wanted[ws_sid]
                ws = self.store.get("workspace", ws_sid)
                if ws is not None:
                    self._run_match(ws)
            self._check_skips()

    def _check_skips(self) -> None:
        """``skip_if`` of the steps tasks entered: looked at only when routing could not reserve anyone
        on entering the step (https://www.twilio.com/docs/taskrouter/workflow-configuration); true → the next step at once."""
        checks, self._skip_checks = self._skip_checks, {}
        for task_sid, step in checks.items():
            task = self.store.get("task", task_sid)
            if task is None or task.assignment_status != "pending" or (task.filter_index, task.target_index) != step:
                continue
            target = self.current_target(task)
            queue = self.store.get("task_queue", task.task_queue_sid)
            if target is None or not target.skip_if or queue is None:
                continue
            if compile_expression(target.skip_if).matches({"workers": self._worker_counts(queue)}):
                self.advance_step(task, skipped=True)
                self.match(self.lookups.workspace(task.workspace_sid))

    def _worker_counts(self, queue: TaskQueue) -> dict[str, int]:
        """What ``skip_if`` reads: the queue's members, available, unavailable and by activity SID."""
        counts: dict[str, int] = {"available": 0, "unavailable": 0}
        for worker in self.store.iterate("worker", queue.workspace_sid):
            if not self.queues.in_queue(worker, queue):
                continue
            activity = self.store.get("activity", worker.activity_sid)
            counts["available" if activity is not None and activity.available else "unavailable"] += 1
            counts[worker.activity_sid] = counts.get(worker.activity_sid, 0) + 1
        return counts

    def _run_match(self, ws: Workspace) -> None:
        """Reserve waiting tasks for free workers: longest-idle worker first, each gets its best task.

        Tasks wait in one heap per queue (best first: priority, then queue order), so a
        free worker finds its task by looking at the tops of its queues' heaps instead of
        scanning every task.
        """
        self.offers.match_direct(ws)
        available = self.indexes.available_in(ws.sid)
        if not available:
            return
        multi = ws.multi_task_enabled
        waiting = {queue_sid for (queue_sid, _), heap in self._queue_heaps.items() if heap}
        queues = [q for q in self.store.all("task_queue", ws.sid) if q.sid in waiting]
        if not queues:
            return
        workers = [self.store.get("worker", sid) for sid in available]
        workers = [w for w in workers if w is not None and self._has_room(w, multi)]
        workers.sort(key=lambda w: (w.idle_since, self.store.seq(w.sid)))
        for worker in workers:
            while True:
                if worker.sid not in available:
                    break  # the reservation moved the worker to an unavailable activity
                if not self._has_room(worker, multi):
                    break  # full: looking through every waiting task for it would find nothing
                found = self._best_task_for(worker, queues, multi)
                if found is None:
                    break
                task, queue = found
                chosen = self._ordered_choice(worker, task, queue, workers, multi)
                self.offers.reserve(task, chosen, queue)
                if chosen is worker and not multi:
                    break
            if not any(heap for (queue_sid, _), heap in self._queue_heaps.items() if queue_sid in waiting):
                return

    def _ordered_choice(self, worker: Worker, task: Task, queue: TaskQueue, free: list[Worker], multi: bool) -> Worker:
        """The worker a task goes to: ``worker`` (idle longest), unless the step's ``order_by`` ranks another free one first."""
        target = self.current_target(task)
        if target is None or not target.order_by:
            return worker
        candidates = [w for w in free if w.sid in self.indexes.available_in(w.workspace_sid)
                      and (multi or not self.indexes.held(w.sid)) and self.eligible(w, task, queue, target, multi)]
        return min(candidates, key=lambda w: self._order_key(w, target), default=worker)

    def _slots(self, task: Task, queue: TaskQueue) -> int:
        """How many more workers ``task`` may be offered to right now (0 if none)."""
        if task.assignment_status not in WAITING_TASK_STATUSES:
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
        if task is None or task.task_queue_sid != queue.sid or self._task_rank(self.lookups.workspace(task.workspace_sid), task, queue) != rank:
            return None
        return task if self._slots(task, queue) > 0 else None

    def _best_task_for(self, worker: Worker, queues: list[TaskQueue], multi: bool) -> tuple[Task, TaskQueue] | None:
        """The best waiting task ``worker`` may take from its queues (one heap per queue and channel: a
        multi-tasking worker only looks at the channels it has room on)."""
        best: tuple[tuple, Task, TaskQueue] | None = None
        for queue in queues:
            if not self.queues.in_queue(worker, queue):
                continue
            for (queue_sid, channel_sid), heap in list(self._queue_heaps.items()):
                if queue_sid != queue.sid or not heap or (multi and not self._room_on(worker, channel_sid)):
                    continue
                candidate = self._best_in_heap(worker, queue, heap, best[0] if best else None, multi)
                if candidate is not None:
                    best = candidate
        return (best[1], best[2]) if best is not None else None

    def _best_in_heap(self, worker: Worker, queue: TaskQueue, heap: list, better_than: tuple | None,
                      multi: bool) -> tuple[tuple, Task, TaskQueue] | None:
        # drop entries that no longer need workers (assigned, canceled, re-ranked, moved)
        while heap and self._heap_entry_valid(heap[0], queue) is None:
            heapq.heappop(heap)
        if not heap or (better_than is not None and heap[0][0] >= better_than):
            return None
        top = self._heap_entry_valid(heap[0], queue)
        if top is not None and self.eligible(worker, top, queue, self.current_target(top), multi):
            return (heap[0][0], top, queue)
        # the best task is not for this worker (target expression, already offered): look further down
        for entry in sorted(heap[1:]):
            if better_than is not None and entry[0] >= better_than:
                return None
            task = self._heap_entry_valid(entry, queue)
            if task is not None and self.eligible(worker, task, queue, self.current_target(task), multi):
                return (entry[0], task, queue)
        return None

    def need_workers(self, task: Task) -> None:
        """Put a waiting task (back) in its queue's heap."""
        queue = self.store.get("task_queue", task.task_queue_sid)
        if queue is None or task.assignment_status not in WAITING_TASK_STATUSES:
            return
        rank = self._task_rank(self.lookups.workspace(task.workspace_sid), task, queue)
        heapq.heappush(self._queue_heaps.setdefault((queue.sid, task.task_channel_sid), []), (rank, task.sid))

    def forget_heaps(self) -> None:
        """(Rebuilding indexes) no task waits in a heap until the store says so."""
        self._queue_heaps = {}

    def rebuild_queue_heap(self, queue_sid: str) -> None:
        queue = self.store.get("task_queue", queue_sid)
        for key in [key for key in self._queue_heaps if key[0] == queue_sid]:
            del self._queue_heaps[key]
        if queue is None:
            return
        for task in self.store.all("task", queue.workspace_sid):
            if task.task_queue_sid == queue_sid and task.assignment_status in WAITING_TASK_STATUSES:
                self.need_workers(task)
