"""nbval runs the lesson notebooks with every exercise solved: an exercise cell's skeleton is replaced by the
solution it names (``%load solutions/NAME.py``), so the outputs compared are those a learner who solved it sees."""

from pathlib import Path

from trkit.exercises.notebooks import EXERCISE_TAG, solution_source


def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is not None and EXERCISE_TAG in cell.get("metadata", {}).get("tags", []):
            item.cell.source = solution_source(cell, Path(str(item.fspath)).parent)
