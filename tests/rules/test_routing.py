"""The rules of routing, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment
- https://www.twilio.com/docs/taskrouter/workflow-configuration
- https://www.twilio.com/docs/taskrouter/limits
"""

from __future__ import annotations

import json

import pytest
from desks import agents, desk, routed_to, spanish_desk, three_waiting
from scenario import EPOCH, Scenario

from trkit.mock.engine.errors import TaskRouterError


def test_fifo_queue_offers_the_oldest_of_equal_priority_first():
    s, (first, second, third) = three_waiting("FIFO")
    s.set_activity("Alice", "Idle")
    assert s.holder(first) == "Alice" and s.holder(second) is None and s.holder(third) is None


def test_lifo_queue_offers_the_newest_of_equal_priority_first():
    s, (first, second, third) = three_waiting("LIFO")
    s.set_activity("Alice", "Idle")
    assert s.holder(third) == "Alice" and s.holder(first) is None and s.holder(second) is None


@pytest.mark.parametrize("order", ["FIFO", "LIFO"])
def test_higher_priority_comes_before_age(order):
    s, tasks = three_waiting(order)
    s.update_task(tasks[1], priority=9)
    s.set_activity("Alice", "Idle")
    assert s.holder(tasks[1]) == "Alice"


def test_order_then_continues_in_queue_order():
    s, (first, second, third) = three_waiting("FIFO")
    s.set_activity("Alice", "Idle")
    s.accept(first)
    s.set_activity("Bob", "Idle")
    assert s.holder(second) == "Bob" and s.holder(third) is None


def test_virtual_start_time_sets_the_age_that_orders_the_queue():
    s = spanish_desk()
    late = s.task(n="late")
    early = s.create_task(attributes="{}", workflow_sid=s.workflows["wf"], virtual_start_time=EPOCH - 3600).sid
    s.set_activity("Alice", "Idle")
    assert s.holder(early) == "Alice" and s.holder(late) is None


def test_the_worker_idle_longest_is_offered_first():
    s = spanish_desk()
    s.set_activity("Bob", "Idle")
    s.advance(5)
    s.set_activity("Alice", "Idle")
    task = s.task()
    assert s.holder(task) == "Bob"


def test_queue_membership_follows_target_workers():
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"')
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish"}]}])
    s.worker("Bob", "Idle", languages=["en"])
    task = s.task()
    assert s.reservations(task) == []
    s.update_worker(s.workers["Bob"], attributes='{"languages": ["en", "es"]}')
    assert s.reservations(task) == [("Bob", "pending")]


def test_a_task_routed_to_a_worker_is_offered_to_that_worker_at_once_by_default_even_offline():
    s, task = routed_to("Bob")  # Bob is Offline and not in the Spanish queue
    assert s.fetch_task(task).ignore_capacity is True  # the documented default with a Worker target
    assert s.reservations(task) == [("Bob", "pending")] and s.status(task) == "reserved"
    assert s.queue_of(task) is None


def test_a_task_routed_to_a_worker_without_ignore_capacity_waits_until_that_worker_is_available():
    s, task = routed_to("Bob", ignore_capacity=False)
    s.set_activity("Alice", "Idle")  # Alice could take Spanish work, but the task is Bob's only
    assert s.reservations(task) == [] and s.status(task) == "pending"
    s.set_activity("Bob", "Idle")
    assert s.reservations(task) == [("Bob", "pending")]


def test_a_task_routed_to_a_worker_who_rejects_it_waits_for_that_worker_again():
    s, task = routed_to("Bob")
    s.reject(task, "Offline")
    s.set_activity("Alice", "Idle")
    assert s.status(task) == "pending" and s.holder(task) is None
    s.set_activity("Bob", "Idle")
    assert s.holder(task) == "Bob"


def test_ignore_capacity_needs_a_worker_target_and_the_worker_must_be_of_the_workspace():
    s = desk()
    with pytest.raises(TaskRouterError, match="IgnoreCapacity can only be used when RoutingTarget is a Worker SID"):
        s.create_task(attributes="{}", routing_target=s.queues["Spanish"], ignore_capacity=True)
    other = s.neighbour()  # a second workspace of the same account
    stranger = other.worker("Carol")
    with pytest.raises(TaskRouterError, match="is not a Worker, TaskQueue or Workflow of this Workspace"):
        s.create_task(attributes="{}", routing_target=stranger)


