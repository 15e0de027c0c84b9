"""The dashboard in a real browser: JupyterLab and Voilà, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import pytest
from browser import IN_CI, ROOT, chromium_path, copy_solved, needs_chromium, start_lab, start_voila, watch_for_trouble

pytestmark = [pytest.mark.browser, needs_chromium]


def test_a_browser_is_there_in_ci():
    if IN_CI:
        assert chromium_path() is not None, "CI needs Debian's chromium for the browser tests"


ARTIFACTS = Path(os.environ.get("TRKIT_ARTIFACTS", ROOT / ".ci-tmp" / "screenshots"))


@pytest.fixture
def workdir(tmp_path):
    shutil.copy(ROOT / "notebooks" / "04_dashboard.ipynb", tmp_path / "04_dashboard.ipynb")
    return tmp_path


def shared_mock_client(env: dict):
    from trkit.mock.client import mock_client

    info = json.loads((Path(env["TRKIT_HOME"]) / "mock.json").read_text())
    return mock_client(info["url"], info["account_sid"], info["auth_token"])


def drive_dashboard(page, env: dict, name: str) -> None:
    """Create a task, make Alice Idle, accept: then check what the mock says over REST."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        board = page.locator(".trkit-dashboard")
        board.wait_for(state="visible", timeout=90_000)
        page.locator(".trkit-workers .trkit-activity-alice select").wait_for(timeout=30_000)
        page.locator(".trkit-create-task").click()
        page.locator(".trkit-tasks .trkit-status-pending").wait_for(timeout=20_000)
        page.locator(".trkit-activity-alice select").select_option("Idle")
        accept = page.locator(".trkit-reservations .trkit-accept")
        accept.wait_for(state="visible", timeout=20_000)
        page.locator(".trkit-reservations .trkit-status-pending").wait_for(timeout=20_000)
        # what the learner acts on (controls, tasks, the pending reservation) fits one screen; the rest is in tabs
        top, tabs = page.evaluate("""() => [document.querySelector('.trkit-dashboard').getBoundingClientRect().top,
                                           document.querySelector('.trkit-board-tabs').getBoundingClientRect().top]""")
        assert tabs - top <= 1000, f"the board's controls, tasks and reservations take {tabs - top:.0f} px"
        accept.click()
        page.locator(".trkit-tasks .trkit-status-assigned").wait_for(timeout=20_000)
        page.wait_for_function(
            "() => { const s = document.querySelector('.trkit-activity-alice select'); return s && s.value === 'Busy'; }",
            timeout=20_000)
        page.locator(".trkit-lifecycle .trkit-step-current", has_text="Task assigned").wait_for(timeout=20_000)
        # the current task as pictures: its path drawn by the page's Mermaid renderer, its timeline as SVG
        open_tab(page, "Pictures")
        graph = page.frame_locator(".trkit-routing-graph iframe.trkit-graph-frame")  # drawn by Mermaid, in Lab and Voilà
        graph.locator("svg").first.wait_for(timeout=20_000)
        assert "Language - Spanish" in graph.locator("svg").first.text_content()
        page.locator(".trkit-timeline-picture svg.trkit-timeline circle").first.wait_for(timeout=20_000)
        # the wallboard in the board: the assigned bar stands once the task is assigned
        open_tab(page, "Wallboard")
        page.wait_for_function("""() => { const bars = document.querySelectorAll('.trkit-dashboard .trkit-wallboard-tasks rect.bar');
            return bars.length >= 3 && parseFloat(bars[2].getAttribute('width')) > 0; }""", timeout=20_000)
        check_wallboard_readable(page)
        # and on to the end of the lifecycle with the board's own buttons
        page.locator(".trkit-reservations .trkit-wrapup").click()
        page.locator(".trkit-tasks .trkit-status-wrapping").wait_for(timeout=20_000)
        page.locator(".trkit-reservations .trkit-complete").click()
        page.locator(".trkit-tasks .trkit-status-completed").wait_for(timeout=20_000)
        page.locator(".trkit-lifecycle .trkit-step-current", has_text="Task completed").wait_for(timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / f"{name}-dashboard.png"), full_page=True)
        if os.environ.get("TRKIT_UPDATE_README_PICTURE") == "1" and name == "voila":
            shutil.copy(ARTIFACTS / f"{name}-dashboard.png", ROOT / "docs" / "dashboard.png")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"), full_page=True)
        raise
    client = shared_mock_client(env)
    (workspace,) = client.taskrouter.v1.workspaces.list(friendly_name="trkit TaskRouter Quickstart")
    api = client.taskrouter.v1.workspaces(workspace.sid)
    (task,) = api.tasks.list()
    assert task.assignment_status == "completed"
    assert [r.reservation_status for r in api.tasks(task.sid).reservations.list()] == ["completed"]
    alice = next(w for w in api.workers.list() if w.friendly_name == "Alice")
    assert alice.activity_name == "Busy"  # completing a task never changes the worker's activity


