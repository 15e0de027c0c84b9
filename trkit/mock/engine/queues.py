"""Task queues and workflows: their fields, guards, and what a workflow change does to waiting tasks."""

from __future__ import annotations

import json
from typing import Any

from ...language.documents import compact_json
from ...language.eligibility import in_queue
from ...language.expressions import ExpressionError, compile_expression
from ...language.vocabulary import (
    LIVE_TASK_STATUSES,
    WAITING_TASK_STATUSES,
)
from ...language.workflow_config import RoutingConfig, parse_configuration, queues_named
from .checks import (
    check_json_object,
    check_name,
    ordering_keys,
    sort_records,
)
from .errors import InvalidParameter
from .records import HELD_IN_QUEUE, TaskQueue, Worker, Workflow, parse_attributes
from .service import Service
from .transaction import read, write


class QueuesAndWorkflows(Service):
    """Task queues and workflows."""

    needs = ("clock", "events", "lookups", "routing", "store")

    def put_queue(self, ws_sid, name, target_workers, max_reserved, order, reservation_sid, assignment_sid) -> TaskQueue:
        now = self.clock.now()
        queue = TaskQueue(self.lookups.new_sid("WQ"), ws_sid, name, target_workers, max_reserved, order, now, now, reservation_sid, assignment_sid)
        self.store.put(queue)
        return queue

    def _check_queue_fields(self, ws_sid, target_workers, max_reserved_workers, task_order, reservation_activity_sid, assignment_activity_sid):
        if target_workers is not None:
            try:
                compile_expression(target_workers)
            except ExpressionError as exc:
                raise InvalidParameter(f"TargetWorkers is invalid: {exc}") from None
        if max_reserved_workers is not None and not 1 <= max_reserved_workers <= 50:
            raise InvalidParameter(f"MaxReservedWorkers must be between 1 and 50, got {max_reserved_workers}")
        if task_order is not None and task_order not in ("FIFO", "LIFO"):
            raise InvalidParameter(f"TaskOrder must be FIFO or LIFO, got {task_order!r}")
        self.lookups.activity_ref(ws_sid, reservation_activity_sid, "ReservationActivitySid")
        self.lookups.activity_ref(ws_sid, assignment_activity_sid, "AssignmentActivitySid")

    @write
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
        ws = self.lookups.workspace(ws_sid)
        check_name(friendly_name)
        self.lookups.unique("task_queue", ws_sid, "friendly_name", friendly_name, None, "TaskQueue", "FriendlyName")
        self._check_queue_fields(ws_sid, target_workers, max_reserved_workers, task_order, reservation_activity_sid, assignment_activity_sid)
        if self.store.count("task_queue", ws_sid) >= 5000:
            raise InvalidParameter("A Workspace can have at most 5000 TaskQueues")
        queue = self.put_queue(
            ws_sid, friendly_name, target_workers if target_workers is not None else "1==1",
            max_reserved_workers or 1, task_order or "FIFO", reservation_activity_sid, assignment_activity_sid,
        )
        self.events.emit(ws, "task-queue.created", "taskqueue", queue.sid, self.events.queue_data(queue))
        return queue

    @write
    def update_task_queue(self, ws_sid: str, sid: str, **changes: Any) -> TaskQueue:
        ws = self.lookups.workspace(ws_sid)
        queue = self.lookups.task_queue(ws_sid, sid)
        if changes.get("friendly_name") is not None:
            check_name(changes["friendly_name"])
            self.lookups.unique("task_queue", ws_sid, "friendly_name", changes["friendly_name"], sid, "TaskQueue", "FriendlyName")
        self._check_queue_fields(
            ws_sid, changes.get("target_workers"), changes.get("max_reserved_workers"), changes.get("task_order"),
            changes.get("reservation_activity_sid"), changes.get("assignment_activity_sid"),
        )
        expression_changed = changes.get("target_workers") is not None and changes["target_workers"] != queue.target_workers
        for key, value in changes.items():
            if value is not None:
                setattr(queue, key, value)
        self.lookups.touch(queue)
        self.routing.rebuild_queue_heap(queue.sid)  # order or slots may have changed
        if expression_changed:
            self.events.emit(ws, "task-queue.expression.updated", "taskqueue", sid, self.events.queue_data(queue))
        self.routing.match(ws)
        return queue

    @write
    def delete_task_queue(self, ws_sid: str, sid: str) -> None:
        ws = self.lookups.workspace(ws_sid)
        queue = self.lookups.task_queue(ws_sid, sid)
        for workflow in self.store.all("workflow", ws_sid):
            if sid in queues_named(workflow.configuration):
                raise InvalidParameter(f"Cannot delete TaskQueue {sid} ({queue.friendly_name}): Workflow {workflow.sid} ({workflow.friendly_name}) routes Tasks to it")
        for task in self.store.all("task", ws_sid):
            if task.task_queue_sid == sid and task.assignment_status in LIVE_TASK_STATUSES:
                raise InvalidParameter(f"Cannot delete TaskQueue {sid} ({queue.friendly_name}): Task {task.sid} is in it ({task.assignment_status})")
        self.store.delete(queue)
        self.events.emit(ws, "task-queue.deleted", "taskqueue", sid, self.events.queue_data(queue))

    @read
    def list_task_queues(
        self,
        ws_sid: str,
        friendly_name: str | None = None,
        evaluate_worker_attributes: str | None = None,
        worker_sid: str | None = None,
        ordering: str | None = None,
    ) -> list[TaskQueue]:
        self.lookups.workspace(ws_sid)
        attrs = None
        if evaluate_worker_attributes is not None:
            attrs = parse_attributes(check_json_object(evaluate_worker_attributes, "EvaluateWorkerAttributes"))
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
        if ordering:  # as for Workers: date and name fields (format UNCONFIRMED)
            keys = ordering_keys(ordering, {"DateCreated": "date_created", "DateUpdated": "date_updated", "FriendlyName": "friendly_name"})
            sort_records(result, keys)
        return result

    def _queue_expression(self, queue: TaskQueue):
        return compile_expression(queue.target_workers or "1==1")

    def in_queue(self, worker: Worker, queue: TaskQueue) -> bool:
        return in_queue(queue.target_workers, worker.attrs)

    @write
    def create_workflow(
        self,
        ws_sid: str,
        friendly_name: str,
        configuration: str,
        assignment_callback_url: str | None = None,
        fallback_assignment_callback_url: str | None = None,
        task_reservation_timeout: int | None = None,
    ) -> Workflow:
        ws = self.lookups.workspace(ws_sid)
        check_name(friendly_name)
        configuration = self._check_workflow_fields(ws_sid, configuration, task_reservation_timeout)
        now = self.clock.now()
        workflow = Workflow(
            self.lookups.new_sid("WW"), ws_sid, friendly_name, configuration,
            task_reservation_timeout if task_reservation_timeout is not None else 120, now, now,
            assignment_callback_url, fallback_assignment_callback_url,
        )
        self.store.put(workflow)
        self.events.emit(ws, "workflow.created", "workflow", workflow.sid, self.events.workflow_data(workflow))
        return workflow

    def _check_workflow_fields(self, ws_sid: str, configuration: str | None, timeout: int | None) -> str | None:
        """Checks a workflow's fields; the configuration comes back compact, as TaskRouter stores it."""
        if timeout is not None and not 1 <= timeout <= 86400:
            raise InvalidParameter(f"TaskReservationTimeout must be between 1 and 86400 seconds, got {timeout}")
        if configuration is None:
            return None
        if len(configuration) > 1_000_000:
            raise InvalidParameter("Configuration is too long: at most 1 MB is allowed")
        parse_configuration(configuration, lambda sid: (q := self.store.get("task_queue", sid)) is not None and q.workspace_sid == ws_sid)
        return compact_json(json.loads(configuration))

    @write
    def update_workflow(self, ws_sid: str, sid: str, re_evaluate_tasks: bool = False, **changes: Any) -> Workflow:
        ws = self.lookups.workspace(ws_sid)
        workflow = self.lookups.workflow(ws_sid, sid)
        if changes.get("friendly_name") is not None:
            check_name(changes["friendly_name"])
        changes["configuration"] = self._check_workflow_fields(ws_sid, changes.get("configuration"), changes.get("task_reservation_timeout"))
        old_config = self.lookups.routing_config(workflow)
        for key, value in changes.items():
            if value is not None:
                setattr(workflow, key, value)
        self.lookups.touch(workflow)
        self.events.emit(ws, "workflow.updated", "workflow", sid, self.events.workflow_data(workflow))
        self._rehome_tasks(workflow, old_config, re_evaluate_tasks)
        self.routing.match(ws)
        return workflow

    def _rehome_tasks(self, workflow: Workflow, old_config: RoutingConfig, re_evaluate: bool) -> None:
        """After a configuration change: ``ReEvaluateTasks`` sends every pending task through the workflow again
        (a reserved one when its reservation ends, if its step is gone). Without it no task is routed again: one
        whose step is still there stays at it; one whose step is gone waits in its queue (HELD_IN_QUEUE)."""
        new_config = self.lookups.routing_config(workflow)
        for task in self.store.all("task", workflow.workspace_sid):
            if task.workflow_sid != workflow.sid or task.assignment_status not in WAITING_TASK_STATUSES:
                continue
            if task.assignment_status == "pending" and re_evaluate:
                self.routing.enter_workflow(task)
                continue
            if task.filter_index in (None, HELD_IN_QUEUE) or old_config.same_step(new_config, task.filter_index, task.target_index):
                continue
            if re_evaluate:  # reserved: routed again when its reservation ends
                task.filter_index, task.target_index, task.step_entered_at = None, 0, None
            else:
                task.filter_index, task.target_index, task.step_entered_at = HELD_IN_QUEUE, 0, None
            self.lookups.touch(task)

    @write
    def delete_workflow(self, ws_sid: str, sid: str) -> None:
        ws = self.lookups.workspace(ws_sid)
        workflow = self.lookups.workflow(ws_sid, sid)
        for task in self.store.all("task", ws_sid):
            if task.workflow_sid == sid and task.assignment_status in LIVE_TASK_STATUSES:
                raise InvalidParameter(f"Cannot delete Workflow {sid} ({workflow.friendly_name}): Task {task.sid} is still {task.assignment_status}")
        self.store.delete(workflow)
        self.lookups.forget_configuration(sid)
        self.events.emit(ws, "workflow.deleted", "workflow", sid, self.events.workflow_data(workflow))

    @read
    def list_workflows(self, ws_sid: str, friendly_name: str | None = None) -> list[Workflow]:
        self.lookups.workspace(ws_sid)
        return [w for w in self.store.all("workflow", ws_sid) if friendly_name is None or w.friendly_name == friendly_name]
