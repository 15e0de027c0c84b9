"""The mock against an independent reference model (tests/oracle.py) on random scenarios.

After every step both must agree on each task's status and holder and each worker's activity.
The model is written from the reference and shares no code with the engine, so a routing rule
changed in the engine shows up as a disagreement here.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from oracle import Model
from scenario import Scenario, examples

from trkit.mock.engine.errors import TaskRouterError

WORKERS = {"Alice": ["en", "es"], "Bob": ["en"], "Carla": ["es"], "Dan": ["en", "es"]}
TIMEOUT = 60


class AgainstTheModel(RuleBasedStateMachine):
    @initialize()
    def build(self) -> None:
        s = self.s = Scenario()
        for lang in ("es", "en"):
            s.queue(lang, f'languages HAS "{lang}"')
        s.queue("anyone")
        s.workflow([{"expression": f'lang == "{lang}"', "targets": [{"queue": lang}]} for lang in ("es", "en")],
                   default="anyone", task_reservation_timeout=TIMEOUT)
        self.model = Model(reservation_timeout=TIMEOUT)
        for name, langs in WORKERS.items():
            s.worker(name, languages=langs)
            self.model.add_worker(name, langs)
        self.sids: dict[str, str] = {}

    def tick(self) -> None:
        """One second between steps, so that every step happens at its own time."""
        self.s.advance(1)
        self.model.advance(1)

    def pick(self, status: str, index: int) -> str | None:
        """After a second passes (a reservation may time out in it), one task in ``status``, if any."""
        self.tick()
        tasks = self.tasks_in(status)
        return tasks[index % len(tasks)] if tasks else None

    def tasks_in(self, *statuses: str) -> list[str]:
        return sorted(k for k, t in self.model.tasks.items() if t.status in statuses and not t.deleted)

    @rule(lang=st.sampled_from(["es", "en", "fr"]), priority=st.integers(0, 2))
    def create_task(self, lang, priority):
        self.tick()
        key = f"t{len(self.sids)}"
        self.sids[key] = self.s.task(priority=priority, lang=lang)
        self.model.add_task(key, lang, priority)

    @rule(worker=st.sampled_from(list(WORKERS)), activity=st.sampled_from(["Idle", "Offline", "Busy"]))
    def set_activity(self, worker, activity):
        if self.model.busy(self.model.workers[worker]) and any(
                r.worker == worker and r.status == "pending" for r in self.model.reservations):
            return  # moving a worker with a pending offer is left unconfirmed by the reference
        self.tick()
        self.s.set_activity(worker, activity)
        self.model.set_activity(worker, activity)

    @precondition(lambda self: hasattr(self, "model") and self.tasks_in("reserved"))
    @rule(index=st.integers(0, 20), how=st.sampled_from(["accept", "reject", "accept-callback", "reject-callback"]))
    def answer(self, index, how):
        key = self.pick("reserved", index)
        if key is None:
            return
        if how == "accept":
            self.s.accept(self.sids[key])
        elif how == "reject":
            self.s.reject(self.sids[key], activity="Offline")
        elif how == "accept-callback":
            self.s.answer(self.sids[key], instruction="accept")
        else:
            self.s.answer(self.sids[key], instruction="reject", activity_sid=self.s.activities["Offline"])
        (self.model.accept if how.startswith("accept") else self.model.reject)(key)

    @precondition(lambda self: hasattr(self, "model") and self.tasks_in("assigned"))
    @rule(index=st.integers(0, 20))
    def complete(self, index):
        key = self.pick("assigned", index)
        if key is None:
            return
        self.s.set_task(self.sids[key], "completed")
        self.model.complete(key)

    @precondition(lambda self: hasattr(self, "model") and self.tasks_in("pending"))
    @rule(index=st.integers(0, 20))
    def cancel(self, index):
        key = self.pick("pending", index)
        if key is None:
            return
        self.s.set_task(self.sids[key], "canceled")
        self.model.cancel(key)

    @rule(seconds=st.sampled_from([5, 30, 59, 60, 61, 150, 299]))
    def advance(self, seconds):
        self.s.advance(seconds)
        self.model.advance(seconds)

    @invariant()
    def agree(self):
        if not hasattr(self, "model"):
            return
        for key, sid in self.sids.items():
            if self.model.tasks[key].deleted:
                with pytest.raises(TaskRouterError) as gone:
                    self.s.fetch_task(sid)
                assert gone.value.status == 404, f"task {key} should have been deleted"
                continue
            expected = (self.model.tasks[key].status, self.model.holder(key))
            assert (self.s.status(sid), self.s.holder(sid)) == expected, f"task {key} ({json.loads(self.s.fetch_task(sid).attributes)})"
        for name, worker in self.model.workers.items():
            assert self.s.activity_of(name) == worker.activity, f"worker {name}"


class TestAgainstTheModel(AgainstTheModel.TestCase):
    @property
    def settings(self):
        return settings(max_examples=examples(120), stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
