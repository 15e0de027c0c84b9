"""A contact centre's day on TaskRouter's own rules: ``trkit.simulate(agents, calls_per_hour, mean_handle_seconds)``.

Calls arrive at random (Poisson), each becomes a Task in a workflow, TaskRouter's routing reserves an
agent, the assignment callback is answered with the ``accept`` instruction, and the agent completes
the task after an exponential (or lognormal) handle time and makes herself available again. A caller
may give up (exponential patience): the task is canceled as a hang-up cancels it. With skills, each
language has its queue, and ``escalate_after`` moves a waiting call on to everyone.

It runs the mock's engine in this process on a clock that stands still between events and jumps to the
next arrival, completion or give-up (TaskRouter's own timers, such as a workflow step's timeout, fire on
the way at their exact instant). Its store keeps the records in memory and writes nothing down, the event
log included: the day's record is the result. The same arguments and seed give the same day.
``trkit.erlang`` says what queueing theory expects of the simplest case.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .engine import NullDispatcher, SidGenerator, Store, TaskRouterEngine
from .engine.clock import Clock

ACCOUNT_SID = "AC" + "5" * 32
START = 1_800_000_000.0  # a whole-second start; only differences matter
FINISHED_TASK_LIFETIME = 300.0  # finished tasks leave the store as on TaskRouter, so a long run stays small


class _StandingClock(Clock):
    """Time that moves only when the simulation advances it."""

    def __init__(self, start: float) -> None:
        super().__init__(0.0)
        self._start = start

    def now(self) -> float:
        return self._start + self.offset


class _AcceptingDesk(NullDispatcher):
    """Every agent's application: it answers each assignment callback with ``accept`` at once, and notes it."""

    def __init__(self, answered: list[tuple[float, dict[str, str]]]) -> None:
        super().__init__()
        self.answered = answered

    def submit(self, items: list, engine: Any) -> list:
        for item in items:
            if item.kind == "assignment":
                engine.reservations.apply_assignment_answer(item.reservation_sid, {"instruction": "accept"})
                self.answered.append((engine.now(), item.params))
        return []


@dataclass
class SimulationResult:
    """``summary``: the day's figures; ``tasks``: one row per call (a pandas DataFrame); ``rows``: the same as dicts."""

    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(repr=False)
    held_at_end: int = 0  # records the mock still held when the day was over (finished tasks leave after 5 minutes)

    @property
    def tasks(self):  # -> pandas.DataFrame
        import pandas as pd

        columns = ["call", "language", "created", "answered", "finished", "outcome", "wait", "queue", "worker"]
        return pd.DataFrame(self.rows, columns=columns)


@dataclass(frozen=True)
class _Plan:
    agents: dict[str, int]  # language -> agents who speak it
    shares: dict[str, float]  # language -> share of calls
    escalate_after: int | None


def _plan(agents: int | dict[str, int], skills: dict[str, float] | None, escalate_after: int | None) -> _Plan:
    if skills is None:
        if not isinstance(agents, int) or agents < 1:
            raise ValueError("agents must be a positive number (or, with skills, a number per language)")
        return _Plan({"": agents}, {"": 1.0}, None)
    if not skills or any(share <= 0 for share in skills.values()) or not math.isclose(sum(skills.values()), 1.0, abs_tol=1e-9):
        raise ValueError(f"skills are each language's share of the calls, all positive and adding up to 1, not {skills!r}")
    if isinstance(agents, int):  # split by the same shares, keeping the total (largest remainders), each language one at least
        split = {language: max(1, math.floor(agents * share)) for language, share in skills.items()}
        by_remainder = sorted(skills, key=lambda language: agents * skills[language] - math.floor(agents * skills[language]), reverse=True)
        for language in by_remainder[:max(0, agents - sum(split.values()))]:
            split[language] += 1
    else:
        split = dict(agents)
    if set(split) != set(skills) or any(n < 1 for n in split.values()):
        raise ValueError(f"agents per language must name the languages of skills, each with at least one agent: {split!r}")
    if escalate_after is not None and escalate_after < 1:
        raise ValueError("escalate_after is the seconds a call waits for its language before everyone may take it")
    return _Plan(split, dict(skills), escalate_after)


