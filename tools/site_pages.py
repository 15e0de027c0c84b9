"""The site's sources, made from the committed files without running anything (``./run site`` builds them).

The pages are the lesson notebooks with their committed outputs, the README and four docs. Staging copies them
into a folder for Sphinx (MyST-NB with the Jupyter Book theme) and changes only what a static page cannot show:
- a notebook page opens, below its first cell (which names the quickstart page it walks), with a box: its Binder
  link and the commands to run it locally;
- a live output (a cell tagged ``nbval-ignore-output``: dashboard, wallboard, agent page, phone, checks), which
  the notebook does not commit, becomes the picture ``./run screenshots`` took of it in JupyterLab in Chromium;
- an exercise keeps its skeleton and gets its solution folded away below it;
- a Mermaid diagram becomes the SVG Mermaid drew of it in Chromium (committed beside the pictures), so no page
  loads a 3 MB script;
- a link to a file that is not a page goes to the repository on GitHub; an image outside the site becomes its
  alt text (the site makes no request elsewhere); a link to nothing stops the build.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
PICTURES = SITE / "pictures"
MERMAID_PICTURES = PICTURES / "mermaid"
REPOSITORY = "https://github.com/trkit/trkit"
BINDER = "https://mybinder.org/v2/gh/trkit/trkit/HEAD?urlpath=lab/tree/notebooks/{name}"
LIVE_TAG = "nbval-ignore-output"
EXERCISE_TAG = "exercise"
DOCUMENTS = ["README.md", "docs/architecture.md", "docs/coverage.md", "docs/lifecycles.md", "docs/errors.md"]
COLUMN = 900  # px: the text column at full width (the theme's full-width cells, on a 1280 px screen)
WIDE = 760  # px: a picture wider than the text column shown at full width (the dashboard, the wallboard…)
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif"}
CONFIGURATION = ["conf.py", "_static", "_templates"]

MERMAID_FENCE = re.compile(r"^```mermaid\n(.*?)\n```[ \t]*$", re.S | re.M)
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
INLINE_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
SOLUTION_LINE = re.compile(r"%load (solutions/\S+\.py)")
QUICKSTART_LINE = re.compile(r"^(Quickstart page|Beyond the quickstart):.*$", re.M)


class SiteError(Exception):
    """Something in the committed files that the site cannot be built from, said in one line."""


def lesson_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def is_live(cell) -> bool:
    return cell.cell_type == "code" and LIVE_TAG in cell.metadata.get("tags", [])


def manifest_path(stem: str) -> Path:
    return PICTURES / f"{stem}.json"


def read_manifest(stem: str) -> dict[str, list[dict]]:
    """The pictures of each live cell's output, each a ``file`` and a ``caption`` (None for the output as it first
    shows; no picture: the cell shows nothing), as ``./run screenshots`` wrote them."""
    path = manifest_path(stem)
    return json.loads(path.read_text()) if path.exists() else {}


def mermaid_name(source: str) -> str:
    return hashlib.sha256(source.strip().encode()).hexdigest()[:16] + ".svg"


def markdown_texts(notebook) -> list[str]:
    """The Markdown a notebook page shows: its Markdown cells and its committed Markdown outputs."""
    texts = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("data", {}).get("text/markdown", ""))
    return texts


def mermaid_sources() -> list[str]:
    """Every Mermaid diagram the site shows, once each, in page order."""
    import nbformat

    texts = [(ROOT / name).read_text() for name in DOCUMENTS]
    for path in lesson_notebooks():
        texts += markdown_texts(nbformat.read(path, as_version=4))
    seen: dict[str, None] = {}
    for text in texts:
        for match in MERMAID_FENCE.finditer(text):
            seen.setdefault(match.group(1).strip(), None)
    return list(seen)


def svg_width(svg: str) -> float:
    return float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg).group(1))


def mermaid_as_html(text: str) -> str:
    """The Markdown with each Mermaid fence replaced by its drawing, inline (its labels are HTML, its style scoped)."""
    def drawing(match: re.Match) -> str:
        path = MERMAID_PICTURES / mermaid_name(match.group(1))
        if not path.exists():
            raise SiteError(f"no drawing of a Mermaid diagram ({path.relative_to(ROOT)}): run ./run screenshots")
        svg = "\n".join(line for line in path.read_text().splitlines() if line.strip())  # a blank line ends raw HTML
        # scaled to the column, but never under 70% of its size (its text stays readable; the box scrolls sideways)
        svg = svg.replace('style="', f'style="min-width: {0.7 * svg_width(svg):.0f}px; ', 1)
        return f'<div class="trkit-mermaid">\n{svg}\n</div>'
    return MERMAID_FENCE.sub(drawing, text)


class Stager:
    """Copies the pages into ``target``, rewriting what a static page cannot show, and keeps the external links."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.pages = {ROOT / name for name in DOCUMENTS} | set(lesson_notebooks())
        self.external_links: set[str] = set()

    def stage(self) -> list[str]:
        import nbformat

        if self.target.exists():
            shutil.rmtree(self.target)
        self.target.mkdir(parents=True)
        for name in CONFIGURATION:
            source = SITE / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, self.target / name)
        # the pictures of live outputs (Mermaid's drawings go inline, the manifests only steer the staging)
        shutil.copytree(PICTURES, self.target / "pictures", ignore=shutil.ignore_patterns("mermaid", "*.json"))
        for name in DOCUMENTS:
            text = self.page_markdown((ROOT / name).read_text(), ROOT / name)
            if name == "README.md":
                text = text.rstrip("\n") + "\n\n" + table_of_contents()
            self.write(ROOT / name, text)
        for path in lesson_notebooks():
            notebook = self.notebook(nbformat.read(path, as_version=4), path)
            destination = self.target / path.relative_to(ROOT)
            destination.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, destination)
        return sorted(self.external_links)

    def write(self, source: Path, text: str) -> None:
        destination = self.target / source.relative_to(ROOT)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text)

    def page_markdown(self, text: str, source: Path) -> str:
        """Markdown as a page shows it: Mermaid drawn, links rewritten."""
        return self.markdown(mermaid_as_html(text), source)

    def markdown(self, text: str, source: Path) -> str:
        """Links rewritten outside fenced code: pages stay, images are copied, other files go to GitHub."""
        pieces, last = [], 0
        for fence in FENCE.finditer(text):
            pieces += [self._links(text[last:fence.start()], source), fence.group(0)]
            last = fence.end()
        pieces.append(self._links(text[last:], source))
        return "".join(pieces)

    def _links(self, text: str, source: Path) -> str:
        return INLINE_LINK.sub(lambda match: self._link(match, source), text)

    def _link(self, match: re.Match, source: Path) -> str:
        bang, label, target = match.groups()
        label = self._links(label, source)  # a picture inside a link's words is rewritten too
        kept = f"{bang}[{label}]({target})"
        if EXTERNAL.match(target):
            if bang:  # a picture from elsewhere: its words, so that the page asks nothing of another site
                return label
            self.external_links.add(target)
            return kept
        if target.startswith("#"):
            return kept
        path_part, _, anchor = target.partition("#")
        resolved = (source.parent / path_part).resolve()
        if not resolved.exists() or ROOT not in resolved.parents:
            raise SiteError(f"{source.relative_to(ROOT)} links to {target}, which is not in the repository")
        if resolved in self.pages:
            return kept
        if bang or resolved.suffix in IMAGE_SUFFIXES:
            copy = self.target / resolved.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(resolved, copy)
            return kept
        kind = "tree" if resolved.is_dir() else "blob"
        url = f"{REPOSITORY}/{kind}/main/{resolved.relative_to(ROOT).as_posix()}" + (f"#{anchor}" if anchor else "")
        self.external_links.add(url)
        return f"{bang}[{label}]({url})"

    def notebook(self, notebook, path: Path):
        import nbformat

        manifest = read_manifest(path.stem)
        # the theme widens a full-width cell over the page's contents column, which only a page with sections has
        # (its script fails on a page without one)
        widen = any(re.search(r"^## ", cell.source, re.M) for cell in notebook.cells if cell.cell_type == "markdown")
        cells = []
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "markdown":
                cell.source = self.page_markdown(cell.source, path)
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    data["text/markdown"] = self.page_markdown(data["text/markdown"], path)
            if is_live(cell):
                cell.outputs = live_output(cell, manifest, path.stem)
                if widen and any(png_width(PICTURES / path.stem / p["file"]) > WIDE for p in manifest.get(cell.id, [])):
                    cell.metadata.setdefault("tags", []).append("full-width")  # the theme widens it over the margin
            cells.append(cell)
            if index == 0:
                cells.append(nbformat.v4.new_markdown_cell(self.run_box(notebook, path)))
            if cell.cell_type == "code" and EXERCISE_TAG in cell.metadata.get("tags", []):
                cells.append(nbformat.v4.new_markdown_cell(folded_solution(cell, path)))
        notebook.cells = cells
        return notebook

    def run_box(self, notebook, path: Path) -> str:
        """How to run the notebook; the page it walks is named just above, in the notebook's first cell."""
        if QUICKSTART_LINE.search(notebook.cells[0].source) is None:
            raise SiteError(f"{path.relative_to(ROOT)}: its first cell names no 'Quickstart page:' nor 'Beyond the quickstart:'")
        binder = BINDER.format(name=path.name)
        self.external_links.add(binder)
        return "\n".join([
            ":::{admonition} Run this notebook",
            ":class: tip trkit-run",
            f"[Launch it on Binder]({binder}) (JupyterLab in your browser, on the bundled mock: nothing to install), "
            "or on your machine, with Python 3.10+:",
            "",
            "```bash",
            f"git clone {REPOSITORY} && cd trkit",
            f"./run lab notebooks/{path.name}",
            "```",
            ":::",
        ])


