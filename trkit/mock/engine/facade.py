"""The engine's one door: one API call = one lock acquisition = one transaction, taken here.

:class:`TaskRouterEngine` composes the services (lookups, configuration, workers, queues and
workflows, tasks, reservations, events, routing, offers, indexes, timers, statistics, and the phone
network's calls, TwiML player, telephony and conferences, and keys): it makes one of each and
connects each to the parts it names. Every method a service marks with :func:`~.transaction.write`
runs as a transaction: under the lock, the store journals it, routing runs inside it, it commits,
and only then are its callbacks sent — and the call waits for their answers, so the next call sees
their effect. A refusal or a fault rolls back only what the call touched. The reads marked with
:func:`~.transaction.read` run under the lock too. Records returned to a caller outside the engine
are copies: a write answers with the resource as it was before routing ran (as TaskRouter's REST API
does), and nothing a caller holds changes under it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import wait
from functools import cache, wraps
from typing import Any

from ...language.errors import LanguageError
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
from .service import Service
from .sids import SidGenerator
from .statistics import Statistics
from .store import Store
from .tasks import Tasks
from .telephony import Telephony, VoiceSwitches
from .timers import Timers
from .transaction import Dispatcher, NullDispatcher, Outbound, Outbox, read, write
from .twiml_player import TwimlPlayer
from .workers import Workers

SETTLE_TIMEOUT = 12.0  # seconds a call waits for the answers of the callbacks it caused
CALLBACK_LOG_SIZE = 10_000  # the newest deliveries kept for GET /mock/callbacks (a long chain of re-offers fits)


def stored_clock(meta: dict) -> Clock:
    """The clock as the store left it. A state written before the clock remembered its advances has an offset
    and no history: the offset is taken as in force all along, so tokens minted since are read leniently."""
    offset = float(meta.get("clock_offset", "0"))
    history = json.loads(meta["clock_history"]) if "clock_history" in meta else ([[0.0, offset]] if offset else [])
    return Clock(offset, history)


class TaskRouterEngine:
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
        copies: bool = True,
    ) -> None:
        self.store = store
        # False: records leave the engine as they are, not copied (trkit.simulate, which reads nothing of what it gets
        # back but SIDs; a copy of a task on every call was a tenth of a simulated day)
        self.copies = copies
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock or stored_clock(store.meta)
        self.sids = sids or SidGenerator()
        self.dispatcher = dispatcher or NullDispatcher()
        self.settle_timeout = settle_timeout
        self.voice = voice or VoiceSwitches()
        self.lock = threading.RLock()
        self._depth = 0  # calls through the doors in progress in the thread holding the lock
        self._subscribers: list[Callable[[list], None]] = []
        self.callback_log: list[dict] = []
        self.outbox = Outbox()
        self.lookups = Lookups()
        self.configuration = Configuration()
        self.workers = Workers()
        self.queues = QueuesAndWorkflows()
        self.tasks = Tasks()
        self.reservations = Reservations()
        self.events = EventLog()
        self.routing = Routing()
        self.offers = Offers()
        self.indexes = Indexes()
        self.timers = Timers()
        self.statistics = Statistics()
        self.calls = Calls()
        self.twiml = TwimlPlayer()
        self.telephony = Telephony()
        self.conferences = Conferences()
        self.keys = Keys()
        services = {name: part for name, part in vars(self).items() if isinstance(part, Service)}
        # (None: finished tasks are kept)
        parts = {"store": store, "clock": self.clock, "sids": self.sids, "account_sid": account_sid, "auth_token": auth_token,
                 "outbox": self.outbox, "voice": self.voice, "finished_task_lifetime": finished_task_lifetime, **services}
        self._routing, self._events, self._indexes = services["routing"], services["events"], services["indexes"]  # (the run's own)
        for name, service in services.items():
            service.connect(parts)  # services reach each other directly: they run inside a transaction already
            setattr(self, name, Door(service, self._open_doors(service)))
        for name, method in self._open_doors(self).items():
            setattr(self, name, method)
        self.indexes.rebuild()

    def _open_doors(self, part: object) -> dict[str, Callable]:
        """``part``'s marked writes, each run as a transaction, and its marked reads, each under the lock."""
        return {name: (self._as_transaction if writes else self._as_read)(getattr(part, name))
                for name, writes in _marked(type(part))}

    def now(self) -> float:
        return self.clock.now()

    # ------------------------------------------------------------ the mock's own controls
    @write
    def reset(self) -> None:
        self.store.reset()
        self.lookups.forget_configuration()
        self.indexes.rebuild()
        self.clock.reset()
        self.callback_log.clear()

    def seed(self, value: int | None) -> None:
        """From now on SIDs come from a seeded sequence: the same script makes the same SIDs."""
        self.sids.seed(value)

    @read
    def dump(self) -> dict:
        return {"clock": {"now": iso(self.now()), "offset": self.clock.offset}, **self.store.dump()}

    @read
    def clock_state(self) -> dict:
        return {"now": iso(self.now()), "epoch": self.now(), "offset_seconds": self.clock.offset, "next_due": iso(self.timers.next_due())}

    @read
    def lookup(self, kind: str, sid: str | None) -> Any | None:
        """A record by kind and SID, or None."""
        return self.store.get(kind, sid)

    @read
    def field_of_each(self, *wanted: tuple[str, str | None, str]) -> tuple:
        """One field of each of several records, given as (kind, SID, field); None for a record not found: what the
        renderer shows of a record's relatives (a task's queue, workflow and channel), read in one look without
        copying them."""
        get = self.store.get
        return tuple(None if (obj := get(kind, sid)) is None else getattr(obj, name) for kind, sid, name in wanted)

    @read
    def channel_load(self, worker_sid: str, task_channel_sid: str) -> int:
        """Tasks a worker holds on one channel (a worker channel's ``assigned_tasks``)."""
        return self.workers.assigned_tasks(worker_sid, task_channel_sid)

    def record_callback(self, entry: dict) -> None:
        with self.lock:
            self.callback_log.append(entry)
            del self.callback_log[:-CALLBACK_LOG_SIZE]

    @read
    def callbacks(self) -> list[dict]:
        return list(self.callback_log)

    # ------------------------------------------------------------ time: one timer, one transaction
    def process_due(self, until: float | None = None) -> int:
        """Fire every timer due by ``until`` (default: now), in time order."""
        fired = 0
        while True:
            with self.lock:
                due_timer = self.timers.pop_due(self.now() if until is None else until)
                if due_timer is None:
                    return fired
                due, kind, sid = due_timer
                if until is not None:
                    self.clock.jump_to(due)
            try:
                self.timers.fire_due(due, kind, sid)
            except BaseException:
                with self.lock:
                    self.timers.add_timer(due, kind, sid)  # rolled back: it is still due
                raise
            fired += 1

    def advance(self, seconds: float) -> float:
        """Move the clock forward, firing everything that falls due on the way."""
        if seconds < 0:
            raise InvalidParameter(f"Advance must not be negative, got {seconds}")
        with self.lock:
            target = self.now() + seconds
        self.process_due(until=target)
        if self.store.writes:
            self.timers.save_clock(target)  # a transaction: the clock is written down with the state
        else:
            with self.lock:  # nothing is written down (trkit.simulate, which advances at every call): no transaction
                self.clock.jump_to(target)
        return self.now()

    # ------------------------------------------------------------ transactions
    def subscribe(self, listener: Callable[[list], None]) -> None:
        """Call ``listener(events)`` after every transaction that recorded events (outside the lock)."""
        with self.lock:
            self._subscribers.append(listener)
            self.events.listened_to(True)

    def unsubscribe(self, listener: Callable[[list], None]) -> None:
        with self.lock:
            if listener in self._subscribers:
                self._subscribers.remove(listener)
            self.events.listened_to(bool(self._subscribers))

    def _publish(self, events: list) -> None:
        for listener in list(self._subscribers):
            try:
                listener(events)
            except Exception:  # a subscriber's failure is its own: the transaction is committed
                logging.getLogger("trkit.mock").exception("an event subscriber failed")

    def _abort(self) -> None:
        self._events.take_published()
        self.outbox.take()
        self._routing.forget_pending()
        self._indexes.rederive(self.store.rollback())

    def _send(self, items: list[Outbound]) -> None:
        """After commit, outside the lock: send the callbacks and wait (bounded) for their answers."""
        futures = self.dispatcher.submit(items, self) or []
        if futures:
            wait(futures, timeout=self.settle_timeout)

    def _as_transaction(self, method: Callable) -> Callable:
        @wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            items: list[Outbound] = []
            events: list = []
            with self.lock:
                outer = self._depth == 0
                if outer:
                    self.store.begin()  # (before the depth: a transaction refused here leaves none open)
                self._depth += 1
                try:
                    result = method(*args, **kwargs)
                    if outer:
                        if self.copies:
                            result = _detached(result)  # as it was before routing ran
                        self._routing.flush_matches()
                        self.store.commit(now=self.now())
                        items = self.outbox.take()
                        events = self._events.take_published()
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

    def _as_read(self, method: Callable) -> Callable:
        @wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                outer = self._depth == 0
                self._depth += 1
                try:
                    result = method(*args, **kwargs)
                    return _detached(result) if outer and self.copies else result
                except LanguageError as exc:
                    if outer:
                        raise InvalidParameter(str(exc)) from None
                    raise
                finally:
                    self._depth -= 1

        return run


