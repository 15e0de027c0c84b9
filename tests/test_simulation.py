"""trkit.simulate on TaskRouter's rules, held against Erlang C (trkit/erlang.py writes the formulas out).

The simulated M/M/c day must agree with queueing theory within its own confidence interval: batch
means over the day after a warm-up hour, a 99% interval from Student's t. The figures compared are the
service level (answered within 20 s), the average speed of answer and the occupancy.
"""

from __future__ import annotations

import math
import statistics

import pytest

from trkit.erlang import erlang_a, erlang_b, erlang_c, fewest_agents
from trkit.mock import simulation
from trkit.mock.engine.store import Store
from trkit.mock.simulation import forget_days, simulate

T_99_19 = 2.861  # Student's t, two-sided 99%, 19 degrees of freedom (20 batches)
HANDLE = 180.0


def erlang_c_by_its_sum(agents: int, load: float) -> float:
    """The textbook form (https://en.wikipedia.org/wiki/Erlang_(unit), "Erlang C formula"): written apart from the recursion."""
    top = load ** agents / math.factorial(agents) * agents / (agents - load)
    return top / (sum(load ** k / math.factorial(k) for k in range(agents)) + top)


@pytest.mark.parametrize(("agents", "load"), [(1, 0.5), (5, 3.5), (10, 8.0), (25, 22.5), (11, 10.0)])
def test_the_recursion_gives_the_textbook_erlang_c(agents, load):
    figures = erlang_c(agents, load * 3600 / HANDLE, HANDLE)
    assert figures.wait_probability == pytest.approx(erlang_c_by_its_sum(agents, load), rel=1e-9)
    assert figures.occupancy == pytest.approx(load / agents)
    assert figures.asa_seconds == pytest.approx(figures.wait_probability * HANDLE / (agents - load))


def test_worked_examples():
    # 120 customers an hour, 3 minutes each, 10 assistants: "the probability of waiting is about 0.10"
    assert erlang_c(10, 120, 180).wait_probability == pytest.approx(0.10, abs=0.005)
    # one server: the M/M/1 queue waits with probability rho, and Erlang B of one server is A / (1 + A)
    assert erlang_c(1, 10, 180).wait_probability == pytest.approx(0.5)
    assert erlang_b(1, 0.5) == pytest.approx(0.5 / 1.5)
    assert fewest_agents(360, 240) == 29  # 24 Erlangs at 80/20
    assert erlang_c(28, 360, 240).service_level < 0.8 <= erlang_c(29, 360, 240).service_level


def test_an_overloaded_centre_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="cannot keep up"):
        erlang_c(5, 100, 180)


def batch_means(tasks, agents: int, hours: float, batches: int = 20) -> dict[str, tuple[float, float]]:
    """(mean, half-width of the 99% interval) of each figure over equal batches of the day after its first hour."""
    warm, length = 3600.0, (hours * 3600.0 - 3600.0) / batches
    figures: dict[str, list[float]] = {"service_level": [], "asa_seconds": [], "occupancy": []}
    for b in range(batches):
        start, stop = warm + b * length, warm + (b + 1) * length
        calls = tasks[(tasks.created >= start) & (tasks.created < stop)]
        figures["service_level"].append(float((calls.wait <= 20).mean()))
        figures["asa_seconds"].append(float(calls.wait.mean()))
        figures["occupancy"].append(float((calls.finished - calls.answered).sum() / (agents * length)))
    return {name: (statistics.fmean(values), T_99_19 * statistics.stdev(values) / math.sqrt(batches)) for name, values in figures.items()}


@pytest.mark.parametrize(("agents", "rho", "hours"), [(5, 0.7, 80), (10, 0.8, 40), (25, 0.9, 16)])
def test_a_simulated_day_agrees_with_erlang_c(agents, rho, hours):
    calls_per_hour = rho * agents * 3600 / HANDLE
    result = simulate(agents, calls_per_hour, HANDLE, hours=hours, seed=agents)
    assert result.summary["abandoned"] == 0 and result.summary["answered"] == result.summary["calls"]
    expected = erlang_c(agents, calls_per_hour, HANDLE, answer_within=20)
    measured = batch_means(result.tasks, agents, hours)
    for name, theory in (("service_level", expected.service_level), ("asa_seconds", expected.asa_seconds),
                         ("occupancy", expected.occupancy)):
        mean, half_width = measured[name]
        assert abs(mean - theory) <= half_width, f"{name}: simulated {mean:.4f} ± {half_width:.4f}, Erlang C {theory:.4f}"


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    forget_days()
    first = simulate(3, 40, 180, hours=2, seed=7).rows
    forget_days()  # simulated afresh, not the day kept
    again, other = (simulate(3, 40, 180, hours=2, seed=seed).rows for seed in (7, 8))
    assert first == again and first != other


