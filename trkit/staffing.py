"""How many agents? The staffing curve: a simulated day's service level for each number of agents, beside Erlang C's.

``staffing_curve(range(21, 31), calls_per_hour=300, mean_handle_seconds=240)`` simulates the same day (the
same seed: the same callers) with each number of agents and returns a table; ``StaffingPicture(table)``
draws it as an SVG chart, in a notebook or written to a file (``tools/staffing_curve.py`` makes the
README's). The simulation runs TaskRouter's rules (``trkit.simulate``); Erlang C is the formula
(``trkit.erlang``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from .erlang import erlang_c
from .mock.simulation import simulate

WIDTH, HEIGHT, MARGIN = 640, 360, 56
# notebook 10's shift (its `traffic` cell says the same): 300 four-minute calls an hour for 4 hours, the same callers
NOTEBOOK_TRAFFIC = {"calls_per_hour": 300, "mean_handle_seconds": 240, "hours": 4, "seed": 0}


def staffing_curve(agents: Iterable[int], calls_per_hour: float, mean_handle_seconds: float, hours: float = 8, seed: int = 0,
                   answer_within: float = 20, **options: Any):  # -> pandas.DataFrame
    """One row per number of agents: the simulated day's service level, ASA and occupancy, and Erlang C's."""
    import pandas as pd

    rows = []
    for count in agents:
        day = simulate(count, calls_per_hour, mean_handle_seconds, hours=hours, seed=seed, answer_within=answer_within, **options).summary
        theory = erlang_c(count, calls_per_hour, mean_handle_seconds, answer_within) \
            if calls_per_hour / 3600 * mean_handle_seconds < count else None
        rows.append({"agents": count, "service level": round(day["service_level"], 3),
                     "Erlang C service level": round(theory.service_level, 3) if theory else None,
                     "ASA (s)": round(day["asa_seconds"], 1), "Erlang C ASA (s)": round(theory.asa_seconds, 1) if theory else None,
                     "occupancy": round(day["occupancy"], 3), "abandoned": day["abandoned"]})
    return pd.DataFrame(rows).set_index("agents")


class StaffingPicture:
    """The staffing curve as an SVG chart: the simulated service level (dots joined), Erlang C's (a dashed line)
    and the target (a level line)."""

    def __init__(self, table, target: float = 0.8, title: str = "Service level by number of agents") -> None:
        self.table, self.target, self.title = table, target, title

    def _x(self, agents: float) -> float:
        low, high = min(self.table.index), max(self.table.index)
        return MARGIN + (agents - low) / max(high - low, 1) * (WIDTH - 2 * MARGIN)

    @staticmethod
    def _y(share: float) -> float:
        return HEIGHT - MARGIN - share * (HEIGHT - 2 * MARGIN)

    def svg(self) -> str:
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
                 'font-family="sans-serif" font-size="13">', f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
                 f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{html.escape(self.title)}</text>']
        for share in (0, 0.2, 0.4, 0.6, 0.8, 1.0):  # the y axis: grid and labels
            y = self._y(share)
            parts.append(f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{WIDTH - MARGIN}" y2="{y:.1f}" stroke="#e5e5e5"/>')
            parts.append(f'<text x="{MARGIN - 8}" y="{y + 4:.1f}" text-anchor="end">{share:.0%}</text>')
        for agents in self.table.index:  # the x axis
            parts.append(f'<text x="{self._x(agents):.1f}" y="{HEIGHT - MARGIN + 20}" text-anchor="middle">{agents}</text>')
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">agents</text>')
        target = self._y(self.target)
        parts.append(f'<line x1="{MARGIN}" y1="{target:.1f}" x2="{WIDTH - MARGIN}" y2="{target:.1f}" stroke="#b42318" '
                     'stroke-width="1.5"/>')
        parts.append(f'<text x="{WIDTH - MARGIN}" y="{target - 6:.1f}" text-anchor="end" fill="#b42318">target {self.target:.0%}</text>')
        theory = [(a, v) for a, v in self.table["Erlang C service level"].items() if v is not None and v == v]
        if theory:
            points = " ".join(f"{self._x(a):.1f},{self._y(v):.1f}" for a, v in theory)
            parts.append(f'<polyline points="{points}" fill="none" stroke="#6e7781" stroke-width="2" stroke-dasharray="6 4"/>')
        simulated = list(self.table["service level"].items())
        points = " ".join(f"{self._x(a):.1f},{self._y(v):.1f}" for a, v in simulated)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#0969da" stroke-width="2.5"/>')
        parts += [f'<circle cx="{self._x(a):.1f}" cy="{self._y(v):.1f}" r="4" fill="#0969da"/>' for a, v in simulated]
        legend_y = MARGIN - 14
        parts.append(f'<line x1="{MARGIN}" y1="{legend_y}" x2="{MARGIN + 28}" y2="{legend_y}" stroke="#0969da" stroke-width="2.5"/>'
                     f'<text x="{MARGIN + 34}" y="{legend_y + 4}">simulated on TaskRouter\'s rules</text>')
        parts.append(f'<line x1="{MARGIN + 260}" y1="{legend_y}" x2="{MARGIN + 288}" y2="{legend_y}" stroke="#6e7781" '
                     f'stroke-width="2" stroke-dasharray="6 4"/><text x="{MARGIN + 294}" y="{legend_y + 4}">Erlang C</text>')
        parts.append("</svg>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"StaffingPicture: {self.title}, {min(self.table.index)} to {max(self.table.index)} agents"

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as out:
            out.write(self.svg() + "\n")
