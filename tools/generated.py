"""What every tool that writes a generated doc does: write it, or (``--check``, run by the suite) fail when the
committed file is not what the code produces today."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_or_check(target: Path, produced: str, argv: list[str], tool: str) -> int:
    if "--check" in argv:
        if not target.exists() or target.read_text() != produced:
            print(f"{target.relative_to(ROOT)} is not what {tool} produces today: run .venv/bin/python {tool} and commit",
                  file=sys.stderr)
            return 1
        return 0
    target.write_text(produced)
    print(f"written {target.relative_to(ROOT)}")
    return 0
