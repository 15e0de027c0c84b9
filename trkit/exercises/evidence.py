"""What a check may look at: the resources through the twilio library and the kernel's callback log.

Nothing here reads the learner's source or variables; a check sees what TaskRouter and Voice saw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ..errors import KitError

REAL_TWILIO_WAIT = 10.0  # seconds a check waits for Twilio's asynchronous routing before it judges


class Evidence:
    """The state of the tutorial workspace and the requests this kernel answered, for one check."""

    def __init__(self, kit) -> None:
        self.kit = kit
        if kit._tutorial is None:
            raise KitError("Run the notebook's first cells (kit = trkit.connect(), tutorial = kit.tutorial()) before a check.")
        self.tutorial = kit._tutorial
        self.workspace = kit._tutorial.workspace

    # ---------------------------------------------------------------- time
    def settle(self, ready: Callable[[], Any]) -> Any:
        """``ready()``'s answer once it is truthy; on real Twilio wait a little for routing, on the mock it has happened."""
        if self.kit.mode == "mock":
            return ready()
        deadline = time.monotonic() + REAL_TWILIO_WAIT
        while True:
            answer = ready()
            if answer or time.monotonic() >= deadline:
                return answer
            time.sleep(0.5)

    # ------------------------------------------------------------- records
    def requests(self, kind: str, path: str | None = None) -> list:
        """The requests of one kind ("assignment", "voice") this kernel received, oldest first, signed ones only."""
        return [r for r in list(self.kit.callbacks.records)
                if r.kind == kind and r.status != 403 and (path is None or r.path == path)]

    def last_request(self, kind: str, path: str | None = None):
        found = self.settle(lambda: self.requests(kind, path))
        return found[-1] if found else None

    # ----------------------------------------------------------- resources
    def tasks(self) -> list:
        """The workspace's tasks, newest first."""
        return list(reversed(self.workspace.tasks.list()))

    def worker(self, name: str):
        return self.workspace.workers(self.tutorial.workers[name]).fetch()

    def activity_name(self, sid: str | None) -> str | None:
        for activity in self.workspace.activities.list():
            if activity.sid == sid:
                return activity.friendly_name
        return None

    def activity_sid(self, name: str) -> str | None:
        found = self.workspace.activities.list(friendly_name=name)
        return found[0].sid if found else None

    def workflow(self):
        return self.workspace.workflows(self.tutorial.workflow_sid).fetch()

    def served_here(self, url: str | None) -> bool:
        """Whether ``url`` reaches this kernel's callback server (where the learner's app is served)."""
        return bool(url) and url.startswith(self.kit.callbacks.base_url)

    def route_of(self, url: str | None) -> str:
        """The path part of a URL on this kernel's callback server."""
        return (url or "")[len(self.kit.callbacks.base_url):] if self.served_here(url) else (url or "")


def attributes_of(resource) -> dict:
    try:
        value = json.loads(resource.attributes or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def compact(value: Any) -> str:
    """An answer as the learner would write it: JSON for dicts, the text otherwise, cut at 200 characters."""
    text = value if isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."