def check_wallboard_readable(page) -> None:
    """Each chart's count ticks are whole numbers from 0, each once; no two category names overlap; no toolbar
    covers a title; the wait chart's time axis starts at 0."""
    page.locator(".trkit-wallboard-totals").scroll_into_view_if_needed()
    for chart in ("tasks", "workers", "totals", "wait"):
        figure = page.locator(f".trkit-wallboard-{chart}")
        figure.locator("g.tick").first.wait_for(timeout=20_000)
        axes = figure.evaluate("""(f) => [...f.querySelectorAll('g.axis')].map(axis =>
            [...axis.querySelectorAll('g.tick text')].map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }))""")
        counts = axes[1]  # bars lie down: names on the vertical axis, counts on the horizontal one (axes[1])
        if chart == "wait":
            times = axes[0]
            assert times[0]["text"] == "0", times
        numbers = [t["text"] for t in counts]
        assert numbers[0] == "0" and all(n.isdigit() for n in numbers) and len(set(numbers)) == len(numbers), numbers
        for labels in axes:
            for a, b in itertools.pairwise(labels):
                apart = a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
                assert apart, f"{chart}: {a['text']!r} runs into {b['text']!r}"
        figure.hover()  # bqplot shows its toolbar while the pointer is over a chart
        assert figure.locator("[class*='toolbar']:visible").count() == 0, f"{chart} has a toolbar over its title"


def open_tab(page, title: str) -> None:
    """Show one of the sections below the dashboard, as a learner does: a click on its button."""
    page.locator(".trkit-section-picker button", has_text=title).click()


def test_dashboard_in_jupyterlab(workdir, page, lab_env):
    env = lab_env
    trouble = watch_for_trouble(page)
    server = start_lab(workdir, env)
    try:
        open_in_lab(page, server, "04_dashboard.ipynb")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        drive_dashboard(page, env, "jupyterlab")
    finally:
        server.stop()
    assert trouble == [], trouble  # no console error or failed request on the way


def open_in_lab(page, server, path: str) -> None:
    """Open ``path`` (in the served folder) and wait for its kernel to be idle."""
    page.goto(f"{server.url}/lab/tree/{path}?reset")
    page.wait_for_function("""(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        return !!(w && w.title.label === name && w.sessionContext.session &&
                  w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'); }""",
                           arg=path.rsplit("/", 1)[-1], timeout=90_000)


def test_the_learners_handler_edited_to_reject_shows_in_the_dashboard(tmp_path, page, lab_env):
    name = "03_accept_by_instruction.ipynb"
    copy_solved(name, tmp_path)
    env = lab_env
    server = start_lab(tmp_path, env)
    try:
        open_in_lab(page, server, name)
        # the learner edits their handler cell: reject into Offline instead of accept
        edited = page.evaluate("""() => {
            const cells = window.jupyterapp.shell.currentWidget.content.widgets;
            const cell = cells.find(c => c.model.sharedModel.getSource().includes('def assignment_callback'));
            const source = cell.model.sharedModel.getSource().replace(
                'answer = {"instruction": "accept"}',
                'answer = {"instruction": "reject", "activity_sid": tutorial.activities["Offline"]}');
            cell.model.sharedModel.setSource(source);
            return source; }""")
        assert '"instruction": "reject"' in edited
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator(".trkit-dashboard .trkit-reservations .trkit-status-rejected").wait_for(timeout=90_000)
        page.locator(".trkit-dashboard .trkit-log-table", has_text="instruction 'reject'").wait_for(timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-handler-rejects.png"), full_page=True)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-handler-failure.png"), full_page=True)
        raise
    finally:
        server.stop()
    client = shared_mock_client(env)
    (workspace,) = client.taskrouter.v1.workspaces.list(friendly_name="trkit TaskRouter Quickstart")
    api = client.taskrouter.v1.workspaces(workspace.sid)
    (task,) = api.tasks.list()
    assert task.assignment_status == "pending"  # rejected, waiting again
    assert "rejected" in [r.reservation_status for r in api.tasks(task.sid).reservations.list()]
    alice = next(w for w in api.workers.list() if w.friendly_name == "Alice")
    assert alice.activity_name == "Offline"


