"""TaskRouter's resources as plain dataclasses: state only, no HTTP.

Fields named as in Twilio's API where they are rendered; the few extra fields
(routing position, timers, previous activity) are the mock's bookkeeping and
are never rendered.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar


class _Journals(threading.local):
    current: Journal | None = None


JOURNALS = _Journals()  # per thread: the open transaction's journal (the engine's lock makes it one at a time)


class Journal:
    """The old value of every field changed during one transaction, so a refusal undoes just those.

    Only stored records are journaled: one being built (or a copy handed out) has nothing to undo. A record
    notes the old value of each field it changes itself (:meth:`Record.__setattr__`), the first change only.
    """

    def __init__(self, stored: dict[str, Any]) -> None:
        self.stored = stored  # the store's records by SID
        self.seen: set[tuple[int, str]] = set()  # (id of the record, field) already noted
        self.entries: list[tuple[Any, str, Any]] = []  # (record, field, old value)

    def undo(self) -> list[Any]:
        """Put every noted field back; the records touched, oldest change last."""
        touched: dict[int, Any] = {}
        for record, name, old in reversed(self.entries):
            object.__setattr__(record, name, old)
            touched[id(record)] = record
        return list(touched.values())


class Record:
    """A stored resource: every field assignment inside a transaction is journaled."""

    __slots__ = ()

    def detached(self) -> Record:
        """A copy to hand out of the engine (cheaper than ``copy.copy`` for slotted records)."""
        twin = object.__new__(type(self))
        for name in type(self).__slots__:
            object.__setattr__(twin, name, getattr(self, name))
        return twin

    def __setattr__(self, name: str, value: Any) -> None:
        journal = JOURNALS.current
        # a SID never changes; a record not (yet) stored, or a copy handed out, has nothing to undo
        if journal is not None and name != "sid" and journal.stored.get(self.sid) is self:
            key = (id(self), name)  # (noted here, not by a call: every field a rule sets comes through)
            if key not in journal.seen:
                journal.seen.add(key)
                journal.entries.append((self, name, getattr(self, name)))
        object.__setattr__(self, name, value)


class Attributed(Record):
    """A record with JSON ``attributes`` (a task, a worker): the text is what TaskRouter renders; :attr:`attrs` is
    that text parsed, once for each text the record holds (routing, eligibility and the phone network read it on
    every pass). The parse is kept in ``_parsed``, a derived field: never stored, journaled or compared."""

    __slots__ = ()

    @property
    def attrs(self) -> dict[str, Any]:
        """The attributes as a dict, shared with every reader: do not change it (set ``attributes`` instead)."""
        parsed = self._parsed
        if parsed is None or parsed[0] is not self.attributes:  # set again (or put back by a rollback): parse anew
            parsed = (self.attributes, parse_attributes(self.attributes))
            object.__setattr__(self, "_parsed", parsed)
        return parsed[1]


def parse_attributes(text: str | None) -> dict[str, Any]:
    """Stored attributes are a JSON object, checked when they were set; anything else reads as no attributes."""
    try:
        # the same few names and short values ("es", "support") recur in every task's attributes: one string each,
        # not one per task (a waiting task keeps its parse)
        parsed = json.loads(text or "{}", object_pairs_hook=_with_shared_strings)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


SHARED_VALUE_LENGTH = 32  # a longer value (a customer's name, a transcript) is rarely another task's too


def _with_shared_strings(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {sys.intern(name): sys.intern(value) if type(value) is str and len(value) <= SHARED_VALUE_LENGTH else value
            for name, value in pairs}


def record(cls: type) -> type:
    """A stored resource's dataclass, with slots.

    Declared frozen only so that the generated ``__init__`` sets fields directly: a record being
    built has nothing to journal, and routing builds many. Every assignment after that goes through
    :meth:`Record.__setattr__`, which journals it; the records stay mutable and, like any mutable
    dataclass compared by value, unhashable.
    """
    # pragma: no mutate block (it runs when the module is imported, before mutation testing forks: no mutant of it could run)
    cls = dataclass(slots=True, frozen=True)(cls)
    cls.__setattr__ = Record.__setattr__
    cls.__delattr__ = object.__delattr__
    cls.__hash__ = None
    return cls


@record
class Workspace(Record):
    KIND: ClassVar[str] = "workspace"
    sid: str
    friendly_name: str
    date_created: float
    date_updated: float
    event_callback_url: str | None = None
    events_filter: str | None = None
    multi_task_enabled: bool = True
    prioritize_queue_order: str = "FIFO"
    default_activity_sid: str | None = None
    timeout_activity_sid: str | None = None

    @property
    def workspace_sid(self) -> str:
        return self.sid


@record
class Activity(Record):
    KIND: ClassVar[str] = "activity"
    sid: str
    workspace_sid: str
    friendly_name: str
    available: bool
    date_created: float
    date_updated: float


@record
class TaskChannel(Record):
    KIND: ClassVar[str] = "task_channel"
    sid: str
    workspace_sid: str
    friendly_name: str
    unique_name: str
    date_created: float
    date_updated: float
    channel_optimized_routing: bool | None = None


@record
class Worker(Attributed):
    KIND: ClassVar[str] = "worker"
    sid: str
    workspace_sid: str
    friendly_name: str
    attributes: str
    activity_sid: str
    date_created: float
    date_updated: float
    date_status_changed: float
    # when the worker last became free for work: orders "longest idle first"
    idle_since: float = 0.0
    version: int = 0
    _parsed: tuple[str, dict] | None = field(default=None, compare=False, repr=False)  # Attributed.attrs


@record
class WorkerChannel(Record):
    KIND: ClassVar[str] = "worker_channel"
    sid: str
    workspace_sid: str
    worker_sid: str
    task_channel_sid: str
    configured_capacity: int
    available: bool
    date_created: float
    date_updated: float


@record
class TaskQueue(Record):
    KIND: ClassVar[str] = "task_queue"
    sid: str
    workspace_sid: str
    friendly_name: str
    target_workers: str
    max_reserved_workers: int
    task_order: str
    date_created: float
    date_updated: float
    reservation_activity_sid: str | None = None
    assignment_activity_sid: str | None = None


@record
class Workflow(Record):
    KIND: ClassVar[str] = "workflow"
    sid: str
    workspace_sid: str
    friendly_name: str
    configuration: str
    task_reservation_timeout: int
    date_created: float
    date_updated: float
    assignment_callback_url: str | None = None
    fallback_assignment_callback_url: str | None = None


@record
class Task(Attributed):
    KIND: ClassVar[str] = "task"
    sid: str
    workspace_sid: str
    attributes: str
    assignment_status: str
    priority: int
    timeout: int
    task_channel_sid: str
    date_created: float
    date_updated: float
    virtual_start_time: float
    workflow_sid: str | None = None
    task_queue_sid: str | None = None
    task_queue_entered_date: float | None = None
    reason: str | None = None
    ignore_capacity: bool | None = None
    routing_target: str | None = None
    addons: str = "{}"
    # routing position: index of the matched filter (-1: default filter) and target
    filter_index: int | None = None  # its step: a filter's index, -1 the default filter, HELD_IN_QUEUE (below)
    target_index: int = 0
    step_entered_at: float | None = None
    # a priority given at creation or by update; a target's priority overrides it
    assignment_count: int = 0
    # when it was canceled or completed: TaskRouter deletes it a few minutes later
    finished_at: float | None = None
    # bumped on every change: the ETag the spec gives Tasks, Workers and Reservations
    version: int = 0
    _parsed: tuple[str, dict] | None = field(default=None, compare=False, repr=False)  # Attributed.attrs


@record
class Reservation(Record):
    KIND: ClassVar[str] = "reservation"
    sid: str
    workspace_sid: str
    task_sid: str
    worker_sid: str
    worker_name: str
    reservation_status: str
    date_created: float
    date_updated: float
    timeout_at: float
    task_queue_sid: str | None = None
    workflow_sid: str | None = None
    # the activity the worker had before the reservation moved it (reject returns it there)
    previous_activity_sid: str | None = None
    instruction: dict[str, Any] | None = None
    version: int = 0


@record
class PhoneNumber(Record):
    """One of the account's numbers (IncomingPhoneNumbers): where its calls' TwiML comes from."""

    KIND: ClassVar[str] = "phone_number"
    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    date_created: float
    date_updated: float
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    voice_caller_id_lookup: bool = False
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"

    @property
    def workspace_sid(self) -> str:  # the store scopes records by it: the account's own records are scoped by account
        return self.account_sid


@record
class Call(Record):
    """One call leg of the phone network, with where its TwiML stands and what its party heard."""

    KIND: ClassVar[str] = "call"
    sid: str
    account_sid: str
    to: str
    from_: str
    direction: str  # inbound, outbound-api, outbound-dial
    status: str  # queued, ringing, in-progress, completed, busy, failed, no-answer, canceled
    date_created: float
    date_updated: float
    parent_call_sid: str | None = None
    phone_number_sid: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple = ("completed",)
    ring_timeout: int = 60
    sequence: int = 0
    # the player's place: the document it plays, the verbs left, what the call waits for and until when
    document_url: str | None = None
    program: tuple = ()
    waiting: str | None = None  # webhook, gather, pause, queue, ringing, dial, bridged
    wait_until: float | None = None
    fetches: int = 0  # webhooks sent: an answer is played only if it is the latest one's
    documents: int = 0  # documents in a row without waiting: the first, then up to 10 redirects
    gather: dict | None = None
    queue: dict | None = None
    dial: dict | None = None
    dial_parent: str | None = None
    bridged_with: str | None = None
    bridge_to: str | None = None  # a dequeue leg: the parked caller it connects to when answered
    conference_sid: str | None = None  # the conference this leg is in (or joins when answered)
    task_sid: str | None = None
    reservation_sid: str | None = None
    post_work_activity_sid: str | None = None
    transcript: tuple = ()  # what this party heard: ({"at", "heard"}, ...)
    errors: tuple = ()  # the documents it could not play: ({"code", "message", "at"}, ...)

    @property
    def workspace_sid(self) -> str:
        return self.account_sid


@record
class Conference(Record):
    """A conference TaskRouter's ``conference`` instruction starts: the caller and the worker, named by the reservation."""

    KIND: ClassVar[str] = "conference"
    sid: str
    account_sid: str
    friendly_name: str
    status: str  # init, in-progress, completed
    date_created: float
    date_updated: float
    reservation_sid: str | None = None
    task_sid: str | None = None
    # ({"call_sid", "label", "end_conference_on_exit", "status", "joined_at"}, ...)
    participants: tuple = ()
    reason_conference_ended: str | None = None
    call_sid_ending_conference: str | None = None

    @property
    def workspace_sid(self) -> str:
        return self.account_sid


