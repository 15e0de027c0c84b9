"""Erlang C: how an M/M/c queue behaves, the yardstick for ``trkit.simulate``.

Calls arrive at random (Poisson, ``calls_per_hour``), each holds an agent for an exponential time
(mean ``mean_handle_seconds``), ``agents`` answer them first come first served and nobody hangs up.
With the offered load ``A = λ·h`` (in Erlangs) below ``c`` agents:

- Erlang B, by its recursion ``B(0) = 1``, ``B(k) = A·B(k−1) / (k + A·B(k−1))``;
- the probability that a call waits, Erlang C: ``C = c·B(c) / (c − A·(1 − B(c)))``;
- the service level, the share answered within ``t`` seconds: ``1 − C·exp(−(c − A)·t / h)``;
- the average speed of answer: ``ASA = C·h / (c − A)``;
- the occupancy, the share of time agents are busy: ``A / c``.

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
