"""One call, one transaction: a refusal changes nothing, timers fire in time order and survive a restart, a
seeded mock makes the same SIDs, and an offer rescinded frees its worker for the next task.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/api/task (the TTL: "the amount of time in seconds the task can live")
- https://www.twilio.com/docs/taskrouter/api/reservation ("rescinded": another worker accepted a multi-reserved task)
- https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks (the assignment callback and its answer)
"""

from __future__ import annotations

import pytest
from desks import desk, on_file, reopened, reserved_for_alice
from scenario import EPOCH, Scenario, new_engine

from trkit.language.vocabulary import looks_like
from trkit.mock.engine.errors import TaskRouterError


def test_the_same_seed_makes_the_same_sids_and_another_seed_others():
    first, again, other = (Scenario(engine=new_engine(seed=seed)) for seed in (3, 3, 4))
    assert looks_like(first.ws, "WS") and first.ws == again.ws and first.activities == again.activities
    assert other.ws != first.ws


def test_a_refused_change_leaves_nothing_half_written():
    s = desk()
    before = s.snapshot()
    with pytest.raises(TaskRouterError) as refused:
        s.queue("Broken", target_workers="languages HAS")  # an expression cut short
    assert refused.value.status == 400
    with pytest.raises(TaskRouterError):
        s.workflow([{"expression": "lang ==", "targets": [{"queue": "Spanish"}]}], name="wf2")  # a filter cut short
    assert s.snapshot() == before


def test_a_fault_in_the_middle_of_a_change_undoes_what_it_had_done():
    s = desk()
    s.set_activity("Alice", "Idle")
    before = s.snapshot()
    with s.fault_when_recording_events(), pytest.raises(RuntimeError):
        s.set_activity("Alice", "Offline")  # her activity is changed in memory before worker.activity.update is recorded
    assert s.snapshot() == before and s.activity_of("Alice") == "Idle"
    task = s.task(lang="es")  # the free-worker index was put back too: Alice, free again, is offered the task
    assert s.reservations(task) == [("Alice", "pending")]


def test_an_engine_whose_store_keeps_no_journal_takes_no_change_after_a_fault():
    """What trkit.simulate's engine gives up for speed: a fault in the middle of a change cannot be undone, so every
    change after it is refused, saying why, and nothing more changes (a simulated day that fails is not finished)."""
    s = Scenario(engine=new_engine(journaled=False))
    s.queue("Spanish", 'languages HAS "es"')
    s.workflow([{"expression": 'lang == "es"', "targets": [{"queue": "Spanish"}]}])
    s.worker("Alice", languages=["es"])
    s.set_activity("Alice", "Idle")
    with s.fault_when_recording_events(), pytest.raises(RuntimeError, match="a fault inside the mock"):
        s.set_activity("Alice", "Offline")
    after_fault = s.snapshot()
    for _ in range(2):  # the refusal itself leaves no transaction open for the next call to slip into
        with pytest.raises(RuntimeError, match="keeps no journal and a transaction failed in it"):
            s.task(lang="es")
    assert s.snapshot() == after_fault


def test_the_assignment_callback_goes_out_once_routing_ran_and_its_accept_assigns():
    s, task = reserved_for_alice()
    (callback,) = [item for item in s.sent() if item.kind == "assignment"]
    assert callback.params["ReservationSid"] == s.offer(task) and callback.params["TaskSid"] == task
    s.answer(task, instruction="accept")
    assert s.status(task) == "assigned" and s.reservations(task) == [("Alice", "accepted")]


def test_an_answer_with_an_unknown_instruction_leaves_the_reservation_pending():
    s, task = reserved_for_alice()
    with pytest.raises(TaskRouterError):
        s.answer(task, instruction="teleport")
    assert s.reservations(task) == [("Alice", "pending")] and s.status(task) == "reserved"


def test_timers_fire_in_time_order_the_ttl_before_the_reservation_timeout():
    s = desk()
    task = s.task(timeout=50, lang="es")  # lives 50 s; a reservation times out after the workflow's 120 s
    s.set_activity("Alice", "Idle")
    s.advance(60)
    assert s.status(task) == "canceled" and s.reservations(task) == [("Alice", "canceled")]


