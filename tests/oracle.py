"""A reference model of who gets which task, written from Twilio's TaskRouter pages, not from the mock.

Slow and plain on purpose: no indexes, no heaps, no expression parser. It knows one workspace
(single-tasking), activities Idle (available), Offline, Reserved and Busy (unavailable), queues
whose members are the workers speaking a language, a workflow that sends a task to the queue
of its language (else to a default queue everyone is in), and a reservation timeout. The
rules it follows, each from Twilio's TaskRouter pages (under https://www.twilio.com/docs/taskrouter/):

- lifecycle-task-workflows-and-assignment: a waiting task goes to an eligible worker; tasks are served highest priority
  first, then oldest; among eligible workers the one idle longest is chosen, "idle since"
  being the later of becoming available and the end of the worker's last reservation.
- eligibility (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment): available activity, no pending or unfinished task, member of the queue.
- moves (https://www.twilio.com/docs/taskrouter/lifecycle-task-state): reserved -> Reserved, accepted -> Busy, timed out -> Offline (the workspace's
  timeout activity), rejected -> the activity given; completing moves nobody.
- statuses (https://www.twilio.com/docs/taskrouter/lifecycle-task-state): pending -> reserved -> assigned -> completed; an unaccepted end puts the
  task back to pending and into routing.
- lifecycle-task-state: a canceled or completed task is deleted about 5 minutes (the mock's 300 s) after it finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AVAILABLE = {"Idle": True, "Offline": False, "Reserved": False, "Busy": False}
FINISHED_LIFETIME = 300


@dataclass
class ModelWorker:
    name: str
    languages: list[str]
    activity: str = "Offline"
    idle_since: float = 0.0
    order: int = 0  # creation order, only to break exact ties


@dataclass
class ModelTask:
    key: str
    language: str
    priority: int
    created: float
    status: str = "pending"
    order: int = 0
    finished: float | None = None
    deleted: bool = False


@dataclass
class ModelReservation:
    task: str
    worker: str
    created: float
    status: str = "pending"


@dataclass
class Model:
    reservation_timeout: int
    now: float = 0.0
    workers: dict[str, ModelWorker] = field(default_factory=dict)
    tasks: dict[str, ModelTask] = field(default_factory=dict)
    reservations: list[ModelReservation] = field(default_factory=list)

    # ----------------------------------------------------------- the rules
    def queue_members(self, task: ModelTask) -> list[ModelWorker]:
        if task.language in ("es", "en"):
            return [w for w in self.workers.values() if task.language in w.languages]
        return list(self.workers.values())  # the default filter's queue takes everyone

    def busy(self, worker: ModelWorker) -> bool:
        return any(r.worker == worker.name and r.status in ("pending", "accepted") for r in self.reservations)

    def eligible(self, worker: ModelWorker, task: ModelTask) -> bool:
        return AVAILABLE[worker.activity] and not self.busy(worker) and worker in self.queue_members(task)

    def route(self) -> None:
        """Serve waiting tasks, best first, each by the longest-idle eligible worker."""
        while True:
            waiting = sorted((t for t in self.tasks.values() if t.status == "pending"),
                             key=lambda t: (-t.priority, t.created, t.order))
            for task in waiting:
                candidates = [w for w in self.workers.values() if self.eligible(w, task)]
                if candidates:
                    worker = min(candidates, key=lambda w: (w.idle_since, w.order))
                    self.reservations.append(ModelReservation(task.key, worker.name, self.now))
                    task.status = "reserved"
                    worker.activity = "Reserved"
                    break
            else:
                return

    # --------------------------------------------------------- what happens
    def add_worker(self, name: str, languages: list[str]) -> None:
        self.workers[name] = ModelWorker(name, languages, order=len(self.workers))

    def add_task(self, key: str, language: str, priority: int) -> None:
        self.tasks[key] = ModelTask(key, language, priority, self.now, order=len(self.tasks))
        self.route()

    def set_activity(self, name: str, activity: str) -> None:
        worker = self.workers[name]
        if AVAILABLE[activity] and not AVAILABLE[worker.activity]:
            worker.idle_since = max(worker.idle_since, self.now)
        worker.activity = activity
        self.route()

    def pending_of(self, task_key: str) -> ModelReservation:
        (res,) = [r for r in self.reservations if r.task == task_key and r.status == "pending"]
        return res

    def accept(self, task_key: str) -> None:
        res = self.pending_of(task_key)
        res.status = "accepted"
        self.tasks[task_key].status = "assigned"
        self.workers[res.worker].activity = "Busy"

    def end(self, res: ModelReservation, status: str, activity: str) -> None:
        res.status = status
        worker = self.workers[res.worker]
        worker.activity = activity
        worker.idle_since = max(worker.idle_since, self.now)
        self.tasks[res.task].status = "pending"

    def reject(self, task_key: str) -> None:
        self.end(self.pending_of(task_key), "rejected", "Offline")
        self.route()

    def complete(self, task_key: str) -> None:
        self.tasks[task_key].status = "completed"
        self.tasks[task_key].finished = self.now
        for res in self.reservations:
            if res.task == task_key and res.status == "accepted":
                res.status = "completed"
                self.workers[res.worker].idle_since = max(self.workers[res.worker].idle_since, self.now)
        self.route()

    def cancel(self, task_key: str) -> None:
        self.tasks[task_key].status = "canceled"
        self.tasks[task_key].finished = self.now
        self.route()

    def advance(self, seconds: float) -> None:
        """Reservations time out in the order they fall due, each followed by routing."""
        target = self.now + seconds
        while True:
            due = sorted((r for r in self.reservations if r.status == "pending" and r.created + self.reservation_timeout <= target),
                         key=lambda r: r.created)
            if not due:
                break
            self.now = due[0].created + self.reservation_timeout
            self.end(due[0], "timeout", "Offline")
            self.route()
        self.now = target
        for task in self.tasks.values():
            if task.finished is not None and task.finished + FINISHED_LIFETIME <= target:
                task.deleted = True

    # -------------------------------------------------------------- reading
    def holder(self, task_key: str) -> str | None:
        live = [r.worker for r in self.reservations if r.task == task_key and r.status in ("pending", "accepted")]
        return live[0] if live else None
