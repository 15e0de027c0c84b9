"""Pictures where a learner would rather look than read, from the public API only (so on real Twilio too).

- ``routing_graph``: a workflow drawn as a Mermaid flowchart — its filters in order with their expressions,
  each target (queue, priority, timeout, expression, order_by, skip_if), the default filter, the queues with
  their ``target_workers``, and the workers each queue reaches now (counted by activity when a queue reaches
  more than six). With a task, the path it took: the filter
  that matched, the queue it waits in and why (the shared eligibility rule, through ``explain``).
- ``task_timeline``: one task's life from the Events resource on a time axis (SVG), with its data table.

JupyterLab draws Mermaid in Markdown output natively; the dashboard serves a small page that draws it with
Mermaid itself (Voilà has none). The text form is what nbval compares.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from .html_cells import attributes_summary
from .language.eligibility import in_queue
from .language.workflow_config import DEFAULT_FILTER_NAME, read_configuration
from .mermaid import MermaidPicture


def _label(text: str) -> str:
    """Text safe inside a Mermaid label."""
    return (text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("[", "#91;").replace("]", "#93;").replace("{", "#123;").replace("}", "#125;"))


def _target_text(target: dict) -> str:
    parts = []
    for key in ("priority", "timeout", "expression", "order_by", "skip_if"):
        if key in target:
            parts.append(f"{key} {target[key]}")
    return "<br/>".join(_label(p) for p in parts)


@dataclass(repr=False)  # shown as its Mermaid text (MermaidPicture.__repr__)
class RoutingGraph(MermaidPicture):
    """A workflow as a Mermaid flowchart (``source``); shown as Markdown, compared as text."""

    workflow: str


def routing_graph(workspace, workflow_sid: str | None = None, task_sid: str | None = None) -> RoutingGraph:
    """The workflow (default: the workspace's first) as a flowchart; with ``task_sid``, the task's path on it."""
    workflows = workspace.workflows.list()
    workflow = next((w for w in workflows if w.sid == workflow_sid), workflows[0] if workflows else None)
    if workflow is None:
        raise ValueError("the workspace has no workflow to draw")
    config = read_configuration(workflow.configuration)
    queues = {q.sid: q for q in workspace.task_queues.list()}
    workers = workspace.workers.list()
    task = explanation = None
    if task_sid:
        from .explain import explain_task

        task = workspace.tasks(task_sid).fetch()
        explanation = explain_task(workspace, task_sid)
    chosen = {f.name for f in explanation.filters if f.chosen} if explanation else set()
    lines = ["flowchart LR"]
    entry = "W"
    lines.append(f'  W(["Workflow: {_label(workflow.friendly_name)}"])')
    if task is not None:
        summary, more = attributes_summary(task.attributes)  # a voice task's thirty attributes would swamp the graph
        lines.append(f'  T[/"Task {task.sid[:8]}…<br/>{_label(summary)}{f"<br/>… {more} more" if more else ""}"/]:::task')
        lines.append("  T --> W")
    previous = entry
    used_queues: list[str] = []
    for index, filt in enumerate(config.filters):
        name = filt.name
        node = f"F{index}"
        css = ":::chosen" if name in chosen else ""
        lines.append(f'  {node}{{"{_label(name)}<br/>{_label(filt.expression)}"}}{css}')
        lines.append(f"  {previous} -->{'|no match|' if previous != entry else ''} {node}")
        for t_index, target in enumerate(filt.targets):
            queue = target.queue_sid
            used_queues.append(queue)
            detail = _target_text(target.source)
            label = f"target {t_index + 1}" + (f"<br/>{detail}" if detail else "")
            arrow = "==>" if name in chosen and t_index == 0 else "-->"
            lines.append(f'  {node} {arrow}|"{label}"| Q{_queue_key(queue)}')
        previous = node
    if config.default is not None:
        css = ":::chosen" if DEFAULT_FILTER_NAME in chosen else ""
        lines.append(f'  D{{"{DEFAULT_FILTER_NAME}"}}{css}')
        lines.append(f"  {previous} -->{'|no match|' if previous != entry else ''} D")
        lines.append(f"  D {'==>' if css else '-->'} Q{_queue_key(config.default.queue_sid)}")
        used_queues.append(config.default.queue_sid)
    for queue_sid in dict.fromkeys(used_queues):
        queue = queues.get(queue_sid)
        name = queue.friendly_name if queue else queue_sid
        waiting = task is not None and task.task_queue_sid == queue_sid
        css = ":::waiting" if waiting else ""
        lines.append(f'  Q{_queue_key(queue_sid)}["{_label(name)}<br/>{_label(queue.target_workers if queue else "")}"]{css}')
        reached = [w for w in workers if queue is not None and in_queue(queue.target_workers, json.loads(w.attributes or "{}"))]
        lines += _worker_nodes(f"Q{_queue_key(queue_sid)}", reached)
    if explanation is not None:
        lines.append(f'  N["{_label(explanation.summary)}"]:::note')
        if task.task_queue_sid:
            lines.append(f"  Q{_queue_key(task.task_queue_sid)} -.- N")
    lines += ["  classDef chosen stroke:#268bd2,stroke-width:3px", "  classDef waiting stroke:#b58900,stroke-width:3px",
              "  classDef task fill:#eee8d5", "  classDef note fill:#fdf6e3,stroke:#93a1a1"]
    return RoutingGraph("\n".join(_unique(lines)), workflow.friendly_name)


# above this many workers a queue's workers are one node (counts by activity): the graph stays readable
MAX_WORKERS_DRAWN = 6


def _worker_nodes(queue_node: str, reached: list) -> list[str]:
    """The workers a queue reaches now: one node each, or one node with the counts when there are many."""
    if len(reached) > MAX_WORKERS_DRAWN:
        available = sum(1 for w in reached if w.available)
        by_activity = Counter(w.activity_name for w in reached)
        counts = " · ".join(f"{_label(name)} {n}" for name, n in sorted(by_activity.items()))
        return [f'  {queue_node} -.- {queue_node}K(["{len(reached)} workers · {available} available<br/>{counts}"])']
    lines = []
    for worker in reached:
        state = "available" if worker.available else "not available"
        lines.append(f'  {queue_node} -.- K{worker.sid[-6:]}(["{_label(worker.friendly_name)} · '
                     f'{_label(worker.activity_name)} · {state}"])')
    return lines


def _queue_key(sid: str | None) -> str:
    return (sid or "none")[-6:]


def _unique(lines: list[str]) -> list[str]:
    """Worker nodes repeat across queues: declare each edge once."""
    return list(dict.fromkeys(lines))


# ------------------------------------------------------------------ a task's timeline
@dataclass
class TaskTimeline:
    """A task's events on a time axis: ``table`` (seconds after creation, event, who) and an SVG picture."""

    task_sid: str
    table: pd.DataFrame

    def __repr__(self) -> str:
        return self.table.to_string(index=False)

    def _repr_html_(self) -> str:
        return _timeline_svg(self.table) + self.table.to_html(index=False)


def task_timeline(workspace, task_sid: str) -> TaskTimeline:
    """The task's events, oldest first, timed from its creation (on the mock's clock, or Twilio's).

    Times come from ``event_date_ms``: ``event_date`` has whole seconds only, so two events a few
    milliseconds apart on either side of a second's boundary would look a second apart.
    """
    events = sorted(workspace.events.list(task_sid=task_sid), key=_event_ms)  # stable: same-ms events keep the API order
    start = _event_ms(events[0]) if events else 0
    rows = []
    for event in events:
        data: dict[str, Any] = event.event_data or {}
        rows.append({"At (s)": round((_event_ms(event) - start) / 1000),
                     "Event": event.event_type, "Worker": data.get("worker_name", ""),
                     "Queue": data.get("task_queue_name", ""), "Description": event.description})
    return TaskTimeline(task_sid, pd.DataFrame(rows, columns=["At (s)", "Event", "Worker", "Queue", "Description"]))


def _event_ms(event) -> int:
    if event.event_date_ms is not None:
        return int(event.event_date_ms)
    return int(event.event_date.timestamp() * 1000) if isinstance(event.event_date, datetime) else 0


COLOURS = {"reservation.created": "#268bd2", "reservation.accepted": "#2aa198", "reservation.rejected": "#dc322f",
           "reservation.timeout": "#cb4b16", "reservation.rescinded": "#93a1a1", "task.completed": "#859900",
           "task.canceled": "#93a1a1", "task.created": "#657b83"}


def _timeline_svg(table: pd.DataFrame, width: int = 760) -> str:
    """Each event a mark on one axis; the gaps (time waiting, time to accept) are the spaces between them."""
    if table.empty:
        return "<p>No events.</p>"
    end = max(int(table["At (s)"].max()), 1)
    left, right, row = 20, width - 20, 18
    height = 40 + row * len(table)
    scale = (right - left) / end
    parts = [f"<svg class='trkit-timeline' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg' "
             "font-family='sans-serif' font-size='11'>",
             f"<line x1='{left}' y1='20' x2='{right}' y2='20' stroke='#93a1a1'/>",
             f"<text x='{left}' y='14'>0 s</text><text x='{right}' y='14' text-anchor='end'>{end} s</text>"]
    for index, item in enumerate(table.itertuples(index=False)):
        x = left + item[0] * scale
        y = 36 + row * index
        colour = COLOURS.get(item[1], "#6c71c4")
        who = f" · {item[2]}" if item[2] else ""
        anchor = "end" if x > width * 0.6 else "start"
        dx = -6 if anchor == "end" else 6
        parts.append(f"<line x1='{x:.1f}' y1='20' x2='{x:.1f}' y2='{y}' stroke='{colour}' stroke-dasharray='2,2'/>"
                     f"<circle cx='{x:.1f}' cy='{y}' r='4' fill='{colour}'/>"
                     f"<text x='{x + dx:.1f}' y='{y + 4}' text-anchor='{anchor}'>{html.escape(f'{item[0]} s {item[1]}{who}')}</text>")
    parts.append("</svg>")
    return "".join(parts)


MERMAID = __import__("pathlib").Path(__file__).resolve().parent.parent / "agent" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

# The page stays put while the graph changes: it asks for the graph's Mermaid source every second and redraws
# only when the source is new (replacing the frame on every change would abort its loads and flicker).
GRAPH_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Routing graph</title>
<style>body {{ margin: 0; font-family: sans-serif; }} .trkit-graph-stale {{ color: #cb4b16; font-size: 80%; }}</style></head>
<body><div class="trkit-graph"></div><div class="trkit-graph-stale"></div>
<script src="mermaid.js"></script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
let drawn = null, count = 0;
async function redraw() {{
  const stale = document.querySelector(".trkit-graph-stale");
  try {{
    const answer = await fetch("{picture_id}/source", {{cache: "no-store"}});
    const source = answer.ok ? await answer.text() : null;
    stale.textContent = answer.ok ? "" : "The kernel no longer serves this picture: run the cell again.";
    // Mermaid measures its text: in a frame that is not shown (a closed tab) it measures nothing, so wait
    if (source !== null && source !== drawn && window.innerWidth > 0) {{
      const {{svg}} = await mermaid.render("trkit-graph-" + (count += 1), source);
      document.querySelector(".trkit-graph").innerHTML = svg;
      drawn = source;
    }}
  }} catch (failure) {{
    stale.textContent = "The kernel is not answering; this picture may be out of date.";
  }}
  setTimeout(redraw, 1000);
}}
redraw();
</script></body></html>"""


def graph_page(picture_id: str) -> str:
    """A page that draws a routing graph the callback server keeps under ``picture_id`` with Mermaid itself (for
    Voilà, which has no Mermaid renderer), and redraws it whenever it changes."""
    return GRAPH_PAGE.format(picture_id=html.escape(picture_id))
