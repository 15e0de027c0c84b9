"""Write docs/routing-graphs.md: the routing graphs of the quickstart's workflow and of a workflow with three
filters, timeouts, priorities and a default filter, drawn by ``trkit.pictures`` on a seeded mock.

    .venv/bin/python tools/routing_graphs.py [--check]

``--check`` (run by the test suite) fails when the committed file is not what the code draws today.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "routing-graphs.md"


def draw() -> str:
    from trkit.mock import MockServer
    from trkit.pictures import routing_graph
    from trkit.tutorial import ensure_tutorial_workspace

    with MockServer(seed=7) as mock:
        client = mock.client()
        tutorial = ensure_tutorial_workspace(client, None, None)
        quickstart = routing_graph(tutorial.workspace, tutorial.workflow_sid)
        api = tutorial.workspace
        vip = api.task_queues.create(friendly_name="VIP", target_workers="level >= 3").sid
        spanish, english = tutorial.queues["es"], tutorial.queues["en"]
        config = {"task_routing": {
            "filters": [
                {"filter_friendly_name": "VIP callers", "expression": "vip == true",
                 "targets": [{"queue": vip, "priority": 10, "timeout": 30}, {"queue": english, "priority": 5}]},
                {"filter_friendly_name": "Spanish", "expression": 'selected_language == "es"',
                 "targets": [{"queue": spanish, "timeout": 60, "order_by": "worker.level DESC"},
                             {"queue": english, "expression": 'worker.languages HAS "es"'}]},
                {"filter_friendly_name": "English", "expression": 'selected_language == "en"', "targets": [{"queue": english}]},
            ],
            "default_filter": {"queue": english}}}
        escalation = api.workflows.create(friendly_name="Escalation", configuration=json.dumps(config)).sid
        three = routing_graph(api, escalation)
    return ("# Routing graphs\n\nDrawn by `trkit.pictures.routing_graph` (`kit.routing_graph()` in the notebooks) from the REST API "
            "alone; written by `tools/routing_graphs.py`, checked by the test suite. GitHub and JupyterLab render the "
            "Mermaid blocks as pictures.\n\n## The quickstart's workflow\n\n" + quickstart._repr_markdown_() +
            "\n\n## Three filters, targets with priorities and timeouts, and a default filter\n\n" + three._repr_markdown_() + "\n")


def main(argv: list[str]) -> int:
    from generated import write_or_check

    return write_or_check(TARGET, draw(), argv, "tools/routing_graphs.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
