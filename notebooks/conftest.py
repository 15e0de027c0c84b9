"""nbval runs the lesson notebooks with every exercise solved: an exercise cell's skeleton is replaced by the
solution it names (``%load solutions/NAME.py``), so the outputs compared are those a learner who solved it sees.

A check cell (``kit.check(...)``) is committed without its verdict, so a learner never sees one before running
it; nbval does not compare it, and this file fails the cell instead unless its verdict is a pass."""

from pathlib import Path

import pytest

from trkit.exercises.notebooks import EXERCISE_TAG, check_verdict_problem, solution_source


def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is not None and EXERCISE_TAG in cell.get("metadata", {}).get("tags", []):
            item.cell.source = solution_source(cell, Path(str(item.fspath)).parent)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    cell = getattr(item, "cell", None)
    if cell is not None:
        problem = check_verdict_problem(cell.source, getattr(item, "test_outputs", None) or [])
        if problem:
            raise AssertionError(problem)
    return result
