"""Who may take a task, and why not: the order of the conditions (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)
and the reasons ``explain`` shows a learner, each naming the condition that failed."""

from __future__ import annotations

import pytest

from trkit.language.eligibility import Candidate, in_queue, is_known_worker, order_key, why_not
from trkit.language.workflow_config import Target

ALICE = Candidate("WK1", "Alice", {"languages": ["en", "es"], "level": 3}, "WA1", "Idle", True)
OFFLINE = Candidate("WK1", "Alice", {"languages": ["en"]}, "WA0", "Offline", False)
SPANISH = Target("WQ1", expression='task.selected_language IN worker.languages')


def test_a_worker_who_passes_every_condition_has_no_reason():
    assert why_not(ALICE, {"selected_language": "es"}, 'languages HAS "es"', SPANISH) == []
    assert why_not(ALICE, {}, "1==1", None) == []


def test_routing_stops_at_the_first_reason_and_explain_gives_them_all():
    task = {"selected_language": "fr"}
    assert why_not(OFFLINE, task, 'languages HAS "fr"', SPANISH, busy="holds a task already", offered=True) == [
        "activity Offline is not available"]
    assert why_not(ALICE, task, 'languages HAS "fr"', SPANISH, busy="holds a task already", offered=True) == ["holds a task already"]
    assert why_not(ALICE, task, 'languages HAS "fr"', SPANISH, offered=True) == [
        "holds a pending reservation for it: accept or reject it"]
    assert why_not(ALICE, task, 'languages HAS "fr"', SPANISH) == ["fails the queue's target workers 'languages HAS \"fr\"'"]
    assert why_not(ALICE, task, "", SPANISH) == ["the queue has no target workers"]
    assert why_not(ALICE, task, "1==1", SPANISH) == ["fails the target expression 'task.selected_language IN worker.languages'"]
    assert why_not(OFFLINE, task, 'languages HAS "fr"', SPANISH, busy="holds a task already", offered=True, explain=True) == [
        "activity Offline is not available",
        "holds a task already",
        "holds a pending reservation for it: accept or reject it",
        "fails the queue's target workers 'languages HAS \"fr\"': lacks \"fr\" in languages (has [\"en\"])",
        "fails the target expression 'task.selected_language IN worker.languages': "
        "task.selected_language is \"fr\", not in worker.languages"]
    assert why_not(ALICE, task, None, None, explain=True) == ["the queue has no target workers"]


def test_an_expression_that_does_not_parse_is_a_reason_of_its_own():
    assert why_not(ALICE, {}, "level ==", None, explain=True) == [
        "fails the queue's target workers 'level ==': expression 'level ==' does not parse: "
        "Unexpected end of expression at position 9 of 'level =='"]
    assert not in_queue("level ==", ALICE.attributes)


def test_queue_membership_needs_target_workers_that_match():
    assert in_queue('languages HAS "es"', ALICE.attributes) is True
    assert in_queue('languages HAS "fr"', ALICE.attributes) is False
    assert in_queue("", ALICE.attributes) is False and in_queue(None, ALICE.attributes) is False


@pytest.mark.parametrize(("target", "task", "known"), [
    (Target("WQ1", known_worker_sid=("agent",)), {"agent": "WK1"}, True),
    (Target("WQ1", known_worker_sid=("agent",)), {"agent": "WK2"}, False),
    (Target("WQ1", known_worker_friendly_name=("agent", "name")), {"agent": {"name": "Alice"}}, True),
    (Target("WQ1", known_worker_friendly_name=("agent", "name")), {"agent": {"name": "Bob"}}, False),
    (Target("WQ1"), {}, True),
])
def test_known_agent_routing_considers_only_the_worker_the_task_names(target, task, known):
    # "Known Agent Routing" (https://www.twilio.com/docs/taskrouter/workflow-configuration/known-agent-routing)
    assert is_known_worker(task, target, "WK1", "Alice") is known
    assert (why_not(ALICE, task, "1==1", target) == ["is not the known worker the task names for this step"]) is not known


def test_order_by_puts_numeric_attributes_in_order_and_workers_without_one_last():
    # "order_by": "worker.level DESC" (https://www.twilio.com/docs/taskrouter/workflow-configuration)
    descending, ascending = Target("WQ1", order_by=((("level",), True),)), Target("WQ1", order_by=((("level",), False),))
    keys = {name: order_key(attributes, descending) for name, attributes in
            {"three": {"level": 3}, "five": {"level": 5.5}, "none": {}, "flag": {"level": True}, "zero": {"level": 0}}.items()}
    assert sorted(keys, key=keys.get) == ["five", "three", "zero", "none", "flag"]  # the last two tie: as listed
    assert keys["none"] == keys["flag"] == ((True, 0),)  # true is not a number: the worker has no level
    assert order_key({"level": 2}, ascending) == ((False, 2),) and order_key({"level": 2}, descending) == ((False, -2),)
    assert order_key({"level": 0}, ascending) == ((False, 0),) and order_key({}, ascending) == ((True, 0),)
