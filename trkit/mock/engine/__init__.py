"""The mock's rules, without HTTP: records and store, events, configuration, workers, lifecycle,
routing, timers on the mock clock, statistics — behind one facade, :class:`TaskRouterEngine`."""

from . import paths
from .calls import When
from .checks import FINISHED_TASK_LIFETIME
from .clock import Clock
from .errors import TaskRouterError
from .facade import TaskRouterEngine
from .sids import SidGenerator
from .store import Store
from .transaction import NullDispatcher, Outbound

__all__ = ["FINISHED_TASK_LIFETIME", "paths", "Clock", "NullDispatcher", "Outbound", "SidGenerator", "Store", "TaskRouterEngine",
           "TaskRouterError", "When"]
