"""Which objectives the learner has met, kept beside the mock's state in the trkit home ($TRKIT_HOME, else ~/.trkit).

One file, ``progress.json``: a section per backend ("mock", or the real account's SID), an entry per objective
with when it was first met and how its latest check went. It is the learner's, so it is private (0600).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .objectives import OBJECTIVES, CheckResult

FILE_NAME = "progress.json"


def _path() -> Path:
    from ..shared_mock import trkit_home

    return trkit_home() / FILE_NAME


def load() -> dict[str, dict]:
    try:
        data = json.loads(_path().read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        from ..errors import KitError

        raise KitError(f"Your progress file {_path()} cannot be read ({exc}): move it away to start afresh.") from None
    return data if isinstance(data, dict) else {}


def record(backend: str, result: CheckResult) -> None:
    """Note a check's outcome; an objective once met stays met."""
    data = load()
    section = data.setdefault(backend, {})
    entry = section.setdefault(result.objective.name, {})
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    if result.passed and not entry.get("met"):
        entry["met"] = now
    entry["last"] = {"passed": result.passed, "at": now}
    _write(data)


def _write(data: dict) -> None:
    from ..shared_mock import private_home

    path = _path()
    private_home(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)  # never a half-written file
    except BaseException:
        os.unlink(temporary)
        raise


def table(backend: str):
    """Every objective of the notebooks, met or open, in notebook order."""
    from ..tables import Table

    section = load().get(backend, {})
    rows = []
    for objective in OBJECTIVES.values():
        entry = section.get(objective.name, {})
        last = entry.get("last") or {}
        status = "✓ met" if entry.get("met") else ("✗ tried" if last else "open")
        rows.append({"Notebook": objective.notebook, "Objective": objective.title, "Check": f'kit.check("{objective.name}")',
                     "Status": status, "Met at (UTC)": entry.get("met", "")})
    return Table(rows, columns=["Notebook", "Objective", "Check", "Status", "Met at (UTC)"])
