"""Schemathesis against the mock from Twilio's OpenAPI file, with a fixed seed and a small budget.

The longer, random-seed run is `./run fuzz`. Fails on any 5xx, any answer that breaks the
spec's schema (errors included, in Twilio's error JSON), any undocumented status or content
type, and any hang (a request over 20 s).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fuzzing import run
from spec import all_operations

SEED = 20261130
EXAMPLES = int(os.environ.get("TRKIT_FUZZ_EXAMPLES", "8"))
FIGURES = Path(os.environ.get("TRKIT_FUZZ_FIGURES", Path(__file__).resolve().parent.parent / ".ci-tmp" / "fuzz-figures.json"))


def test_fuzzing_from_the_spec_finds_nothing(tmp_path):
    figures = run(SEED, EXAMPLES, workdir=tmp_path)
    output = figures.pop("output")
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2))
    assert figures["exit_code"] == 0, output
    assert figures["server_errors"] == 0 and figures["failures"] == {}, output
    assert figures["operations_with_2xx"] == len(all_operations()), figures
