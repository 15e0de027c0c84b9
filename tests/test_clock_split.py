"""Time is exact: how an advance of the mock clock is split never changes what happens.

Every timer fires at its own instant and everything it causes (re-routing, new reservations
and their timers, events) happens at that instant, before the next timer is looked at
(https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment). So one advance of
200 s and twenty of 10 s must leave the same state and the same event log, with the same
timestamps — in-process and over HTTP alike.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario import EPOCH, FrozenClock, Scenario, examples, new_engine

from trkit.mock.server import MockServer

WORKERS = ("A", "B", "C")


def two_workers_one_task(advance) -> Scenario:
    """The reference's case: single-tasking, A and B available, one queue, a 60 s reservation timeout."""
    s = Scenario()
    s.queue("Everyone")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone"}]}], task_reservation_timeout=60)
    s.worker("A", "Idle")
    s.worker("B", "Idle")
    task = s.task()
    advance(s)
    return s, task


def test_one_long_advance_times_out_both_workers_as_the_reference_says():
    # A is offered the task at t=0 and times out at 60; B is offered it at 60 and times out at 120:
    # by t=200 both are in the timeout activity (Offline) and the task waits again.
    s, task = two_workers_one_task(lambda s: s.advance(200))
    assert s.status(task) == "pending"
    assert s.reservations(task) == [("A", "timeout"), ("B", "timeout")]
    assert (s.activity_of("A"), s.activity_of("B")) == ("Offline", "Offline")
    offers = sorted(e.event_date - EPOCH for e in s.engine.events.list_events(s.ws, event_type="reservation.created"))
    assert offers == [0, 60]  # B's offer is made when A's times out, not when the advance ends


def test_twenty_short_advances_leave_the_same_state():
    one, _ = two_workers_one_task(lambda s: s.advance(200))
    many, _ = two_workers_one_task(lambda s: [s.advance(10) for _ in range(20)])
    assert comparable(one.engine.dump()) == comparable(many.engine.dump())


def comparable(dump: dict) -> dict:
    return json.loads(json.dumps(dump, sort_keys=True, default=str))


# ------------------------------------------------------------------ random scenarios, random splits
action = st.one_of(
    st.tuples(st.just("advance"), st.integers(1, 400)),
    st.tuples(st.just("task"), st.sampled_from([None, 90, 250, 600])),
    st.tuples(st.just("idle"), st.sampled_from(WORKERS)),
    st.tuples(st.just("offline"), st.sampled_from(WORKERS)),
    st.tuples(st.just("accept"), st.just(None)),
    st.tuples(st.just("reject"), st.just(None)),
)
scenario = st.fixed_dictionaries({
    "multi": st.booleans(),
    "reservation_timeout": st.sampled_from([30, 60, 120]),
    "step_timeout": st.sampled_from([None, 45, 150]),
    "actions": st.lists(action, min_size=1, max_size=14),
})


class Direct:
    """The scenario's steps as engine calls (in-process)."""

    def __init__(self, plan: dict) -> None:
        self.s = s = Scenario(multi_task=plan["multi"], engine=new_engine(seed=5))
        s.queue("First")
        s.queue("Second")
        first = {"queue": "First", **({"timeout": plan["step_timeout"]} if plan["step_timeout"] else {})}
        s.workflow([{"expression": "1==1", "targets": [first, {"queue": "Second"}]}],
                   task_reservation_timeout=plan["reservation_timeout"])
        for name in WORKERS:
            s.worker(name)

    def step(self, kind: str, arg) -> None:
        s = self.s
        if kind == "advance":
            s.advance(arg)
        elif kind == "task":
            s.task(timeout=arg)
        elif kind in ("idle", "offline"):
            s.set_activity(arg, "Idle" if kind == "idle" else "Offline")
        else:
            pending = sorted((r.sid, r.task_sid) for w in s.workers.values()
                             for r in s.engine.reservations.list_reservations(s.ws, worker_sid=w) if r.reservation_status == "pending")
            if pending:
                self.answer(*pending[0], "accepted" if kind == "accept" else "rejected")

    def answer(self, reservation_sid: str, task_sid: str, status: str) -> None:
        self.s.engine.reservations.update_reservation(self.s.ws, reservation_sid, task_sid=task_sid, reservation_status=status)

    def state(self) -> dict:
        return comparable(self.s.engine.dump())


