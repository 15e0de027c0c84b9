"""TaskRouter's rules as the reference states them, each checked where it bites.

Expected values come from Twilio's pages (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment, https://www.twilio.com/docs/taskrouter/limits),
never from what the mock answers: each test fails if the rule it names is changed.
"""

from __future__ import annotations

import json

import pytest
from scenario import EPOCH, Scenario

from trkit.mock.engine.errors import TaskRouterError
from trkit.mock.engine.statistics import compute_cumulative, compute_worker_cumulative


def spanish_desk(**queue_options) -> Scenario:
    """One queue for everyone, one filter, Alice and Bob offline."""
    s = Scenario()
    s.queue("Everyone", **queue_options)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone"}]}])
    s.worker("Alice")
    s.worker("Bob")
    return s


# ------------------------------------------------------------------ documented defaults (https://www.twilio.com/docs/taskrouter/limits)
def test_default_reservation_timeout_is_120_seconds():
    s = spanish_desk()
    assert s.engine.workflow(s.ws, s.workflows["wf"]).task_reservation_timeout == 120
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.advance(119)
    assert s.reservations(task) == [("Alice", "pending")]
    s.advance(1)
    assert s.reservations(task) == [("Alice", "timeout")]
    # a timed-out worker goes to the workspace's timeout activity (Offline by default)
    assert s.activity_of("Alice") == "Offline"
    assert s.status(task) == "pending"


def test_default_task_ttl_is_86400_seconds_then_canceled_with_the_documented_reason():
    s = spanish_desk()
    task = s.task()
    assert s.fetch_task(task).timeout == 86400
    s.advance(86399)
    assert s.status(task) == "pending"
    s.advance(1)
    assert s.status(task) == "canceled"
    assert s.fetch_task(task).reason == "Task TTL Exceeded"


def test_ttl_cancels_a_reserved_task_and_its_pending_reservation():
    s = spanish_desk()
    s.engine.update_workflow(s.ws, s.workflows["wf"], task_reservation_timeout=3600)
    task = s.task(timeout=100)
    s.set_activity("Alice", "Idle")
    s.advance(100)
    assert (s.status(task), s.reservations(task)) == ("canceled", [("Alice", "canceled")])


@pytest.mark.parametrize(("field", "value"), [("timeout", 1_209_601), ("timeout", 0), ("priority", -1), ("priority", 2_147_483_648)])
def test_task_limits(field, value):
    s = spanish_desk()
    with pytest.raises(TaskRouterError) as info:
        s.task(**{field: value})
    assert info.value.status == 400


def test_task_limits_at_the_edges_are_accepted():
    s = spanish_desk()
    assert s.fetch_task(s.task(timeout=1_209_600, priority=2_147_483_647)).priority == 2_147_483_647


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (86400, True), (86401, False)])
def test_reservation_timeout_limits(value, ok):
    s = spanish_desk()
    if ok:
        s.engine.update_workflow(s.ws, s.workflows["wf"], task_reservation_timeout=value)
        assert s.engine.workflow(s.ws, s.workflows["wf"]).task_reservation_timeout == value
    else:
        with pytest.raises(TaskRouterError):
            s.engine.update_workflow(s.ws, s.workflows["wf"], task_reservation_timeout=value)


def test_a_new_task_has_priority_zero_and_a_new_queue_reserves_one_worker():
    s = spanish_desk()
    assert s.fetch_task(s.task()).priority == 0
    queue = s.engine.task_queue(s.ws, s.queues["Everyone"])
    assert (queue.max_reserved_workers, queue.task_order) == (1, "FIFO")


# --------------------------------------------------------------------- workflow steps (https://www.twilio.com/docs/taskrouter/workflow-configuration)
def layered() -> Scenario:
    s = Scenario()
    for name in ("Spanish", "French", "VIP", "Fallback", "Default"):
        s.queue(name)
    s.workflow([
        {"filter_friendly_name": "es", "expression": 'lang == "es"',
         "targets": [{"queue": "Spanish", "timeout": 30, "priority": 5}, {"queue": "Fallback", "timeout": 20}]},
        {"filter_friendly_name": "fr", "expression": 'lang == "fr"', "targets": [{"queue": "French"}]},
        {"filter_friendly_name": "vip", "expression": "vip == true", "targets": [{"queue": "VIP", "timeout": 40}]},
    ], default="Default")
    return s


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


