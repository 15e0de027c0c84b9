"""The store and the rules without HTTP: plain objects, a NullDispatcher, a controlled clock."""

from __future__ import annotations

import json

import pytest

from trkit.language.vocabulary import looks_like
from trkit.mock.engine import NullDispatcher, TaskRouterEngine
from trkit.mock.engine.clock import Clock
from trkit.mock.engine.errors import TaskRouterError
from trkit.mock.engine.records import Worker
from trkit.mock.engine.sids import SidGenerator
from trkit.mock.engine.store import Store

ACCOUNT = "AC" + "1" * 32


def make_engine(path: str = ":memory:", seed: int | None = 7) -> TaskRouterEngine:
    return TaskRouterEngine(Store(path), ACCOUNT, "token", clock=Clock(), sids=SidGenerator(seed), dispatcher=NullDispatcher())


def setup_basic(engine: TaskRouterEngine, callback: str | None = "http://127.0.0.1:1/cb"):
    ws = engine.configuration.create_workspace("Unit", multi_task_enabled=False)
    idle = engine.configuration.create_activity(ws.sid, "Idle", True)
    reserved = engine.configuration.create_activity(ws.sid, "Reserved", False)
    busy = engine.configuration.create_activity(ws.sid, "Busy", False)
    queue = engine.queues.create_task_queue(ws.sid, "es", 'languages HAS "es"', reservation_activity_sid=reserved.sid, assignment_activity_sid=busy.sid)
    config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue.sid}]}]}})
    workflow = engine.queues.create_workflow(ws.sid, "wf", config, assignment_callback_url=callback)
    alice = engine.workers.create_worker(ws.sid, "Alice", attributes='{"languages": ["es"]}')
    return ws, idle, reserved, busy, queue, workflow, alice


def test_seeded_sids_repeat():
    first = [SidGenerator(42).new("WT") for _ in range(1)]
    again = [SidGenerator(42).new("WT") for _ in range(1)]
    assert first == again and looks_like(first[0], "WT") and len(first[0]) == 34
    a, b = make_engine(seed=3), make_engine(seed=3)
    assert a.configuration.create_workspace("x").sid == b.configuration.create_workspace("x").sid