class OverHttp:
    """The same steps through the official twilio library and ``POST /mock/clock``, on a frozen clock."""

    def __init__(self, plan: dict) -> None:
        self.server = MockServer(seed=5, clock=FrozenClock()).start()
        self.control = self.server.control()
        ws = self.ws = self.server.client().taskrouter.v1.workspaces.create(
            friendly_name="Rules", multi_task_enabled=plan["multi"])
        activities = {a.friendly_name: a.sid for a in ws.activities.list()}
        idle = ws.activities.create(friendly_name="Idle", available=True).sid
        self.activities = {"idle": idle, "offline": activities["Offline"]}
        busy = ws.activities.create(friendly_name="Busy", available=False).sid
        queues = [ws.task_queues.create(friendly_name=name, target_workers="1==1", assignment_activity_sid=busy).sid
                  for name in ("First", "Second")]
        first = {"queue": queues[0], **({"timeout": plan["step_timeout"]} if plan["step_timeout"] else {})}
        config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [first, {"queue": queues[1]}]}]}}
        self.workflow = ws.workflows.create(friendly_name="wf", configuration=json.dumps(config),
                                            task_reservation_timeout=plan["reservation_timeout"]).sid
        self.workers = {name: ws.workers.create(friendly_name=name).sid for name in WORKERS}

    def step(self, kind: str, arg) -> None:
        ws = self.ws
        if kind == "advance":
            self.control.advance(arg)
        elif kind == "task":
            ws.tasks.create(workflow_sid=self.workflow, attributes="{}", **({"timeout": arg} if arg else {}))
        elif kind in ("idle", "offline"):
            ws.workers(self.workers[arg]).update(activity_sid=self.activities[kind])
        else:
            pending = sorted((r.sid, r.task_sid) for w in self.workers.values()
                             for r in ws.workers(w).reservations.list() if r.reservation_status == "pending")
            if pending:
                res_sid, task_sid = pending[0]
                ws.tasks(task_sid).reservations(res_sid).update(
                    reservation_status="accepted" if kind == "accept" else "rejected")

    def state(self) -> dict:
        try:
            return comparable(self.control.state())
        finally:
            self.server.stop()


def run(plan: dict, splits: list[int], runner) -> dict:
    """Apply ``plan``; each advance is cut into parts at ``splits`` (fractions in per-mille)."""
    cuts = iter(splits)
    for kind, arg in plan["actions"]:
        if kind == "advance":
            parts = split(arg, next(cuts, 1000))
            for part in parts:
                runner.step("advance", part)
        else:
            runner.step(kind, arg)
    return runner.state()


def split(total: int, per_mille: int) -> list[float]:
    first = total * per_mille // 1000
    return [p for p in (first, total - first) if p > 0]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario, st.lists(st.integers(0, 1000), max_size=14), st.lists(st.integers(1, 20), max_size=14))
def test_any_split_of_the_clock_gives_the_same_state_and_event_log(plan, cuts, pieces):
    whole = run(plan, [], Direct(plan))
    halves = run(plan, cuts, Direct(plan))
    assert halves == whole
    # and in many small steps: every advance in ``n`` equal parts
    runner = Direct(plan)
    counts = iter(pieces)
    for kind, arg in plan["actions"]:
        if kind == "advance":
            n = next(counts, 1)
            for i in range(n):  # whole seconds, so the parts add up exactly
                runner.step("advance", arg * (i + 1) // n - arg * i // n)
        else:
            runner.step(kind, arg)
    assert runner.state() == whole


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario, st.lists(st.integers(0, 1000), max_size=14))
def test_over_http_a_split_clock_gives_the_same_state_and_event_log(plan, cuts):
    assert run(plan, cuts, OverHttp(plan)) == run(plan, [], OverHttp(plan))