class Door:
    """A service as it is reached from outside the engine (``engine.tasks``): its marked writes run as transactions
    and its marked reads under the lock; anything else is the service's own. Services reach one another directly,
    inside the transaction already open, without taking the lock again at every step."""

    def __init__(self, service: Service, doors: dict[str, Callable]) -> None:
        object.__setattr__(self, "service", service)
        for name, method in doors.items():
            object.__setattr__(self, name, method)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.service, name, value)  # (a test standing in for a part of a service changes the service)

    def __delattr__(self, name: str) -> None:
        delattr(self.service, name)


@cache
def _marked(cls: type) -> tuple[tuple[str, bool], ...]:
    """A class's methods marked ``write`` or ``read``: (name, whether it writes), found once per class (an engine is
    made for every fresh mock)."""
    found = []
    for name in dir(cls):
        method = getattr(cls, name)
        if getattr(method, "__trkit_write__", False):
            found.append((name, True))
        elif getattr(method, "__trkit_read__", False):
            found.append((name, False))
    return tuple(found)


def _detached(result: Any) -> Any:
    """What leaves the engine: copies of records, so a caller's view never changes under it."""
    if isinstance(result, Record):
        return result.detached()
    if isinstance(result, list) and result and isinstance(result[0], Record):
        return [item.detached() for item in result]
    return result
