"""Pictures of each notebook's key output for the docs: ``./run screenshots``.

Each lesson notebook tags one cell ``key-output``. The tool runs every notebook with its exercises solved in a
fresh JupyterLab on a fresh bundled mock, in Debian's Chromium at 1280 px, and saves that cell's output as
``docs/screenshots/<notebook>.png`` (the README's table of notebooks links them). The dashboard's is taken
once a task waits for Alice, so it shows something happening.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser helpers the browser tests use

KEY_TAG = "key-output"
SHOTS = ROOT / "docs" / "screenshots"


def key_cell_index(notebook) -> int:
    (index,) = [i for i, cell in enumerate(notebook.cells) if KEY_TAG in cell.metadata.get("tags", [])]
    return index


def set_the_scene(page, name: str) -> None:
    """What the key output waits for before it is worth a picture."""
    if name.startswith("04_"):
        page.locator(".trkit-create-task").click()
        page.locator(".trkit-activity-alice select").select_option("Idle")
        page.locator(".trkit-reservations .trkit-status-pending").wait_for(timeout=20_000)
    if name.startswith("08_"):
        page.frame_locator("iframe").first.locator(".trkit-reservation-status", has_text="accepted").wait_for(timeout=20_000)
    page.wait_for_timeout(1500)  # widgets and pictures finish drawing


def shoot(page, server, name: str, index: int, target: Path) -> None:
    from browser import run_all_cells
    from test_browser import open_in_lab

    open_in_lab(page, server, name)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook's width, as a reader has it
    run_all_cells(page)
    page.evaluate("""async (i) => { const panel = window.jupyterapp.shell.currentWidget;
        panel.content.activeCellIndex = i;
        await panel.content.scrollToItem(i, 'start');
        panel.content.widgets[i].node.dataset.trkitKey = 'yes'; }""", index)
    output = page.locator("[data-trkit-key='yes'] .jp-Cell-outputWrapper")
    output.wait_for(timeout=20_000)
    set_the_scene(page, name)
    output.scroll_into_view_if_needed()
    # as wide as what the output shows (a small table is not a strip of white across the page)
    box = output.evaluate("""(out) => { const whole = out.getBoundingClientRect(); let right = whole.left;
        out.querySelectorAll('*').forEach(e => { const r = e.getBoundingClientRect();
            const drawn = e.children.length === 0 || ['svg', 'img', 'iframe', 'canvas', 'TABLE'].includes(e.tagName);
            if (drawn && r.width && r.height && r.width < whole.width - 8) right = Math.max(right, r.right); });
        return {x: whole.left, y: whole.top, width: Math.min(whole.width, right - whole.left + 16), height: whole.height}; }""")
    page.screenshot(path=str(target), clip=box)


def main(argv: list[str]) -> int:
    import nbformat
    from browser import chromium_page, copy_solved, jupyter_env, start_lab, stop_mock

    names = [Path(a).name for a in argv] or sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in names:
            copy_solved(name, root)
        env = jupyter_env(root)
        server = start_lab(root, env)
        try:
            with chromium_page(1280, 2400) as page:  # tall enough for the tallest output in one piece
                for name in names:
                    index = key_cell_index(nbformat.read(ROOT / "notebooks" / name, as_version=4))
                    target = SHOTS / f"{Path(name).stem}.png"
                    shoot(page, server, name, index, target)
                    print(f"{target.relative_to(ROOT)}")
        finally:
            server.stop()
            stop_mock(env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
