"""The simulation's speed: ``trkit.simulate`` beside a pure SimPy M/M/c model of the same day, in one run.

SimPy's model knows nothing of TaskRouter (a resource of c servers, first come first served); trkit's
runs every call through the workflow, routing, the reservation, the accept instruction and the
completion. The ratio says what TaskRouter's rules cost per call.
"""

from __future__ import annotations

import random
import time
import tracemalloc

import simpy

from trkit.mock.simulation import forget_days, simulate


def simpy_day(agents: int, calls_per_hour: float, mean_handle_seconds: float, hours: float, seed: int) -> int:
    """The same day as an M/M/c queue in SimPy: how many calls it served."""
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    served = [0]

    def call():
        with desk.request() as turn:
            yield turn
            yield env.timeout(rng.expovariate(1.0 / mean_handle_seconds))
            served[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(calls_per_hour / 3600.0))
            if env.now >= hours * 3600:
                return
            env.process(call())

    env.process(arrivals())
    env.run()
    return served[0]


def simulation_speed(agents: int = 50, calls_per_hour: float = 1250, mean_handle_seconds: float = 120, hours: float = 8) -> dict:
    forget_days()  # each day below is simulated, not taken from the days kept
    started = time.perf_counter()
    result = simulate(agents, calls_per_hour, mean_handle_seconds, hours=hours, seed=1)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    served = simpy_day(agents, calls_per_hour, mean_handle_seconds, hours, seed=1)
    theirs = time.perf_counter() - started
    forget_days()
    tracemalloc.start()  # a simulated week beside a day: the mock's own records stay few; the result holds a row per call
    day = simulate(10, 160, 180, hours=24, seed=2)
    _, day_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    week = simulate(10, 160, 180, hours=168, seed=2)
    _, week_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    calls = result.summary["calls"]
    return {"agents": agents, "calls": calls, "seconds": round(ours, 2), "calls_per_s": round(calls / ours),
            "simpy_calls": served, "simpy_seconds": round(theirs, 3), "vs_simpy": round(ours / theirs, 1),
            "day_peak_mb": round(day_peak / 1e6, 1), "week_peak_mb": round(week_peak / 1e6, 1),
            "day_held_records": day.held_at_end, "week_held_records": week.held_at_end}
