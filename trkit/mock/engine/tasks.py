"""Tasks: creation, updates, cancel/complete, deletion and the task list's filters."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from ...language.lifecycles import TASK
from ...language.vocabulary import (
    WAITING_TASK_STATUSES,
)
from .checks import (
    MAX_PRIORITY,
    MAX_TASK_TIMEOUT,
    check_json_object,
    ordering_keys,
    sort_records,
)
from .errors import InvalidParameter, TaskRouterError
from .records import Task, TaskChannel, Workflow, Workspace
from .service import Service
from .transaction import read, write


class Tasks(Service):
    """The task lifecycle."""

    needs = ("account_sid", "clock", "events", "finished_task_lifetime", "indexes", "lookups", "offers", "routing", "store", "timers", "workers")

    @write
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
        ws = self.lookups.workspace(ws_sid)
        attributes = check_json_object(attributes if attributes is not None else "{}", "Attributes")
        if priority is not None and not 0 <= priority <= MAX_PRIORITY:
            raise InvalidParameter(f"Priority must be between 0 and {MAX_PRIORITY}, got {priority}")
        if timeout is not None and not 1 <= timeout <= MAX_TASK_TIMEOUT:
            raise InvalidParameter(f"Timeout must be between 1 and {MAX_TASK_TIMEOUT} seconds, got {timeout}")
        now = self.clock.now()
        if virtual_start_time is not None and virtual_start_time > now + 1:
            raise InvalidParameter("VirtualStartTime must not be in the future")
        channel = self.task_channel_ref(ws_sid, task_channel or "default")
        queue = direct = None
        if routing_target is not None:
            target = self.store.get_any(routing_target)
            if target is None or getattr(target, "workspace_sid", None) != ws_sid or target.KIND not in ("task_queue", "workflow", "worker"):
                raise InvalidParameter(f"RoutingTarget {routing_target!r} is not a Worker, TaskQueue or Workflow of this Workspace")
            if target.KIND == "task_queue":
                queue = target
            elif target.KIND == "worker":
                direct = target
            else:
                workflow_sid = target.sid
        if ignore_capacity is not None and direct is None:
            raise InvalidParameter("IgnoreCapacity can only be used when RoutingTarget is a Worker SID")
        if direct is not None and ignore_capacity is None:
            ignore_capacity = True  # the documented default for a Worker target
        if task_queue_sid is not None:
            queue = self.store.get("task_queue", task_queue_sid)
            if queue is None or queue.workspace_sid != ws_sid:
                raise InvalidParameter(f"TaskQueueSid {task_queue_sid!r} is not a TaskQueue of this Workspace")
        workflow = None
        if direct is not None and workflow_sid is not None:
            workflow = self._workflow_ref(ws_sid, workflow_sid)
        elif direct is not None:
            # straight to a worker: a workflow, when named or the only one, still gives the assignment
            # callback and the reservation timeout (UNCONFIRMED which one TaskRouter uses)
            workflows = self.store.all("workflow", ws_sid)
            workflow = workflows[0] if len(workflows) == 1 else None
        elif queue is None:
            if workflow_sid is None:
                workflows = self.store.all("workflow", ws_sid)
                if len(workflows) != 1:
                    raise InvalidParameter("Missing required parameter WorkflowSid: the Workspace has "
                                  f"{len(workflows)} Workflows, so the Task must name one")
                workflow = workflows[0]
            else:
                workflow = self._workflow_ref(ws_sid, workflow_sid)
        task = Task(
            sid=self.lookups.new_sid("WT"),
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
        self.timers.add_timer(now + task.timeout, "ttl", task.sid)
        # the workflow's filters are evaluated once: task.created already names the queue they send the task to
        entry = self.routing.workflow_entry(task, workflow) if queue is None and direct is None else None
        entering = queue.sid if queue is not None else entry[1] if entry else None
        if self.events.recording(ws):
            self.events.emit(ws, "task.created", "task", task.sid, self.events.task_data(task, entering=entering))
        if direct is not None:
            self.offers.route_to_worker(task, direct)
        elif queue is not None:
            self.routing.enter_queue(task, queue.sid, None)
        else:
            self.routing.enter_workflow(task, explicit_priority=priority, entry=entry)
        self.routing.match(ws)
        return task

    def _workflow_ref(self, ws_sid: str, workflow_sid: str) -> Workflow:
        workflow = self.store.get("workflow", workflow_sid)
        if workflow is None or workflow.workspace_sid != ws_sid:
            raise InvalidParameter(f"WorkflowSid {workflow_sid!r} is not a Workflow of this Workspace")
        return workflow

    def task_channel_ref(self, ws_sid: str, value: str) -> TaskChannel:
        try:
            return self.lookups.task_channel(ws_sid, value)
        except TaskRouterError:
            raise InvalidParameter(f"TaskChannel {value!r} is not a TaskChannel SID or unique name of this Workspace") from None

    @write
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
        ws = self.lookups.workspace(ws_sid)
        task = self.lookups.task(ws_sid, sid)
        self.lookups.check_if_match(task, if_match)
        if attributes is not None:
            attributes = check_json_object(attributes, "Attributes")
        if priority is not None and not 0 <= priority <= MAX_PRIORITY:
            raise InvalidParameter(f"Priority must be between 0 and {MAX_PRIORITY}, got {priority}")
        channel = self.task_channel_ref(ws_sid, task_channel) if task_channel is not None else None
        if assignment_status is not None:
            self._check_task_transition(ws, task, assignment_status)
            if assignment_status in ("canceled", "completed") and not reason:
                raise InvalidParameter(f"Missing required parameter Reason: a Task set to {assignment_status} needs a Reason")
            if attributes is not None and assignment_status in ("wrapping", "completed"):
                raise InvalidParameter("AssignmentStatus and Attributes cannot be changed in the same request: update the attributes first")
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
            self.lookups.touch(task)
            self.events.emit(ws, "task.updated", "task", sid, self.events.task_data(task))
            if task.assignment_status in WAITING_TASK_STATUSES:
                self.routing.need_workers(task)
            if attributes is not None and task.assignment_status == "pending" and task.workflow_sid:
                self.routing.enter_workflow(task, explicit_priority=priority)
        if assignment_status is not None:
            self.set_task_status(task, assignment_status, reason)
        self.lookups.touch(task)
        self.routing.match(ws)
        return task

    def _check_task_transition(self, ws: Workspace, task: Task, status: str) -> None:
        """A client's ``AssignmentStatus``: allowed where the Task lifecycle lets a client ask for it, else Twilio's refusal."""
        allowed = TASK.client_targets()
        if status not in allowed:
            raise InvalidParameter(f"AssignmentStatus can only be set to {', '.join(allowed[:-1])} or {allowed[-1]}, not {status!r}")
        if TASK.allows(task.assignment_status, status) is None:
            where = f"in workspace {ws.sid} for account {self.account_sid}"
            raise InvalidParameter(TASK.refusals[status].format(sid=task.sid, where=where))

    def set_task_status(self, task: Task, status: str, reason: str | None) -> None:
        """Every change of a task's status, by the Task lifecycle's table; and what each brings (events, reservations)."""
        if TASK.allows(task.assignment_status, status) is None:
            raise RuntimeError(f"Task {task.sid} cannot go from {task.assignment_status} to {status}: the Task lifecycle has no such move")
        task.assignment_status = str(status)
        if reason is not None:
            task.reason = reason
        if status in ("canceled", "completed"):
            task.finished_at = self.clock.now()
            if self.finished_task_lifetime is not None:
                self.timers.add_timer(task.finished_at + self.finished_task_lifetime, "purge", task.sid)
        self.lookups.touch(task)
        if status not in ("canceled", "wrapping", "completed"):
            return  # reserved, assigned, back to pending: what comes with them is the reservation's doing
        ws = self.lookups.workspace(task.workspace_sid)
        recording = self.events.recording(ws)
        reservations = self.store.reservations_of_task(task.sid)
        if status == "canceled":
            for res in reservations:
                if res.reservation_status == "pending":
                    self.offers.end_reservation(res, "canceled")  # the task is canceled already: nothing to route again
            if recording:
                data = self.events.task_data(task)
                data["task_canceled_reason"] = reason
                # the spec: on TTL expiry "the task.canceled event will fire with description Task TTL Exceeded"
                self.events.emit(ws, "task.canceled", "task", task.sid, data)
        elif status == "wrapping":
            for res in reservations:
                if res.reservation_status == "accepted":
                    self.offers.set_res_status(res, "wrapping")
                    self.events.emit_reservation(res, "reservation.wrapup")
            if recording:
                self.events.emit(ws, "task.wrapup", "task", task.sid, self.events.task_data(task))
        elif status == "completed":
            for res in reservations:
                if res.reservation_status in ("accepted", "wrapping"):
                    self.offers.set_res_status(res, "completed")
                    self.workers.free_worker(res.worker_sid)
                    self.events.emit_reservation(res, "reservation.completed")
            if not recording:
                return
            data = self.events.task_data(task)
            # a task.completed recorded from real TaskRouter carries the worker who did it
            done_by = [r for r in reservations if r.reservation_status == "completed"]
            worker = self.store.get("worker", done_by[-1].worker_sid) if done_by else None
            if worker is not None:
                data.update(self.events.worker_data(worker))
            data["task_completed_reason"] = reason
            # completing through the reservation (ReservationStatus=completed) gives no reason
            self.events.emit(ws, "task.completed", "task", task.sid, data)

    @write
    def delete_task(self, ws_sid: str, sid: str, if_match: str | None = None) -> None:
        ws = self.lookups.workspace(ws_sid)
        task = self.lookups.task(ws_sid, sid)
        self.lookups.check_if_match(task, if_match)
        data = self.events.task_data(task)
        for res in self.store.reservations_of_task(sid):
            if res.reservation_status == "pending":
                self.offers.end_reservation(res, "canceled", reroute=False)
            if res.reservation_status in ("accepted", "wrapping"):
                self.workers.free_worker(res.worker_sid)
            self.indexes.hold(res.worker_sid, res.sid, held=False)
            self.store.delete(res)
        self.store.delete(task)
        self.events.emit(ws, "task.deleted", "task", sid, data)
        self.routing.match(ws)

    def purge_task(self, task: Task) -> None:
        """A finished task's lifetime is over: it and its reservations are gone (404 from now on)."""
        data = self.events.task_data(task)
        for res in self.store.reservations_of_task(task.sid):
            self.store.delete(res)
        self.store.delete(task)
        self.events.emit(self.lookups.workspace(task.workspace_sid), "task.system-deleted", "task", task.sid, data)

    @read
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
        self.lookups.workspace(ws_sid)
        expression = self.workers.parse_param_expression(evaluate_task_attributes, "EvaluateTaskAttributes")
        # without Ordering: creation order, which is date_created order (the mock clock never goes back)
        sort_keys = self._task_ordering(ordering) if ordering else []
        wanted = dict(priority=priority, assignment_status=assignment_status, workflow_sid=workflow_sid,
                      workflow_name=workflow_name, task_queue_sid=task_queue_sid, task_queue_name=task_queue_name,
                      expression=expression, routing_target=routing_target, has_addons=has_addons)
        found: Iterator[Task] = (t for t in self.store.iterate("task", ws_sid) if self._task_matches(t, **wanted))
        end = None if limit is None else offset + limit
        if not sort_keys:
            return list(islice(found, offset, end))
        return sort_records(list(found), sort_keys)[offset:end]

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
        if expression is not None and not expression.matches(task.attrs):
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
        keys = ordering_keys(ordering, {"DateCreated": "date_created", "Priority": "priority", "VirtualStartTime": "virtual_start_time"})
        names = [k for k, _ in keys]
        if "date_created" in names and "virtual_start_time" in names:
            raise InvalidParameter("Ordering cannot combine DateCreated and VirtualStartTime")
        return keys
