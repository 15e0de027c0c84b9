"""The rules of workflows, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/workflow-configuration
- https://www.twilio.com/docs/taskrouter/expression-syntax
"""

from __future__ import annotations

import json

import pytest
from desks import configure, desk, layered, skipping_desk, two_workflows
from scenario import Scenario


def test_first_matching_filter_only():
    s = layered()
    task = s.task(lang="es", vip=True)
    assert s.queue_of(task) == "Spanish"


def test_default_filter_is_for_tasks_that_match_no_filter():
    s = layered()
    assert s.queue_of(s.task(lang="de")) == "Default"


def test_target_timeout_moves_on_to_the_next_target():
    s = layered()
    task = s.task(lang="es", vip=True)
    s.advance(29)
    assert s.queue_of(task) == "Spanish"
    s.advance(1)
    assert s.queue_of(task) == "Fallback"


def test_later_targets_keep_the_priority_an_earlier_target_set():
    s = layered()
    task = s.task(lang="es", priority=1)
    assert s.fetch_task(task).priority == 5  # the target's priority overwrites the task's
    s.advance(30)
    assert (s.queue_of(task), s.fetch_task(task).priority) == ("Fallback", 5)


def test_after_the_last_target_the_next_matching_filter_below_takes_the_task_not_the_default():
    s = layered()
    task = s.task(lang="es", vip=True)
    s.advance(30 + 20)
    # the French filter below does not match and is skipped; VIP matches; the default filter is never a fallback
    assert (s.queue_of(task), s.status(task)) == ("VIP", "pending")
    s.advance(40)
    assert s.status(task) == "canceled"
    assert "workflow.timeout" in s.event_types(task)


def test_falling_off_the_last_filter_cancels_instead_of_using_the_default():
    s = layered()
    task = s.task(lang="es")
    s.advance(50)
    assert s.status(task) == "canceled"
    assert "workflow.timeout" in s.event_types(task)
    assert s.fetch_task(task).task_queue_sid != s.queues["Default"]


def test_a_target_without_timeout_holds_the_task_until_its_ttl():
    s = layered()
    task = s.task(lang="fr", timeout=5000)
    s.advance(4999)
    assert (s.queue_of(task), s.status(task)) == ("French", "pending")
    s.advance(1)
    assert (s.status(task), s.fetch_task(task).reason) == ("canceled", "Task TTL Exceeded")


def test_a_pending_reservation_is_not_interrupted_by_the_step_timeout():
    s = layered()
    s.worker("Alice")
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    s.advance(31)
    assert s.reservations(task) == [("Alice", "pending")] and s.queue_of(task) == "Spanish"
    s.reject(task, activity="Offline")
    # the reservation ended outside the step's window: the task moves on at once
    assert s.queue_of(task) == "Fallback"


def test_target_expression_compares_task_and_worker():
    s = Scenario()
    s.queue("Everyone")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone", "expression": "task.level <= worker.level"}]}])
    s.worker("Junior", level=1)
    s.worker("Senior", level=3)
    task = s.task(level=2)
    s.set_activity("Junior", "Idle")
    assert s.reservations(task) == []
    s.set_activity("Senior", "Idle")
    assert s.reservations(task) == [("Senior", "pending")]


def test_an_unchanged_step_keeps_its_tasks_where_they_are():
    s = two_workflows()
    task = s.task()
    s.advance(20)
    configure(s, [{"queue": "A", "timeout": 50}, {"queue": "C"}])  # the first step is the same
    assert s.queue_of(task) == "A"
    s.advance(30)  # its step timeout still counts from when it entered the step
    assert s.queue_of(task) == "C"


def test_without_re_evaluate_tasks_a_pending_task_whose_step_is_gone_waits_in_its_queue():
    """"The default is false, which means Tasks in the Workflow will not be processed through the assignment loop
    again" (https://www.twilio.com/docs/taskrouter/api/workflow, ReEvaluateTasks)."""
    s = two_workflows()
    task, elsewhere = s.task(), s.task(workflow="other")
    configure(s, [{"queue": "C"}])
    assert s.queue_of(task) == "A" and s.queue_of(elsewhere) == "A"
    s.advance(60)  # the old step's 50 s timeout no longer moves it on: it is in no step of the new configuration
    assert s.queue_of(task) == "A" and s.status(task) == "pending"
    s.set_activity("Alice", "Idle")  # and it is offered in that queue
    assert s.reservations(task) == [("Alice", "pending")] or s.reservations(elsewhere) == [("Alice", "pending")]


def test_with_re_evaluate_tasks_a_pending_task_whose_step_is_gone_is_routed_by_the_new_configuration():
    s = two_workflows()
    task, elsewhere = s.task(), s.task(workflow="other")
    configure(s, [{"queue": "C"}])
    configure(s, [{"queue": "C"}], re_evaluate=True)
    assert s.queue_of(task) == "C" and s.queue_of(elsewhere) == "A"  # only this workflow's tasks move


def test_re_evaluate_tasks_sends_every_pending_task_through_again():
    s = two_workflows()
    task = s.task()
    configure(s, [{"queue": "A", "timeout": 50}, {"queue": "B"}], re_evaluate=False)
    assert s.queue_of(task) == "A"
    s.advance(20)
    configure(s, [{"queue": "A", "timeout": 50}, {"queue": "B"}], re_evaluate=True)
    s.advance(40)  # entering again restarted the step: 40 s later it is still in A
    assert s.queue_of(task) == "A"
    s.advance(10)
    assert s.queue_of(task) == "B"


