"""The lives of a Task, a Reservation, a Voice call and a conference, declared as data: every status, and every move between them.

Each :class:`Transition` says from which statuses it goes to which, what causes it, whether a client may ask
for it (``AssignmentStatus=``, ``ReservationStatus=``) and the event TaskRouter records; the engine applies a
status change only through these tables, and refuses a client's request the table does not allow with
Twilio's own words. Sources: https://www.twilio.com/docs/taskrouter/lifecycle-task-state and
https://www.twilio.com/docs/taskrouter/api/reservation, https://www.twilio.com/docs/voice/api/call-resource and
https://www.twilio.com/docs/voice/api/conference-resource. docs/lifecycles.md draws each table as a state diagram.

A worker's activity has no table: activities are the workspace's own, and a worker may move from any to any
(what a move does to its reservations is the workers service's rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import CallStatus, ConferenceStatus, ReservationStatus, TaskStatus


@dataclass(frozen=True)
class Transition:
    cause: str  # what moves it, in a few words (the diagram's label)
    source: tuple[str, ...]
    target: str
    by_client: bool = False  # a client may ask for it by setting the status
    event: str | None = None  # the event TaskRouter records for it (others come with the reservation's events)


@dataclass(frozen=True)
class Lifecycle:
    name: str
    statuses: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    # Twilio's refusal of a client's request for ``target`` from a status the table does not allow it from
    refusals: dict[str, str]

    def allows(self, current: str, target: str) -> Transition | None:
        """The transition from ``current`` to ``target``, if the table has one."""
        return next((t for t in self.transitions if t.target == target and current in t.source), None)

    def client_targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.target for t in self.transitions if t.by_client))

    def mermaid(self) -> str:
        """The table as a Mermaid state diagram; a transition a client may ask for is marked ``(client)``. A state's
        id in Mermaid cannot hold a hyphen: ``in-progress`` is declared as ``in_progress`` and shown by its name."""
        def node(status: str) -> str:
            return status.replace("-", "_")

        lines = ["stateDiagram-v2", "  direction LR"]
        lines += [f'  state "{status}" as {node(status)}' for status in self.statuses if node(status) != status]
        lines.append(f"  [*] --> {node(self.initial)}")
        for t in self.transitions:
            label = t.cause + (" (client)" if t.by_client else "") + (f" / {t.event}" if t.event else "")
            lines += [f"  {node(source)} --> {node(t.target)}: {label}" for source in t.source]
        finals = [s for s in self.statuses if not any(s in t.source for t in self.transitions)]
        lines += [f"  {node(status)} --> [*]" for status in finals]
        return "\n".join(lines)


T, R = TaskStatus, ReservationStatus

TASK = Lifecycle(
    name="Task",
    statuses=tuple(T),
    initial=T.PENDING,
    transitions=(
        Transition("offered to a worker", (T.PENDING,), T.RESERVED),
        Transition("offered to one more", (T.RESERVED,), T.RESERVED),  # a queue may reserve several workers
        Transition("its reservations end unaccepted", (T.RESERVED,), T.PENDING),
        Transition("a reservation accepted", (T.RESERVED,), T.ASSIGNED),
        # by a client, or by TaskRouter: its TTL, the workflow's last timeout, the caller hanging up
        Transition("canceled or out of time", (T.PENDING, T.RESERVED), T.CANCELED, True, "task.canceled"),
        Transition("wrapped up", (T.ASSIGNED,), T.WRAPPING, True, "task.wrapup"),
        Transition("completed", (T.ASSIGNED, T.WRAPPING), T.COMPLETED, True, "task.completed"),
    ),
    refusals={
        T.CANCELED: "Cannot cancel task {sid} {where} because it is not pending or reserved.",
        T.WRAPPING: "Cannot wrap up a task {sid} {where} because it's not currently assigned",
        T.COMPLETED: "Cannot complete task {sid} {where} because it is not assigned or wrapping.",
    },
)

RESERVATION = Lifecycle(
    name="Reservation",
    statuses=tuple(R),
    initial=R.PENDING,
    transitions=(
        Transition("accepted", (R.PENDING,), R.ACCEPTED, True, "reservation.accepted"),
        Transition("rejected", (R.PENDING,), R.REJECTED, True, "reservation.rejected"),
        Transition("not answered in time", (R.PENDING,), R.TIMEOUT, event="reservation.timeout"),
        Transition("its task was canceled or moved on", (R.PENDING,), R.CANCELED, event="reservation.canceled"),
        Transition("another worker accepted the task", (R.PENDING,), R.RESCINDED, event="reservation.rescinded"),
        Transition("its task is wrapped up", (R.ACCEPTED,), R.WRAPPING, True, "reservation.wrapup"),
        Transition("its task is completed", (R.ACCEPTED, R.WRAPPING), R.COMPLETED, True, "reservation.completed"),
    ),
    refusals={target: "Reservation {sid} is already in state [{current}] and cannot be updated to [{target}]"
              for target in (R.ACCEPTED, R.REJECTED, R.WRAPPING, R.COMPLETED)},
)

C = CallStatus

CALL = Lifecycle(
    name="Call",
    statuses=tuple(C),
    initial=C.QUEUED,
    transitions=(
        Transition("dialing starts", (C.QUEUED,), C.RINGING, event="initiated"),
        Transition("answered", (C.RINGING,), C.IN_PROGRESS, event="answered"),
        Transition("hung up after talking, or the document ended", (C.IN_PROGRESS,), C.COMPLETED, event="completed"),
        Transition("hung up before it was answered", (C.QUEUED, C.RINGING), C.CANCELED, event="completed"),
        Transition("the line was busy", (C.RINGING,), C.BUSY, event="completed"),
        Transition("it could not be placed", (C.RINGING,), C.FAILED, event="completed"),
        Transition("nobody answered in time", (C.RINGING,), C.NO_ANSWER, event="completed"),
    ),
    refusals={},
)

F = ConferenceStatus

# the conference instruction's conference: the caller and the worker's leg are its participants
CONFERENCE = Lifecycle(
    name="Conference",
    statuses=tuple(F),
    initial=F.INIT,
    transitions=(
        Transition("the worker answers: both join", (F.INIT,), F.IN_PROGRESS),
        Transition("a participant leaves before it starts", (F.INIT,), F.COMPLETED),
        Transition("its last participant leaves, or one who ends it on exit", (F.IN_PROGRESS,), F.COMPLETED),
    ),
    refusals={},
)

LIFECYCLES = (TASK, RESERVATION, CALL, CONFERENCE)


def markdown() -> str:
    """docs/lifecycles.md: each lifecycle as a state diagram, and its table."""
    parts = ["# Lifecycles of a Task, a Reservation, a Call and a Conference", "",
             "Written from `trkit/language/lifecycles.py` (`.venv/bin/python -m trkit.language.lifecycles > docs/lifecycles.md`),",
             "the tables the mock applies every status change through; a test checks this page is current. A move marked",
             "*(client)* is one a client may ask for by setting the status; the others TaskRouter makes itself. After the",
             "slash, the event TaskRouter records (for a call, the status callback event Voice sends).", ""]
    for lifecycle in LIFECYCLES:
        parts += [f"## {lifecycle.name}", "", "```mermaid", lifecycle.mermaid(), "```", "",
                  "| from | to | what moves it | a client may ask | event |", "|---|---|---|---|---|"]
        for t in lifecycle.transitions:
            parts.append(f"| {', '.join(t.source)} | {t.target} | {t.cause} | {'yes' if t.by_client else ''} | {t.event or ''} |")
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
