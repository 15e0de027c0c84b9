"""The notebooks pass nbval on a mock that earlier runs left state in.

The suite's own nbval pass over notebooks/ comes after this one and uses the
same shared mock (the same TRKIT_HOME), so together they are two runs in a row.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_notebooks_pass_on_a_mock_with_leftover_state(tmp_path):
    env = dict(os.environ)
    env.setdefault("TRKIT_HOME", str(tmp_path / "home"))
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("TWILIO_AUTH_TOKEN", None)
    command = [sys.executable, "-m", "pytest", "notebooks", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'nb'}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
