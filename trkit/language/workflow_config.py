"""A workflow's ``configuration`` document: checked on save, read when routing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .documents import parse_json
from .errors import LanguageError
from .expressions import ExpressionError, check_target_expression, compile_expression
from .vocabulary import looks_like


@dataclass(frozen=True)
class Target:
    queue_sid: str
    priority: int | None = None
    timeout: int | None = None
    expression: str | None = None
    # worker ordering: ((attribute path under worker., descending), ...)
    order_by: tuple[tuple[tuple[str, ...], bool], ...] = ()
    # known-agent routing: the task attribute path holding the worker's SID or friendly name
    known_worker_sid: tuple[str, ...] | None = None
    known_worker_friendly_name: tuple[str, ...] | None = None
    # skip this step at once when nobody can take the task on entering it and this holds over
    # ``workers.available``, ``workers.unavailable`` and ``workers.<activity SID>`` (counts in the queue)
    skip_if: str | None = None
    # the target as the configuration writes it, for showing (pictures, tables); not part of its meaning
    source: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Filter:
    name: str
    expression: str
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class RoutingConfig:
    filters: tuple[Filter, ...]
    default: Target | None
    # keys the configuration holds that routing here does not read, as paths ("task_routing.default_filter.Expression"):
    # TaskRouter accepts documents with keys beyond its documented ones, so they are kept and shown, not refused
    unread: tuple[str, ...] = ()

    def target(self, filter_index: int | None, target_index: int) -> Target | None:
        if filter_index is None:
            return None
        if filter_index == -1:
            return self.default if target_index == 0 else None
        if not 0 <= filter_index < len(self.filters):
            return None  # the configuration changed under the task: there is no such filter any more
        targets = self.filters[filter_index].targets
        return targets[target_index] if 0 <= target_index < len(targets) else None

    def step_of_queue(self, queue_sid: str | None) -> tuple[int | None, Target | None]:
        """The first step routing to ``queue_sid``: its filter's index (-1 for the default filter) and target."""
        for index, filt in enumerate(self.filters):
            for target in filt.targets:
                if target.queue_sid == queue_sid:
                    return index, target
        if self.default is not None and self.default.queue_sid == queue_sid:
            return -1, self.default
        return None, None

    def same_step(self, other: RoutingConfig, filter_index: int | None, target_index: int) -> bool:
        """Does ``other`` have the very step (filter and target) this configuration has at that position?"""
        mine, theirs = self.target(filter_index, target_index), other.target(filter_index, target_index)
        if mine is None or mine != theirs:
            return False
        return filter_index == -1 or self.filters[filter_index].expression == other.filters[filter_index].expression


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise LanguageError(f"Configuration: {where} must be an integer")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise LanguageError(f"Configuration: {where} must be an integer, got {value!r}") from None
    if number < minimum:
        raise LanguageError(f"Configuration: {where} must be at least {minimum}, got {number}")
    return number


DEFAULT_FILTER_NAME = "Default Filter"  # what the default filter is called wherever a filter is named


def filter_name(raw: dict, index: int) -> str:
    """A filter's name: its ``filter_friendly_name`` (or ``friendly_name``), else its place ("Filter 2")."""
    return str(raw.get("filter_friendly_name", raw.get("friendly_name", f"Filter {index + 1}")))


TARGET_KEYS = {"queue", "expression", "priority", "timeout", "order_by", "known_worker_sid", "known_worker_friendly_name",
               "skip_if"}
# documented target keys whose routing the mock does not perform: refused, never ignored (none at present)
NOT_EMULATED: dict[str, str] = {}
FILTER_KEYS = {"filter_friendly_name", "friendly_name", "expression", "targets"}
ROUTING_KEYS = {"filters", "default_filter"}


def _note_unread(raw: dict, known: set[str], where: str, unread: list[str]) -> None:
    """Keys beyond the documented ones are kept and listed in ``unread``: real TaskRouter answered 201 to a
    ``default_filter`` holding ``filter_friendly_name`` and a capitalised ``Expression``, and what it does with
    such keys is not documented, so refusing them would refuse what works on Twilio."""
    for key in raw:
        if key in NOT_EMULATED and known is TARGET_KEYS:
            raise LanguageError(f"Configuration: {where}.{key} ({NOT_EMULATED[key]}) is not emulated by the mock TaskRouter; "
                          f"remove it to route without it here, and try it against real Twilio")
        if key not in known:
            unread.append(f"{where}.{key}")