@record
class ApiKey(Record):
    """An API key (SK…) of the account: its secret signs the access tokens the worker SDK presents."""

    KIND: ClassVar[str] = "api_key"
    sid: str
    account_sid: str
    friendly_name: str
    secret: str
    date_created: float
    date_updated: float

    @property
    def workspace_sid(self) -> str:
        return self.account_sid


# A task's filter_index when its workflow's configuration changed, without ReEvaluateTasks, under its step: "The
# default is false, which means Tasks in the Workflow will not be processed through the assignment loop again"
# (https://www.twilio.com/docs/taskrouter/api/workflow). It waits in the queue it is in, with no step timeout to
# move it on, until it is re-evaluated. (What then becomes of the step's own worker expression and timeout is not
# documented: the mock keeps only the queue.)
HELD_IN_QUEUE = -2

@dataclass
class Event:  # written once, never changed: not journaled, kept in SQLite only
    KIND: ClassVar[str] = "event"
    sid: str
    workspace_sid: str
    event_type: str
    description: str
    resource_type: str
    resource_sid: str
    resource_url_path: str
    actor_type: str
    actor_sid: str
    actor_url_path: str | None
    event_date: float
    event_data: dict[str, Any] = field(default_factory=dict)
    source_ip_address: str | None = None
    # sids the Events list filters on
    task_sid: str | None = None
    worker_sid: str | None = None
    reservation_sid: str | None = None
    task_queue_sid: str | None = None
    workflow_sid: str | None = None
    task_channel: str | None = None


MODEL_CLASSES: dict[str, type] = {
    cls.KIND: cls
    for cls in (Workspace, Activity, TaskChannel, Worker, WorkerChannel, TaskQueue, Workflow, Task, Reservation, Event,
                PhoneNumber, Call, Conference, ApiKey)
}
