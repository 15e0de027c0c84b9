"""The kit's one look for tables, as HTML, without pandas: its CSS, a table of cells that are HTML already, and a
task's attributes folded to the few a reader looks for first.

pandas' tables (``tables.py``) and the dashboard's widgets (``dashboard.py``, which sit outside JupyterLab's
rendered-HTML styles, in Voilà too) both draw with these; the dashboard and the agent page need no pandas.
"""

from __future__ import annotations

import html
import json


def attributes_text(text: str | None) -> str:
    """A task's or worker's attributes as one line of JSON (the text as it is, if it is not JSON)."""
    try:
        return json.dumps(json.loads(text or "{}"), separators=(", ", ": "))
    except ValueError:
        return text or ""


# One look for every table the kit draws, pandas' in the notebook and the dashboard's in its widgets (which sit
# outside JupyterLab's rendered-HTML styles, in Voilà too): left-aligned cells, a ruled header, banded rows.
TABLE_CSS = "border-collapse:collapse;font-size:12px;margin:2px 0"
HEAD_CSS = "text-align:left;padding:3px 8px;line-height:1.4;vertical-align:bottom;font-weight:600;border-bottom:1px solid #93a1a1"
CELL_CSS = "text-align:left;padding:3px 8px;line-height:1.4;vertical-align:top;overflow-wrap:break-word"
BAND_CSS = "background:#f3f5f5"
SHOWN_ATTRIBUTES = 3  # a task's attributes beyond these fold away (a voice task has about thirty)
FIRST_ATTRIBUTES = ("selected_language", "type", "from", "to", "call_sid")  # the ones a reader looks for first


def html_table(headers: list[str], rows: list[list[str]], css: str) -> str:
    """A table of cells that are already HTML, in the kit's one table style."""
    head = "".join(f"<th style='{HEAD_CSS}'>{html.escape(h)}</th>" for h in headers)
    body = "".join(f"<tr style='{BAND_CSS if i % 2 else ''}'>" + "".join(f"<td style='{CELL_CSS}'>{cell}</td>" for cell in row)
                   + "</tr>" for i, row in enumerate(rows))
    empty = f"<tr><td colspan='{len(headers)}' style='{CELL_CSS};color:#93a1a1'>none</td></tr>" if not rows else ""
    # a long SID or description wraps inside its cell, and a table still too wide scrolls rather than being cut off
    return (f"<div style='overflow-x:auto;max-width:100%'><table class='{css}' style='{TABLE_CSS}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}{empty}</tbody></table></div>")


def attributes_summary(text: str | None) -> tuple[str, int]:
    """The attributes a reader looks for first, as ``key: value`` text, and how many more there are."""
    try:
        attributes = json.loads(text or "{}")
    except ValueError:
        return text or "", 0
    if not isinstance(attributes, dict):
        return json.dumps(attributes), 0
    # sorted is stable: the rest keep their order
    keys = sorted(attributes, key=lambda k: FIRST_ATTRIBUTES.index(k) if k in FIRST_ATTRIBUTES else len(FIRST_ATTRIBUTES))
    shown = keys[:SHOWN_ATTRIBUTES]
    return ", ".join(f"{k}: {json.dumps(attributes[k])}" for k in shown), len(keys) - len(shown)


def attributes_html(text: str | None) -> str:
    """A task's attributes as code; beyond a few, a summary that opens on a click into the whole JSON."""
    summary, more = attributes_summary(text)
    if not more:
        return f"<code>{html.escape(attributes_text(text))}</code>"
    whole = json.dumps(json.loads(text or "{}"), indent=2)
    return (f"<details class='trkit-attributes'><summary><code>{html.escape(summary)}</code> … {more} more</summary>"
            f"<pre style='margin:2px 0;white-space:pre-wrap'>{html.escape(whole)}</pre></details>")