# ---------------------------------------------------------------- which task a worker gets (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)
def three_waiting(order: str) -> tuple[Scenario, list[str]]:
    s = spanish_desk(task_order=order)
    tasks = []
    for n in range(3):
        tasks.append(s.task(n=n))
        s.advance(10)
    return s, tasks


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
    s.engine.update_task(s.ws, tasks[1], priority=9)
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
    early = s.engine.create_task(s.ws, attributes="{}", workflow_sid=s.workflows["wf"], virtual_start_time=EPOCH - 3600).sid
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
    s.engine.update_worker(s.ws, s.workers["Bob"], attributes='{"languages": ["en", "es"]}')
    assert s.reservations(task) == [("Bob", "pending")]


# ------------------------------------------------------------------ reservations end (https://www.twilio.com/docs/taskrouter/lifecycle-task-state, https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)
def test_reject_requeues_the_task_for_the_next_worker_and_moves_the_rejecter():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.advance(1)
    s.set_activity("Bob", "Idle")
    assert s.reservations(task) == [("Alice", "pending")] and s.activity_of("Alice") == "Reserved"
    s.reject(task, activity="Offline")
    assert s.activity_of("Alice") == "Offline"
    assert s.reservations(task) == [("Alice", "rejected"), ("Bob", "pending")]
    assert s.status(task) == "reserved"


def test_reject_without_activity_returns_the_worker_to_the_previous_one_and_may_offer_again():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.reject(task)
    # back to Idle (the activity before the reservation moved her to Reserved), and nothing
    # stops TaskRouter offering her the same task again
    assert s.reservations(task) == [("Alice", "rejected"), ("Alice", "pending")]


def test_reject_instruction_moves_the_worker_to_the_activity_given():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.answer(task, instruction="reject", activity_sid=s.activities["Busy"])
    assert s.activity_of("Alice") == "Busy" and s.status(task) == "pending"
    assert s.reservations(task) == [("Alice", "rejected")]


def test_timeout_requeues_the_task_for_another_worker():
    s = spanish_desk()
    s.engine.update_workflow(s.ws, s.workflows["wf"], task_reservation_timeout=60)
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.advance(1)
    s.set_activity("Bob", "Idle")
    s.advance(59)
    assert s.reservations(task) == [("Alice", "timeout"), ("Bob", "pending")]
    assert s.activity_of("Alice") == "Offline"


def test_accept_assigns_and_moves_the_worker_to_the_assignment_activity():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    assert s.status(task) == "reserved" and s.activity_of("Alice") == "Reserved"
    s.accept(task)
    assert (s.status(task), s.activity_of("Alice")) == ("assigned", "Busy")


def test_completing_a_task_never_moves_the_worker():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.accept(task)
    s.set_task(task, "wrapping")
    s.set_task(task, "completed")
    assert s.activity_of("Alice") == "Busy"
    assert s.reservations(task) == [("Alice", "completed")]


def test_canceling_a_reserved_task_cancels_its_pending_reservation():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    s.set_task(task, "canceled", reason="caller hung up")
    assert s.reservations(task) == [("Alice", "canceled")]
    assert (s.status(task), s.fetch_task(task).reason) == ("canceled", "caller hung up")


@pytest.mark.parametrize(("from_status", "to_status"), [
    ("assigned", "canceled"), ("pending", "wrapping"), ("pending", "completed"), ("reserved", "completed"),
])
def test_task_state_guards(from_status, to_status):
    s = spanish_desk()
    task = s.task()
    if from_status in ("reserved", "assigned"):
        s.set_activity("Alice", "Idle")
    if from_status == "assigned":
        s.accept(task)
    assert s.status(task) == from_status
    with pytest.raises(TaskRouterError) as info:
        s.set_task(task, to_status)
    assert info.value.status == 400 and s.status(task) == from_status


def test_a_second_accept_is_refused():
    s = spanish_desk()
    task = s.task()
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    s.accept(task)
    with pytest.raises(TaskRouterError) as info:
        s.engine.update_reservation(s.ws, res, task_sid=task, reservation_status="accepted")
    assert "already in state [accepted]" in info.value.message


