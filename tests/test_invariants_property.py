"""Random sequences of TaskRouter operations never break the routing invariants."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from scenario import examples

from trkit.language.vocabulary import FINAL_RESERVATION_STATUSES
from trkit.mock.engine import NullDispatcher, TaskRouterEngine
from trkit.mock.engine.clock import Clock
from trkit.mock.engine.errors import TaskRouterError
from trkit.mock.engine.sids import SidGenerator
from trkit.mock.engine.store import Store

WORKERS = {"Alice": ["en", "es"], "Bob": ["en"], "Carla": ["es"], "Dan": ["en", "es"]}


class Routing(RuleBasedStateMachine):
    @initialize(multi=st.booleans(), max_reserved=st.integers(1, 3))
    def build(self, multi: bool, max_reserved: int) -> None:
        self.engine = TaskRouterEngine(Store(), "AC" + "2" * 32, "t", clock=Clock(), sids=SidGenerator(0), dispatcher=NullDispatcher())
        e = self.engine
        self.ws = e.configuration.create_workspace("Prop", multi_task_enabled=multi).sid
        self.activities = {a.friendly_name: a.sid for a in e.configuration.list_activities(self.ws)}
        for name, available in (("Idle", True), ("Busy", False), ("Reserved", False)):
            self.activities[name] = e.configuration.create_activity(self.ws, name, available).sid
        queues = {}
        for lang in ("es", "en"):
            queues[lang] = e.queues.create_task_queue(self.ws, lang, f'languages HAS "{lang}"', max_reserved_workers=max_reserved,
                                               reservation_activity_sid=self.activities["Reserved"],
                                               assignment_activity_sid=self.activities["Busy"]).sid
        config = {"task_routing": {"filters": [
            {"expression": 'lang == "es"', "targets": [{"queue": queues["es"], "timeout": 30}, {"queue": queues["en"]}]},
            {"expression": 'lang == "en"', "targets": [{"queue": queues["en"]}]},
        ]}}
        e.queues.create_workflow(self.ws, "wf", json.dumps(config), assignment_callback_url="http://127.0.0.1:1/cb", task_reservation_timeout=60)
        self.workers = {name: e.workers.create_worker(self.ws, name, attributes=json.dumps({"languages": langs})).sid for name, langs in WORKERS.items()}
        self.finals: dict[str, str] = {}

    def _pending(self):
        return [r for r in self.engine.store.all("reservation", self.ws) if r.reservation_status == "pending"]

    @rule(lang=st.sampled_from(["es", "en", "fr"]), priority=st.integers(0, 3))
    def create_task(self, lang, priority):
        self.engine.tasks.create_task(self.ws, attributes=json.dumps({"lang": lang}), priority=priority, timeout=500)

    @rule(worker=st.sampled_from(list(WORKERS)), activity=st.sampled_from(["Idle", "Offline", "Busy"]), reject=st.booleans())
    def set_activity(self, worker, activity, reject):
        self.engine.workers.update_worker(self.ws, self.workers[worker], activity_sid=self.activities[activity], reject_pending_reservations=reject)

    @rule(index=st.integers(0, 10), how=st.sampled_from(["accepted", "rejected", "accept-callback", "reject-callback"]))
    def answer(self, index, how):
        pending = self._pending()
        if not pending:
            return
        res = pending[index % len(pending)]
        if how.endswith("callback"):
            instruction = {"instruction": how.split("-")[0]}
            self.engine.reservations.apply_assignment_answer(res.sid, instruction)
        else:
            self.engine.reservations.update_reservation(self.ws, res.sid, task_sid=res.task_sid, reservation_status=how)

    @rule(index=st.integers(0, 10), status=st.sampled_from(["canceled", "completed", "wrapping"]))
    def change_task(self, index, status):
        tasks = self.engine.store.all("task", self.ws)
        if not tasks:
            return
        task = tasks[index % len(tasks)]
        try:
            self.engine.tasks.update_task(self.ws, task.sid, assignment_status=status, reason="property")
        except TaskRouterError:
            pass  # illegal transitions are refused; the invariants say nothing changed

    @rule(seconds=st.sampled_from([1, 15, 31, 61, 200]))
    def advance(self, seconds):
        self.engine.advance(seconds)

    @invariant()
    def routing_invariants(self):
        if not hasattr(self, "engine"):
            return
        store = self.engine.store
        multi = store.get("workspace", self.ws).multi_task_enabled
        for task in store.all("task", self.ws):
            reservations = store.reservations_of_task(task.sid)
            won = [r for r in reservations if r.reservation_status in ("accepted", "wrapping", "completed")]
            pending = [r for r in reservations if r.reservation_status == "pending"]
            assert len(won) <= 1, f"task {task.sid} has {len(won)} accepted reservations"
            if task.assignment_status in ("assigned", "wrapping", "completed"):
                assert len(won) == 1, (task.assignment_status, [r.reservation_status for r in reservations])
            if task.assignment_status == "reserved":
                assert pending, "a reserved task must have a pending reservation"
            if task.assignment_status in ("pending", "canceled", "completed"):
                assert not pending, f"{task.assignment_status} task with pending reservations"
            assert len({r.worker_sid for r in pending}) == len(pending), "a worker holds two pending reservations of one task"
        for worker_sid in self.workers.values():
            active = [r for r in store.reservations_of_worker(worker_sid) if r.reservation_status in ("pending", "accepted", "wrapping")]
            if not multi:
                assert len(active) <= 1, f"single-tasking worker with {len(active)} active reservations"
        # routing leaves nothing undone: no waiting task has an open slot and an eligible free worker.
        # Eligibility is written out from the reference (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment) instead of asking the engine.
        for task in store.all("task", self.ws):
            queue = store.get("task_queue", task.task_queue_sid)
            if queue is None or task.assignment_status not in ("pending", "reserved"):
                continue
            reservations = store.reservations_of_task(task.sid)
            offered = {r.worker_sid for r in reservations if r.reservation_status == "pending"}
            if any(r.reservation_status in ("accepted", "wrapping") for r in reservations) or len(offered) >= queue.max_reserved_workers:
                continue
            for name, sid in self.workers.items():
                worker = store.get("worker", sid)
                busy = any(r.reservation_status in ("pending", "accepted", "wrapping") for r in store.reservations_of_worker(sid))
                could = store.get("activity", worker.activity_sid).available and not busy and sid not in offered \
                    and queue.friendly_name in WORKERS[name]
                assert not could, f"task {task.sid} waits in {queue.friendly_name} while {name} could take it"
        for res in store.all("reservation", self.ws):
            if res.sid in self.finals:
                assert res.reservation_status == self.finals[res.sid], "a final reservation status changed"
            if res.reservation_status in FINAL_RESERVATION_STATUSES:
                self.finals[res.sid] = res.reservation_status


class TestRouting(Routing.TestCase):
    @property
    def settings(self):
        return settings(max_examples=examples(150), stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