def test_a_worker_skips_a_task_whose_target_excludes_her_and_takes_the_next():
    s = Scenario()
    s.queue("All")
    s.workflow([{"expression": "vip == true", "targets": [{"queue": "All", "expression": "worker.level >= 5"}]},
                {"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Junior", level=1)
    vip = s.task(priority=9, vip=True)
    plain = s.task(priority=1)
    s.set_activity("Junior", "Idle")
    assert (s.holder(vip), s.holder(plain)) == (None, "Junior")


def test_across_queues_the_best_task_wins_and_the_workspace_queue_order_breaks_ties():
    s = Scenario(queue_order="LIFO")
    s.queue("Fifo", task_order="FIFO")
    s.queue("Lifo", task_order="LIFO")
    s.workflow([{"expression": 'q == "fifo"', "targets": [{"queue": "Fifo"}]}, {"expression": 'q == "lifo"', "targets": [{"queue": "Lifo"}]}])
    s.worker("Alice")
    from_fifo = s.task(q="fifo")
    s.advance(1)
    from_lifo = s.task(q="lifo")
    s.set_activity("Alice", "Idle")
    assert (s.holder(from_fifo), s.holder(from_lifo)) == (None, "Alice")  # equal priority: LIFO queues first here
    urgent = s.task(q="fifo", priority=5)
    s.set_task(from_lifo, "canceled")
    assert s.holder(urgent) == "Alice"


def test_default_filter_steps_are_named_in_the_event_data():
    s = Scenario()
    s.queue("Default")
    s.workflow([{"expression": "never == true", "targets": [{"queue": "Default"}]}], default="Default")
    task = s.task()
    (matched,) = [e for e in s.events() if e.event_type == "workflow.target-matched" and e.task_sid == task]
    assert (matched.event_data["workflow_filter_name"], matched.event_data["workflow_filter_expression"]) == ("Default Filter", "")


def test_finishing_a_task_puts_the_worker_at_the_back_of_the_idle_line():
    s = Scenario(multi_task=True)
    s.queue("All")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice", "Idle")
    first = s.task()
    s.accept(first)
    s.advance(50)
    s.worker("Bob", "Idle")
    s.advance(50)
    s.set_task(first, "completed")  # Alice is free again at 100 s; Bob has been free since 50 s
    s.advance(10)
    assert s.holder(s.task()) == "Bob"


def test_known_worker_sid_routes_only_to_that_worker_in_its_step():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "known_worker_sid": "task.agent.sid", "timeout": 30},
                                                   {"queue": "Support"}]}])
    for name in ("Alice", "Bob", "Carla"):
        s.set_activity(name, "Idle")
        s.advance(1)
    task = s.task(agent={"sid": s.workers["Carla"]})
    assert s.holder(task) == "Carla"  # not Alice, who idled longest
    s.reject(task, activity="Offline")
    assert s.holder(task) is None  # nobody else in this step
    s.advance(30)
    assert s.holder(task) == "Alice"  # the next step takes anyone
    missing = s.task()
    assert s.holder(missing) is None  # no attribute names a worker: nobody in that step


def test_known_worker_friendly_name():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "known_worker_friendly_name": "task.agent"}]}])
    s.set_activity("Alice", "Idle")
    s.set_activity("Dan", "Idle")
    assert s.holder(s.task(agent="Dan")) == "Dan"


def test_order_by_ranks_workers_by_their_attributes_then_idle_time():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "order_by": "worker.level DESC, worker.tenure DESC"}]}])
    for name in ("Dan", "Alice", "Bob", "Carla"):
        s.set_activity(name, "Idle")
        s.advance(1)
    order = [s.holder(s.task()) for _ in range(4)]
    assert order == ["Carla", "Bob", "Alice", "Dan"]  # level 5 (tenure 7, 2), level 1, then no level at all


def test_order_by_ascending_and_ties_by_idle_time():
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "order_by": "worker.level"}]}])
    for name in ("Carla", "Bob", "Alice"):
        s.set_activity(name, "Idle")
        s.advance(1)
    assert [s.holder(s.task()) for _ in range(3)] == ["Alice", "Carla", "Bob"]


@pytest.mark.parametrize(("target", "words"), [
    ({"known_worker_sid": "agent_sid"}, "must name a task attribute such as 'task.agent_sid'"),
    ({"known_worker_sid": "task."}, "must name a task attribute"),
    ({"known_worker_sid": "task.a", "known_worker_friendly_name": "task.b"}, "not both"),
    ({"order_by": "level DESC"}, "must be 'worker.<attribute> ASC' or 'worker.<attribute> DESC'"),
    ({"order_by": "worker.level DOWN"}, "clause 'worker.level DOWN'"),
    ({"order_by": ""}, "must be a string such as 'worker.level DESC'"),
    ({"order_by": 3}, "must be a string"),
])
def test_bad_known_worker_and_order_by_are_refused(target, words):
    s = agents()
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": s.queues["Support"], **target}]}]}}
    with pytest.raises(TaskRouterError) as info:
        s.create_workflow("bad", json.dumps(config))
    assert words in info.value.message, info.value.message


def test_a_deleted_worker_is_never_offered_a_task():
    s = desk()
    s.set_activity("Alice", "Idle")
    s.set_activity("Bob", "Idle")
    s.delete_worker(s.workers["Alice"])
    task = s.task(lang="en")
    assert s.reservations(task) == [("Bob", "pending")]
    spanish = s.task(lang="es")  # only Alice spoke Spanish: it waits
    assert s.reservations(spanish) == [] and s.status(spanish) == "pending"


def test_order_by_ranks_only_the_workers_the_target_expression_lets_in():
    # the target's expression picks who may take the task; order_by only orders those
    # (https://www.twilio.com/docs/taskrouter/workflow-configuration#order-by)
    s = agents()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Support", "expression": "worker.level >= 5",
                                                    "order_by": "worker.level ASC"}]}])
    for name in ("Alice", "Dan", "Bob", "Carla"):  # Alice (level 1) would rank first, and has waited longest
        s.set_activity(name, "Idle")
        s.advance(1)
    assert [s.holder(s.task()) for _ in range(3)] == ["Bob", "Carla", None]