def test_multi_reservation_accept_rescinds_the_rest_and_pending_only_when_all_end():
    s = spanish_desk(max_reserved_workers=2)
    s.worker("Carla")
    task = s.task()
    for name in ("Alice", "Bob"):
        s.set_activity(name, "Idle")
        s.advance(1)
    assert sorted(s.reservations(task)) == [("Alice", "pending"), ("Bob", "pending")]
    alice_res = next(r for r in s.engine.store.reservations_of_task(task) if r.worker_sid == s.workers["Alice"])
    s.engine.update_reservation(s.ws, alice_res.sid, task_sid=task, reservation_status="rejected",
                                worker_activity_sid=s.activities["Offline"])
    assert s.status(task) == "reserved"  # Bob's offer still stands
    s.set_activity("Carla", "Idle")
    bob_res = next(r for r in s.engine.store.reservations_of_task(task) if r.worker_sid == s.workers["Bob"])
    s.engine.update_reservation(s.ws, bob_res.sid, task_sid=task, reservation_status="accepted")
    assert dict(s.reservations(task)) == {"Alice": "rejected", "Bob": "accepted", "Carla": "rescinded"}


def test_multitasking_never_moves_the_worker_on_reserve_or_accept():
    s = Scenario(multi_task=True)
    s.queue("Everyone")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone"}]}])
    s.worker("Alice", "Idle")
    task = s.task()
    assert s.activity_of("Alice") == "Idle"
    s.accept(task)
    assert (s.status(task), s.activity_of("Alice")) == ("assigned", "Idle")


def test_single_tasking_worker_gets_no_second_task_while_one_is_assigned():
    s = spanish_desk(assignment_activity_sid=None)
    first, second = s.task(), s.task()
    s.set_activity("Alice", "Idle")
    s.accept(first)
    assert s.activity_of("Alice") == "Reserved"  # no assignment activity: she stays where the reservation put her
    s.set_activity("Alice", "Idle")
    assert s.holder(second) is None
    s.set_task(first, "completed")
    assert s.holder(second) == "Alice"


# --------------------------------------------------------------------- cumulative statistics (https://www.twilio.com/docs/taskrouter/api/workspace-statistics)
def scripted_day() -> tuple[Scenario, dict[str, str]]:
    """Three tasks: one accepted after 40 s and completed, one rejected then timed out, both others canceled."""
    s = spanish_desk()
    a, b, c = s.task(name="a"), s.task(name="b"), s.task(name="c")   # t = 0
    s.advance(10)
    s.set_activity("Alice", "Idle")                                   # t = 10: Alice reserved for a
    s.advance(30)
    s.accept(a)                                                       # t = 40: a accepted at age 40
    s.advance(60)
    s.set_task(a, "completed")                                        # t = 100
    s.set_activity("Bob", "Idle")                                     # Bob reserved for b
    s.advance(10)
    s.reject(b, activity="Offline")                                   # t = 110
    s.advance(10)
    s.set_activity("Alice", "Idle")                                   # t = 120: Alice reserved for b
    s.advance(120)                                                    # t = 240: timed out (default 120 s)
    s.advance(60)
    s.set_task(b, "canceled")                                         # t = 300
    s.set_task(c, "canceled")
    return s, {"a": a, "b": b, "c": c}


def test_cumulative_statistics_of_a_scripted_day():
    s, _ = scripted_day()
    stats = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 300, "workspace")
    assert {k: stats[k] for k in stats if k.startswith(("reservations_", "tasks_"))} == {
        "reservations_created": 3, "reservations_accepted": 1, "reservations_rejected": 1,
        "reservations_timed_out": 1, "reservations_canceled": 0, "reservations_rescinded": 0,
        "tasks_created": 3, "tasks_canceled": 2, "tasks_completed": 1, "tasks_deleted": 0,
        "tasks_moved": 0, "tasks_timed_out_in_workflow": 0,
    }
    assert stats["avg_task_acceptance_time"] == 40
    assert stats["wait_duration_until_accepted"] == {"avg": 40, "min": 40, "max": 40, "total": 40}
    assert stats["wait_duration_until_canceled"] == {"avg": 300, "min": 300, "max": 300, "total": 600}