def test_dashboard_in_voila(workdir, page, lab_env):
    env = lab_env
    trouble = watch_for_trouble(page)
    server = start_voila(workdir / "04_dashboard.ipynb", env)
    try:
        page.goto(server.url + "/")
        drive_dashboard(page, env, "voila")
        for title in ("Pictures", "Wallboard", "Phone", "Callbacks", "Wallboard", "Pictures"):  # quickly, then settled
            open_tab(page, title)
        page.wait_for_timeout(2500)
        assert page.locator(".trkit-routing-graph iframe").count() == 1
        assert trouble == [], trouble  # no console error or failed request: no CDN, no extension failing
        assert "<trkit" not in page.locator("body").inner_text()  # a page, not a notebook's reprs
        assert page.locator(".jp-InputArea-editor:visible, .jp-CodeMirrorEditor:visible").count() == 0  # no code shown
    finally:
        server.stop()


def phone_lesson(tmp_path) -> str:
    """Notebook 07's set-up cells (the learner's routes, the number, Alice's phone), then the dashboard."""
    import nbformat

    lesson = nbformat.read(str(copy_solved("07_dequeue_to_alice.ipynb", tmp_path)), as_version=4)
    cells = []
    for cell in lesson.cells:
        cells.append(cell)
        if cell.cell_type == "code" and "assignment_callback_url=base_url" in cell.source:
            break
    cells.append(nbformat.v4.new_code_cell("kit.dashboard()"))
    lesson.cells = cells
    name = "phone_dashboard.ipynb"
    nbformat.write(lesson, tmp_path / name)
    return name


def test_a_whole_call_with_the_dashboards_phone_in_jupyterlab(tmp_path, page, lab_env):
    name = phone_lesson(tmp_path)
    env = lab_env
    server = start_lab(tmp_path, env)
    try:
        open_in_lab(page, server, name)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator(".trkit-board-tabs").wait_for(timeout=90_000)
        open_tab(page, "Phone")
        page.locator(".trkit-phone .trkit-dial").click()
        page.locator(".trkit-transcript", has_text="Para Español oprime el uno.").wait_for(timeout=20_000)
        page.locator(".trkit-phone .trkit-key-1").click()
        page.locator(".trkit-transcript", has_text="(hold music)").wait_for(timeout=20_000)
        page.locator(".trkit-tasks .trkit-status-pending").wait_for(timeout=20_000)
        page.locator(".trkit-activity-alice select").select_option("Idle")
        page.locator(".trkit-ringing .trkit-answer-phone").click(timeout=20_000)
        page.locator(".trkit-tasks .trkit-status-assigned").wait_for(timeout=20_000)
        page.locator(".trkit-transcript", has_text="(connected to +14155550111)").wait_for(timeout=20_000)
        page.locator(".trkit-phone .trkit-hangup").click()
        page.wait_for_function(
            "() => { const s = document.querySelector('.trkit-activity-alice select'); return s && s.value === 'WrapUp'; }",
            timeout=20_000)
        page.locator(".trkit-call-state.trkit-call-completed").wait_for(timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-phone.png"), full_page=True)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-phone-failure.png"), full_page=True)
        raise
    finally:
        server.stop()
    client = shared_mock_client(env)
    statuses = sorted((c.direction, c.status) for c in client.calls.list())
    assert statuses == [("inbound", "completed"), ("outbound-api", "completed")]
