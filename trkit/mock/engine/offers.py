"""Offers: reserving a task for a worker, the assignment callback, accepting, and ending a reservation unaccepted; tasks routed straight to one worker."""

from __future__ import annotations

from ...language.eligibility import why_not
from ...language.lifecycles import RESERVATION
from ...language.vocabulary import (
    HELD_RESERVATION_STATUSES,
    MAX_ASSIGNMENTS_REASON,
    WAITING_TASK_STATUSES,
)
from .checks import (
    MAX_ASSIGNMENTS,
)
from .records import Activity, Reservation, Task, TaskQueue, Worker, Workspace
from .service import Service
from .transaction import Outbound


class Offers(Service):
    """Reservations made, accepted and ended."""

    needs = ("account_sid", "clock", "events", "indexes", "lookups", "outbox", "routing", "store", "tasks", "timers", "workers")

    def __init__(self) -> None:
        self._direct: dict[str, str] = {}  # task routed straight to a worker -> that worker, while it waits

    def set_res_status(self, res: Reservation, status: str) -> None:
        """Every reservation status change goes through here, by the Reservation lifecycle's table, to keep the
        worker's load index right."""
        if RESERVATION.allows(res.reservation_status, status) is None:
            raise RuntimeError(f"Reservation {res.sid} cannot go from {res.reservation_status} to {status}: "
                               "the Reservation lifecycle has no such move")
        res.reservation_status = str(status)
        self.lookups.touch(res)
        self.indexes.hold(res.worker_sid, res.sid, status in HELD_RESERVATION_STATUSES)


    def route_to_worker(self, task: Task, worker: Worker) -> None:
        """``RoutingTarget`` = a Worker (https://www.twilio.com/docs/taskrouter/api/task): no workflow, no queue, only that worker.

        With ``IgnoreCapacity`` (the default) the worker is offered the task at once, busy or not
        available; without it, as soon as the worker is available with room. A task that worker
        rejects or lets time out waits for that worker again, until its TTL (UNCONFIRMED).
        """
        task.filter_index, task.target_index, task.step_entered_at = None, 0, None
        self.lookups.touch(task)
        if task.ignore_capacity:
            self.reserve(task, worker, None)
        else:
            self._direct[task.sid] = worker.sid

    def wait_for_worker_again(self, task: Task) -> None:
        """(Rebuilding indexes) a pending task routed straight to a worker waits for that worker."""
        if task.assignment_status == "pending" and task.routing_target and self._waits_for_one_worker(task):
            self._direct[task.sid] = task.routing_target

    def _waits_for_one_worker(self, task: Task) -> bool:
        target = self.store.get_any(task.routing_target)
        return target is not None and target.KIND == "worker"

    def forget_direct(self) -> None:
        """(Rebuilding indexes) no task waits for one worker until the store says so."""
        self._direct = {}

    def match_direct(self, ws: Workspace) -> None:
        """Tasks waiting for the one worker they were routed to: offered once that worker may take them."""
        if not self._direct:
            return
        for task_sid, worker_sid in list(self._direct.items()):
            task = self.store.get("task", task_sid)
            worker = self.store.get("worker", worker_sid)
            if task is None or worker is None or task.assignment_status not in WAITING_TASK_STATUSES:
                self._direct.pop(task_sid, None)
                continue
            if task.workspace_sid != ws.sid or task.assignment_status != "pending":
                continue
            busy = None if self.routing.has_capacity(worker, task, ws.multi_task_enabled) else "has no room"
            # no queue to be a member of: "1==1" stands for the queue's target workers
            if not why_not(self.routing.candidate(worker), task.attrs, "1==1", None, busy=busy):
                del self._direct[task_sid]
                self.reserve(task, worker, None)

    def reserve(self, task: Task, worker: Worker, queue: TaskQueue | None) -> Reservation:
        ws = self.lookups.workspace(task.workspace_sid)
        workflow = self.store.get("workflow", task.workflow_sid)
        now = self.clock.now()
        timeout = workflow.task_reservation_timeout if workflow else 120
        res = Reservation(
            sid=self.lookups.new_sid("WR"), workspace_sid=ws.sid, task_sid=task.sid, worker_sid=worker.sid,
            worker_name=worker.friendly_name, reservation_status="pending", date_created=now, date_updated=now,
            timeout_at=now + timeout, task_queue_sid=queue.sid if queue else None, workflow_sid=task.workflow_sid,
            previous_activity_sid=worker.activity_sid,
        )
        self.store.put(res)
        self.indexes.hold(worker.sid, res.sid)
        self.tasks.set_task_status(task, "reserved", None)
        task.assignment_count += 1
        self.lookups.touch(task)
        self.timers.add_timer(res.timeout_at, "reservation", res.sid)
        self.events.emit_reservation(res, "reservation.created")
        if not ws.multi_task_enabled and queue is not None and queue.reservation_activity_sid:
            self.workers.set_activity(worker, self.store.get("activity", queue.reservation_activity_sid))
        if workflow is not None and workflow.assignment_callback_url:
            self.outbox.post(Outbound(
                "assignment", workflow.assignment_callback_url, self.assignment_params(res, task, worker),
                ws.sid, fallback_url=workflow.fallback_assignment_callback_url or None, reservation_sid=res.sid,
            ))
        return res

    def assignment_params(self, res: Reservation, task: Task, worker: Worker) -> dict[str, str]:
        """The documented form fields of an assignment callback."""
        return {
            "Timestamp": str(int(self.clock.now())),
            "AccountSid": self.account_sid,
            "WorkspaceSid": res.workspace_sid,
            "WorkflowSid": task.workflow_sid or "",
            "TaskQueueSid": res.task_queue_sid or "",
            "WorkerSid": worker.sid,
            "WorkerAttributes": worker.attributes,
            "TaskSid": task.sid,
            "TaskAttributes": task.attributes,
            "TaskAge": str(int(self.clock.now() - task.date_created)),
            "TaskPriority": str(task.priority),
            "ReservationSid": res.sid,
        }

    def accept(self, res: Reservation) -> None:
        task = self.store.get("task", res.task_sid)
        worker = self.store.get("worker", res.worker_sid)
        ws = self.lookups.workspace(res.workspace_sid)
        self.set_res_status(res, "accepted")
        self.tasks.set_task_status(task, "assigned", None)
        self.events.emit_reservation(res, "reservation.accepted")
        for other in self.store.reservations_of_task(task.sid):
            if other.sid != res.sid and other.reservation_status == "pending":
                self.end_reservation(other, "rescinded", reroute=False)
        queue = self.store.get("task_queue", res.task_queue_sid)
        if not ws.multi_task_enabled and queue is not None and queue.assignment_activity_sid:
            self.workers.set_activity(worker, self.store.get("activity", queue.assignment_activity_sid))

    def end_reservation(self, res: Reservation, status: str, activity: Activity | None = None,
                         move_worker: bool = True, reroute: bool = True) -> None:
        """A pending reservation ends unaccepted: rejected, timeout, canceled or rescinded."""
        ws = self.lookups.workspace(res.workspace_sid)
        self.set_res_status(res, status)
        worker = self.store.get("worker", res.worker_sid)
        self.events.emit_reservation(res, f"reservation.{status}")
        if worker is not None:
            self.workers.free_worker(worker.sid)
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
                    self.workers.set_activity(worker, destination)
        # routing runs again: the worker may be free for other tasks (e.g. rescinded when another
        # worker accepted) and the task may need another worker
        self.routing.match(ws)
        task = self.store.get("task", res.task_sid)
        if task is None or task.assignment_status != "reserved":
            return
        if any(r.reservation_status in HELD_RESERVATION_STATUSES for r in self.store.reservations_of_task(task.sid)):
            if reroute and not any(r.reservation_status in ("accepted", "wrapping") for r in self.store.reservations_of_task(task.sid)):
                self.routing.need_workers(task)  # a slot of a multi-reservation task opened again
            return
        self.tasks.set_task_status(task, "pending", None)
        if self._waits_for_one_worker(task):
            self._direct[task.sid] = task.routing_target  # routed straight to a worker: it waits for that one
            return
        if task.filter_index is None and task.workflow_sid and reroute:
            self.routing.enter_workflow(task)  # its step was taken out of the workflow while it was reserved
            return
        self.routing.need_workers(task)
        if not reroute:
            return
        if task.assignment_count >= MAX_ASSIGNMENTS:
            self.tasks.set_task_status(task, "canceled", MAX_ASSIGNMENTS_REASON)
            return
        target = self.routing.current_target(task)
        if target is not None and target.timeout is not None and task.step_entered_at is not None \
                and self.clock.now() >= task.step_entered_at + target.timeout:
            self.routing.advance_step(task)
