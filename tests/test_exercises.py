"""Every exercise: the committed skeleton runs and fails its check, the solution passes, and typical mistakes get a
hint that names them. The notebooks run in this process up to the check (tests/exercises.py), on the shared mock.

Expected wordings come from the rules the hints teach (the reference's warning and error codes: 40005 no
instruction, 55555 unknown instruction, 40000 not JSON, 40130 bad post-work activity, 40131 no contact_uri)."""

from __future__ import annotations

import pytest
from exercises import NOTEBOOKS, SKELETON, mistake, run_until_check, solution_text

from trkit.exercises import OBJECTIVES

MISTAKES = {
    "create-task": [
        ('{"selected_language": "es"}', '{"language": "es"}', "no selected_language"),
        ('{"selected_language": "es"}', '{"selected_language": "spanish"}', 'selected_language "spanish"'),
    ],
    "accept-by-rest": [
        ('reservation_status="accepted"', 'reservation_status="accept"', "still pending"),
        ('reservation_status="accepted"', 'reservation_status="rejected"', "was rejected"),
    ],
    "accept-by-instruction": [
        ('"instruction": "accept"', '"instruction": "acept"', "unknown instruction 'acept' (55555)"),
        ('mimetype="application/json"', 'mimetype="text/plain"', "not application/json (text/plain)"),
        ('"/assignment_callback"', '"/assignment_callbacks"', "which your app does not route"),
    ],
    "reject-into-activity": [
        ('{"instruction": "reject", "activity_sid": offline}', '{"instruction": "reject"}', "without activity_sid"),
        ('"activity_sid": offline', '"activity_sid": "Offline"', "'Offline' is not an activity SID"),
        ('"instruction": "reject"', '"instruction": "rejected"', "unknown instruction 'rejected' (55555)"),
    ],
    "incoming-call": [
        ('with response.gather(action="/enqueue_call", method="POST", num_digits=1, timeout=5) as gather:',
         "gather = response\n    if True:", "no way to press a key"),
        ('action="/enqueue_call", ', "", "has no action"),
        ("num_digits=1, ", "", "numDigits=None"),
        ('mimetype="application/xml"', 'mimetype="application/json"', "application/json is not TwiML"),
    ],
    "enqueue-call": [
        ('request.values.get("Digits")', 'request.args.get("Digits")', "request.values"),
        ("workflow_sid=tutorial.workflow_sid", "workflow_sid=tutorial.workspace_sid", "not the tutorial's workflow"),
        ("response.enqueue(None, workflow_sid=tutorial.workflow_sid)", 'response.enqueue("support")', "has no workflowSid"),
    ],
    "contact-uri": [
        ('{"languages": ["en", "es"], "contact_uri": alice_phone}', '{"contact_uri": alice_phone}', "without \"es\" in languages"),
        ('"contact_uri": alice_phone', '"contactUri": alice_phone', "not contactUri"),
        ('"contact_uri": alice_phone', '"contact_uri": "415-555-0111"', "cannot dial that (40131)"),
    ],
    "dequeue": [
        (', "post_work_activity_sid": wrap_up.sid', "", "without post_work_activity_sid"),
        ('"post_work_activity_sid": wrap_up.sid', '"post_work_activity_sid": "WrapUp"', "refuses the dequeue (40130)"),
        ('"instruction": "dequeue"', '"instruction": "accept"', "accept does no telephony"),
    ],
    "access-token": [
        ('worker_sid=tutorial.workers["Alice"]', 'worker_sid=tutorial.workers["Bob"]', "worker_sid is Bob's"),
        ("key.secret", "key.sid", "signature does not match"),
        ('role="worker"', 'role="supervisor"', "role is 'supervisor'"),
    ],
    "fewest-agents": [
        ("meets.index.min()", "meets.index.max()", "and so do"),
        ('>= 0.8]', '>= 0.7]', "below 80%"),
        ("agents = int(", "agents = str(", "a whole number"),
    ],
}


