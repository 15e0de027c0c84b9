"""The whole quickstart in a terminal: every step and what TaskRouter did, as tables."""

from __future__ import annotations

import pandas as pd

from .kit import Kit


def _show(title: str, frame: pd.DataFrame, columns: list[str] | None = None) -> None:
    print(f"\n== {title}")
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_colwidth", 40):
        print((frame[columns] if columns else frame).to_string(index=False))


def run_tour(kit: Kit) -> None:
    tutorial = kit.tutorial()
    print(f"Connected: {kit!r}")
    _show("Workers", kit.workers_table(), ["Worker", "Activity", "Available", "Attributes"])
    _show("Queues", kit.queues_table(), ["Queue", "Target workers", "Reservation activity", "Assignment activity"])

    print("\n1. Alice is Offline; create a Spanish task by REST.")
    task = tutorial.create_task("es")
    _show("Tasks", kit.tasks_table(), ["Task", "Status", "Queue"])

    print("\n2. Bring Alice to Idle: TaskRouter reserves her and calls the assignment callback.")
    tutorial.set_activity("Alice", "Idle")
    kit.wait_for(lambda: tutorial.pending_reservations(task.sid))
    _show("Reservations", kit.reservations_table([task.sid]), ["Reservation", "Status", "Worker"])
    kit.callbacks.wait_for(lambda records: any(r.kind == "assignment" for r in records))
    _show("Assignment callback parameters", kit.last_assignment_callback())

    print("\n3. Accept the reservation by REST.")
    reservation = tutorial.pending_reservations(task.sid)[0]
    tutorial.workspace.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    _show("Tasks", kit.tasks_table(), ["Task", "Status", "Queue"])
    _show("Workers", kit.workers_table(), ["Worker", "Activity"])

    print("\n4. Accept by instruction: the callback answers {\"instruction\": \"accept\"}.")
    tutorial.workspace.tasks(task.sid).update(assignment_status="completed", reason="tour: first call done")
    tutorial.set_activity("Alice", "Offline")
    kit.callbacks.instruction = "accept"
    second = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    kit.wait_for(lambda: tutorial.workspace.tasks(second.sid).fetch().assignment_status == "assigned")
    _show("Tasks", kit.tasks_table(), ["Task", "Status", "Queue", "Reason"])
    _show("Callbacks received", kit.callbacks_table("assignment"), ["Kind", "Event / Reservation / Call", "Signature", "Answer"])
    kit.callbacks.instruction = None
