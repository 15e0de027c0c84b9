"""Write docs/staffing-curve.svg: notebook 10's staffing curve (300 calls an hour, 4-minute calls, over an 8-hour day rather than the notebook's 4-hour shift,
seed 0), simulated on TaskRouter's rules beside Erlang C, as the README shows it.

    .venv/bin/python tools/staffing_curve.py [--check]

``--check`` (run by the test suite) fails when the committed picture is not what the code draws today.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "staffing-curve.svg"


def draw() -> str:
    from trkit.staffing import NOTEBOOK_TRAFFIC, StaffingPicture, staffing_curve

    table = staffing_curve(range(21, 31), **{**NOTEBOOK_TRAFFIC, "hours": 8})  # a whole day: closer to the steady state
    return StaffingPicture(table, title="300 calls an hour, 4 minutes each: service level (20 s) by agents").svg() + "\n"


def main(argv: list[str]) -> int:
    from generated import write_or_check

    return write_or_check(TARGET, draw(), argv, "tools/staffing_curve.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
