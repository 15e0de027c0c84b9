"""The engine's one door: one API call = one lock acquisition = one transaction, taken here.

:class:`TaskRouterEngine` is the rule modules put together (configuration, workers, queues and
workflows, tasks, reservations, events, routing, timers, statistics). Every method a rule module
marks with :func:`~.transaction.write` runs as a transaction: under the lock, the store journals it,
routing runs inside it, it commits, and only then are its callbacks sent — and the call waits for
their answers, so the next call sees their effect. A refusal or a fault rolls back only what the
call touched. The reads marked with :func:`~.transaction.read` run under the lock too. Records returned to a caller
outside the engine are copies: a write answers with the resource as it was before routing ran (as
TaskRouter's REST API does), and nothing a caller holds changes under it.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import wait
from functools import wraps
from typing import Any

from ...language.errors import LanguageError
from ...language.workflow_config import RoutingConfig
from .calls import Calls
from .checks import FINISHED_TASK_LIFETIME
from .clock import Clock, iso
from .conferences import Conferences
from .configuration import Configuration
from .errors import InvalidParameter
from .events import EventLog
from .indexes import Indexes
from .keys import Keys
from .lookups import Lookups
from .offers import Offers
from .queues import QueuesAndWorkflows
from .records import Record
from .reservations import Reservations
from .routing import Routing
from .sids import SidGenerator
from .statistics import Statistics
from .store import Store
from .tasks import Tasks
from .telephony import Telephony, VoiceSwitches
from .timers import Timers
from .transaction import Dispatcher, NullDispatcher, Outbound, read, write
from .twiml_player import TwimlPlayer
from .workers import Workers

SETTLE_TIMEOUT = 12.0  # seconds a call waits for the answers of the callbacks it caused

def stored_clock(meta: dict) -> Clock:
    """The clock as the store left it. A state written before the clock remembered its advances has an offset
    and no history: the offset is taken as in force all along, so tokens minted since are read leniently."""
    offset = float(meta.get("clock_offset", "0"))
    history = json.loads(meta["clock_history"]) if "clock_history" in meta else ([[0.0, offset]] if offset else [])
    return Clock(offset, history)


CALLBACK_LOG_SIZE = 10_000  # the newest deliveries kept for GET /mock/callbacks (a long chain of re-offers fits)


class TaskRouterEngine(Lookups, Configuration, Workers, QueuesAndWorkflows, Tasks, Reservations, EventLog, Routing, Offers,
                       Indexes, Timers, Statistics, Calls, TwimlPlayer, Telephony, Conferences,
                       Keys):
    """One account's TaskRouter and phone network: every workspace, number and call, without HTTP."""

    def __init__(
        self,
        store: Store,
        account_sid: str,
        auth_token: str,
        clock: Clock | None = None,
        sids: SidGenerator | None = None,
        dispatcher: Dispatcher | None = None,
        finished_task_lifetime: float | None = FINISHED_TASK_LIFETIME,
        settle_timeout: float = SETTLE_TIMEOUT,
        voice: VoiceSwitches | None = None,
    ) -> None:
        self.store = store
        self.finished_task_lifetime = finished_task_lifetime  # None: finished tasks are kept
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock or stored_clock(store.meta)
        self.sids = sids or SidGenerator()
        self.dispatcher = dispatcher or NullDispatcher()
        self.settle_timeout = settle_timeout
        self.lock = threading.RLock()
        self._depth = 0  # calls in progress in the thread holding the lock (rules call each other)
        self._outbox: list[Outbound] = []
        self._published: list = []  # the events of the open transaction, for subscribers after it commits
        self._subscribers: list[Callable[[list], None]] = []
        self._match_wanted: dict[str, None] = {}
        self._skip_checks: dict[str, tuple[int, int]] = {}  # task -> the step whose skip_if is due
        self._configs: dict[str, tuple[str, RoutingConfig]] = {}
        self._timer_counter = itertools.count()
        self._timers: list[tuple[float, int, str, str]] = []
        self.callback_log: list[dict] = []
        self.voice = voice or VoiceSwitches()
        self.phones: dict[str, str] = dict(json.loads(store.meta.get("phones", "[]")))  # number -> behaviour
        self._rebuild_indexes()

    def now(self) -> float:
        return self.clock.now()

    # ------------------------------------------------------------ the mock's own controls
    @write
    def reset(self) -> None:
        self.store.reset()
        self._configs = {}
        self._rebuild_indexes()
        self.clock.reset()
        self.callback_log.clear()
        self.phones = {}

    def seed(self, value: int | None) -> None:
        """From now on SIDs come from a seeded sequence: the same script makes the same SIDs."""
        self.sids.seed(value)

    @read
    def dump(self) -> dict:
        return {"clock": {"now": iso(self.now()), "offset": self.clock.offset}, **self.store.dump()}

    @read
    def clock_state(self) -> dict:
        return {"now": iso(self.now()), "epoch": self.now(), "offset_seconds": self.clock.offset, "next_due": iso(self.next_due())}

    @read
    def lookup(self, kind: str, sid: str | None) -> Any | None:
        """A record by kind and SID, or None (the renderer names related records with it)."""
        return self.store.get(kind, sid)

    @read
    def channel_load(self, worker_sid: str, task_channel_sid: str) -> int:
        """Tasks a worker holds on one channel (a worker channel's ``assigned_tasks``)."""
        return self.assigned_tasks(worker_sid, task_channel_sid)

    def record_callback(self, entry: dict) -> None:
        with self.lock:
            self.callback_log.append(entry)
            del self.callback_log[:-CALLBACK_LOG_SIZE]

    @read
    def callbacks(self) -> list[dict]:
        return list(self.callback_log)

    # ------------------------------------------------------------ transactions
    def subscribe(self, listener: Callable[[list], None]) -> None:
        """Call ``listener(events)`` after every transaction that recorded events (outside the lock)."""
        with self.lock:
            self._subscribers.append(listener)

    def unsubscribe(self, listener: Callable[[list], None]) -> None:
        with self.lock:
            if listener in self._subscribers:
                self._subscribers.remove(listener)

    def _publish(self, events: list) -> None:
        for listener in list(self._subscribers):
            try:
                listener(events)
            except Exception:  # a subscriber's failure is its own: the transaction is committed
                logging.getLogger("trkit.mock").exception("an event subscriber failed")

    def _abort(self) -> None:
        self._published = []
        self._outbox = []
        self._match_wanted.clear()
        self._skip_checks.clear()
        self._rederive(self.store.rollback())

    def _send(self, items: list[Outbound]) -> None:
        """After commit, outside the lock: send the callbacks and wait (bounded) for their answers."""
        futures = self.dispatcher.submit(items, self) or []
        if futures:
            wait(futures, timeout=self.settle_timeout)