def test_store_round_trip_through_sqlite(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    engine = make_engine(path)
    ws, idle, *_ , alice = setup_basic(engine)
    engine.store.close()
    reopened = Store(path)
    worker = reopened.get("worker", alice.sid)
    assert isinstance(worker, Worker) and worker.friendly_name == "Alice"
    assert [a.friendly_name for a in reopened.all("activity", ws.sid)] == ["Offline", "Available", "Unavailable", "Idle", "Reserved", "Busy"]


def test_failed_change_leaves_nothing_half_written(tmp_path):
    engine = make_engine(str(tmp_path / "s.sqlite3"))
    ws, *_ = setup_basic(engine)
    before = engine.dump()
    with pytest.raises(TaskRouterError):
        engine.workers.create_worker(ws.sid, "Bad", attributes="{oops")
    with pytest.raises(TaskRouterError):
        engine.queues.create_task_queue(ws.sid, "Broken", "a ==")
    after = engine.dump()
    before.pop("clock"), after.pop("clock")
    assert before == after


def test_rule_failure_mid_change_rolls_back_memory(tmp_path):
    engine = make_engine(str(tmp_path / "s.sqlite3"))
    ws, idle, *_, alice = setup_basic(engine)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    engine.events.emit = explode  # fails after the worker object was already changed in memory
    with pytest.raises(RuntimeError):
        engine.workers.update_worker(ws.sid, alice.sid, attributes='{"languages": ["fr"]}')
    del engine.events.emit
    assert json.loads(engine.lookups.worker(ws.sid, alice.sid).attributes) == {"languages": ["es"]}


def test_routing_without_http_queues_the_callback():
    engine = make_engine()
    ws, idle, reserved, busy, queue, workflow, alice = setup_basic(engine)
    task = engine.tasks.create_task(ws.sid, attributes='{"x": 1}')
    engine.workers.update_worker(ws.sid, alice.sid, activity_sid=idle.sid)
    (res,) = engine.store.reservations_of_task(task.sid)
    assert res.reservation_status == "pending" and engine.lookups.worker(ws.sid, alice.sid).activity_sid == reserved.sid
    (callback,) = [o for o in engine.dispatcher.sent if o.kind == "assignment"]
    assert callback.params["ReservationSid"] == res.sid and callback.url == "http://127.0.0.1:1/cb"
    assert engine.reservations.apply_assignment_answer(res.sid, {"instruction": "accept"}) == "accept applied"
    assert engine.lookups.task(ws.sid, task.sid).assignment_status == "assigned"
    assert engine.lookups.worker(ws.sid, alice.sid).activity_sid == busy.sid


def test_bad_callback_instruction_leaves_reservation_pending():
    engine = make_engine()
    ws, idle, *_ , alice = setup_basic(engine)
    task = engine.tasks.create_task(ws.sid)
    engine.workers.update_worker(ws.sid, alice.sid, activity_sid=idle.sid)
    (res,) = engine.store.reservations_of_task(task.sid)
    with pytest.raises(TaskRouterError) as info:
        engine.reservations.apply_assignment_answer(res.sid, {"instruction": "teleport"})
    assert info.value.code == 55555
    assert engine.reservations.apply_assignment_answer(res.sid, {}) .startswith("no instruction")
    assert engine.store.get("reservation", res.sid).reservation_status == "pending"


def test_clock_advance_fires_timers_in_order():
    engine = make_engine()
    ws, idle, *_ , alice = setup_basic(engine)
    short = engine.tasks.create_task(ws.sid, timeout=50)
    engine.workers.update_worker(ws.sid, alice.sid, activity_sid=idle.sid)
    (res,) = engine.store.reservations_of_task(short.sid)
    start = engine.now()
    engine.advance(60)
    assert engine.now() >= start + 60
    # the TTL (50 s) fell due before the reservation timeout (120 s): the task was canceled, the reservation with it
    assert engine.lookups.task(ws.sid, short.sid).assignment_status == "canceled"
    assert engine.store.get("reservation", res.sid).reservation_status == "canceled"


def test_timers_survive_a_restart(tmp_path):
    path = str(tmp_path / "s.sqlite3")
    engine = make_engine(path)
    ws, idle, *_ , alice = setup_basic(engine)
    task = engine.tasks.create_task(ws.sid)
    engine.workers.update_worker(ws.sid, alice.sid, activity_sid=idle.sid)
    engine.store.close()
    again = TaskRouterEngine(Store(path), ACCOUNT, "token", sids=SidGenerator(1), dispatcher=NullDispatcher())
    again.advance(121)
    (res,) = again.store.reservations_of_task(task.sid)
    assert res.reservation_status == "timeout"


def test_worker_freed_by_rescind_takes_the_next_task():
    # a task offered to two workers at once: when one accepts, the other's offer is rescinded
    # and that worker must be routed to the task still waiting
    engine = make_engine()
    ws, idle, reserved, busy, queue, workflow, alice = setup_basic(engine)
    engine.queues.update_task_queue(ws.sid, queue.sid, max_reserved_workers=2)
    carla = engine.workers.create_worker(ws.sid, "Carla", attributes='{"languages": ["es"]}')
    for worker in (carla, alice):
        engine.workers.update_worker(ws.sid, worker.sid, activity_sid=idle.sid)
    first = engine.tasks.create_task(ws.sid, attributes="{}", workflow_sid=workflow.sid)
    second = engine.tasks.create_task(ws.sid, attributes="{}", workflow_sid=workflow.sid)
    offers = engine.store.reservations_of_task(first.sid)
    assert sorted(r.worker_name for r in offers) == ["Alice", "Carla"]
    winner = next(r for r in offers if r.worker_name == "Carla")
    engine.reservations.update_reservation(ws.sid, winner.sid, task_sid=first.sid, reservation_status="accepted")
    assert {r.worker_name: r.reservation_status for r in engine.store.reservations_of_task(first.sid)} == {"Carla": "accepted", "Alice": "rescinded"}
    [offer] = engine.store.reservations_of_task(second.sid)
    assert (offer.worker_name, offer.reservation_status) == ("Alice", "pending")


def test_workspace_rebuilt_under_the_same_seed_routes_and_reloads(tmp_path):
    # a seeded mock gives a deleted and rebuilt workspace the very same SIDs: nothing of the old one may linger
    path = str(tmp_path / "s.sqlite3")
    engine = make_engine(path, seed=None)

    def lesson() -> str:
        engine.sids.seed(5)
        for old in engine.configuration.list_workspaces("Unit"):
            engine.configuration.delete_workspace(old.sid)
        ws, idle, reserved, busy, queue, workflow, alice = setup_basic(engine)
        task = engine.tasks.create_task(ws.sid, attributes="{}", workflow_sid=workflow.sid)
        engine.workers.update_worker(ws.sid, alice.sid, activity_sid=idle.sid)
        [offer] = engine.store.reservations_of_task(task.sid)
        assert offer.reservation_status == "pending"
        return task.sid

    assert lesson() == lesson()
    engine.store.close()
    reopened = Store(path)
    assert len(reopened.all("workspace")) == 1 and len(reopened.all("task")) == 1