def _workspace(engine: TaskRouterEngine, plan: _Plan) -> tuple[str, str, dict[str, list[str]], dict[str, str], str]:
    """The contact centre in TaskRouter: activities, a queue per language (and everyone's), the workflow, agents."""
    ws = engine.configuration.create_workspace("Simulated contact centre", multi_task_enabled=False).sid
    idle = engine.configuration.create_activity(ws, "Idle", True).sid
    busy = engine.configuration.create_activity(ws, "Busy", False).sid
    names = {}
    if plan.shares.keys() == {""}:
        queue = engine.queues.create_task_queue(ws, "Everyone", "1==1", assignment_activity_sid=busy).sid
        names[queue] = "Everyone"
        filters = [{"filter_friendly_name": "Everyone", "expression": "1==1", "targets": [{"queue": queue}]}]
    else:
        everyone = engine.queues.create_task_queue(ws, "Everyone", "1==1", assignment_activity_sid=busy).sid
        names[everyone] = "Everyone"
        filters = []
        for language in plan.shares:
            queue = engine.queues.create_task_queue(ws, language, f'languages HAS "{language}"', assignment_activity_sid=busy).sid
            names[queue] = language
            targets: list[dict[str, Any]] = [{"queue": queue}]
            if plan.escalate_after is not None:
                targets = [{"queue": queue, "timeout": plan.escalate_after}, {"queue": everyone}]
            filters.append({"filter_friendly_name": language, "expression": f'language == "{language}"', "targets": targets})
    config = json.dumps({"task_routing": {"filters": filters}})
    workflow = engine.queues.create_workflow(ws, "Calls", config, assignment_callback_url="http://simulated.invalid/assignment",
                                             task_reservation_timeout=120).sid
    staff: dict[str, list[str]] = {}
    for language, count in plan.agents.items():
        attributes = json.dumps({"languages": [language]} if language else {})
        staff[language] = [engine.workers.create_worker(ws, f"{language or 'agent'}-{i + 1}", activity_sid=idle, attributes=attributes).sid
                           for i in range(count)]
    return ws, workflow, staff, names, idle


# A day is a function of its inputs (its chances come from the seed): the last days simulated are kept, so that a
# notebook run again, or a check that simulates the day the notebook just did, gets it at once. Each caller gets
# its own copy of the rows, so changing one changes no other. At most DAYS_KEPT days, and only days of at most
# ROWS_KEPT calls (a simulated month is not held twice).
DAYS_KEPT = 64
ROWS_KEPT = 20_000
_days: OrderedDict[tuple, SimulationResult] = OrderedDict()
_days_lock = threading.Lock()


def forget_days() -> None:
    """Drop the days kept, so that the next call simulates afresh (the bench, and tests of the simulation itself)."""
    with _days_lock:
        _days.clear()


def simulate(agents: int | dict[str, int], calls_per_hour: float, mean_handle_seconds: float, hours: float = 8, seed: int = 0,
             answer_within: float = 20, patience_seconds: float | None = None, skills: dict[str, float] | None = None,
             escalate_after: int | None = None, handle: str = "exponential", handle_cv: float = 1.0) -> SimulationResult:
    """A day of calls on TaskRouter's rules; see the module's description. ``handle`` is "exponential" or
    "lognormal" (with coefficient of variation ``handle_cv``). The same inputs give the same day (kept: see
    :func:`forget_days`)."""
    inputs = (tuple(sorted(agents.items())) if isinstance(agents, dict) else agents, calls_per_hour, mean_handle_seconds, hours,
              seed, answer_within, patience_seconds, tuple(sorted(skills.items())) if skills else skills, escalate_after, handle,
              handle_cv)
    with _days_lock:
        day = _days.get(inputs)
        if day is not None:
            _days.move_to_end(inputs)
    if day is None:
        day = _simulate(agents, calls_per_hour, mean_handle_seconds, hours, seed, answer_within, patience_seconds, skills,
                        escalate_after, handle, handle_cv)
        if len(day.rows) <= ROWS_KEPT:
            with _days_lock:
                _days[inputs] = day
                while len(_days) > DAYS_KEPT:
                    _days.popitem(last=False)
    return SimulationResult(dict(day.summary), [dict(row) for row in day.rows], day.held_at_end)