def _detached(result: Any) -> Any:
    """What leaves the engine: copies of records, so a caller's view never changes under it."""
    if isinstance(result, Record):
        return result.detached()
    if isinstance(result, list) and result and isinstance(result[0], Record):
        return [item.detached() for item in result]
    return result


def _as_transaction(method: Callable) -> Callable:
    @wraps(method)
    def run(self: TaskRouterEngine, *args: Any, **kwargs: Any) -> Any:
        items: list[Outbound] = []
        events: list = []
        with self.lock:
            outer = self._depth == 0
            self._depth += 1
            if outer:
                self.store.begin()
            try:
                result = method(self, *args, **kwargs)
                if outer:
                    result = _detached(result)  # as it was before routing ran
                    self._flush_matches()
                    self.store.commit(now=self.now())
                    items, self._outbox = self._outbox, []
                    events, self._published = self._published, []
            except BaseException as exc:
                if outer:
                    self._abort()
                    if isinstance(exc, LanguageError):
                        raise InvalidParameter(str(exc)) from None
                raise
            finally:
                self._depth -= 1
        if events and self._subscribers:
            self._publish(events)
        if items:
            self._send(items)
        return result

    return run


def _as_read(method: Callable) -> Callable:
    @wraps(method)
    def run(self: TaskRouterEngine, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            outer = self._depth == 0
            self._depth += 1
            try:
                result = method(self, *args, **kwargs)
                return _detached(result) if outer else result
            except LanguageError as exc:
                if outer:
                    raise InvalidParameter(str(exc)) from None
                raise
            finally:
                self._depth -= 1

    return run


def _wrap(cls: type) -> None:
    """Give every marked write its transaction and every public read its lock."""
    for name in dir(cls):
        method = getattr(cls, name)
        if getattr(method, "__trkit_write__", False):
            setattr(cls, name, _as_transaction(method))
        elif getattr(method, "__trkit_read__", False):
            setattr(cls, name, _as_read(method))


_wrap(TaskRouterEngine)