def test_cumulative_statistics_count_only_the_window():
    s, _ = scripted_day()
    late = compute_cumulative(s.engine, s.ws, EPOCH + 105, EPOCH + 300, "workspace")
    assert (late["tasks_created"], late["reservations_created"], late["reservations_rejected"],
            late["reservations_timed_out"], late["tasks_completed"], late["tasks_canceled"]) == (0, 1, 1, 1, 0, 2)


def test_cumulative_split_by_wait_time():
    s, _ = scripted_day()
    stats = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 300, "workspace", split_by_wait_time="60")
    assert stats["split_by_wait_time"] == {"60": {"below": {"tasks_canceled": 0, "reservations_accepted": 1},
                                                  "above": {"tasks_canceled": 2, "reservations_accepted": 0}}}


def test_worker_cumulative_statistics_of_a_scripted_day():
    s, _ = scripted_day()
    alice = compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 300, s.workers["Alice"])
    bob = compute_worker_cumulative(s.engine, s.ws, EPOCH, EPOCH + 300, s.workers["Bob"])
    assert (alice["reservations_created"], alice["reservations_accepted"], alice["reservations_timed_out"]) == (2, 1, 1)
    assert (bob["reservations_created"], bob["reservations_rejected"]) == (1, 1)
    durations = {d["friendly_name"]: d for d in alice["activity_durations"]}
    # Alice: Offline 0-10, Idle 10-10, Reserved 10-40, Busy 40-120, Idle 120-120, Reserved 120-240
    assert durations["Reserved"]["total"] == 30 + 120
    assert durations["Busy"]["total"] == 80
    assert durations["Offline"]["total"] == 10


# ------------------------------------------------------- cumulative statistics by queue and workflow
def two_queue_day() -> tuple[Scenario, dict[str, str]]:
    """Spanish and English queues under one workflow; two tasks accepted after 20 s and 60 s, one moved on."""
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"')
    s.queue("English", 'languages HAS "en"')
    s.workflow([{"expression": 'lang == "es"', "targets": [{"queue": "Spanish", "timeout": 100}, {"queue": "English"}]},
                {"expression": 'lang == "en"', "targets": [{"queue": "English"}]}])
    s.worker("Alice", languages=["es"])
    s.worker("Bob", languages=["en"])
    es, en, late = s.task(lang="es"), s.task(lang="en"), s.task(lang="es")  # t = 0
    s.advance(20)
    s.set_activity("Alice", "Idle")          # t = 20: Alice takes es
    s.accept(es)                              # accepted at age 20
    s.advance(40)
    s.set_activity("Bob", "Idle")            # t = 60: Bob takes en
    s.accept(en)                              # accepted at age 60
    s.advance(40)                             # t = 100: late moves from Spanish to English
    return s, {"es": es, "en": en, "late": late}


def test_cumulative_statistics_of_a_queue_count_what_entered_it():
    s, _ = two_queue_day()
    spanish = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 100, "queue", task_queue_sid=s.queues["Spanish"])
    english = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 100, "queue", task_queue_sid=s.queues["English"])
    assert (spanish["tasks_entered"], spanish["reservations_accepted"], spanish["task_queue_sid"]) == (2, 1, s.queues["Spanish"])
    assert (english["tasks_entered"], english["reservations_accepted"]) == (2, 1)  # en, then late moved in
    assert "tasks_created" not in spanish and "tasks_timed_out_in_workflow" not in spanish
    assert spanish["wait_duration_in_queue_until_accepted"] == {"avg": 20, "min": 20, "max": 20, "total": 20}
    assert english["wait_duration_in_queue_until_accepted"] == {"avg": 60, "min": 60, "max": 60, "total": 60}
    assert english["tasks_moved"] == 1 and spanish["tasks_moved"] == 0


def test_cumulative_statistics_of_a_workflow_and_the_workspace():
    s, _ = two_queue_day()
    flow = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 100, "workflow", workflow_sid=s.workflows["wf"])
    assert (flow["tasks_entered"], flow["workflow_sid"], flow["tasks_timed_out_in_workflow"]) == (3, s.workflows["wf"], 0)
    assert flow["avg_task_acceptance_time"] == 40  # (20 + 60) / 2
    assert flow["wait_duration_until_accepted"] == {"avg": 40, "min": 20, "max": 60, "total": 80}
    workspace = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 100, "workspace")
    assert (workspace["start_time"], workspace["end_time"]) == ("2027-01-15T08:00:00Z", "2027-01-15T08:01:40Z")
    assert workspace["split_by_wait_time"] is None