def test_a_reserved_task_whose_step_is_gone_goes_through_again_when_its_reservation_ends():
    s = two_workflows()
    task = s.task()
    s.set_activity("Alice", "Idle")
    configure(s, [{"queue": "C"}], re_evaluate=True)  # re-evaluation leaves reserved tasks alone
    assert (s.status(task), s.queue_of(task)) == ("reserved", "A")
    s.reject(task, activity="Offline")
    assert (s.status(task), s.queue_of(task)) == ("pending", "C")


def test_without_re_evaluate_tasks_a_reserved_task_whose_step_is_gone_waits_in_its_queue_when_rejected():
    s = two_workflows()
    task = s.task()
    s.set_activity("Alice", "Idle")
    configure(s, [{"queue": "C"}])
    s.reject(task, activity="Offline")
    assert (s.status(task), s.queue_of(task)) == ("pending", "A")


def test_a_reserved_task_whose_step_is_kept_is_offered_again_in_it():
    s = two_workflows()
    task = s.task()
    s.set_activity("Alice", "Idle")
    configure(s, [{"queue": "A", "timeout": 50}, {"queue": "C"}])
    s.reject(task)
    assert s.queue_of(task) == "A" and s.reservations(task) == [("Alice", "rejected"), ("Alice", "pending")]


def test_skip_if_true_on_entering_the_step_moves_the_task_to_the_next_target_at_once():
    s = skipping_desk("workers.available == 0")
    s.set_activity("Bob", "Idle")  # only Bob is available, and he is not in the Spanish queue
    task = s.task("skipping")
    assert s.queue_of(task) == "English"
    assert s.reservations(task) == [("Bob", "pending")]
    assert s.event_types(task).count("workflow.target-matched") == 2


def test_skip_if_false_keeps_the_task_in_the_step():
    s = skipping_desk("workers.available == 0")
    s.set_activity("Alice", "Busy")  # a member of the queue, unavailable: nobody can take it now
    s.set_activity("Bob", "Idle")
    s.update_workflow("skipping", configuration=json.dumps({"task_routing": {"filters": [
        {"expression": "1==1", "targets": [{"queue": s.queues["Spanish"], "skip_if": "workers.unavailable == 0"},
                                           {"queue": s.queues["English"]}]}]}}))
    task = s.task("skipping")
    assert s.queue_of(task) == "Spanish" and s.status(task) == "pending"


def test_skip_if_is_only_looked_at_when_nobody_can_be_reserved_on_entering_the_step():
    s = skipping_desk("1 == 1")  # would always skip
    s.set_activity("Alice", "Idle")
    task = s.task("skipping")
    assert s.queue_of(task) == "Spanish" and s.reservations(task) == [("Alice", "pending")]


def test_skip_if_counts_workers_by_activity_sid_in_the_queue():
    s = desk()
    s.set_activity("Alice", "Busy")
    busy = s.activities["Busy"]
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": f"workers.{busy} == 1"},
                                                   {"queue": "English"}]}], name="by-activity")
    task = s.task("by-activity")
    assert s.queue_of(task) == "English"  # Alice, the one Spanish member, is Busy: 1 == 1


def test_skipping_out_of_the_last_step_cancels_the_task_with_workflow_skipped():
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": "workers.available == 0"}]}], name="only")
    task = s.task("only")
    assert s.status(task) == "canceled"
    assert "workflow.skipped" in s.event_types(task) and "workflow.timeout" not in s.event_types(task)


def test_a_skip_out_of_a_filter_goes_to_the_next_matching_filter():
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": "workers.available == 0"}]},
                {"expression": "lang == 'xx'", "targets": [{"queue": "Spanish"}]},
                {"expression": "1==1", "targets": [{"queue": "English"}]}], name="filters")
    task = s.task("filters")
    assert s.queue_of(task) == "English"


@pytest.mark.parametrize(("skip_if", "skipped"), [
    ("workers.unavailable == 2", True), ("workers.unavailable == 3", False), ("workers.unavailable == 1", False),
    ("workers.available == 0", True), ("workers.{Offline} == 1 AND workers.{Busy} == 1", True),
    ("workers.{Offline} == 2", False),
])
def test_skip_if_counts_only_the_queues_own_members(skip_if, skipped):
    # skip_if reads "workers.available", "workers.unavailable" and "workers.<activity SID>", counted over the
    # queue's workers (https://www.twilio.com/docs/taskrouter/workflow-configuration/skip-if)
    s = desk()
    s.worker("Carla", languages=["es"])  # a second Spanish member, Offline
    s.set_activity("Alice", "Busy")  # Bob (English only, Offline) is not counted
    condition = skip_if.format(**s.activities)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": condition}, {"queue": "English"}]}], name="counted")
    task = s.task("counted")
    assert s.queue_of(task) == ("English" if skipped else "Spanish")


def test_skip_if_counts_every_member_in_an_activity():
    s = desk()
    s.worker("Carla", languages=["es"])  # Alice and Carla, both Spanish members, both Offline
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": f"workers.{s.activities['Offline']} == 2"},
                                                   {"queue": "English"}]}], name="counted")
    assert s.queue_of(s.task("counted")) == "English"
