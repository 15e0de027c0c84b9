"""The rules of lists, through Scenario.
"""

from __future__ import annotations

import pytest
from desks import desk, reserved_for_alice, watched

from trkit.mock.engine.errors import TaskRouterError


def test_worker_filters():
    s = desk()
    s.set_activity("Alice", "Idle")
    names = lambda **f: sorted(w.friendly_name for w in s.list_workers(**f))  # noqa: E731
    assert names(available=True) == ["Alice"] and names(available=False) == ["Bob"]
    assert names(activity_name="Offline") == ["Bob"] and names(activity_sid=s.activities["Idle"]) == ["Alice"]
    assert names(friendly_name="Bob") == ["Bob"]
    assert names(target_workers_expression="level > 2") == ["Alice"]
    assert names(target_workers_expression='activity_name == "Offline"') == ["Bob"]
    assert names(target_workers_expression='friendly_name == "Alice"') == ["Alice"]
    assert names(task_queue_sid=s.queues["Spanish"]) == ["Alice"] and names(task_queue_name="English") == ["Alice", "Bob"]
    assert names(task_queue_name="Nowhere") == []
    with pytest.raises(TaskRouterError, match="TargetWorkersExpression"):
        names(target_workers_expression="level >")


def test_task_filters_and_ordering():
    s = desk()
    es = s.task(lang="es", priority=1)
    s.advance(1)
    en = s.task(lang="en", priority=5)
    s.advance(1)
    other = s.task(lang="es", priority=3)
    sids = lambda **f: [t.sid for t in s.list_tasks(**f)]  # noqa: E731
    assert sids() == [es, en, other]  # oldest first by default
    assert sids(ordering="Priority:desc") == [en, other, es]
    assert sids(ordering="Priority:asc,DateCreated:desc") == [es, other, en]
    assert sids(priority=5) == [en]
    assert sids(task_queue_sid=s.queues["Spanish"]) == [es, other] and sids(task_queue_name="English") == [en]
    assert sids(evaluate_task_attributes='lang == "en"') == [en]
    assert sids(workflow_sid=s.workflows["wf"]) == [es, en, other] and sids(workflow_name="wf") == [es, en, other]
    assert sids(workflow_name="other") == []
    s.set_activity("Alice", "Idle")  # she speaks both: the highest priority across her queues wins
    assert sids(assignment_status=["reserved"]) == [en] and sids(assignment_status=["pending"]) == [es, other]
    for bad in ("Priority", "Size:asc", "Priority:up", "DateCreated:asc,VirtualStartTime:desc"):
        with pytest.raises(TaskRouterError, match="Ordering"):
            sids(ordering=bad)


def test_reservation_and_event_filters():
    s, task = reserved_for_alice()
    s.reject(task, activity="Offline")
    s.set_activity("Alice", "Idle")
    statuses = [r.reservation_status for r in s.list_reservations(task_sid=task)]
    assert sorted(statuses) == ["pending", "rejected"]
    assert [r.reservation_status for r in s.list_reservations(worker_sid=s.workers["Alice"], reservation_status="pending")] == ["pending"]
    events = s.listed_events(task_sid=task, event_type="reservation.rejected")
    assert [e.event_type for e in events] == ["reservation.rejected"]
    assert all(e.worker_sid == s.workers["Alice"] for e in s.listed_events(worker_sid=s.workers["Alice"]))


def test_task_queue_filters():
    s = desk()
    names = lambda **f: sorted(q.friendly_name for q in s.list_task_queues(**f))  # noqa: E731
    assert names() == ["English", "Spanish"]
    assert names(friendly_name="English") == ["English"]
    assert names(evaluate_worker_attributes='{"languages": ["es"]}') == ["Spanish"]
    assert names(worker_sid=s.workers["Bob"]) == ["English"]
    assert names(worker_sid="WK" + "0" * 32) == []
    with pytest.raises(TaskRouterError, match="EvaluateWorkerAttributes"):
        names(evaluate_worker_attributes="[1]")


def test_task_list_filters_by_routing_target_and_addons_and_stays_in_its_workspace():
    s = watched()
    other = s.neighbour()
    other.queue("Theirs")
    other.workflow([{"expression": "1==1", "targets": [{"queue": "Theirs"}]}])
    other.task()
    by_workflow = s.task()
    by_queue = s.create_task(attributes='{"x": 1}', routing_target=s.queues["Spanish"]).sid
    later = s.task()
    sids = lambda **f: [t.sid for t in s.list_tasks(**f)]  # noqa: E731
    assert sids() == [by_workflow, by_queue, later]
    assert sids(routing_target=s.queues["Spanish"]) == [by_queue]
    assert sids(has_addons=False) == [by_workflow, by_queue, later] and sids(has_addons=True) == []
    s.record("task", later).addons = '{"lookup": 1}'
    assert sids(has_addons=True) == [later] and sids(has_addons=False) == [by_workflow, by_queue]
    assert sids(evaluate_task_attributes="x == 1") == [by_queue]
    with pytest.raises(TaskRouterError, match="^EvaluateTaskAttributes is invalid"):
        sids(evaluate_task_attributes="x ==")
