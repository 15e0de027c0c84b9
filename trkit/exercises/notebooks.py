"""Exercise cells and their solutions: a notebook's cell tagged ``exercise`` holds the skeleton the learner
completes, and names its solution on its first line (``# … %load solutions/NAME.py``), which the learner may
load when stuck. ``solved()`` puts every solution in place: CI runs notebooks that way (nbval then compares
the outputs a learner who solved the exercises sees), and ``./run notebooks`` stores those outputs.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from .objectives import PASS_MARK

EXERCISE_TAG = "exercise"
CHECK_CALL = "kit.check("
LOAD = re.compile(r"%load\s+(solutions/[\w.-]+\.py)")


def exercise_cells(notebook) -> list:
    return [cell for cell in notebook["cells"]
            if cell["cell_type"] == "code" and EXERCISE_TAG in cell.get("metadata", {}).get("tags", [])]


def solution_path(cell, notebooks_dir: Path) -> Path:
    """The solution file an exercise cell names on its first line."""
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    first_line = source.splitlines()[0] if source else ""
    found = LOAD.search(first_line)
    if not found:
        raise ValueError(f"an exercise cell must name its solution on its first line (%load solutions/NAME.py): {first_line!r}")
    return notebooks_dir / found.group(1)


def solution_source(cell, notebooks_dir: Path) -> str:
    """What ``%load`` puts in the cell: the comment it writes, then the file."""
    path = solution_path(cell, notebooks_dir)
    return f"# %load {path.relative_to(notebooks_dir)}\n" + path.read_text().rstrip("\n")


def solved(notebook, notebooks_dir: Path):
    """A copy of ``notebook`` with each exercise cell's skeleton replaced by its solution."""
    solved_copy = copy.deepcopy(notebook)
    for cell in exercise_cells(solved_copy):
        cell["source"] = solution_source(cell, notebooks_dir)
    return solved_copy


def is_check_cell(cell) -> bool:
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return cell["cell_type"] == "code" and CHECK_CALL in source


def check_verdict_problem(source: str, outputs: list) -> str | None:
    """Why a check cell's outputs (as a kernel sent them) are not a pass, or None when they are (or the cell
    is no check)."""
    if CHECK_CALL not in source:
        return None
    texts = []
    for output in outputs:
        if output.get("output_type") == "error":
            return f"the check raised {output.get('ename')}: {output.get('evalue')}"
        text = output.get("data", {}).get("text/plain") or output.get("text") or ""
        texts.append(text if isinstance(text, str) else "".join(text))
    verdict = "".join(texts).strip()
    if not verdict.startswith(PASS_MARK):
        return f"the check did not pass with the solution in place: {verdict or '(no verdict shown)'}"
    return None
