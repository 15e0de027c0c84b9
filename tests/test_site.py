"""The tutorial as a static site (``./run site``): staged from the committed files without running a notebook,
built by Sphinx with MyST-NB, checked without a browser (links, anchors, weights) and then page by page in
Chromium (no console error, no failed request, nothing fetched from another site, no blank output)."""

from __future__ import annotations

import html
import json
import re
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from browser import chromium_page, needs_chromium, watch_for_trouble

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import site_build  # noqa: E402
import site_pages  # noqa: E402
from site_check import PAGE_LIMIT, SiteCheck  # noqa: E402

NOTEBOOKS = site_pages.lesson_notebooks()


def cell_by_tag(path: Path, tag: str):
    notebook = nbformat.read(path, as_version=4)
    return next(cell for cell in notebook.cells if tag in cell.metadata.get("tags", []))


# --- staging: what a static page cannot show, and how the site shows it instead ---

def test_every_live_cell_has_its_picture_or_is_known_to_show_nothing():
    """``./run screenshots`` wrote a manifest per notebook: every cell tagged nbval-ignore-output is in it, each
    picture it names is committed, and no picture is left that no cell shows."""
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        live = {cell.id for cell in notebook.cells if site_pages.is_live(cell)}
        manifest = site_pages.read_manifest(path.stem)
        assert set(manifest) == live, f"{path.name}: run ./run screenshots {path.name}"
        named = {picture["file"] for pictures in manifest.values() for picture in pictures}
        on_disk = {p.name for p in (site_pages.PICTURES / path.stem).glob("*.png")}
        assert named == on_disk, f"{path.name}: pictures {sorted(on_disk ^ named)} are not those its cells show"
        for picture in named:
            assert (site_pages.PICTURES / path.stem / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_widget_outputs_are_pictured():
    """The dashboard (with its sections: pictures, wallboard, phone), the wallboard, the agent page and the
    replayed day: a static page cannot run them, so each has its picture (none of them may come out blank)."""
    for name, tag_source in [("04_dashboard", "board"), ("09_wallboard", "wallboard"), ("08_agent_page", "page"),
                             ("10_how_many_agents", "replay")]:
        notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        (cell,) = [c for c in notebook.cells if site_pages.is_live(c) and c.source.strip().endswith(tag_source)]
        assert site_pages.read_manifest(name)[cell.id], f"{name}: the {tag_source} cell has no picture"
    (board,) = [pictures for pictures in site_pages.read_manifest("04_dashboard").values() if pictures]
    assert [p["caption"] for p in board] == [None] + [f"The same output with its {s} section open" for s in ("Pictures", "Wallboard", "Phone")]


def test_a_live_cell_becomes_its_pictures_and_one_without_a_picture_stops_the_build():
    cell = nbformat.v4.new_code_cell("board", id="abcd1234", metadata={"tags": [site_pages.LIVE_TAG]})
    with pytest.raises(site_pages.SiteError, match=r"notebooks/04_dashboard.ipynb: no picture of live cell abcd1234 \('board'\): run ./run screenshots 04_dashboard.ipynb"):
        site_pages.live_output(cell, {}, "04_dashboard")
    assert site_pages.live_output(cell, {"abcd1234": []}, "04_dashboard") == []  # the cell shows nothing
    with pytest.raises(site_pages.SiteError, match="site/pictures/04_dashboard/gone.png is missing"):
        site_pages.live_output(cell, {"abcd1234": [{"file": "gone.png", "caption": None}]}, "04_dashboard")
    manifest = site_pages.read_manifest("04_dashboard")
    (board,) = [cell_id for cell_id, pictures in manifest.items() if pictures]
    (output,) = site_pages.live_output(nbformat.v4.new_code_cell("board", id=board), manifest, "04_dashboard")
    text = output["data"]["text/markdown"]
    assert text.startswith(f"![What this cell shows in JupyterLab](../pictures/04_dashboard/{board}.png)\n\n")
    assert f"![The same output with its Phone section open](../pictures/04_dashboard/{board}-phone.png)\n\n" \
           "<span class='trkit-live'>The same output with its Phone section open.</span>" in text
    assert text.endswith("A picture of this output in JupyterLab: run the notebook to have it live.</span>")


def test_wide_pictures_are_widened_only_on_pages_with_sections(tmp_path):
    """The dashboard picture is 1,100 px wide: on a page with sections it spans the contents column too (the
    theme's full-width cell); notebook 09 has no section, and the theme's script fails on a full-width cell there."""
    def widened(name: str) -> list[str]:
        path = ROOT / "notebooks" / f"{name}.ipynb"
        staged = site_pages.Stager(tmp_path).notebook(nbformat.read(path, as_version=4), path)
        return [c.source.strip() for c in staged.cells if "full-width" in c.metadata.get("tags", [])]

    wide = widened("03_accept_by_instruction")
    assert "board = kit.dashboard()\nboard" in wide and "base_url" not in wide  # a narrow picture stays in the column
    assert widened("09_wallboard") == []


def test_an_exercise_keeps_its_skeleton_and_gets_its_solution_folded_away(tmp_path):
    path = ROOT / "notebooks" / "03_accept_by_instruction.ipynb"
    skeleton = cell_by_tag(path, site_pages.EXERCISE_TAG)
    staged = site_pages.Stager(tmp_path).notebook(nbformat.read(path, as_version=4), path)
    index = next(i for i, c in enumerate(staged.cells) if c.get("id") == skeleton.id)
    assert staged.cells[index].source == skeleton.source
    folded = staged.cells[index + 1].source
    solution = (ROOT / "notebooks" / "solutions" / "03_accept.py").read_text().rstrip("\n")
    assert folded.startswith("<details class='trkit-solution'><summary>Solution: <code>notebooks/solutions/03_accept.py</code>")
    assert f"```python\n{solution}\n```" in folded and folded.endswith("</details>")
    nameless = nbformat.v4.new_code_cell("# Exercise\nanswer = None", id="e1")
    with pytest.raises(site_pages.SiteError, match="names no '%load solutions/….py'"):
        site_pages.folded_solution(nameless, path)


def test_a_notebook_page_opens_with_how_to_run_it(tmp_path):
    path = ROOT / "notebooks" / "05_receive_a_call.ipynb"
    staged = site_pages.Stager(tmp_path).notebook(nbformat.read(path, as_version=4), path)
    assert "Quickstart page: [" in staged.cells[0].source  # named by the notebook's first cell, just above the box
    box = staged.cells[1].source
    assert box.startswith(":::{admonition} Run this notebook")
    assert "(https://mybinder.org/v2/gh/trkit/trkit/HEAD?urlpath=lab/tree/notebooks/05_receive_a_call.ipynb)" in box
    assert "git clone https://github.com/trkit/trkit && cd trkit\n./run lab notebooks/05_receive_a_call.ipynb" in box


def test_links_stay_on_the_site_go_to_github_or_stop_the_build(tmp_path):
    stager = site_pages.Stager(tmp_path)
    readme = ROOT / "README.md"
    assert stager.markdown("[arch](docs/architecture.md#layers)", readme) == "[arch](docs/architecture.md#layers)"
    assert stager.markdown("see [the kit](trkit/testing.py)", readme) == "see [the kit](https://github.com/trkit/trkit/blob/main/trkit/testing.py)"
    assert stager.markdown("[tools](tools)", readme) == "[tools](https://github.com/trkit/trkit/tree/main/tools)"
    assert stager.markdown("![a dashboard](docs/dashboard.png)", readme) == "![a dashboard](docs/dashboard.png)"
    assert (tmp_path / "docs" / "dashboard.png").read_bytes() == (ROOT / "docs" / "dashboard.png").read_bytes()
    # a picture from another site: its words, so the page fetches nothing from elsewhere; the link stays
    assert stager.markdown("[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/x)", readme) \
        == "[Binder](https://mybinder.org/v2/gh/x)"
    assert stager.markdown("```bash\n[not](a/link)\n```", readme) == "```bash\n[not](a/link)\n```"
    with pytest.raises(site_pages.SiteError, match=r"README.md links to docs/nowhere.md, which is not in the repository"):
        stager.markdown("[gone](docs/nowhere.md)", readme)
    assert "https://mybinder.org/v2/gh/x" in stager.external_links
    assert "https://github.com/trkit/trkit/blob/main/trkit/testing.py" in stager.external_links


def test_every_mermaid_diagram_has_its_drawing_and_no_drawing_is_left_over():
    sources = site_pages.mermaid_sources()
    assert len(sources) >= 5  # the lifecycles' state diagrams and the notebooks' routing graphs
    wanted = {site_pages.mermaid_name(source) for source in sources}
    assert wanted == {p.name for p in site_pages.MERMAID_PICTURES.glob("*.svg")}, "run ./run screenshots"
    drawn = site_pages.mermaid_as_html("before\n\n```mermaid\n" + sources[0] + "\n```\n\nafter")
    assert drawn.startswith("before\n\n<div class=\"trkit-mermaid\">\n<svg") and drawn.endswith("</svg>\n</div>\n\nafter")
    block = drawn[drawn.index("<div"):drawn.index("</div>")]
    assert "\n\n" not in block  # a blank line would end Markdown's raw HTML block inside the drawing
    # scaled to the column but not below 70% of its own width, where its 16 px labels stay readable
    width = site_pages.svg_width(block)
    assert f'style="min-width: {0.7 * width:.0f}px; max-width: {width}px' in block or f'style="min-width: {0.7 * width:.0f}px; ' in block
    with pytest.raises(site_pages.SiteError, match=r"no drawing of a Mermaid diagram .*: run ./run screenshots"):
        site_pages.mermaid_as_html("```mermaid\nflowchart LR\n  nobody --> drew_this\n```")


# --- the checks of a built site, shown to catch what they are for ---

def write_page(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><html><body>{body}</body></html>")


def test_the_site_check_finds_broken_links_missing_anchors_outside_loads_and_heavy_pages(tmp_path):
    write_page(tmp_path / "index.html", '<a href="a/page.html#here">ok</a> <a href="a/page.html#there">no anchor</a>'
               '<a href="gone.html">gone</a> <img src="a/big.png"> <a href="https://example.com/x">out</a>'
               '<script src="https://cdn.example.com/lib.js"></script> <a href="#top" id="top">top</a>')
    write_page(tmp_path / "a" / "page.html", '<h1 id="here">here</h1><img src="../missing.png"><a href="../../up.html">up</a>')
    (tmp_path / "a" / "big.png").write_bytes(b"\0" * (PAGE_LIMIT + 1))
    check = SiteCheck(tmp_path)
    assert sorted(check.broken()) == ["a/page.html: ../../up.html (outside the site)", "a/page.html: ../missing.png (no such file)",
                                      "index.html: a/page.html#there (no anchor #there there)", "index.html: gone.html (no such file)"]
    assert check.external_links() == ["https://example.com/x"]
    assert check.external_loads() == ["index.html: https://cdn.example.com/lib.js"]
    assert [line.split(":")[0] for line in check.too_heavy()] == ["index.html"]


# --- the built site ---

@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    assert site_build.main(["--out", str(out)]) == 0
    return out


def test_the_site_builds_with_every_link_resolving_and_every_page_light(built_site):
    """The build itself fails on a broken link, an outside load or a heavy page; here, what it built."""
    check = SiteCheck(built_site)
    assert check.broken() == [] and check.external_loads() == [] and check.too_heavy() == []
    pages = {str(p.relative_to(built_site)) for p in built_site.rglob("*.html")}
    assert {f"notebooks/{p.stem}.html" for p in NOTEBOOKS} <= pages
    assert {"README.html", "docs/architecture.html", "docs/coverage.html", "docs/lifecycles.html", "docs/errors.html"} <= pages
    listed = (built_site / "external-links.txt").read_text().splitlines()
    assert f"https://mybinder.org/v2/gh/trkit/trkit/HEAD?urlpath=lab/tree/notebooks/{NOTEBOOKS[0].name}" in listed
    assert all(url.startswith(("http://", "https://", "mailto:")) for url in listed)


def test_each_notebook_page_shows_its_quickstart_page_binder_link_commands_and_pictures(built_site):
    for path in NOTEBOOKS:
        page = (built_site / "notebooks" / f"{path.stem}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))  # as read: the commands are highlighted word by word
        assert "Quickstart page:" in text or "Beyond the quickstart:" in text, path.name
        assert f"urlpath=lab/tree/notebooks/{path.name}" in page, path.name
        assert f"./run lab notebooks/{path.name}" in text and "git clone https://github.com/trkit/trkit && cd trkit" in text, path.name
        for pictures in site_pages.read_manifest(path.stem).values():
            for picture in pictures:
                assert f"{Path(picture['file']).stem}" in page, f"{path.name}: picture {picture['file']} is not on the page"
    exercise_page = (built_site / "notebooks" / "03_accept_by_instruction.html").read_text()
    assert exercise_page.count("<details class='trkit-solution'>") + exercise_page.count('<details class="trkit-solution">') == 2


@pytest.fixture(scope="module")
def served_site(built_site):
    server = site_build.site_server(built_site, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


BLANK_OUTPUTS = """() => [...document.querySelectorAll('.cell_output')].filter(out => {
    const box = out.getBoundingClientRect();
    const text = out.innerText.trim().length > 0;
    const drawn = [...out.querySelectorAll('img')].some(img => img.complete && img.naturalWidth > 0)
        || out.querySelector('svg, table') !== null;
    return box.height < 4 || !(text || drawn);
}).map(out => out.closest('.cell').outerHTML.slice(0, 200))"""

BROKEN_PICTURES = "() => [...document.images].filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)"


@needs_chromium
def test_every_page_opens_in_chromium_without_trouble_or_blank_output(built_site, served_site):
    pages = sorted(str(p.relative_to(built_site)) for p in built_site.rglob("*.html") if p.name not in ("search.html", "genindex.html"))
    problems: dict[str, list[str]] = {}
    with chromium_page(1280, 900) as page:
        elsewhere: list[str] = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served_site)
                   else (elsewhere.append(route.request.url), route.abort()))
        trouble = watch_for_trouble(page)
        for name in pages:
            trouble.clear()
            elsewhere.clear()
            page.goto(f"{served_site}/{name}", wait_until="load")
            found = [f"asked another site for {url}" for url in elsewhere]
            found += [t for t in trouble if not any(url in t for url in elsewhere)]
            found += [f"blank output: {cell}" for cell in page.evaluate(BLANK_OUTPUTS)]
            found += [f"picture not shown: {src}" for src in page.evaluate(BROKEN_PICTURES)]
            if found:
                problems[name] = found
    assert problems == {}, json.dumps(problems, indent=1)


@needs_chromium
def test_a_tap_on_a_picture_opens_it_at_its_own_size(served_site):
    """On a phone the dashboard's picture is scaled to 360 px: a tap opens the picture itself in a new tab."""
    with chromium_page(400, 800) as page:
        page.goto(f"{served_site}/notebooks/04_dashboard.html", wait_until="load")
        picture = page.locator(".cell_output img").first
        shown = picture.evaluate("(img) => [img.getBoundingClientRect().width, img.naturalWidth]")
        assert shown[0] < shown[1] / 2  # too small to read where it is
        with page.context.expect_page() as opened:
            picture.click()
        assert opened.value.url == picture.evaluate("(img) => img.src") and opened.value.url.endswith(".png")
