"""The bundled mock TaskRouter: a stateful emulator of TaskRouter v1's REST API.

Its names are imported when first used: a kit that only talks to a mock in another process (the shared
mock) imports the client, not the engine and its server.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {  # name -> the module that defines it
    "MockServer": ".server", "DEFAULT_ACCOUNT_SID": ".client", "StateFileError": ".engine.codec",
    "TaskRouterError": ".engine.errors", "VoiceSwitches": ".engine.telephony", "mock_client": ".client",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name], __name__), name)
