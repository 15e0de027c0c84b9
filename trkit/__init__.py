"""trkit: a TaskRouter tutorial kit with a faithful bundled mock TaskRouter.

``trkit.connect()`` is all a notebook needs; heavier modules load on first use
so ``import trkit`` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["connect", "KitError", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "connect":
        from .backend import connect

        return connect
    if name == "simulate":  # a contact centre's day on the mock's rules (trkit/mock/simulation.py)
        from .mock.simulation import simulate

        return simulate
    if name == "KitError":
        from .errors import KitError

        return KitError
    raise AttributeError(f"module 'trkit' has no attribute {name!r}")