def test_a_day_is_the_same_with_a_journal_as_without_one(monkeypatch):
    """The simulation's store journals nothing (nothing in a day is refused); one that journals gives the same
    day, call for call, callers who give up and an escalation included."""
    made: list[Store] = []

    def day(journaled: bool | None) -> simulation.SimulationResult:
        def store(*args, **kwargs) -> Store:
            made.append(Store(*args, **(kwargs if journaled is None else {**kwargs, "journaled": journaled})))
            return made[-1]

        monkeypatch.setattr(simulation, "Store", store)
        forget_days()
        return simulate({"en": 2, "es": 2}, 60, 180, hours=2, seed=5, patience_seconds=90, skills={"en": 0.5, "es": 0.5},
                        escalate_after=30)

    as_made, journaled = day(None), day(True)
    assert [store.journaled for store in made] == [False, True]
    assert as_made.rows == journaled.rows and as_made.summary == journaled.summary
    assert {row["outcome"] for row in as_made.rows} == {"answered", "abandoned"}


def test_a_day_simulated_again_is_the_day_kept_and_each_caller_gets_its_own_copy(monkeypatch):
    forget_days()
    first = simulate(3, 40, 180, hours=1, seed=11)
    monkeypatch.setattr(simulation, "_simulate", lambda *args: pytest.fail("the same inputs were simulated again"))
    again = simulate(3, 40, 180, hours=1, seed=11)
    assert again.rows == first.rows and again.summary == first.summary
    again.rows[0]["outcome"], again.summary["calls"] = "changed", -1
    third = simulate(3, 40, 180, hours=1, seed=11)
    assert third.rows[0]["outcome"] != "changed" and third.summary["calls"] == first.summary["calls"]
    with pytest.raises(pytest.fail.Exception):
        simulate(3, 40, 180, hours=1, seed=12)  # other inputs: another day, simulated
    monkeypatch.undo()
    for seed in range(simulation.DAYS_KEPT + 1):  # the oldest day kept gives way
        simulate(1, 10, 60, hours=0.05, seed=1000 + seed)
    assert len(simulation._days) == simulation.DAYS_KEPT
    forget_days()
    monkeypatch.setattr(simulation, "ROWS_KEPT", 5)
    simulate(3, 40, 180, hours=1, seed=11)  # about 40 calls: more than 5, not kept
    assert len(simulation._days) == 0


def test_a_caller_who_gives_up_is_never_answered_and_counts_against_the_service_level():
    result = simulate(3, 60, 180, hours=4, seed=2, patience_seconds=30)
    tasks = result.tasks
    gave_up = tasks[tasks.outcome == "abandoned"]
    assert len(gave_up) == result.summary["abandoned"] > 0
    assert gave_up.answered.isna().all() and gave_up.worker.isna().all()
    answered_in_time = int((tasks.wait <= 20).sum())
    assert result.summary["service_level"] == pytest.approx(answered_in_time / len(tasks))
    patient = simulate(3, 60, 180, hours=4, seed=2)
    assert patient.summary["abandoned"] == 0


def test_a_skills_split_waits_longer_and_an_escalation_timeout_buys_it_back():
    """A workflow target's timeout moves a waiting task to the next target
    (https://www.twilio.com/docs/taskrouter/workflow-configuration): here, from its language's queue to everyone."""
    split = simulate(8, 130, 180, hours=12, seed=3, skills={"es": 0.5, "en": 0.5})
    escalated = simulate(8, 130, 180, hours=12, seed=3, skills={"es": 0.5, "en": 0.5}, escalate_after=30)
    assert set(split.tasks.queue) == {"es", "en"} and "Everyone" in set(escalated.tasks.queue)
    assert split.tasks.language.value_counts(normalize=True)["es"] == pytest.approx(0.5, abs=0.05)
    moved = escalated.tasks[escalated.tasks.queue == "Everyone"]
    assert (moved.wait >= 30).all()  # only after waiting out the timeout in its own queue
    for language in ("es", "en"):  # each agent speaks one language: a call in its queue went to one who speaks it
        own = split.tasks[split.tasks.queue == language]
        assert (own.language == language).all() and own.worker.str.startswith(f"{language}-").all()
    # the long waits are what escalation cuts: an agent free in her language takes the oldest escalated call first
    assert escalated.summary["asa_seconds"] < split.summary["asa_seconds"]
    assert escalated.tasks.wait.quantile(0.95) < split.tasks.wait.quantile(0.95)


