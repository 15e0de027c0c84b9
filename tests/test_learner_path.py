"""The learner's path: their own assignment handler, answers read as Twilio reads them, callbacks that
were taken over, the lifecycle line, and a dashboard that goes from created to completed.

Expected values come from Twilio's pages (how answers are read: handle-assignment-callbacks; the quickstart's lifecycle
line; task statuses assigned → wrapping → completed: lifecycle-task-state), never from what the mock answers.
"""

from __future__ import annotations

import html
import json

import pytest
from flask import Flask, Response

from trkit.callback_server import CallbackServer
from trkit.kit import Kit
from trkit.language.answers import read_answer


def handler_app(view) -> Flask:
    """A learner's app: one route, /assignment_callback, as the quickstart's run.py has it."""
    app = Flask("learner")
    app.add_url_rule("/assignment_callback", "assignment_callback", view, methods=["POST"])
    return app


def point_workflow_at(kit, tutorial, route: str = "/assignment_callback") -> None:
    tutorial.workspace.workflows(tutorial.workflow_sid).update(assignment_callback_url=kit.callbacks.base_url + route)


def reserve_alice(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    return task


# ------------------------------------------------------------- reading an answer
@pytest.mark.parametrize(("status", "content_type", "body", "code", "acts"), [
    (200, "application/json", '{"instruction": "accept"}', None, True),
    (200, "application/json; charset=utf-8", '{"instruction": "reject", "activity_sid": "WA1"}', None, True),
    (200, "application/json", "", None, False),                       # empty 200: stays pending, no warning
    (200, "text/html; charset=utf-8", '{"instruction": "accept"}', 40000, False),
    (200, "application/json", "{instruction: accept}", 40001, False),
    (200, "application/json", "{}", 40005, False),
    (200, "application/json", '{"note": 1}', 40005, False),
    (200, "application/json", '{"instruction": "acept"}', 55555, False),
    (500, "application/json", '{"instruction": "accept"}', None, False),  # not processed at all: the fallback URL
])
def test_an_answer_is_read_as_the_reference_says(status, content_type, body, code, acts):
    reading = read_answer(status, content_type, body)
    assert reading.code == code
    assert (reading.instruction is not None) is acts
    assert reading.fallback is (status != 200)
    if code:
        assert f"({code})" in reading.why


# ------------------------------------------------------------ the learner's handler
def test_the_learners_own_route_answers_the_assignment_callback(kit):
    tutorial = kit.tutorial()

    def assignment_callback():
        return Response(json.dumps({"instruction": "accept"}), status=200, mimetype="application/json")

    assert kit.serve(handler_app(assignment_callback)) == kit.callbacks.base_url
    point_workflow_at(kit, tutorial)
    task = reserve_alice(tutorial)
    assert tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned"
    row = kit.callbacks_table("assignment").iloc[0]
    assert (row["Answered by"], row["Signature"], row["Twilio reads"]) == ("your app", "valid signature", "instruction 'accept'")
    assert kit.callback_receiver().startswith("This kernel receives the tutorial's callbacks")


def test_a_handler_cell_run_again_replaces_the_app(kit):
    tutorial = kit.tutorial()
    kit.serve(handler_app(lambda: Response("{}", mimetype="application/json")))
    kit.serve(handler_app(lambda: Response('{"instruction": "accept"}', mimetype="application/json")))
    point_workflow_at(kit, tutorial)
    task = reserve_alice(tutorial)
    assert tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned"


def _plain_text():
    return "accept"  # Flask sends text/html


def _bad_json():
    return Response("{instruction: accept}", mimetype="application/json")


def _typo():
    return Response('{"instruction": "acept"}', mimetype="application/json")


def _crash():
    raise RuntimeError("handler bug")


@pytest.mark.parametrize(("view", "warning"), [
    (_plain_text, "(40000)"), (_bad_json, "(40001)"), (_typo, "(55555)"), (_crash, "HTTP 500"),
])
def test_a_wrong_answer_leaves_the_reservation_pending_and_says_what_taskrouter_made_of_it(kit, view, warning):
    tutorial = kit.tutorial()
    kit.serve(handler_app(view))
    point_workflow_at(kit, tutorial)
    task = reserve_alice(tutorial)
    # the reference: a bad answer changes nothing; the reservation waits for REST or its timeout
    (reservation,) = tutorial.workspace.tasks(task.sid).reservations.list()
    assert reservation.reservation_status == "pending"
    assert tutorial.workspace.tasks(task.sid).fetch().assignment_status == "reserved"
    row = kit.callbacks_table("assignment").iloc[0]
    assert warning in row["Twilio reads"], row.to_dict()
    # the mock's own log reads the answer the same way
    (logged,) = [c for c in kit.mock.callbacks() if c["kind"] == "assignment"]
    assert warning in logged["outcome"], logged


# ------------------------------------------------------------------ takeover
def test_a_kernel_whose_callbacks_were_taken_over_is_told_once_by_its_next_table(kit, capsys):
    kit.tutorial()
    other = Kit("mock", kit.client, kit.account_sid, kit._auth_token, kit.base_url,
                CallbackServer(kit._auth_token).start(), mock_url=kit.mock_url)
    try:
        other.tutorial(reset=False)
        capsys.readouterr()
        kit.workers_table()
        said = capsys.readouterr().out
        assert f"go to {other.callbacks.assignment_url}, not to this kernel" in said
        assert "kit.tutorial(reset=False) takes them back" in said
        kit.tasks_table()
        assert capsys.readouterr().out == ""  # told once, not on every table
        board = kit.dashboard()
        board.close()
        assert f"go to {other.callbacks.assignment_url}" in board.banner.value
        kit.tutorial(reset=False)
        board.refresh()
        assert board.banner.value == ""
    finally:
        other.close()


# ------------------------------------------------------------------ lifecycle
def test_the_lifecycle_line_follows_the_task(kit):
    tutorial = kit.tutorial()
    task = tutorial.create_task("es")
    line = kit.lifecycle()
    assert line.steps[:4] == ("Task created", "Reservation created", "Reservation accepted", "Task assigned")
    assert line.current == "Task created"
    tutorial.set_activity("Alice", "Idle")
    assert kit.lifecycle(task.sid).current == "Reservation created"
    (reservation,) = tutorial.workspace.tasks(task.sid).reservations.list()
    tutorial.workspace.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assigned = kit.lifecycle(task.sid)
    assert assigned.current == "Task assigned" and "[Task assigned]" in repr(assigned)
    assert "trkit-step-current" in assigned._repr_html_() and assigned._repr_html_().count("trkit-step-done") == 3
    tutorial.workspace.tasks(task.sid).update(assignment_status="wrapping")
    assert kit.lifecycle(task.sid).current == "Task wrapping up"
    tutorial.workspace.tasks(task.sid).update(assignment_status="completed", reason="done")
    assert kit.lifecycle(task.sid).current == "Task completed"


def test_a_rejected_task_is_back_at_the_start_of_its_line_and_says_why(kit):
    tutorial = kit.tutorial()
    task = reserve_alice(tutorial)
    (reservation,) = tutorial.workspace.tasks(task.sid).reservations.list()
    tutorial.workspace.tasks(task.sid).reservations(reservation.sid).update(
        reservation_status="rejected", worker_activity_sid=tutorial.activities["Offline"])
    line = kit.lifecycle(task.sid)
    assert line.current == "Task created" and "1 reservation(s) rejected" in line.note


# ------------------------------------------------------------------ dashboard
def test_the_dashboard_takes_a_task_from_created_to_completed_with_its_own_buttons(kit):
    board = kit.dashboard()
    try:
        board.close()  # refreshes are driven here
        board.create_button.click()
        board.worker_dropdowns["Alice"].value = "Idle"
        (accept, _reject) = next(iter(board.reservation_buttons.values()))
        accept.click()
        (task_sid,) = board.task_buttons
        assert "Task assigned" in board.lifecycle_html.value
        wrap, complete = board.task_buttons[task_sid]
        wrap.click()
        task = board.tutorial.workspace.tasks(task_sid).fetch()
        assert task.assignment_status == "wrapping"
        (complete,) = board.task_buttons[task_sid]
        complete.click()
        task = board.tutorial.workspace.tasks(task_sid).fetch()
        assert task.assignment_status == "completed"
        assert board.task_buttons == {}
        assert "Task completed" in board.lifecycle_html.value
    finally:
        board.close()


def test_the_explain_panel_follows_the_task(kit):
    board = kit.dashboard()
    try:
        board.close()
        task = board.create_task("es")
        board.refresh()
        before = html.escape(board.explain(task.sid).summary)
        assert before in board.explain_html.value
        board.set_activity("Alice", "Idle")
        board.refresh()
        after = html.escape(kit.explain(task.sid).summary)
        assert after != before and after in board.explain_html.value and before not in board.explain_html.value
    finally:
        board.close()


def test_the_static_snapshot_says_it_is_one(kit):
    board = kit.dashboard()
    board.close()
    assert "A still picture of the board" in board.snapshot_html()


# ------------------------------------------------------------------ tables
def test_tables_show_no_index_and_never_cut_a_description(kit):
    tutorial = kit.tutorial()
    tutorial.create_task("es")
    events = kit.events_table()
    longest = max(events["Description"], key=len)
    assert len(longest) > 50  # longer than pandas' default cut
    assert longest in repr(events) and longest in events._repr_html_()
    assert "row_heading" not in events._repr_html_()  # no positional index column
    assert not repr(events[["Event"]]).lstrip().startswith("0")
    assert "Timeout" not in kit.workflow_table().columns  # no filter of the quickstart sets one


# ------------------------------------------------------------------ notebooks
def test_committed_notebooks_carry_no_machine_specific_output_and_no_nbval_markers():
    import re
    from pathlib import Path

    import nbformat

    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            assert "NBVAL_" not in cell.source, f"{path.name}: use a cell tag, not a marker the learner reads"
            if cell.cell_type != "code":
                continue
            stored = json.dumps(cell.outputs)
            assert not re.search(r"127\.0\.0\.1:\d+", stored), f"{path.name}: a loopback port is stored: {cell.source[:60]}"
            if {"nbval-ignore-output", "nbval-skip"} & set(cell.metadata.get("tags", [])):
                assert cell.outputs == [], f"{path.name}: an output nbval does not compare is stored: {cell.source[:60]}"