def _target(raw: Any, where: str, inherited: Target | None, queue_exists: Callable[[str], bool], unread: list[str]) -> Target:
    if not isinstance(raw, dict):
        raise LanguageError(f"Configuration: {where} must be an object")
    _note_unread(raw, TARGET_KEYS, where, unread)
    queue = raw.get("queue", inherited.queue_sid if inherited else None)
    if not queue:
        raise LanguageError(f"Configuration: {where} must name a queue")
    if not isinstance(queue, str) or not looks_like(queue, "WQ") or not queue_exists(queue):
        raise LanguageError(f"Configuration: {where} names queue {queue!r}, which is not a TaskQueue of this Workspace")
    expression = _expression(raw, "expression", where, check_target_expression, "")
    skip_if = _expression(raw, "skip_if", where, compile_expression, " such as 'workers.available == 0'")
    timeout = raw.get("timeout")
    priority = raw.get("priority")
    known = {key: _task_path(raw[key], f"{where}.{key}") for key in ("known_worker_sid", "known_worker_friendly_name") if key in raw}
    if len(known) > 1:
        raise LanguageError(f"Configuration: {where} may name known_worker_sid or known_worker_friendly_name, not both")
    return Target(
        source=raw,
        queue_sid=queue,
        priority=_int(priority, f"{where}.priority") if priority is not None else None,
        timeout=_int(timeout, f"{where}.timeout", 1) if timeout is not None else None,
        expression=expression,
        order_by=_order_by(raw["order_by"], f"{where}.order_by") if "order_by" in raw else (),
        skip_if=skip_if,
        **known,
    )


def _expression(raw: dict, key: str, where: str, check: Callable[[str], Any], example: str) -> str | None:
    """A target's optional expression (``expression``, ``skip_if``): a string that ``check`` parses."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LanguageError(f"Configuration: {where}.{key} must be a string{example}")
    try:
        check(value)
    except ExpressionError as exc:
        raise LanguageError(f"Configuration: {where}.{key} is invalid: {exc}") from None
    return value


def _task_path(value: Any, where: str) -> tuple[str, ...]:
    """``task.agent_sid``: where in the task's attributes the known worker is named."""
    if not isinstance(value, str) or not value.startswith("task.") or not all(value.split(".")[1:]):
        raise LanguageError(f"Configuration: {where} must name a task attribute such as 'task.agent_sid', got {value!r}")
    return tuple(value.split(".")[1:])


