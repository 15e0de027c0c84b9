"""docs/coverage.md is exactly what the spec and the mock's routes say today."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spec import spec_path

from trkit.mock.coverage import coverage_markdown

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(spec_path() is None, reason="Twilio's OpenAPI file is absent (trkit/mock/data and ../shared)")
def test_coverage_table_is_current():
    from parameter_evidence import BEGIN

    expected = coverage_markdown(json.loads(spec_path().read_text()))
    committed = (ROOT / "docs" / "coverage.md").read_text().split(BEGIN)[0].rstrip("\n") + "\n"  # the parameter table follows
    assert committed == expected, "routes changed: run python -m trkit.mock.coverage --write docs/coverage.md"
    assert "**61 of 61 operations implemented**" in committed


def test_readme_states_the_count():
    assert "61 of 61" in (ROOT / "README.md").read_text()


def test_the_parameter_table_is_rewritten_only_when_what_is_honoured_changes(tmp_path, monkeypatch):
    """Which test a row cites may change from run to run (pytest-xdist spreads the tests differently): that alone
    leaves docs/coverage.md as committed; a parameter newly honoured, or no longer, rewrites it and says so."""
    import parameter_evidence as evidence

    log = evidence.EvidenceLog()
    operation, method, shape, _ = next(op for op in evidence.operations() if evidence.spec_parameters().get(op[1:3]))
    name = sorted(evidence.spec_parameters()[(method, shape)])[0]
    log.seen[(method, shape, name)] = {"tests/test_b.py::test_one"}
    committed, _ = evidence.table(log)
    path = tmp_path / "coverage.md"
    path.write_text("routes\n\n" + committed + "\n<!-- outgoing -->\n")
    monkeypatch.setattr(evidence, "COVERAGE", path)
    log.seen[(method, shape, name)] = {"tests/test_a.py::test_other"}  # the same parameter, shown by another test
    assert evidence.write(log)[1] == [] and path.read_text() == "routes\n\n" + committed + "\n<!-- outgoing -->\n"
    del log.seen[(method, shape, name)]  # no longer shown honoured: rewritten, in its place
    missing, changed = evidence.write(log)
    assert changed == [f"- | {operation} | `{name}` | honoured ", f"+ | {operation} | `{name}` | **no test** "]
    assert f"{operation} {name}" in missing
    assert f"| {operation} | `{name}` | **no test** | |" in path.read_text() and path.read_text().endswith("\n<!-- outgoing -->\n")


def test_only_a_run_of_every_test_rewrites_the_parameter_table(pytestconfig, monkeypatch):
    """A collection alone, a selection or a failed run saw only some tests' requests: the table would lose every row
    the others show (a `--collect-only` once rewrote all 311 as having no test, and failed)."""
    from types import SimpleNamespace

    (suite,) = [p for p in pytestconfig.pluginmanager.get_plugins() if str(getattr(p, "__file__", "")) == str(ROOT / "tests" / "conftest.py")]
    written = []
    monkeypatch.setattr(suite, "write", lambda log: written.append(log) or ([], []))

    def finish(exitstatus: int = 0, args: tuple[str, ...] = ("tests", "examples"), **chosen) -> None:
        option = SimpleNamespace(**{"keyword": "", "markexpr": "", "deselect": None, "collectonly": False, **chosen})
        config = SimpleNamespace(option=option, rootpath=ROOT, args=[str(ROOT / arg) for arg in args])
        suite.pytest_sessionfinish(SimpleNamespace(config=config, exitstatus=exitstatus), exitstatus)

    finish(collectonly=True)
    finish(deselect=["tests/test_coverage.py::test_readme_states_the_count"])
    finish(keyword="coverage")
    finish(markexpr="browser")
    finish(exitstatus=1)
    finish(args=("tests/test_coverage.py",))
    assert written == []
    finish()  # every test, and all passed
    assert len(written) == 1