def test_split_by_wait_time_with_several_thresholds():
    s, _ = two_queue_day()
    split = compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 100, "workspace", split_by_wait_time="30, 90")["split_by_wait_time"]
    assert split["30"] == {"below": {"tasks_canceled": 0, "reservations_accepted": 1}, "above": {"tasks_canceled": 0, "reservations_accepted": 1}}
    assert split["90"] == {"below": {"tasks_canceled": 0, "reservations_accepted": 2}, "above": {"tasks_canceled": 0, "reservations_accepted": 0}}
    with pytest.raises(TaskRouterError, match="SplitByWaitTime must be a comma-separated list of seconds, got '30;60'"):
        compute_cumulative(s.engine, s.ws, EPOCH, EPOCH + 100, "workspace", split_by_wait_time="30;60")


def test_statistics_window_defaults_to_the_last_15_minutes_and_30_days_at_most():
    from trkit.mock.engine.statistics import window

    s = spanish_desk()
    s.advance(86400)
    now = EPOCH + 86400
    assert window(s.engine, None, None, None) == (now - 900, now)
    assert window(s.engine, 60, None, None) == (now - 3600, now)
    assert window(s.engine, None, now - 100, now - 50) == (now - 100, now - 50)
    assert window(s.engine, 5, None, now - 600) == (now - 900, now - 600)
    s.advance(30 * 86400)
    with pytest.raises(TaskRouterError, match="within the last 30 days"):
        window(s.engine, None, now - 1, None)  # 30 days and a second ago
    assert window(s.engine, None, now, None)[0] == now  # exactly 30 days ago is still allowed
    with pytest.raises(TaskRouterError, match="before EndDate"):
        window(s.engine, None, now + 30 * 86400, now + 29 * 86400)


# ------------------------------------------------------------------------ the event log (https://www.twilio.com/docs/taskrouter/api/event/reference)
def lifecycle_events() -> tuple[Scenario, list]:
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"')
    s.queue("English")
    s.workflow([{"filter_friendly_name": "es", "expression": 'lang == "es"',
                 "targets": [{"queue": "Spanish", "timeout": 30}, {"queue": "English", "timeout": 30}]}], task_reservation_timeout=60)
    start = len(s.events())
    s.worker("Alice", languages=["es"])
    done = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    s.accept(done)
    s.set_task(done, "wrapping")
    s.set_task(done, "completed", reason="helped")
    s.names[done] = "done"
    dropped = s.task(lang="es")
    s.names[dropped] = "dropped"
    s.advance(60)
    s.advance(300)
    events = sorted(s.events(), key=lambda e: e.event_date)[start:]
    return s, events


def test_event_types_resources_and_order_of_a_lifecycle():
    s, events = lifecycle_events()
    seen = [(e.event_type, e.resource_type, s.names.get(e.resource_sid, e.resource_sid[:2])) for e in events]
    assert seen == [
        ("worker.created", "worker", "Alice"),
        ("task.created", "task", "done"),
        ("workflow.entered", "task", "done"),
        ("workflow.target-matched", "task", "done"),
        ("task-queue.entered", "task", "done"),
        ("worker.activity.update", "worker", "Alice"),
        ("reservation.created", "reservation", "WR"),
        ("worker.activity.update", "worker", "Alice"),
        ("reservation.accepted", "reservation", "WR"),
        ("worker.activity.update", "worker", "Alice"),
        ("reservation.wrapup", "reservation", "WR"),
        ("task.wrapup", "task", "done"),
        ("reservation.completed", "reservation", "WR"),
        ("task.completed", "task", "done"),
        ("task.created", "task", "dropped"),
        ("workflow.entered", "task", "dropped"),
        ("workflow.target-matched", "task", "dropped"),
        ("task-queue.entered", "task", "dropped"),
        ("task-queue.timeout", "task", "dropped"),
        ("workflow.target-matched", "task", "dropped"),
        ("task-queue.moved", "task", "dropped"),
        ("task-queue.entered", "task", "dropped"),
        ("task-queue.timeout", "task", "dropped"),
        ("workflow.timeout", "task", "dropped"),
        ("task.canceled", "task", "dropped"),
        ("task.system-deleted", "task", "done"),
        ("task.system-deleted", "task", "dropped"),
    ]
    assert [e.event_date - EPOCH for e in events[-5:]] == [60, 60, 60, 300, 360]


