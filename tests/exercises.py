"""Runs a lesson notebook's code in this process up to one of its checks, with that objective's exercise cell
replaced (the skeleton as committed, the solution, or a mistake made in the solution), and returns the check's result.

Every other exercise cell runs its solution, as in CI's nbval run; cells that only show widgets are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from trkit.exercises.notebooks import EXERCISE_TAG, solution_path, solution_source

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_ONLY = re.compile(r"kit\.(dashboard|wallboard|agent_page)\(")
SKELETON = object()


def notebook_of(objective: str) -> Path:
    from trkit.exercises import OBJECTIVES

    return NOTEBOOKS / f"{OBJECTIVES[objective].notebook}.ipynb"


def is_exercise(cell) -> bool:
    return cell.cell_type == "code" and EXERCISE_TAG in cell.metadata.get("tags", [])


def check_call(objective: str) -> str:
    return f'kit.check("{objective}"'


def exercise_cell(objective: str):
    """The exercise cell whose check is ``objective``'s: the last exercise before that check."""
    found = None
    for cell in nbformat.read(notebook_of(objective), as_version=4).cells:
        if is_exercise(cell):
            found = cell
        if cell.cell_type == "code" and check_call(objective) in cell.source:
            return found
    raise AssertionError(f"no check of {objective} in {notebook_of(objective).name}")


def solution_text(objective: str) -> str:
    return solution_path(exercise_cell(objective), NOTEBOOKS).read_text()


def mistake(objective: str, old: str, new: str) -> str:
    """The solution with one mistake in it (the test fails loudly if the solution no longer has ``old``)."""
    text = solution_text(objective)
    assert old in text, f"{old!r} is not in the solution of {objective}"
    return text.replace(old, new)


def run_until_check(objective: str, exercise=SKELETON):
    """The check's result after the notebook ran up to it; ``exercise`` is the code put in that objective's
    exercise cell (SKELETON: the committed skeleton). An exception in the exercise cell is kept, as a learner
    would see it and run the check anyway; one in the skeleton, or anywhere else, fails the test."""
    target = exercise_cell(objective)
    namespace: dict = {"__name__": "__main__"}
    for cell in nbformat.read(notebook_of(objective), as_version=4).cells:
        if cell.cell_type != "code" or WIDGET_ONLY.search(cell.source):
            continue
        if check_call(objective) in cell.source:
            return eval(compile(cell.source, "<check>", "eval"), namespace)
        if is_exercise(cell) and cell.source == target.source:
            source = target.source if exercise is SKELETON else exercise
            try:
                exec(compile(source, "<exercise>", "exec"), namespace)
            except Exception as exc:  # a mistake's error: the learner sees it above the check
                if exercise is SKELETON:  # the skeleton runs as given (run all reaches the check)
                    raise AssertionError(f"{objective}'s skeleton raised {exc!r}") from exc
                namespace["exercise_error"] = exc
            continue
        source = solution_source(cell, NOTEBOOKS) if is_exercise(cell) else cell.source
        exec(compile(source, f"<{notebook_of(objective).name}>", "exec"), namespace)
    raise AssertionError(f"the notebook ended before {objective}'s check")
