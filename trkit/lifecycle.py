"""The lifecycle line the quickstart draws — Task created → Reservation created → Reservation accepted →
Task assigned — for one task, with the step it has reached highlighted.

It is read from the REST API (the task and its reservations), so it looks the same on
the mock and on real Twilio.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .errors import KitError
from .language.lifecycles import LIFECYCLES
from .language.vocabulary import FINISHED_TASK_STATUSES, LIVE_TASK_STATUSES
from .mermaid import MermaidPicture

STEPS = ("Task created", "Reservation created", "Reservation accepted", "Task assigned", "Task completed")


@dataclass
class Lifecycle:
    """Where one task stands on the quickstart's line: ``reached`` indexes ``steps``."""

    task_sid: str
    steps: tuple[str, ...]
    reached: int
    note: str = ""

    @property
    def current(self) -> str:
        return self.steps[self.reached]

    def __repr__(self) -> str:
        marked = [f"[{step}]" if i == self.reached else step for i, step in enumerate(self.steps)]
        return f"{self.task_sid}: " + " → ".join(marked) + (f"  ({self.note})" if self.note else "")

    def _repr_html_(self) -> str:
        parts = []
        for i, step in enumerate(self.steps):
            if i == self.reached:
                style, css = "background:#268bd2;color:white;font-weight:600", "trkit-step trkit-step-current"
            elif i < self.reached:
                style, css = "color:#2aa198", "trkit-step trkit-step-done"
            else:
                style, css = "color:#93a1a1", "trkit-step"
            parts.append(f"<span class='{css}' style='padding:1px 6px;border-radius:3px;{style}'>{html.escape(step)}</span>")
        note = f" <span class='trkit-step-note' style='color:#657b83'>({html.escape(self.note)})</span>" if self.note else ""
        return (f"<div class='trkit-lifecycle'><code>{html.escape(self.task_sid)}</code> "
                + " → ".join(parts) + note + "</div>")


def lifecycle_of(task, reservations) -> Lifecycle:
    """The line for ``task`` given its reservations (twilio resources), newest reservation last."""
    status = task.assignment_status
    steps = list(STEPS)
    ended = [r.reservation_status for r in reservations if r.reservation_status in ("rejected", "timeout", "canceled", "rescinded")]
    note = ""
    if status == "pending":
        reached = 0
        if ended:
            note = f"waiting again after {len(ended)} reservation(s) {', '.join(sorted(set(ended)))}"
    elif status == "reserved":
        reached = 1
    elif status == "assigned":
        reached = 3
    elif status == "wrapping":
        steps.insert(4, "Task wrapping up")
        reached = 4
    elif status in FINISHED_TASK_STATUSES:
        if status == "canceled":
            steps[-1] = "Task canceled"
        reached = len(steps) - 1
        note = task.reason or ""
    else:  # a status this kit does not know: say so rather than guess
        reached, note = 0, f"status {status!r}"
    return Lifecycle(task.sid, tuple(steps), reached, note)


def newest_live_task(workspace):
    """The task a learner means by "the current task": the newest one still live, else the newest one."""
    tasks = list(workspace.tasks.list(ordering="DateCreated:desc", limit=50))
    if not tasks:
        return None
    live = [t for t in tasks if t.assignment_status in LIVE_TASK_STATUSES]
    return (live or tasks)[0]


@dataclass(repr=False)  # shown as its Mermaid text (MermaidPicture.__repr__)
class LifecycleDiagram(MermaidPicture):
    """A whole lifecycle as a Mermaid state diagram (``source``): every status and every move between them."""

    name: str


def lifecycle_diagram(name: str = "Task") -> LifecycleDiagram:
    """The Task's (or the Reservation's) lifecycle as the mock applies it (trkit/language/lifecycles.py)."""
    for lifecycle in LIFECYCLES:
        if lifecycle.name.lower() == name.lower():
            return LifecycleDiagram(source=lifecycle.mermaid(), name=lifecycle.name)
    raise KitError(f"There is no lifecycle called {name!r}: ask for {' or '.join(repr(x.name) for x in LIFECYCLES)}.")