def test_a_pending_reservation_times_out_after_a_restart(tmp_path):
    s, path = on_file(tmp_path)
    s.queue("Spanish", 'languages HAS "es"')
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish"}]}], task_reservation_timeout=120)
    s.worker("Alice", languages=["es"])
    task = s.task()
    s.set_activity("Alice", "Idle")
    again = reopened(s, path)
    again.advance(121)
    assert again.reservations(task) == [("Alice", "timeout")] and again.status(task) == "pending"


def test_a_worker_whose_offer_is_rescinded_is_offered_the_next_task():
    s = desk(max_reserved_workers=2)
    s.worker("Carla", languages=["es"])
    for name in ("Carla", "Alice"):
        s.set_activity(name, "Idle")
    first, second = s.task(lang="es"), s.task(lang="es")
    assert sorted(s.reservations(first)) == [("Alice", "pending"), ("Carla", "pending")]
    s.accept_for(first, "Carla")
    assert sorted(s.reservations(first)) == [("Alice", "rescinded"), ("Carla", "accepted")]
    assert s.reservations(second) == [("Alice", "pending")]


def test_a_workspace_deleted_and_rebuilt_under_the_same_seed_routes_again(tmp_path):
    """A seeded mock gives a rebuilt workspace the very same SIDs: nothing of the old one may linger."""
    engine = new_engine(path=str(tmp_path / "state.sqlite3"))

    def lesson() -> tuple[str, list]:
        engine.sids.seed(5)
        for old in engine.configuration.list_workspaces("Rules"):
            engine.configuration.delete_workspace(old.sid)
        s = desk_on(engine)
        task = s.task(lang="es")
        s.set_activity("Alice", "Idle")
        return task, s.reservations(task)

    assert lesson() == lesson()
    assert len(engine.configuration.list_workspaces()) == 1


def desk_on(engine) -> Scenario:
    s = Scenario(engine=engine)
    s.queue("Spanish", 'languages HAS "es"')
    s.workflow([{"expression": 'lang == "es"', "targets": [{"queue": "Spanish"}]}])
    s.worker("Alice", languages=["es"])
    return s


def test_a_store_that_writes_nothing_down_still_routes_from_memory():
    """trkit.simulate's store: the records live in memory and nothing is written, the event log included."""
    from scenario import ACCOUNT, FrozenClock

    from trkit.mock.engine import NullDispatcher, SidGenerator, Store, TaskRouterEngine

    engine = TaskRouterEngine(Store(":memory:", writes=False), ACCOUNT, "token", clock=FrozenClock(), sids=SidGenerator(1),
                              dispatcher=NullDispatcher())
    s = desk_on(engine)
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    s.accept(task)
    assert s.status(task) == "assigned" and s.reservations(task) == [("Alice", "accepted")]
    assert s.stored_events() == 0 and s.events() == []


def test_a_store_that_writes_nothing_down_still_sends_event_callbacks_and_tells_subscribers():
    """Events nobody could read are not made (trkit.simulate's day), but a callback URL or a subscriber reads them."""
    from scenario import ACCOUNT, FrozenClock

    from trkit.mock.engine import NullDispatcher, SidGenerator, Store, TaskRouterEngine

    engine = TaskRouterEngine(Store(":memory:", writes=False), ACCOUNT, "token", clock=FrozenClock(), sids=SidGenerator(1),
                              dispatcher=NullDispatcher())
    s = desk_on(engine)
    heard: list[str] = []

    def listener(events: list) -> None:
        heard.extend(e.event_type for e in events)

    s.subscribe(listener)
    s.task(lang="es")
    assert heard == ["task.created", "workflow.entered", "workflow.target-matched", "task-queue.entered"]
    s.unsubscribe(listener)
    s.update_workspace(event_callback_url="https://example.com/events")
    before = len(s.sent())
    s.task(lang="es")
    sent = [item.event_type for item in s.sent()[before:] if item.kind == "event"]
    assert sent == ["task.created", "workflow.entered", "workflow.target-matched", "task-queue.entered"]
    assert len(heard) == 4  # no longer subscribed