def test_every_objective_has_mistakes():
    assert MISTAKES.keys() == OBJECTIVES.keys()
    assert all(len(cases) >= 2 for cases in MISTAKES.values())


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_the_skeleton_runs_and_fails_its_check(objective):
    result = run_until_check(objective, SKELETON)
    assert not result.passed, repr(result)
    assert result.fix and "Saw:" in repr(result) and OBJECTIVES[objective].docs in repr(result)


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_the_solution_passes_its_check(objective):
    result = run_until_check(objective, solution_text(objective))
    assert result.passed, repr(result)
    assert repr(result).startswith("✓")


@pytest.mark.parametrize(("objective", "old", "new", "hint"),
                         [(objective, *case) for objective, cases in MISTAKES.items() for case in cases])
def test_a_typical_mistake_gets_a_hint_that_names_it(objective, old, new, hint):
    result = run_until_check(objective, mistake(objective, old, new))
    assert not result.passed, repr(result)
    assert hint in repr(result)


def test_progress_keeps_what_was_met_per_backend_in_a_private_file(tmp_path, monkeypatch):
    import stat

    from trkit.exercises import progress

    monkeypatch.setattr(progress, "_path", lambda: tmp_path / "progress.json")  # the mock stays the suite's
    before = progress.table("mock")
    assert set(before["Status"]) == {"open"} and len(before) == len(OBJECTIVES)
    assert not run_until_check("create-task", SKELETON).passed  # kit.check records each outcome
    assert run_until_check("accept-by-rest", solution_text("accept-by-rest")).passed
    assert not run_until_check("accept-by-rest", SKELETON).passed  # met once stays met
    table = progress.table("mock").set_index("Check")
    assert table.loc['kit.check("create-task")', "Status"] == "✗ tried"
    assert table.loc['kit.check("accept-by-rest")', "Status"] == "✓ met"
    assert table.loc['kit.check("dequeue")', "Status"] == "open"
    assert set(progress.table("AC" + "1" * 32)["Status"]) == {"open"}  # real Twilio's account has its own section
    assert stat.S_IMODE((tmp_path / "progress.json").stat().st_mode) == 0o600


def test_the_voice_callbacks_table_shows_the_twiml_a_route_answered_as_code():
    run_until_check("incoming-call", solution_text("incoming-call"))
    import trkit.backend

    table = trkit.backend._current.callbacks_table("voice")
    html = table._repr_html_()
    assert "&lt;Response&gt;&lt;Gather" in html  # escaped: the browser shows the tags instead of swallowing them
    assert "<Gather" not in html
    assert "font-family: monospace" in html  # the Answer column reads as code


def test_a_check_cell_is_committed_without_a_verdict():
    """A learner opening a notebook must not see a pass before doing the exercise: check cells keep no output,
    and nbval (which then compares nothing there) fails them unless the solved run's verdict is a pass."""
    import nbformat

    from trkit.exercises.notebooks import is_check_cell

    checks = 0
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_check_cell(cell):
                checks += 1
                assert cell.outputs == [] and cell.execution_count is None, path.name
                assert "nbval-ignore-output" in cell.metadata.get("tags", []), path.name
    assert checks >= 8


@pytest.mark.parametrize(("outputs", "problem"), [
    ([{"output_type": "execute_result", "data": {"text/plain": "✓ Create the task\n  Saw: …"}}], None),
    ([{"output_type": "execute_result", "data": {"text/plain": "✗ Create the task\n  Saw: no task"}}], "did not pass"),
    ([{"output_type": "error", "ename": "KitError", "evalue": "no tutorial"}], "raised KitError: no tutorial"),
    ([], "(no verdict shown)"),
])
def test_nbval_fails_a_check_cell_whose_verdict_is_not_a_pass(outputs, problem):
    from trkit.exercises.notebooks import check_verdict_problem

    found = check_verdict_problem('kit.check("create-task")', outputs)
    assert (found is None) if problem is None else (problem in found)
    assert check_verdict_problem("tutorial.create_task('es')", []) is None  # not a check cell: nothing to judge