def _order_by(value: Any, where: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """``worker.level DESC, worker.tenure ASC``: clauses in order, ties broken by the next one."""
    if not isinstance(value, str) or not value.strip():
        raise LanguageError(f"Configuration: {where} must be a string such as 'worker.level DESC'")
    clauses = []
    for clause in value.split(","):
        words = clause.split()
        direction = words[1].upper() if len(words) == 2 else "ASC" if len(words) == 1 else None
        path = words[0] if words else ""
        if direction not in ("ASC", "DESC") or not path.startswith("worker.") or not all(path.split(".")[1:]):
            raise LanguageError(f"Configuration: {where} clause {clause.strip()!r} must be 'worker.<attribute> ASC' or 'worker.<attribute> DESC'")
        clauses.append((tuple(path.split(".")[1:]), direction == "DESC"))
    return tuple(clauses)


def parse_configuration(text: str, queue_exists: Callable[[str], bool]) -> RoutingConfig:
    """Parse and check a configuration; raises a 400 naming what is wrong."""
    if not isinstance(text, str):
        raise LanguageError("Configuration must be a JSON string")
    document = parse_json(text, "Configuration")
    if not isinstance(document, dict) or not isinstance(document.get("task_routing"), dict):
        raise LanguageError("Configuration must be a JSON object with a 'task_routing' object")
    routing = document["task_routing"]
    unread: list[str] = []
    _note_unread({key: None for key in document if key != "task_routing"}, set(), "", unread)
    _note_unread(routing, ROUTING_KEYS, "task_routing", unread)
    raw_filters = routing.get("filters", [])
    if not isinstance(raw_filters, list):
        raise LanguageError("Configuration: task_routing.filters must be a list")
    filters = []
    for i, raw in enumerate(raw_filters):
        where = f"task_routing.filters[{i}]"
        if not isinstance(raw, dict):
            raise LanguageError(f"Configuration: {where} must be an object")
        _note_unread(raw, FILTER_KEYS, where, unread)
        expression = raw.get("expression")
        if not isinstance(expression, str):
            raise LanguageError(f"Configuration: {where}.expression is required")
        try:
            compile_expression(expression)
        except ExpressionError as exc:
            raise LanguageError(f"Configuration: {where}.expression is invalid: {exc}") from None
        raw_targets = raw.get("targets")
        if not isinstance(raw_targets, list) or not raw_targets:
            raise LanguageError(f"Configuration: {where}.targets must be a non-empty list")
        targets: list[Target] = []
        for j, raw_target in enumerate(raw_targets):
            previous = targets[-1] if targets else None
            targets.append(_target(raw_target, f"{where}.targets[{j}]", previous, queue_exists, unread))
        filters.append(Filter(name=filter_name(raw, i), expression=expression, targets=tuple(targets)))
    default = routing.get("default_filter")
    default_target = _target(default, "task_routing.default_filter", None, queue_exists, unread) if default is not None else None
    return RoutingConfig(filters=tuple(filters), default=default_target, unread=tuple(path.lstrip(".") for path in unread))


def queues_named(text: str) -> set[str]:
    """Queue SIDs a stored configuration routes to (to refuse deleting them)."""
    try:
        routing = json.loads(text).get("task_routing", {})
    except (ValueError, AttributeError):
        return set()
    found = set()
    for raw in routing.get("filters", []) or []:
        for target in raw.get("targets", []) or []:
            if isinstance(target, dict) and target.get("queue"):
                found.add(target["queue"])
    default = routing.get("default_filter")
    if isinstance(default, dict) and default.get("queue"):
        found.add(default["queue"])
    return found


def read_configuration(text: str | None) -> RoutingConfig:
    """A configuration as TaskRouter returns it, for reading (explain, pictures, tables). Checked as on save when it
    passes (queues not looked up); else read as it stands, so that one from real Twilio the mock would refuse still
    shows: what cannot be read is left out, never guessed."""
    try:
        return parse_configuration(text or "", lambda sid: True)
    except LanguageError:
        pass
    try:
        document = json.loads(text or "{}")
    except ValueError:
        return RoutingConfig(filters=(), default=None)
    routing = document.get("task_routing") if isinstance(document, dict) else None
    if not isinstance(routing, dict):
        return RoutingConfig(filters=(), default=None)
    listed = routing.get("filters")
    filters = []
    for index, raw in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(raw, dict):
            targets: list[Target] = []
            listed_targets = raw.get("targets")
            for target in listed_targets if isinstance(listed_targets, list) else []:
                if isinstance(target, dict):
                    targets.append(target_as_read(target, targets[-1].queue_sid if targets else None))
            filters.append(Filter(filter_name(raw, index), str(raw.get("expression", "")), tuple(targets)))
    default = routing.get("default_filter")
    return RoutingConfig(filters=tuple(filters), default=target_as_read(default) if isinstance(default, dict) else None)


def target_as_read(raw: dict, inherited_queue: str | None = None) -> Target:
    """A target as a configuration read back from TaskRouter states it, without the checks of a save
    (``explain`` reads configurations the mock did not write, possibly with keys it does not emulate)."""
    def path(value: Any) -> tuple[str, ...] | None:
        try:
            return _task_path(value, "target")
        except LanguageError:
            return None
    known = {key: path(raw[key]) for key in ("known_worker_sid", "known_worker_friendly_name") if key in raw}
    try:
        order_by = _order_by(raw["order_by"], "order_by") if "order_by" in raw else ()
    except LanguageError:
        order_by = ()
    timeout, priority = raw.get("timeout"), raw.get("priority")
    return Target(source=raw, queue_sid=raw.get("queue", inherited_queue or ""), expression=raw.get("expression"), order_by=order_by,
                  timeout=timeout if isinstance(timeout, int) else None, priority=priority if isinstance(priority, int) else None,
                  **{k: v for k, v in known.items() if v is not None})
