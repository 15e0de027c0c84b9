"""Finding records by SID within a workspace, and the small helpers every rule uses."""

from __future__ import annotations

from typing import Any

from ...language.workflow_config import RoutingConfig, parse_configuration
from . import paths
from .errors import InvalidParameter, NotFound, PreconditionFailed
from .records import Activity, Event, Reservation, Task, TaskChannel, TaskQueue, Worker, Workflow, Workspace
from .service import Service
from .transaction import read


class Lookups(Service):
    """Fetch a record of a workspace or answer TaskRouter's 404."""

    needs = ("clock", "sids", "store")

    def __init__(self) -> None:
        self._configs: dict[str, tuple[str, RoutingConfig]] = {}  # workflow -> (its configuration's text, parsed)

    def now(self) -> float:
        return self.clock.now()

    def new_sid(self, prefix: str) -> str:
        sid = self.sids.new(prefix)
        while self.store.get_any(sid) is not None:
            sid = self.sids.new(prefix)
        return sid

    @read
    def workspace(self, sid: str) -> Workspace:
        ws = self.store.get("workspace", sid)
        if ws is None:
            raise NotFound(path=f"/v1/Workspaces/{sid}")
        return ws

    def _get(self, kind: str, ws_sid: str, sid: str | None) -> Any:
        self.workspace(ws_sid)
        obj = self.store.get(kind, sid)
        if obj is None or obj.workspace_sid != ws_sid:
            raise NotFound(path=paths.path_of(kind, ws_sid, sid or ""))
        return obj

    @read
    def activity(self, ws_sid: str, sid: str) -> Activity:
        return self._get("activity", ws_sid, sid)

    @read
    def worker(self, ws_sid: str, sid: str) -> Worker:
        return self._get("worker", ws_sid, sid)

    @read
    def task_queue(self, ws_sid: str, sid: str) -> TaskQueue:
        return self._get("task_queue", ws_sid, sid)

    @read
    def workflow(self, ws_sid: str, sid: str) -> Workflow:
        return self._get("workflow", ws_sid, sid)

    @read
    def task(self, ws_sid: str, sid: str) -> Task:
        return self._get("task", ws_sid, sid)

    @read
    def event(self, ws_sid: str, sid: str) -> Event:
        return self._get("event", ws_sid, sid)

    @read
    def task_channel(self, ws_sid: str, sid_or_name: str) -> TaskChannel:
        self.workspace(ws_sid)
        channel = self.store.get("task_channel", sid_or_name)
        if channel is None or channel.workspace_sid != ws_sid:
            channel = next(
                (c for c in self.store.all("task_channel", ws_sid) if c.unique_name == sid_or_name), None
            )
        if channel is None:
            raise NotFound(path=paths.path_of("task_channel", ws_sid, sid_or_name))
        return channel

    @read
    def reservation(self, ws_sid: str, sid: str, task_sid: str | None = None, worker_sid: str | None = None) -> Reservation:
        if task_sid is not None:
            self.task(ws_sid, task_sid)
        if worker_sid is not None:
            self.worker(ws_sid, worker_sid)
        res = self.store.get("reservation", sid)
        if (
            res is None
            or res.workspace_sid != ws_sid
            or (task_sid is not None and res.task_sid != task_sid)
            or (worker_sid is not None and res.worker_sid != worker_sid)
        ):
            path = (
                paths.task_reservation_path(ws_sid, task_sid, sid)
                if task_sid
                else paths.worker_reservation_path(ws_sid, worker_sid or "", sid)
            )
            raise NotFound(path=path)
        return res

    def activity_ref(self, ws_sid: str, sid: str | None, param: str) -> Activity | None:
        if sid is None:
            return None
        activity = self.store.get("activity", sid)
        if activity is None or activity.workspace_sid != ws_sid:
            raise InvalidParameter(f"{param} {sid!r} is not an Activity of Workspace {ws_sid}")
        return activity

    def unique(self, kind: str, ws_sid: str, attr: str, value: str, exclude: str | None, label: str, param: str) -> None:
        for obj in self.store.all(kind, ws_sid):
            if getattr(obj, attr) == value and obj.sid != exclude:
                raise InvalidParameter(f"{param} '{value}' is already used by {label} {obj.sid} in this Workspace")

    def touch(self, obj: Any) -> None:
        obj.date_updated = self.clock.now()
        if hasattr(obj, "version"):
            obj.version += 1
        self.store.put(obj)

    @staticmethod
    def check_if_match(obj: Any, if_match: str | None) -> None:
        """Optimistic concurrency: a stale ``If-Match`` is refused with 412 (code UNCONFIRMED: 20001)."""
        if if_match is None:
            return
        wanted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
        if "*" not in wanted and str(obj.version) not in wanted:
            raise PreconditionFailed(f"If-Match {if_match!r} does not match the current ETag \"{obj.version}\" of {obj.sid}; "
                                     "fetch it again and retry")

    def routing_config(self, workflow: Workflow) -> RoutingConfig:
        """A workflow's configuration, parsed once for each text it has."""
        cached = self._configs.get(workflow.sid)
        if cached is None or cached[0] != workflow.configuration:
            config = parse_configuration(workflow.configuration, lambda sid: self.store.get("task_queue", sid) is not None)
            cached = (workflow.configuration, config)
            self._configs[workflow.sid] = cached
        return cached[1]

    def forget_configuration(self, workflow_sid: str | None = None) -> None:
        """Drop a deleted workflow's parsed configuration (every one, without ``workflow_sid``)."""
        if workflow_sid is None:
            self._configs.clear()
        else:
            self._configs.pop(workflow_sid, None)
