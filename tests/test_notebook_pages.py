"""Each notebook says, in its first cell, which page of Twilio's quickstart it walks (or that it goes
beyond the quickstart), and the README's table of notebooks lists every notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGE = re.compile(r"Quickstart page: \[[^\]]+\]\(https://www\.twilio\.com/docs/taskrouter/quickstart/python/[a-z-]+\)")


def test_every_notebook_names_its_quickstart_page():
    for notebook in NOTEBOOKS:
        first = "".join(json.loads(notebook.read_text())["cells"][0]["source"])
        assert PAGE.search(first) or "Beyond the quickstart:" in first, notebook.name


def test_the_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"^\| `(\d\d_\w+)` \|", readme, flags=re.M)
    assert listed == [n.stem for n in NOTEBOOKS]


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def test_every_notebook_ends_by_saying_what_comes_next():
    for notebook in NOTEBOOKS:
        last = "".join(_cells(notebook)[-1]["source"])
        assert "Next:" in last, notebook.name
    agent_page = "".join("".join(c["source"]) for c in _cells(ROOT / "notebooks" / "08_agent_page.ipynb"))
    assert "completes the quickstart" not in agent_page  # 09 follows it


def test_tasks_in_different_notebooks_have_different_sids():
    seen: dict[str, str] = {}
    for notebook in NOTEBOOKS:
        text = json.dumps([c.get("outputs", []) for c in _cells(notebook)])
        for sid in set(re.findall(r"WT[0-9a-f]{32}", text)):
            assert seen.setdefault(sid, notebook.name) == notebook.name, f"{sid} is in {seen[sid]} and {notebook.name}"
    assert len(seen) > 5


def test_phone_numbers_are_written_one_way_as_twilio_takes_them():
    """E.164 (+14155550100) in every notebook and the README, as the learner types them into the twilio library:
    never "+1 415-555-0100" beside it, nor the "(415) 555-0100" of Twilio's *_formatted fields."""
    other_ways = re.compile(r"\+\d{1,3}[ -]\(?\d{3}\)?[ -]?\d{3}-\d{4}|\(\d{3}\) \d{3}-\d{4}")
    for document in [*NOTEBOOKS, ROOT / "README.md"]:
        text = "".join("".join(c["source"]) for c in _cells(document)) if document.suffix == ".ipynb" else document.read_text()
        assert not other_ways.search(text), f"{document.name}: {other_ways.search(text).group(0)}"


def test_each_notebooks_key_output_has_its_picture_linked_from_the_readme():
    """One cell per notebook is its key output; ``./run screenshots`` (tools/screenshots.py) photographs it into
    docs/screenshots, and the README's table of notebooks links each picture."""
    readme = (ROOT / "README.md").read_text()
    for notebook in NOTEBOOKS:
        keys = [c for c in _cells(notebook) if "key-output" in c.get("metadata", {}).get("tags", [])]
        assert len(keys) == 1 and keys[0]["cell_type"] == "code", f"{notebook.name}: one key-output code cell"
        picture = ROOT / "docs" / "screenshots" / f"{notebook.stem}.png"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{picture.name}: run ./run screenshots"
        assert f"](docs/screenshots/{notebook.stem}.png)" in readme, f"the README does not link {picture.name}"


def test_every_notebook_names_its_kernel_as_jupyterlab_will_so_opening_it_changes_nothing():
    """JupyterLab writes the running kernel's spec and language into a notebook when it opens it: stored any
    other way, the notebook is marked changed on opening and the learner's next save shows in git status."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    for notebook in NOTEBOOKS:
        metadata = json.loads(notebook.read_text())["metadata"]
        assert metadata["kernelspec"] == {"display_name": spec.display_name, "language": spec.language, "name": "python3"}, notebook.name
