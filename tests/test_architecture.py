"""The code's shape, as docs/architecture.md draws it: no import cycles, small modules, nothing dead.

Layer rules themselves are import-linter contracts (pyproject.toml, run by the test command).
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1] / "trkit"
MAX_LINES = 500


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("trkit")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert not cycles, "import cycles: " + ", ".join(cycles)


@pytest.mark.parametrize("package", ["mock", "language"])
def test_every_module_of_the_mock_and_the_language_reads_in_one_sitting(package):
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / package).rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_spec_file_ships_with_the_package():
    from trkit.mock.coverage import DEFAULT_SPEC

    assert DEFAULT_SPEC.is_file() and DEFAULT_SPEC.parent == ROOT / "mock" / "data"


def test_nothing_reads_stored_data_with_a_format_that_can_run_code():
    # state files travel between people: pickle, marshal and shelve run code when they read (tests/test_state_file.py)
    graph = grimp.build_graph("trkit", include_external_packages=True)
    unsafe = {"pickle", "marshal", "shelve", "dill", "_pickle"}
    found = {f"{module} imports {', '.join(sorted(names))}" for module in graph.modules if module.startswith("trkit")
             if (names := graph.find_modules_directly_imported_by(module) & unsafe)}
    assert not found, found
