"""The check of notebook 10: how many agents the learner picked, judged on the notebook's simulated day."""

from __future__ import annotations

from typing import Any

from .evidence import Evidence
from .objectives import CheckResult, failed, passed

TARGET, WITHIN = 0.8, 20


def fewest_agents(evidence: Evidence | None, agents: Any) -> CheckResult:
    from ..mock.simulation import simulate
    from ..staffing import NOTEBOOK_TRAFFIC as TRAFFIC  # the same callers for every number of agents

    objective = "fewest-agents"
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        return failed(objective, f"agents is {agents!r}: a number of agents is a whole number, 1 or more.",
                      "agents = the first row of the staffing table whose service level is at least 0.8, e.g. agents = 30.")
    level = simulate(agents, answer_within=WITHIN, **TRAFFIC).summary["service_level"]
    if level < TARGET:
        return failed(objective, f"with {agents} agents the day answers {level:.1%} of calls within {WITHIN} s, below {TARGET:.0%}.",
                      "more agents: the staffing table's rows rise with agents; pick the first at or above 0.8.")
    fewer = simulate(agents - 1, answer_within=WITHIN, **TRAFFIC).summary["service_level"] if agents > 1 else 0.0
    if fewer >= TARGET:
        return failed(objective, f"{agents} agents meet 80/20 ({level:.1%}), and so do {agents - 1} ({fewer:.1%}).",
                      "fewer agents: the fewest is the first row of the staffing table at or above 0.8.")
    return passed(objective, f"{agents} agents answer {level:.1%} of the day's calls within {WITHIN} s; {agents - 1} would answer {fewer:.1%}.")