@pytest.mark.parametrize(("arguments", "says"), [
    ({"agents": 0}, "agents must be a positive number"),
    ({"calls_per_hour": 0}, "must be positive"),
    ({"skills": {"es": 0.5, "en": 0.4}}, "adding up to 1"),
    ({"agents": {"es": 2}, "skills": {"es": 0.5, "en": 0.5}}, "name the languages of skills"),
    ({"handle": "uniform"}, "exponential"),
    ({"patience_seconds": -1}, "patience_seconds"),
])
def test_bad_arguments_are_refused_with_what_is_wrong(arguments, says):
    with pytest.raises(ValueError, match=says):
        simulate(**{"agents": 3, "calls_per_hour": 40, "mean_handle_seconds": 180, "hours": 1, **arguments})


def test_the_staffing_curve_rises_with_agents_beside_erlang_c_and_its_picture_is_current():
    import os
    import subprocess
    import sys
    from pathlib import Path

    from trkit.staffing import StaffingPicture, staffing_curve

    table = staffing_curve(range(4, 8), calls_per_hour=60, mean_handle_seconds=180, hours=4, seed=1)
    assert list(table.index) == [4, 5, 6, 7]
    assert table["Erlang C service level"].is_monotonic_increasing and table["occupancy"].is_monotonic_decreasing
    assert table["Erlang C service level"].tolist() == [round(erlang_c(n, 60, 180).service_level, 3) for n in range(4, 8)]
    svg = StaffingPicture(table).svg()
    assert svg.startswith("<svg") and svg.count("<circle") == 4 and "Erlang C" in svg and "target 80%" in svg
    root = Path(__file__).resolve().parents[1]
    checked = subprocess.run([sys.executable, str(root / "tools" / "staffing_curve.py"), "--check"], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert checked.returncode == 0, checked.stderr


def test_the_same_seed_brings_the_same_callers_whatever_the_agents_and_the_routing():
    """Common random numbers: each kind of chance has its own stream, so two days differ only by what changed."""
    few, many = simulate(3, 60, 180, hours=3, seed=4).tasks, simulate(6, 60, 180, hours=3, seed=4).tasks
    split = simulate(6, 60, 180, hours=3, seed=4, skills={"es": 0.3, "en": 0.7}, escalate_after=20)
    assert few.created.tolist() == many.created.tolist() == split.tasks.created.tolist()
    talked = (many.finished - many.answered).round(6).tolist()
    assert (few.finished - few.answered).round(6).tolist() == talked  # each caller talks as long, whoever answers
    assert split.summary["agents"] == 6 and sorted(split.tasks.worker.str[:3].unique()) == ["en-", "es-"]


def test_erlang_a_with_endless_patience_is_erlang_c():
    for agents, calls, handle in ((5, 70, 180), (10, 160, 180), (25, 450, 180)):
        patient, c = erlang_a(agents, calls, handle, mean_patience_seconds=1e12), erlang_c(agents, calls, handle)
        assert patient.abandon_probability == pytest.approx(0, abs=1e-6)
        for name in ("wait_probability", "service_level", "asa_seconds", "occupancy"):
            assert getattr(patient, name) == pytest.approx(getattr(c, name), rel=1e-5), name


def test_erlang_a_keeps_its_books():
    """Every caller is answered or gives up: the answered carry the agents' load (occupancy = λ·(1 − P(abandon))·h / c)."""
    figures = erlang_a(10, 200, 180, mean_patience_seconds=60)
    assert figures.occupancy == pytest.approx(200 / 3600 * (1 - figures.abandon_probability) * 180 / 10, rel=1e-9)
    assert 0 < figures.abandon_probability < figures.wait_probability < 1


@pytest.mark.parametrize(("agents", "rho", "patience", "hours"), [(10, 0.9, 120, 40), (5, 1.1, 60, 80)])
def test_a_simulated_day_with_callers_who_give_up_agrees_with_erlang_a(agents, rho, patience, hours):
    calls_per_hour = rho * agents * 3600 / HANDLE
    result = simulate(agents, calls_per_hour, HANDLE, hours=hours, seed=agents + 1, patience_seconds=patience)
    expected = erlang_a(agents, calls_per_hour, HANDLE, patience, answer_within=20)
    tasks, warm = result.tasks, 3600.0
    length = (hours * 3600.0 - warm) / 20
    batches: dict[str, list[float]] = {"abandon_probability": [], "service_level": [], "asa_seconds": [], "occupancy": []}
    for b in range(20):
        calls = tasks[(tasks.created >= warm + b * length) & (tasks.created < warm + (b + 1) * length)]
        answered = calls[calls.outcome == "answered"]
        batches["abandon_probability"].append(float((calls.outcome == "abandoned").mean()))
        batches["service_level"].append(float((answered.wait <= 20).sum() / len(calls)))
        batches["asa_seconds"].append(float(answered.wait.mean()))
        batches["occupancy"].append(float((answered.finished - answered.answered).sum() / (agents * length)))
    for name, values in batches.items():
        mean, half_width = statistics.fmean(values), T_99_19 * statistics.stdev(values) / math.sqrt(20)
        theory = getattr(expected, name)
        assert abs(mean - theory) <= half_width, f"{name}: simulated {mean:.4f} ± {half_width:.4f}, Erlang A {theory:.4f}"


def test_the_wallboard_replays_a_simulated_day_from_its_calls():
    from trkit.wallboard import DayReplay

    day = simulate(4, 90, 180, hours=2, seed=5)
    replay = DayReplay(day, step_minutes=10)
    tasks = day.tasks
    for at in (0, 1800, 3600, 5400):
        reading = replay.reading(at)
        talking = int(((tasks.answered <= at) & (tasks.finished > at)).sum())
        waiting = tasks[(tasks.created <= at) & ((tasks.answered > at) | tasks.answered.isna()) & (tasks.finished > at)]
        assert reading["tasks"]["assigned"] == talking <= 4 and reading["workers"] == {"Idle": 4 - talking, "Busy": talking}
        assert reading["tasks"]["pending"] == len(waiting)
        assert reading["longest_wait"] == (int((at - waiting.created).max()) if len(waiting) else 0)
        done = tasks[(tasks.finished > at - 3600) & (tasks.finished <= at)]
        assert reading["totals"]["completed"] == len(done)
    table = replay.readings
    assert list(table.index[:3]) == ["00:00", "00:10", "00:20"] and table.iloc[0].sum() == 4  # the day opens with 4 agents free
    busy = next(k for k, at in enumerate(replay._instants) if replay.reading(at)["workers"]["Busy"] > 0)
    replay.slider.value = busy  # what the player does in the browser, step by step
    at = replay._instants[busy]
    assert replay.clock.value == f"<b>{int(at // 3600):02d}:{int(at % 3600 // 60):02d}</b> into the day"
    assert list(replay.charts.workers_bars.y) == list(replay.reading(at)["workers"].values()) != [4, 0]
    assert list(replay.charts.wait_line.x) == [t / 3600 for t in replay._instants[: busy + 1]]
    assert list(replay.charts.wait_line.y) == [replay.reading(t)["longest_wait"] for t in replay._instants[: busy + 1]]
    replay.slider.value = 0  # back to the start: the wait line is the day's up to then, not a line drawn back
    assert list(replay.charts.wait_line.x) == [0.0]
    replay.play()
    assert replay.player.playing and replay.player.value == 0  # from the start; the browser moves the slider along


def test_a_long_run_holds_no_more_in_the_mock_than_a_short_one():
    """Finished tasks leave the store 5 minutes after they end, as on TaskRouter, and nothing else accumulates."""
    short, long = simulate(4, 60, 180, hours=2, seed=6), simulate(4, 60, 180, hours=24, seed=6)
    assert long.summary["calls"] > 10 * short.summary["calls"] // 2
    assert long.held_at_end <= short.held_at_end + 10