def live_output(cell, manifest: dict[str, list[dict]], stem: str) -> list:
    """A live cell's output on the site: the pictures of it, or nothing where the cell shows nothing."""
    import nbformat

    if cell.id not in manifest:
        raise SiteError(f"notebooks/{stem}.ipynb: no picture of live cell {cell.id} ({first_line(cell)!r}): run ./run screenshots {stem}.ipynb")
    pictures = manifest[cell.id]
    if not pictures:
        return []
    parts = []
    for picture in pictures:
        if not (PICTURES / stem / picture["file"]).exists():
            raise SiteError(f"site/pictures/{stem}/{picture['file']} is missing: run ./run screenshots {stem}.ipynb")
        alt = picture["caption"] or "What this cell shows in JupyterLab"
        caption = f"\n\n<span class='trkit-live'>{picture['caption']}.</span>" if picture["caption"] else ""
        parts.append(f"![{alt}](../pictures/{stem}/{picture['file']}){caption}")
    text = "\n\n".join(parts) + ("\n\n<span class='trkit-live'>A picture of this output in JupyterLab: run the notebook to have"
                                 " it live.</span>")
    return [nbformat.v4.new_output("display_data", data={"text/markdown": text})]


def png_width(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[16:20], "big")  # the IHDR chunk's width, right after the signature


def folded_solution(cell, path: Path) -> str:
    found = SOLUTION_LINE.search(cell.source)
    if found is None:
        raise SiteError(f"{path.relative_to(ROOT)}: exercise cell {cell.id} names no '%load solutions/….py'")
    solution = path.parent / found.group(1)
    code = solution.read_text().rstrip("\n")
    return "\n".join([
        f"<details class='trkit-solution'><summary>Solution: <code>notebooks/{found.group(1)}</code></summary>",
        "",
        "```python",
        code,
        "```",
        "",
        "</details>",
    ])


def first_line(cell) -> str:
    return next((line for line in cell.source.splitlines() if line.strip() and not line.startswith("#")), "")


def table_of_contents() -> str:
    notebooks = "\n".join(f"notebooks/{path.stem}" for path in lesson_notebooks())
    docs = "\n".join(name.removesuffix(".md") for name in DOCUMENTS[1:])
    return (f"```{{toctree}}\n:hidden:\n:caption: The notebooks\n\n{notebooks}\n```\n\n"
            f"```{{toctree}}\n:hidden:\n:caption: Reference\n\n{docs}\n```\n")
