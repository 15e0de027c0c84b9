"""The rules of instructions, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
"""

from __future__ import annotations

import json

import pytest
from desks import instruct, reserved_for_alice, stored_instruction, watched

from trkit.mock.engine.errors import TaskRouterError


def test_dequeue_with_an_unknown_post_work_activity_is_refused():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="post_work_activity_sid"):
        instruct(s, task, "dequeue", post_work_activity_sid="WA" + "0" * 32)
    assert s.reservations(task) == [("Alice", "pending")]


def test_a_conference_for_a_task_not_made_from_a_call_is_refused_40140():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError) as refused:
        instruct(s, task, "conference", to="client:alice", **{"from": "+15005550006"})
    assert refused.value.code == 40140 and s.reservations(task) == [("Alice", "pending")]


@pytest.mark.parametrize(("accept", "expected"), [(None, "pending"), ("false", "pending"), ("true", "accepted"), ("True", "accepted")])
def test_call_accepts_only_when_told(accept, expected):
    s, task = reserved_for_alice()
    params = {"url": "https://example.com/agent.xml", "from": "+15005550006"}
    if accept is not None:
        params["accept"] = accept
    instruct(s, task, "call", **params)
    assert s.reservations(task) == [("Alice", expected)]
    assert stored_instruction(s, task)["instruction"] == "call"
    assert stored_instruction(s, task)["worker_call_sid"] == json.loads(s.fetch_task(task).attributes)["worker_call_sid"]


@pytest.mark.parametrize("missing", ["url", "from"])
def test_call_needs_url_and_from(missing):
    s, task = reserved_for_alice()
    params = {"url": "https://example.com/agent.xml", "from": "+15005550006"}
    del params[missing]
    with pytest.raises(TaskRouterError, match="needs url and from"):
        instruct(s, task, "call", **params)
    assert stored_instruction(s, task) is None and s.reservations(task) == [("Alice", "pending")]


def test_redirect_of_a_call_that_is_not_live_is_refused_40121():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError) as refused:
        instruct(s, task, "redirect", call_sid="CA" + "1" * 32, url="https://example.com/hold.xml", accept="true")
    assert refused.value.code == 40121 and s.reservations(task) == [("Alice", "pending")]


@pytest.mark.parametrize("missing", ["call_sid", "url"])
def test_redirect_needs_call_sid_and_url(missing):
    s, task = reserved_for_alice()
    params = {"call_sid": "CA" + "1" * 32, "url": "https://example.com/hold.xml"}
    del params[missing]
    with pytest.raises(TaskRouterError, match="needs call_sid and url"):
        instruct(s, task, "redirect", **params)


def test_instruction_names_are_case_insensitive_and_unknown_ones_refused():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="'teleport' is not one of accept, reject, dequeue, call, redirect, conference"):
        instruct(s, task, "teleport")
    instruct(s, task, "ACCEPT")
    assert s.reservations(task) == [("Alice", "accepted")]


def test_supervise_needs_an_accepted_reservation():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError, match="must be accepted to be supervised"):
        instruct(s, task, "supervise", supervisor_mode="monitor")
    (res,) = s.reservation_records(task)
    s.accept(task)
    s.update_reservation(res.sid, task, instruction="supervise", instruction_params={"supervisor_mode": "barge"})
    assert s.record("reservation", res.sid).instruction == {"instruction": "supervise", "supervisor_mode": "barge"}


@pytest.mark.parametrize("instruction", ["accept", "reject", "dequeue", "conference"])
def test_an_instruction_on_an_answered_reservation_is_refused(instruction):
    s, task = reserved_for_alice()
    (res,) = s.reservation_records(task)
    s.accept(task)
    target = "rejected" if instruction == "reject" else "accepted"
    with pytest.raises(TaskRouterError) as info:
        s.update_reservation(res.sid, task, instruction=instruction, instruction_params={})
    assert info.value.status == 400
    assert info.value.message == f"Reservation {res.sid} is already in state [accepted] and cannot be updated to [{target}]"


def test_callback_answers_map_to_warning_codes():
    s, task = reserved_for_alice()
    (res,) = s.reservation_records(task)
    assert s.answer_callback(res.sid, {"note": 1}) == "no instruction: reservation stays pending (40005)"
    with pytest.raises(TaskRouterError) as info:
        s.answer_callback(res.sid, {"instruction": "reject", "activity_sid": "WA" + "0" * 32})
    assert info.value.code == 40100
    assert s.answer_callback(res.sid, {"instruction": "accept"}) == "accept applied"
    assert s.answer_callback(res.sid, {"instruction": "accept"}) == "ignored: reservation is accepted"
    assert s.answer_callback("WR" + "0" * 32, {"instruction": "accept"}) == "reservation no longer exists"


def test_instruction_errors_name_the_parameter():
    s = watched()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    bogus = "WA" + "0" * 32
    for instruction, params, words in (
        ("reject", {"activity_sid": bogus}, f"activity_sid '{bogus}' is not an Activity of Workspace {s.ws}"),
        ("conference", {"post_work_activity_sid": bogus}, f"post_work_activity_sid '{bogus}' is not an Activity"),
        ("call", {"url": "https://example.com/a.xml"}, "The call instruction needs url and from"),
        ("redirect", {"url": "https://example.com/a.xml"}, "The redirect instruction needs call_sid and url"),
    ):
        with pytest.raises(TaskRouterError) as info:
            s.update_reservation(res, task, instruction=instruction, instruction_params=params)
        assert info.value.message.startswith(words), info.value.message
    s.update_reservation(res, task, instruction="call",
                         instruction_params={"url": "https://example.com/a.xml", "from": "+15005550006", "accept": "FALSE",
                                                    "to": "+15005550007"})
    assert s.reservations(task) == [("Alice", "pending")]