def test_an_accept_undone_by_a_fault_leaves_the_offer_pending_with_its_timeout():
    s, task = reserved_for_alice()
    other = s.task(lang="es")  # waits: Alice holds an offer
    with s.fault_when_recording_events(), pytest.raises(RuntimeError):
        s.accept(task)  # the reservation is accepted in memory before reservation.accepted is recorded
    assert s.reservations(task) == [("Alice", "pending")] and s.reservations(other) == []  # Alice still holds it
    s.advance(119)
    assert s.reservations(task) == [("Alice", "pending")]
    s.advance(1)  # the workflow's 120 s reservation timeout still runs (https://www.twilio.com/docs/taskrouter/api/workflow)
    assert s.reservations(task) == [("Alice", "timeout")]


def test_a_task_update_undone_by_a_fault_keeps_its_ttl_and_its_place_in_the_queue():
    s = desk()
    task = s.task(timeout=50, lang="es")
    with s.fault_when_recording_events(), pytest.raises(RuntimeError):
        s.update_task(task, priority=9)  # changed in memory before task.updated is recorded
    assert s.fetch_task(task).priority == 0
    s.set_activity("Alice", "Idle")
    assert s.reservations(task) == [("Alice", "pending")]  # still routed
    s.reject(task, activity="Offline")
    s.advance(50)  # "the amount of time in seconds the task can live" (https://www.twilio.com/docs/taskrouter/api/task)
    assert s.status(task) == "canceled"


def test_a_queue_update_undone_by_a_fault_keeps_the_tasks_waiting_in_it():
    s = desk()
    waiting = [s.task(lang="es"), s.task(lang="es")]
    with s.fault_when_recording_events(), pytest.raises(RuntimeError):
        s.update_queue("Spanish", target_workers='languages HAS "fr"')
    s.set_activity("Alice", "Idle")
    assert s.reservations(waiting[0]) == [("Alice", "pending")] and s.queue_of(waiting[1]) == "Spanish"


def test_an_offer_undone_by_a_fault_leaves_the_queue_as_it_was():
    s = desk()
    first, second = s.task(lang="es"), s.task(lang="es")
    with s.fault_when_recording_events(), pytest.raises(RuntimeError):
        s.set_activity("Alice", "Idle")  # routing took the first task from the queue before the events were recorded
    assert s.activity_of("Alice") == "Offline" and s.reservations(first) == []
    s.set_activity("Alice", "Idle")
    assert s.reservations(first) == [("Alice", "pending")] and s.reservations(second) == []
    s.set_activity("Bob", "Idle")  # English only: the second task stays for Alice
    s.accept(first)
    s.set_task(first, "completed")
    s.set_activity("Alice", "Idle")
    assert s.reservations(second) == [("Alice", "pending")]


def test_a_reset_forgets_everything_and_the_mock_routes_afresh(tmp_path):
    s, path = on_file(tmp_path)
    s.queue("All")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice")
    s.set_activity("Alice", "Idle")
    s.task()
    s.advance(3600)
    s.record_callback({"kind": "assignment", "outcome": "delivered"})
    s.reset()
    assert s.list_workspaces() == [] and s.stored_events() == 0 and s.callback_log == [] and s.now() == EPOCH
    again = Scenario(engine=s.engine)  # the same mock, built again: it routes
    again.queue("All")
    again.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    again.worker("Bob", activity="Idle")
    assert again.reservations(again.task()) == [("Bob", "pending")]
    # the file holds the new state only: the reset emptied it too
    assert [w.sid for w in reopened(again, path).list_workspaces()] == [again.ws]


def test_event_subscribers_hear_each_change_once_it_is_made_and_one_that_fails_harms_nothing():
    s = desk()
    heard: list[list[str]] = []

    def broken(events):
        raise RuntimeError("a subscriber with a bug")

    s.subscribe(broken)
    s.subscribe(lambda events: heard.append([e.event_type for e in events]))
    task = s.task(lang="es")
    assert heard == [["task.created", "workflow.entered", "workflow.target-matched", "task-queue.entered"]]
    assert s.status(task) == "pending"  # the change stands: a subscriber's failure is its own
    s.unsubscribe(heard.append)  # not subscribed: nothing happens
    listener = heard.append
    s.subscribe(listener)
    s.unsubscribe(listener)
    s.update_task(task, priority=3)
    assert heard[-1] == ["task.updated"] and len(heard) == 2


