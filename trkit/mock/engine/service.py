"""What every rule area of the engine is: a service that names the collaborators it receives.

The facade (:mod:`.facade`) makes one instance of each service and connects them: each gets the
parts its ``needs`` names (the store, the clock, the outbox, settings, other services) and nothing
else. A service keeps its own state in fields only it touches; another service asks it through its
methods (``tests/test_architecture.py`` holds every service to that).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Service:
    """A rule area: ``needs`` lists the names of the parts it is connected to."""

    needs: tuple[str, ...] = ()

    def connect(self, parts: Mapping[str, Any]) -> None:
        missing = [name for name in self.needs if name not in parts]
        if missing:
            raise TypeError(f"{type(self).__name__} needs {', '.join(missing)}, which the engine does not have")
        for name in self.needs:
            setattr(self, name, parts[name])
