"""Who receives the tutorial workspace's callbacks: this kernel, or another process.

Every kernel (a notebook, the Voilà dashboard, the terminal tour) that calls ``kit.tutorial()``
points the workflow's assignment callback and the workspace's event callback at its own callback
server, taking them over from whoever had them. This module says who has them now, and lets a
process that exits give them back: to the previous receiver if it still answers, else to nobody.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from .tutorial import WORKFLOW_NAME, WORKSPACE_NAME


@dataclass
class Receivers:
    """The callback URLs the tutorial workspace has now (None: no tutorial workspace)."""

    assignment_url: str | None
    event_url: str | None


def current(client) -> Receivers | None:
    tr = client.taskrouter.v1
    found = tr.workspaces.list(friendly_name=WORKSPACE_NAME)
    if not found:
        return None
    workspace = found[0]
    workflows = tr.workspaces(workspace.sid).workflows.list(friendly_name=WORKFLOW_NAME)
    return Receivers(workflows[0].assignment_callback_url if workflows else None, workspace.event_callback_url)


def answers(url: str | None, timeout: float = 0.5) -> bool:
    """Does anything listen at ``url``'s host and port?"""
    if not url:
        return False
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)), timeout=timeout):
            return True
    except OSError:
        return False


def is_under(url: str | None, base_url: str) -> bool:
    """Is ``url`` one of the routes served at ``base_url`` (the kit's own or the learner's handler)?"""
    return bool(url) and url.startswith(base_url.rstrip("/") + "/")


def give_back(client, my_base_url: str, previous: Receivers | None) -> str:
    """If the callbacks are still ours (any route under ``my_base_url``), hand them to ``previous`` when it
    answers, else clear them; says what it did."""
    tr = client.taskrouter.v1
    found = tr.workspaces.list(friendly_name=WORKSPACE_NAME)
    if not found:
        return "no tutorial workspace"
    workspace = found[0]
    alive = previous is not None and answers(previous.assignment_url)
    done = []
    for workflow in tr.workspaces(workspace.sid).workflows.list(friendly_name=WORKFLOW_NAME):
        if is_under(workflow.assignment_callback_url, my_base_url):
            target = previous.assignment_url if alive else ""
            tr.workspaces(workspace.sid).workflows(workflow.sid).update(assignment_callback_url=target or "")
            done.append(f"assignment callbacks to {target or 'nobody'}")
    if is_under(workspace.event_callback_url, my_base_url):
        target = previous.event_url if alive and previous.event_url else ""
        tr.workspaces(workspace.sid).update(event_callback_url=target)
        done.append(f"event callbacks to {target or 'nobody'}")
    return "; ".join(done) or "the callbacks were not ours any more"