def test_the_clock_moves_forward_or_stays_never_back():
    s = desk()
    before = s.now()
    s.advance(0)  # a no-op, not a mistake
    assert s.now() == before
    with pytest.raises(TaskRouterError) as refused:
        s.advance(-1)
    assert (refused.value.code, refused.value.message) == (20001, "Advance must not be negative, got -1")
    assert s.now() == before


def test_timers_due_at_the_same_moment_all_fire_in_one_advance():
    s = desk()
    tasks = [s.task(timeout=30, lang="es") for _ in range(3)]
    s.advance(30)
    assert [s.status(t) for t in tasks] == ["canceled"] * 3


def test_the_timers_of_a_task_deleted_before_they_fall_due_do_nothing():
    # a task deleted by REST (https://www.twilio.com/docs/taskrouter/api/task#delete-a-task-resource) takes its TTL, step
    # timeout and purge with it
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "timeout": 20}, {"queue": "English"}]}], name="steps")
    waiting = s.task("steps", timeout=50, lang="es")
    done = s.task(timeout=1000, lang="en")
    s.set_activity("Bob", "Idle")  # English only: he takes done, and waiting waits
    s.accept(done)
    s.set_task(done, "completed")  # purged 300 s after it finished
    s.delete_task(waiting)
    s.delete_task(done)
    s.advance(400)
    assert s.list_tasks() == [] and s.stored_events() > 0


def test_a_task_finished_before_its_ttl_is_not_canceled_by_it():
    s = desk()
    task = s.task(timeout=50, lang="es")
    s.set_activity("Alice", "Idle")
    s.accept(task)
    s.advance(50)
    assert s.status(task) == "assigned"  # only a waiting task is canceled by its TTL


def test_an_offer_undone_by_a_fault_leaves_the_worker_free_of_it_and_the_task_waiting():
    s = desk()
    task = s.task(lang="es")
    with s.fault_when_recording_events("reservation.created"), pytest.raises(RuntimeError):
        s.set_activity("Alice", "Idle")  # she is reserved in memory before reservation.created is recorded
    assert s.activity_of("Alice") == "Offline" and s.reservations(task) == [] and s.status(task) == "pending"
    s.set_activity("Alice", "Idle")  # the task waits in its queue again, and the undone offer is not hers to hold
    assert s.reservations(task) == [("Alice", "pending")]


def test_a_second_offer_undone_by_a_fault_leaves_the_task_offered_to_the_first_and_open_to_another():
    s = desk(max_reserved_workers=2)
    s.worker("Carla", languages=["es"])
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    with s.fault_when_recording_events("reservation.created"), pytest.raises(RuntimeError):
        s.set_activity("Carla", "Idle")
    assert s.reservations(task) == [("Alice", "pending")] and s.status(task) == "reserved"
    s.set_activity("Carla", "Idle")
    assert sorted(s.reservations(task)) == [("Alice", "pending"), ("Carla", "pending")]


def test_a_timeout_undone_by_a_fault_leaves_the_offer_pending_and_its_timer_set_again():
    s, task = reserved_for_alice()
    other = s.task(lang="es")  # waits: Alice holds an offer
    with s.fault_when_recording_events("reservation.timeout"), pytest.raises(RuntimeError):
        s.advance(120)  # the workflow's reservation timeout fires; recording it fails
    assert s.reservations(task) == [("Alice", "pending")] and s.reservations(other) == []
    s.advance(1)  # the timer taken off to fire is back
    assert s.reservations(task)[0] == ("Alice", "timeout")


def test_a_queue_change_undone_by_a_fault_puts_its_waiting_tasks_back_in_their_first_order():
    s = desk()
    first = s.task(lang="es")
    s.advance(10)
    s.task(lang="es")
    with s.fault_when_recording_events("task-queue.expression.updated"), pytest.raises(RuntimeError):
        s.update_queue("Spanish", task_order="LIFO", target_workers='languages HAS "es" AND level > 0')
    s.set_activity("Alice", "Idle")  # first in, first out, as before the change undone
    assert s.reservations(first) == [("Alice", "pending")]


def test_a_worker_made_and_undone_by_a_fault_is_never_offered_a_task():
    s = desk()
    with s.fault_when_recording_events("worker.created"), pytest.raises(RuntimeError):
        s.worker("Carla", activity="Idle", languages=["es"])
    task = s.task(lang="es")
    assert s.reservations(task) == [] and s.status(task) == "pending"
