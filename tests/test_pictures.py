"""The pictures: the routing graph and a task's timeline, drawn from the REST API; the docs' graphs kept
current; and the graph really drawn by JupyterLab's Mermaid renderer in the browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import requests
from browser import ROOT, needs_chromium, notebook_in_lab


def test_the_routing_graph_shows_the_filters_in_order_and_the_tasks_path(kit):
    tutorial = kit.tutorial()
    graph = kit.routing_graph()
    source = repr(graph)
    assert source.startswith("flowchart LR")
    assert source.index("Language - Spanish") < source.index("Language - English") < source.index("Default Filter")
    assert "languages HAS #quot;es#quot;" in source  # each queue's target workers
    assert graph._repr_markdown_().startswith("```mermaid\n")
    task = tutorial.create_task("es")
    with_task = repr(kit.routing_graph(task.sid))
    assert '{"Language - Spanish<br/>selected_language == #quot;es#quot;"}:::chosen' in with_task  # the filter that matched
    assert "==>" in with_task and ":::waiting" in with_task  # the path taken and the queue it waits in
    assert "No available worker matches" in with_task  # why it waits, from the shared eligibility rule


def test_a_queue_reaching_more_than_six_workers_shows_them_as_one_node_of_counts(kit):
    tutorial = kit.tutorial()
    idle = tutorial.activities["Idle"]
    for n in range(6):  # with Alice, the Spanish queue reaches seven; the English one still Alice and Bob
        tutorial.workspace.workers.create(friendly_name=f"Agent {n}", attributes='{"languages": ["es"]}',
                                          activity_sid=idle if n < 2 else None)
    source = repr(kit.routing_graph())
    assert "7 workers · 2 available<br/>Idle 2 · Offline 5" in source
    assert "Agent 0" not in source
    assert "Bob · Offline · not available" in source and "Alice · Offline · not available" in source


def test_the_timeline_times_a_reservation_timeout_from_the_tasks_creation(kit):
    tutorial = kit.tutorial()
    tutorial.workspace.workflows(tutorial.workflow_sid).update(task_reservation_timeout=30)
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    kit.advance(31)
    table = kit.timeline(task.sid).table
    rows = dict(zip(table["Event"], table["At (s)"], strict=False))
    assert rows["task.created"] == 0 and rows["reservation.created"] == 0 and rows["reservation.timeout"] == 30
    assert "<svg class='trkit-timeline'" in kit.timeline(task.sid)._repr_html_()


def test_the_timeline_times_events_by_their_milliseconds_not_their_whole_seconds():
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from trkit.pictures import task_timeline

    def event(kind: str, ms: int):
        return SimpleNamespace(event_type=kind, event_date_ms=ms, sid=f"EV{ms}", event_data={}, description=kind,
                               event_date=datetime.fromtimestamp(ms // 1000, tz=timezone.utc))

    # 2 ms apart across a second's boundary; event_date alone would put them a second apart
    listed = [event("task.created", 1_700_000_000_999), event("reservation.created", 1_700_000_001_001),
              event("reservation.timeout", 1_700_000_031_001)]
    workspace = SimpleNamespace(events=SimpleNamespace(list=lambda task_sid: list(reversed(listed))))
    table = task_timeline(workspace, "WT1").table
    assert list(table["Event"]) == ["task.created", "reservation.created", "reservation.timeout"]
    assert list(table["At (s)"]) == [0, 0, 30]


def test_the_docs_routing_graphs_are_what_the_code_draws():
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    checked = subprocess.run([sys.executable, str(ROOT / "tools" / "routing_graphs.py"), "--check"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.browser
@needs_chromium
def test_jupyterlab_draws_the_routing_graph(tmp_path, lab_env):
    from urllib.parse import unquote

    with notebook_in_lab(tmp_path, lab_env, "01_create_a_task.ipynb") as page:  # the stored outputs render on opening
        page.evaluate("""async () => {  // the notebook renders cells as they scroll into view: go to the graph
            const notebook = window.jupyterapp.shell.currentWidget.content;
            const index = notebook.widgets.findIndex(c => c.model.sharedModel.getSource().includes("routing_graph"));
            notebook.activeCellIndex = index;
            await notebook.scrollToItem(index, "center");
        }""")
        drawn = page.locator(".jp-RenderedMermaid img[src^='data:image/svg+xml']")  # JupyterLab draws it as an SVG image
        drawn.first.wait_for(timeout=60_000)
        page.screenshot(path=str(ROOT / ".ci-tmp" / "screenshots" / "routing-graph.png"))
        assert page.locator(".jp-RenderedMermaid.jp-mod-warning").count() == 0  # no Mermaid syntax error
        assert "Language - Spanish" in unquote(drawn.first.get_attribute("src"))


def test_the_dashboard_draws_the_current_tasks_pictures_and_redraws_them_when_it_moves(kit):
    board = kit.dashboard()
    try:
        board.close()
        task = board.create_task("es")
        board.refresh()
        frame = board.graph_html.value
        assert "<iframe class='trkit-graph-frame'" in frame
        url = re.search(r"src='([^']+)'", frame).group(1)
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and '<script src="mermaid.js">' in page.text  # the frame's page: Mermaid draws it
        source = requests.get(url + "/source", timeout=10).text  # what the page draws, asked for every second
        assert "flowchart LR" in source and f"Task {task.sid[:8]}" in source and ":::waiting" in source
        before = board.timeline_html.value
        assert "<svg class='trkit-timeline'" in before and "reservation.created" not in before
        board.set_activity("Alice", "Idle")
        board.refresh()
        assert "reservation.created" in board.timeline_html.value  # redrawn as the task moved on
        assert requests.get(url + "/source", timeout=10).text != source  # the graph's source too
        assert board.graph_html.value == frame  # in the same frame: replacing it would abort its loads
    finally:
        board.close()
