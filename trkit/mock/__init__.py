"""The bundled mock TaskRouter: a stateful emulator of TaskRouter v1's REST API."""

from .client import mock_client
from .engine.codec import StateFileError
from .engine.errors import TaskRouterError
from .engine.telephony import VoiceSwitches
from .server import DEFAULT_ACCOUNT_SID, MockServer

__all__ = ["MockServer", "DEFAULT_ACCOUNT_SID", "StateFileError", "TaskRouterError", "VoiceSwitches", "mock_client"]
