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