def test_event_data_carries_the_reasons_and_the_step():
    s, events = lifecycle_events()
    completed = next(e for e in events if e.event_type == "task.completed")
    canceled = next(e for e in events if e.event_type == "task.canceled")
    assert completed.event_data["task_completed_reason"] == "helped" and completed.description == f"Task {completed.resource_sid} completed"
    assert canceled.event_data["task_canceled_reason"] == "Workflow Timeout" and canceled.description == "Workflow Timeout"
    matched = [e for e in events if e.event_type == "workflow.target-matched"]
    assert [(m.event_data["workflow_filter_name"], m.event_data["workflow_filter_target_index"], s.names[m.event_data["task_queue_sid"]])
            for m in matched] == [("es", "0", "Spanish"), ("es", "0", "Spanish"), ("es", "1", "English")]
    moved = next(e for e in events if e.event_type == "task-queue.moved")
    assert s.names[moved.event_data["task_queue_previous_sid"]] == "Spanish"
    updates = [e for e in events if e.event_type == "worker.activity.update"]
    assert [(u.event_data["worker_previous_activity_name"], u.event_data["worker_activity_name"]) for u in updates] == [
        ("Offline", "Idle"), ("Idle", "Reserved"), ("Reserved", "Busy")]


def test_a_ttl_cancel_is_described_as_the_spec_says():
    s = spanish_desk()
    task = s.task(timeout=10)
    s.advance(10)
    (canceled,) = [e for e in s.events() if e.event_type == "task.canceled"]
    assert (canceled.resource_sid, canceled.description) == (task, "Task TTL Exceeded")


# Event descriptions: by SID, workers by name, as the recordings in tests/captured/ show; the rest in the same pattern
def test_event_descriptions():
    s, events = lifecycle_events()
    described = {e.event_type: e.description for e in reversed(events)}  # the first of each type
    done = next(e.resource_sid for e in events if e.event_type == "task.created")
    reservation = next(e.resource_sid for e in events if e.event_type == "reservation.accepted")
    queue, workflow = s.queues["Spanish"], s.workflows["wf"]
    assert described["worker.created"] == "Worker Alice created"
    assert described["task.created"] == f"Task {done} created"
    assert described["task.completed"] == f"Task {done} completed"
    assert described["task.wrapup"] == f"Task {done} wrapping up"
    assert described["reservation.accepted"] == f"Reservation {reservation} accepted"
    assert described["worker.activity.update"] == "Worker Alice updated to Idle Activity"
    assert next(e.description for e in events if e.event_type == "task-queue.entered") == f"Task {done} entered TaskQueue {queue}"
    assert next(e.description for e in events if e.event_type == "workflow.entered") == f"Task {done} entered Workflow {workflow}"
    assert described["workflow.timeout"].endswith(f" timed out of Workflow {workflow}")
    assert next(e.description for e in events if e.event_type == "task.system-deleted") == \
        f"Task {done} deleted by the system after it was completed"


# ------------------------------------------------------------ a workflow's configuration changes (https://www.twilio.com/docs/taskrouter/workflow-configuration)
def two_workflows() -> Scenario:
    s = Scenario()
    for name in ("A", "B", "C"):
        s.queue(name)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "A", "timeout": 50}, {"queue": "B"}]}], name="wf")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "A"}]}], name="other")
    s.worker("Alice")
    return s


def configure(s: Scenario, targets: list[dict], re_evaluate: bool = False, name: str = "wf") -> None:
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{**t, "queue": s.queues[t["queue"]]} for t in targets]}]}}
    s.engine.update_workflow(s.ws, s.workflows[name], re_evaluate_tasks=re_evaluate, configuration=json.dumps(config))


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
