"""The bundled mock TaskRouter: a stateful emulator of TaskRouter v1's REST API."""

from .engine.errors import TaskRouterError
from .server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, MockServer

__all__ = ["MockServer", "DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN", "TaskRouterError"]
