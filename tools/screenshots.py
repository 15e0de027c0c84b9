"""Pictures of the notebooks' outputs, taken in a real browser: ``./run screenshots [notebooks…]``.

The tool runs every notebook with its exercises solved in a fresh JupyterLab on a fresh bundled mock, in
Debian's Chromium at 1280 px, and saves
- each notebook's key output (its cell tagged ``key-output``) as ``docs/screenshots/<notebook>.png``, which the
  README's table of notebooks links; the dashboard's is taken once a task waits for Alice, so it shows
  something happening;
- each live output (cells tagged ``nbval-ignore-output``, whose outputs vary and so are not committed) as
  ``site/pictures/<notebook>/<cell id>.png``, with ``site/pictures/<notebook>.json`` listing each cell's
  pictures (none: the cell shows nothing; the dashboard has one per section below it); the site shows them where
  a static page cannot run the widget (tools/site_pages.py);
- each Mermaid diagram the site shows, drawn by the Mermaid the kit bundles, as ``site/pictures/mermaid/*.svg``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser helpers the browser tests use
sys.path.insert(0, str(ROOT / "tools"))

from site_pages import (  # noqa: E402
    COLUMN,
    MERMAID_PICTURES,
    PICTURES,
    is_live,
    manifest_path,
    mermaid_name,
    mermaid_sources,
    svg_width,
)

KEY_TAG = "key-output"
SHOTS = ROOT / "docs" / "screenshots"
MERMAID = ROOT / "agent" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


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


def open_and_run(page, server, name: str) -> None:
    from browser import run_all_cells
    from test_browser import open_in_lab

    open_in_lab(page, server, name)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook's width, as a reader has it
    run_all_cells(page)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    if errors.count():
        raise RuntimeError(f"{name}: a cell failed in JupyterLab: {errors.first.inner_text()[:500]}")


def mark_output(page, index: int):
    """Cell ``index`` scrolled to and its output area, as a locator (empty when the cell shows nothing)."""
    page.evaluate("""async (i) => { const panel = window.jupyterapp.shell.currentWidget;
        panel.content.node.querySelectorAll('[data-trkit-shot]').forEach(n => delete n.dataset.trkitShot);
        panel.content.activeCellIndex = i;
        await panel.content.scrollToItem(i, 'start');
        panel.content.widgets[i].node.dataset.trkitShot = 'yes'; }""", index)
    return page.locator("[data-trkit-shot='yes'] .jp-Cell-outputWrapper")


def shows_something(output) -> bool:
    return output.locator(".jp-OutputArea-child").count() > 0


def photograph(page, output, target: Path) -> None:
    output.wait_for(timeout=20_000)
    output.scroll_into_view_if_needed()
    # as wide as what the output shows (a small table is not a strip of white across the page): its pictures,
    # its leaf elements and every run of text, measured as laid out
    box = output.evaluate("""(out) => { const whole = out.getBoundingClientRect(); let right = whole.left;
        const reach = (r) => { if (r.width && r.height && r.width < whole.width - 8) right = Math.max(right, r.right); };
        out.querySelectorAll('*').forEach(e => {
            if (e.children.length === 0 || ['svg', 'img', 'iframe', 'canvas', 'TABLE'].includes(e.tagName)) reach(e.getBoundingClientRect()); });
        const texts = document.createTreeWalker(out, NodeFilter.SHOW_TEXT);
        for (let node = texts.nextNode(); node; node = texts.nextNode()) {
            if (!node.textContent.trim()) continue;
            const range = document.createRange(); range.selectNodeContents(node); reach(range.getBoundingClientRect()); }
        const first = out.querySelector('.jp-OutputArea-output');  // from the output itself, without the [n]: prompt
        const left = first ? first.getBoundingClientRect().left : whole.left;
        return {x: left, y: whole.top, width: Math.min(whole.right - left, right - left + 16), height: whole.height}; }""")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), clip=box)


SECTIONS = {"04_": ("Pictures", "Wallboard", "Phone")}  # a key output with sections below it: each one too


def shoot_notebook(page, server, name: str) -> None:
    """The live outputs in page order, then the key output once its scene is set (and each of its sections)."""
    import nbformat
    from test_browser import open_tab

    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    stem = Path(name).stem
    key = key_cell_index(notebook)
    open_and_run(page, server, name)
    page.wait_for_timeout(1500)  # widgets finish drawing
    folder = PICTURES / stem
    shutil.rmtree(folder, ignore_errors=True)
    manifest: dict[str, list[dict]] = {}
    for index, cell in enumerate(notebook.cells):
        if not is_live(cell) or index == key:
            continue
        output = mark_output(page, index)
        manifest[cell.id] = [{"file": f"{cell.id}.png", "caption": None}] if shows_something(output) else []
        for picture in manifest[cell.id]:
            photograph(page, output, folder / picture["file"])
    output = mark_output(page, key)
    set_the_scene(page, name)
    photograph(page, output, SHOTS / f"{stem}.png")
    print(f"docs/screenshots/{stem}.png")
    cell_id = notebook.cells[key].id
    if is_live(notebook.cells[key]):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHOTS / f"{stem}.png", folder / f"{cell_id}.png")
        manifest[cell_id] = [{"file": f"{cell_id}.png", "caption": None}]
        for section in next((titles for prefix, titles in SECTIONS.items() if name.startswith(prefix)), ()):
            open_tab(page, section)
            page.wait_for_timeout(2000)  # the section draws (the wallboard reads the statistics first)
            picture = {"file": f"{cell_id}-{section.lower()}.png", "caption": f"The same output with its {section} section open"}
            photograph(page, output, folder / picture["file"])
            manifest[cell_id].append(picture)
    manifest_path(stem).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"site/pictures/{stem}/: {sum(len(p) for p in manifest.values())} pictures")


def narrowest_drawing(page, source: str, svg_id: str) -> str:
    """The diagram as its source lays it out or, when that is wider than a page's column and it runs left to right,
    top to bottom instead: a lifecycle drawn sideways is 1,800 px wide, its text unreadable once scaled to fit."""
    def draw(text: str) -> str:
        return page.evaluate("async ([source, id]) => (await mermaid.render(id, source)).svg", [text, svg_id])

    drawing = draw(source)
    downwards = re.sub(r"^(\s*(?:flowchart|graph|direction))\s+LR\b", r"\1 TB", source, flags=re.M)
    if svg_width(drawing) > COLUMN and downwards != source:
        turned = draw(downwards)
        drawing = turned if svg_width(turned) < svg_width(drawing) else drawing
    return drawing


def draw_mermaid(page) -> None:
    """Every Mermaid diagram of the site as SVG, drawn by the bundled Mermaid; drawings no page shows are removed."""
    if not MERMAID.exists():
        raise RuntimeError(f"{MERMAID.relative_to(ROOT)} is missing: run ./run lab or ./run tests once (npm bundles it)")
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(MERMAID))
    page.evaluate("() => mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
    MERMAID_PICTURES.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for source in mermaid_sources():
        name = mermaid_name(source)
        wanted.add(name)
        (MERMAID_PICTURES / name).write_text(narrowest_drawing(page, source, f"mermaid-{name[:-4]}") + "\n")
    for stale in set(p.name for p in MERMAID_PICTURES.glob("*.svg")) - wanted:
        (MERMAID_PICTURES / stale).unlink()
    print(f"site/pictures/mermaid/: {len(wanted)} drawings")


def main(argv: list[str]) -> int:
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
            with chromium_page(1280, 4000) as page:  # tall enough for the tallest output (a dashboard's log) in one piece
                for name in names:
                    shoot_notebook(page, server, name)
                draw_mermaid(page)
        finally:
            server.stop()
            stop_mock(env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