def _simulate(agents: int | dict[str, int], calls_per_hour: float, mean_handle_seconds: float, hours: float, seed: int,
              answer_within: float, patience_seconds: float | None, skills: dict[str, float] | None,
              escalate_after: int | None, handle: str, handle_cv: float) -> SimulationResult:
    if calls_per_hour <= 0 or mean_handle_seconds <= 0 or hours <= 0:
        raise ValueError("calls_per_hour, mean_handle_seconds and hours must be positive")
    if handle not in ("exponential", "lognormal"):
        raise ValueError(f"handle is 'exponential' or 'lognormal', not {handle!r}")
    if patience_seconds is not None and patience_seconds <= 0:
        raise ValueError("patience_seconds is the mean time a caller waits before giving up: positive, or None for no one giving up")
    plan = _plan(agents, skills, escalate_after)
    # a stream of its own for each kind of chance: the same seed brings the same callers (when, which language, how
    # long they talk, how patient) whatever the number of agents or the routing, so days compare call for call
    arrivals, languages_drawn, lengths, patience = (random.Random(f"{seed}:{name}") for name in ("arrivals", "language", "length", "patience"))
    answered: list[tuple[float, dict[str, str]]] = []
    # the store writes nothing down: the day's record is the result's rows, and nothing reads the event log; nor does
    # it journal changes to undo a refused one: nothing here is refused, and a day that fails is not finished
    engine = TaskRouterEngine(Store(":memory:", writes=False, journaled=False), ACCOUNT_SID, "simulation", clock=_StandingClock(START), sids=SidGenerator(seed),
                              dispatcher=_AcceptingDesk(answered), finished_task_lifetime=FINISHED_TASK_LIFETIME, copies=False)
    ws, workflow, staff, queue_names, idle = _workspace(engine, plan)
    worker_names = {sid: f"{language or 'agent'}-{i + 1}" for language, sids in staff.items() for i, sid in enumerate(sids)}
    languages, weights = list(plan.shares), list(plan.shares.values())
    end = START + hours * 3600.0
    rate = calls_per_hour / 3600.0
    sigma = math.sqrt(math.log(1 + handle_cv ** 2))
    rows: dict[str, dict[str, Any]] = {}
    holder: dict[str, str] = {}  # task -> the worker who answered it
    talk: dict[str, float] = {}  # task -> how long its caller talks once answered
    busy_time = 0.0
    events: list[tuple[float, int, str, str]] = []
    order = 0

    def at(when: float, kind: str, sid: str) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (when, order, kind, sid))

    def handle_time() -> float:
        if handle == "exponential":
            return lengths.expovariate(1.0 / mean_handle_seconds)
        return lengths.lognormvariate(math.log(mean_handle_seconds) - sigma ** 2 / 2, sigma)

    def take_answers() -> None:
        nonlocal busy_time
        for when, params in answered:
            row = rows[params["TaskSid"]]
            duration = talk.pop(params["TaskSid"])
            row.update(answered=when - START, wait=when - START - row["created"], queue=queue_names.get(params["TaskQueueSid"]),
                       worker=worker_names[params["WorkerSid"]], outcome="answered")
            holder[params["TaskSid"]] = params["WorkerSid"]
            busy_time += max(0.0, min(when + duration, end) - max(when, START))
            at(when + duration, "complete", params["TaskSid"])
        answered.clear()

    at(START + arrivals.expovariate(rate), "arrival", "")
    while events:
        when, _, kind, sid = heapq.heappop(events)
        engine.advance(max(0.0, when - engine.now()))  # TaskRouter's own timers fire on the way, each at its instant
        take_answers()
        if kind == "arrival":
            language = languages_drawn.choices(languages, weights)[0]
            attributes = json.dumps({"language": language} if language else {"call": len(rows) + 1})
            task = engine.tasks.create_task(ws, attributes=attributes, workflow_sid=workflow, timeout=86_400).sid
            rows[task] = {"call": len(rows) + 1, "language": language or None, "created": when - START, "answered": None,
                          "finished": None, "outcome": "waiting", "wait": None, "queue": None, "worker": None}
            if patience_seconds is not None:
                at(when + patience.expovariate(1.0 / patience_seconds), "give up", task)
            talk[task] = handle_time()  # how long this caller will talk, once answered
            following = when + arrivals.expovariate(rate)
            if following < end:
                at(following, "arrival", "")
        elif kind == "complete":
            engine.tasks.update_task(ws, sid, assignment_status="completed", reason="handled")
            rows[sid].update(finished=when - START)
            engine.workers.update_worker(ws, holder.pop(sid), activity_sid=idle)  # ready for the next call
        elif kind == "give up" and rows[sid]["outcome"] == "waiting":
            engine.tasks.update_task(ws, sid, assignment_status="canceled", reason=engine.voice.caller_hangup_reason)
            rows[sid].update(outcome="abandoned", finished=when - START)
        take_answers()
    held = sum(len(engine.store.all(kind)) for kind in ("task", "reservation", "worker", "activity", "task_queue", "workflow"))
    return SimulationResult(_summary(list(rows.values()), answer_within, busy_time, sum(plan.agents.values()), hours), list(rows.values()),
                            held)


def _summary(rows: list[dict[str, Any]], answer_within: float, busy_time: float, agents: int, hours: float) -> dict[str, Any]:
    answered = [r for r in rows if r["outcome"] == "answered"]
    waits = [r["wait"] for r in answered]
    return {
        "calls": len(rows),
        "answered": len(answered),
        "abandoned": sum(1 for r in rows if r["outcome"] == "abandoned"),
        # the share of all calls answered within answer_within seconds (a call given up counts against it)
        "service_level": sum(1 for w in waits if w <= answer_within) / len(rows) if rows else 1.0,
        "asa_seconds": sum(waits) / len(waits) if waits else 0.0,
        "occupancy": busy_time / (agents * hours * 3600.0),
        "agents": agents,
    }
