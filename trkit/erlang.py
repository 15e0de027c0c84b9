"""Erlang C and Erlang A: how an M/M/c queue behaves, with and without callers who give up; the yardstick for ``trkit.simulate``.

Calls arrive at random (Poisson, ``calls_per_hour``), each holds an agent for an exponential time
(mean ``mean_handle_seconds``), ``agents`` answer them first come first served and nobody hangs up.
With the offered load ``A = λ·h`` (in Erlangs) below ``c`` agents:

- Erlang B, by its recursion ``B(0) = 1``, ``B(k) = A·B(k−1) / (k + A·B(k−1))``;
- the probability that a call waits, Erlang C: ``C = c·B(c) / (c − A·(1 − B(c)))``;
- the service level, the share answered within ``t`` seconds: ``1 − C·exp(−(c − A)·t / h)``;
- the average speed of answer: ``ASA = C·h / (c − A)``;
- the occupancy, the share of time agents are busy: ``A / c``.

Erlang A (M/M/c+M) adds callers who give up after an exponential patience: see :func:`erlang_a`.

Sources: the Erlang C formula and its service level and ASA as in https://en.wikipedia.org/wiki/Erlang_(unit)
("Erlang C formula"), and Gans, Koole and Mandelbaum, "Telephone Call Centers: Tutorial, Review, and Research
Prospects", Manufacturing & Service Operations Management 5(2), 2003, section 4.1 (the M/M/N queue).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ErlangC:
    """What Erlang C predicts for ``agents`` agents at the given traffic."""

    agents: int
    offered_load: float  # Erlangs: calls per second × mean handle seconds
    wait_probability: float
    service_level: float  # the share answered within answer_within seconds
    asa_seconds: float
    occupancy: float


def erlang_b(agents: int, offered_load: float) -> float:
    """The probability that all ``agents`` are busy in a loss system (Erlang B), by its stable recursion."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(agents: int, calls_per_hour: float, mean_handle_seconds: float, answer_within: float = 20.0) -> ErlangC:
    """Erlang C's figures for ``agents`` agents; the queue must be stable (offered load below the agents)."""
    if agents < 1 or calls_per_hour <= 0 or mean_handle_seconds <= 0:
        raise ValueError("agents, calls_per_hour and mean_handle_seconds must be positive")
    load = calls_per_hour / 3600.0 * mean_handle_seconds
    if load >= agents:
        raise ValueError(f"{agents} agents cannot keep up with {load:.2f} Erlangs of calls: the queue grows without end")
    blocking = erlang_b(agents, load)
    waits = agents * blocking / (agents - load * (1.0 - blocking))
    service_level = 1.0 - waits * math.exp(-(agents - load) * answer_within / mean_handle_seconds)
    return ErlangC(agents, load, waits, service_level, waits * mean_handle_seconds / (agents - load), load / agents)


def fewest_agents(calls_per_hour: float, mean_handle_seconds: float, service_level: float = 0.8, answer_within: float = 20.0) -> int:
    """The fewest agents for which Erlang C reaches ``service_level`` within ``answer_within`` seconds (80/20 by default)."""
    agents = math.floor(calls_per_hour / 3600.0 * mean_handle_seconds) + 1
    while erlang_c(agents, calls_per_hour, mean_handle_seconds, answer_within).service_level < service_level:
        agents += 1
    return agents


@dataclass(frozen=True)
class ErlangA:
    """What Erlang A (M/M/c+M: callers who give up after an exponential patience) predicts for ``agents`` agents."""

    agents: int
    offered_load: float
    wait_probability: float
    abandon_probability: float
    service_level: float  # the share of all calls answered within answer_within seconds
    asa_seconds: float  # the average wait of the calls answered
    occupancy: float


