"""A Task's and a Reservation's status move only as TaskRouter's lifecycles allow, and a client's request for a
move they do not allow gets Twilio's refusal (https://www.twilio.com/docs/taskrouter/lifecycle-task-state: "A
Task can be canceled while it is pending or reserved"; it is wrapped up from assigned and completed from
assigned or wrapping). docs/lifecycles.md draws the tables as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario import Scenario

from trkit.language.lifecycles import markdown
from trkit.mock.engine.errors import InvalidParameter

ROOT = Path(__file__).resolve().parents[2]


def desk() -> Scenario:
    s = Scenario()
    s.queue("Q")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Q"}]}])
    s.worker("Alice")
    return s


def task_in(status: str) -> tuple[Scenario, str]:
    """A task brought to ``status`` the way TaskRouter brings one there."""
    s = desk()
    task = s.task()
    if status == "pending":
        return s, task
    s.set_activity("Alice", "Idle")
    if status == "reserved":
        return s, task
    s.accept(task)
    if status in ("wrapping", "completed"):
        s.set_task(task, status)
    return s, task


# (status the task is in, status a client asks for) -> allowed, by the lifecycle page
ALLOWED = {("pending", "canceled"), ("reserved", "canceled"), ("assigned", "wrapping"), ("assigned", "completed"),
           ("wrapping", "completed")}


@pytest.mark.parametrize("current", ["pending", "reserved", "assigned", "wrapping", "completed"])
@pytest.mark.parametrize("wanted", ["canceled", "wrapping", "completed"])
def test_a_client_moves_a_task_only_where_the_lifecycle_lets_it(current, wanted):
    s, task = task_in(current)
    assert s.status(task) == current
    if (current, wanted) in ALLOWED:
        s.set_task(task, wanted)
        assert s.status(task) == wanted
        return
    with pytest.raises(InvalidParameter, match=f"^Cannot (cancel|wrap up|complete) (a )?task {task} in workspace {s.ws}"):
        s.set_task(task, wanted)
    assert s.status(task) == current  # refused: nothing moved


@pytest.mark.parametrize("wanted", ["pending", "reserved", "assigned"])
def test_statuses_only_taskrouter_sets_are_refused_naming_those_a_client_may_set(wanted):
    s, task = task_in("pending")
    with pytest.raises(InvalidParameter, match=f"^AssignmentStatus can only be set to canceled, wrapping or completed, not '{wanted}'$"):
        s.set_task(task, wanted)


def test_a_reservation_cannot_be_answered_twice():
    s, task = task_in("reserved")
    res = s.offer(task)
    s.accept(task)
    with pytest.raises(InvalidParameter, match=rf"^Reservation {res} is already in state \[accepted\] and cannot be updated to \[rejected\]$"):
        s.update_reservation(res, task, reservation_status="rejected")


def test_the_diagrams_use_ids_mermaid_parses_and_show_statuses_by_their_names():
    """Mermaid's state ids are letters, digits and underscores (``in-progress`` is a parse error in GitHub's and
    JupyterLab's renderers alike): a hyphenated status is declared as ``state "in-progress" as in_progress``."""
    import re

    from trkit.language.lifecycles import LIFECYCLES

    call = next(lifecycle for lifecycle in LIFECYCLES if "in-progress" in lifecycle.statuses)
    diagram = call.mermaid()
    assert '  state "in-progress" as in_progress' in diagram.splitlines()
    assert "  ringing --> in_progress: answered / answered" in diagram.splitlines()
    for lifecycle in LIFECYCLES:
        for line in lifecycle.mermaid().splitlines()[2:]:
            if "-->" in line:
                ends = [end.strip() for end in line.split(":")[0].split("-->")]
                assert all(re.fullmatch(r"\[\*\]|\w+", end) for end in ends), line


def test_the_lifecycles_page_is_current():
    assert (ROOT / "docs" / "lifecycles.md").read_text() == markdown(), "run .venv/bin/python -m trkit.language.lifecycles > docs/lifecycles.md"


def test_a_conference_starts_when_both_join_and_never_starts_again():
    """The Conference resource's statuses are "init", "in-progress" and "completed"
    (https://www.twilio.com/docs/voice/api/conference-resource); once completed it is over."""
    from trkit.language.lifecycles import CONFERENCE

    assert CONFERENCE.statuses == ("init", "in-progress", "completed") and CONFERENCE.initial == "init"
    assert CONFERENCE.allows("init", "in-progress") and CONFERENCE.allows("in-progress", "completed")
    assert CONFERENCE.allows("init", "completed")  # a participant gone before the worker answered
    assert CONFERENCE.allows("completed", "in-progress") is None and CONFERENCE.allows("in-progress", "init") is None
