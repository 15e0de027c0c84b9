"""The learner's path through every exercise in a real JupyterLab (Debian's Chromium): the notebook as
committed runs and its check fails; ``%load solutions/NAME.py`` (the hint on the exercise's first line) puts
the solution in the cell; run again from a fresh kernel, the check passes and the next one (if any) fails.
Every notebook, and the dashboard under Voilà, also runs without a console error or a failed request."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from browser import (
    ROOT,
    copy_solved,
    jupyter_env,
    needs_chromium,
    restart_kernel,
    run_all_cells,
    run_cells_through,
    start_lab,
    stop_mock,
    watch_for_trouble,
)
from test_browser import open_in_lab

from trkit.exercises.notebooks import exercise_cells, is_check_cell, solution_path, solution_source

pytestmark = [pytest.mark.browser, needs_chromium]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / ".ci-tmp" / "screenshots"
WITH_EXERCISES = [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
                  if exercise_cells(nbformat.read(p, as_version=4))]
WITHOUT_EXERCISES = [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if p.name not in WITH_EXERCISES]
# 04's dashboard is driven, watched the same way, in test_browser.py (JupyterLab and Voilà)
WATCHED_HERE = [name for name in WITHOUT_EXERCISES if not name.startswith("04_")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab over the notebooks as a learner gets them (skeletons in place), and their solutions."""
    root = tmp_path_factory.mktemp("lab")
    for name in WITH_EXERCISES:
        shutil.copy(NOTEBOOKS / name, root / name)
    for name in WITHOUT_EXERCISES:
        copy_solved(name, root)
    shutil.copytree(NOTEBOOKS / "solutions", root / "solutions")
    env = jupyter_env(root)
    server = start_lab(root, env)
    try:
        yield server, env
    finally:
        server.stop()
        stop_mock(env)


def verdicts(page) -> list[str]:
    """Each check cell's verdict in cell order, read from the notebook's model: passed, failed, or none (not run)."""
    return page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes('kit.check('))
        .map(c => { const html = c.model.outputs.toJSON().map(o => (o.data || {})['text/html'] || '').join('');
                    return html.includes('trkit-check-passed') ? 'passed' : html.includes('trkit-check-failed') ? 'failed' : 'none'; })""")


def load_solution(page, cell_index: int) -> str:
    """What a stuck learner does: replace the exercise by its ``%load`` line and run it; returns the cell's source."""
    hint = page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource().split('\\n')[0]",
                         cell_index)
    line = "%load " + hint.split("%load ", 1)[1].rstrip(")")
    page.evaluate("""async ([i, line]) => { const panel = window.jupyterapp.shell.currentWidget;
        panel.content.widgets[i].model.sharedModel.setSource(line);
        panel.content.activeCellIndex = i;
        await window.jupyterapp.commands.execute('notebook:run-cell'); }""", [cell_index, line])
    page.wait_for_function("(i) => !window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource().startsWith('%load')",
                           arg=cell_index, timeout=20_000)
    return page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()", cell_index)


def fresh_start(page) -> None:
    """Restart the kernel and clear the outputs, as "Restart Kernel and Clear Outputs" does: the old kernel's
    widgets and pictures go (their last messages and requests fail as it dies), then the page settles."""
    restart_kernel(page)
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    page.wait_for_timeout(1500)


def checks_by_exercise(notebook) -> list[int]:
    """For each check cell in order, the number of the exercise it judges (the last one before it)."""
    owners, exercise = [], -1
    for cell in notebook.cells:
        if cell in exercise_cells(notebook):
            exercise += 1
        elif is_check_cell(cell):
            owners.append(exercise)
    return owners


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_each_exercise_fails_as_committed_and_passes_with_its_loaded_solution(lab, page, name):
    server, _ = lab
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    exercises = [notebook.cells.index(cell) for cell in exercise_cells(notebook)]
    owners = checks_by_exercise(notebook)
    checks = [index for index, cell in enumerate(notebook.cells) if is_check_cell(cell)]
    trouble = watch_for_trouble(page)
    try:
        open_in_lab(page, server, name)
        run_cells_through(page, checks[0])  # what follows the first check needs its exercise solved
        assert verdicts(page)[0] == "failed", "the skeleton, as committed, must fail its check"
        for solved, cell_index in enumerate(exercises):
            loaded = load_solution(page, cell_index)
            assert loaded.rstrip("\n") == solution_source(notebook.cells[cell_index], NOTEBOOKS), \
                f"%load did not put {solution_path(notebook.cells[cell_index], NOTEBOOKS).name} in the cell"
            assert trouble == [], f"{name}: {trouble}"
            fresh_start(page)
            trouble.clear()  # what the old kernel's pages and widgets say as it goes is not the new run's
            expected = ["passed" if owner <= solved else "failed" for owner in owners]
            if solved + 1 in owners:  # the next exercise's check is reached and fails until it is solved too
                expected = expected[:owners.index(solved + 1) + 1]
            # through that check; once every exercise is solved, the whole notebook, watched for trouble
            run_cells_through(page, checks[len(expected) - 1] if solved + 1 < len(exercises) else len(notebook.cells) - 1)
            assert verdicts(page)[:len(expected)] == expected, f"after solving exercise {solved + 1} of {name}"
        page.screenshot(path=str(ARTIFACTS / f"exercises-{name}.png"))
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"exercises-{name}-failure.png"))
        raise
    assert trouble == [], f"{name}: {trouble}"


@pytest.mark.parametrize("name", WATCHED_HERE)
def test_every_other_notebook_runs_without_a_console_error_or_failed_request(lab, page, name):
    server, _ = lab
    trouble = watch_for_trouble(page)
    open_in_lab(page, server, name)
    run_all_cells(page)
    page.wait_for_timeout(1500)  # the widgets' first drawing
    if name.startswith("09_"):  # the wallboard drawn and filled by the busy hour: the pending bar has grown
        page.wait_for_function("""() => { const r = document.querySelector('.trkit-wallboard-tasks rect.bar');
            return r && parseFloat(r.getAttribute('width')) > 20; }""", timeout=60_000)
        assert page.locator(".trkit-wallboard-wait path.line").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "wallboard.png"))
    assert trouble == [], f"{name}: {trouble}"


def test_opening_a_notebook_without_running_it_changes_nothing(lab, page):
    """A learner who only opens and reads a notebook leaves `git status` clean: it is not marked changed
    (JupyterLab would save it), saving it unchanged rewrites no byte, and no file appears beside it. (Every
    notebook is stored as this one is: tests/test_notebook_pages.py holds them to it.) The notebook, as committed,
    is alone in a folder of the lab's own, which no other test opens."""
    server, _ = lab
    root = server.root / "only-read"
    root.mkdir()
    name = "00_setup_workspace.ipynb"
    shutil.copy(NOTEBOOKS / name, root / name)
    before = (root / name).read_bytes()
    open_in_lab(page, server, f"{root.name}/{name}")
    page.wait_for_timeout(500)
    assert not page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty"), f"opening {name} changed it"
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")  # as Ctrl-S would
    assert (root / name).read_bytes() == before
    assert sorted(p.name for p in root.iterdir() if p.name != ".ipynb_checkpoints") == [name]