def erlang_a(agents: int, calls_per_hour: float, mean_handle_seconds: float, mean_patience_seconds: float,
             answer_within: float = 20.0) -> ErlangA:
    """Erlang A's figures, from the queue's birth-and-death chain (Garnett, Mandelbaum and Reiman, "Designing a Call
    Center with Impatient Customers", Manufacturing & Service Operations Management 4(3), 2002; Gans, Koole and
    Mandelbaum, 2003, section 4.2.2). With ``n`` callers in the centre, one more arrives at rate ``λ`` and one leaves at
    ``μ·min(n, c) + θ·max(n − c, 0)`` (``μ = 1/h``, ``θ = 1/patience``). An arriving caller sees the chain's steady
    state; with ``q`` callers ahead she reaches an agent after ``q + 1`` moves of the queue, each at rate ``c·μ + j·θ``
    with ``j`` still ahead, unless she gives up first (rate ``θ``). Her wait in each step does not depend on how the
    step ends, so the chance and the time of being answered come out in closed form for each ``q``; the service level
    sums, over ``q``, the chance of being answered within ``answer_within`` (a uniformised Markov chain)."""
    if agents < 1 or calls_per_hour <= 0 or mean_handle_seconds <= 0 or mean_patience_seconds <= 0:
        raise ValueError("agents, calls_per_hour, mean_handle_seconds and mean_patience_seconds must be positive")
    arrival, service, patience = calls_per_hour / 3600.0, 1.0 / mean_handle_seconds, 1.0 / mean_patience_seconds
    weights, n = [1.0], 0
    while True:  # the stationary distribution, unnormalised, until its tail no longer counts
        n += 1
        weights.append(weights[-1] * arrival / (service * min(n, agents) + patience * max(n - agents, 0)))
        if n > agents and weights[-1] < 1e-16 * sum(weights):
            break
    total = sum(weights)
    state = [w / total for w in weights]
    waiting = [p for k, p in enumerate(state) if k >= agents]  # an arrival finding q = k - c callers ahead
    advance = [agents * service + j * patience for j in range(len(waiting))]
    answered_if, wait_if = [], []
    for ahead in range(len(waiting)):
        steps = range(ahead + 1)
        answered_if.append(math.prod(advance[j] / (advance[j] + patience) for j in steps))
        wait_if.append(sum(1.0 / (advance[j] + patience) for j in steps))
    answered_waiting = sum(p * a for p, a in zip(waiting, answered_if, strict=True))
    at_once = sum(state[:agents])
    mean_queue = sum((k - agents) * p for k, p in enumerate(state) if k > agents)
    busy = sum(min(k, agents) * p for k, p in enumerate(state))
    return ErlangA(agents, arrival * mean_handle_seconds, sum(waiting), patience * mean_queue / arrival,
                   at_once + _answered_within(waiting, advance, patience, answer_within),
                   sum(p * a * w for p, a, w in zip(waiting, answered_if, wait_if, strict=True)) / (at_once + answered_waiting), busy / agents)


def _answered_within(waiting: list[float], advance: list[float], patience: float, within: float) -> float:
    """The chance that an arriving caller who waits is answered within ``within`` seconds: the queue ahead of her as
    a Markov chain (``j`` ahead moves to ``j - 1`` at ``advance[j]``, to "answered" from 0, to "gave up" at ``patience``),
    solved by uniformisation."""
    size = len(waiting)
    rate = max(advance) + patience
    current = list(waiting)  # mass by callers ahead
    answered, term, k = 0.0, math.exp(-rate * within), 0
    weight_sum, result = term, 0.0
    while True:
        result += term * answered
        if weight_sum > 1 - 1e-13 or k > 100_000:
            return result + (1 - weight_sum) * answered
        step = [0.0] * size
        for j in range(size):
            stay = 1 - (advance[j] + patience) / rate
            step[j] += current[j] * stay
            if j > 0:
                step[j - 1] += current[j] * advance[j] / rate
            else:
                answered += current[0] * advance[0] / rate
        current = step
        k += 1
        term *= rate * within / k
        weight_sum += term
