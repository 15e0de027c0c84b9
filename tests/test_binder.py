"""Binder's environment is exactly binder/requirements.txt: build it and run every notebook in it under nbval,
twice in a row on one mock: fresh, then on the state the first run left (a learner runs them again).

This is the suite's nbval pass over notebooks/ (the committed outputs compared, solutions in place by
notebooks/conftest.py): the rest of the suite does not collect the notebooks again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent


def test_binder_files_are_complete():
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    assert "-r ../requirements.txt" in requirements and "-e ." in requirements
    start = ROOT / "binder" / "start"
    assert os.access(start, os.X_OK) and 'exec "$@"' in start.read_text()
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/v2/gh/" in readme and "urlpath=lab/tree/notebooks/01_create_a_task.ipynb" in readme


@pytest.mark.skipif(os.environ.get("TRKIT_SKIP_BINDER_VENV") == "1", reason="TRKIT_SKIP_BINDER_VENV=1 was set")
def test_notebooks_run_in_a_venv_built_only_from_binder_requirements(tmp_path):
    venv = binder_venv()
    python = venv / "bin" / "python"
    # what postBuild writes into the venv is checked below: none of it is left from a run before
    settings = venv / "etc" / "ipython" / "ipython_kernel_config.py"
    labconfig = venv / "etc" / "jupyter" / "labconfig" / "page_config.json"
    settings.unlink(missing_ok=True)
    labconfig.unlink(missing_ok=True)
    # postBuild bundles agent/ where it runs: in a copy of its sources, not in this checkout, whose node_modules the
    # browser tests running beside this one read (npm ci empties it first). It runs while the notebooks do: they
    # need the venv's settings it writes (checked first) but not its bundle (they use this checkout's)
    image = tmp_path / "image"
    shutil.copytree(ROOT / "agent", image / "agent", ignore=shutil.ignore_patterns("node_modules", "dist"))
    post_build = subprocess.Popen([str(ROOT / "binder" / "postBuild")], cwd=image, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env={**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"})
    try:
        wait_until(lambda: settings.exists() and labconfig.exists() or post_build.poll() is not None, 120,
                   "postBuild's settings (or its end)")
        assert settings.exists(), f"postBuild wrote no kernel settings (exit status {post_build.poll()})"
        assert settings.read_text().endswith('extensions = ["trkit.hints"]\n')
        page_config = json.loads(labconfig.read_text())
        assert page_config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True  # no news prompt
        _run_notebooks_twice(python, tmp_path, venv.parent / f"{venv.name}-bytecode")
    finally:
        _, errors = post_build.communicate(timeout=300)
    assert post_build.returncode == 0, errors[-2000:]
    assert (image / "agent" / "dist" / "taskrouter.js").stat().st_size > 100_000  # the worker SDK, bundled


def binder_venv() -> Path:
    """A venv built from binder/requirements.txt alone, plus the two tools that run the notebooks here.

    Built once for each content of the files it comes from (and this Python and checkout), under .ci-tmp, and
    used again while they are unchanged, as tox keeps an environment until its requirements change: on a
    fresh machine it is built in the run. A venv whose build did not finish is built anew."""
    pins = [line.split()[0] for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if line.startswith(("pytest==", "nbval=="))]
    assert len(pins) == 2, "requirements-dev.txt pins pytest and nbval"
    key = hashlib.sha256("\n".join([sys.version, str(ROOT), *pins, *(
        (ROOT / name).read_text() for name in ("binder/requirements.txt", "requirements.txt", "pyproject.toml"))]).encode()).hexdigest()[:16]
    cache = ROOT / ".ci-tmp"
    venv = cache / f"binder-venv-{key}"
    built = venv / "trkit-binder-venv-built"
    if built.exists():
        return venv
    for old in cache.glob("binder-venv-*"):  # another content's venv and bytecode, or an unfinished build
        shutil.rmtree(old)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # what is installed is the question, not its bytecode: --no-compile halves the install (40 s to 18 s here)
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
                              "-r", "binder/requirements.txt"],
                             cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    # Binder has no test tools: the two that run the notebooks here come from requirements-dev.txt's pins
    tools = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert tools.returncode == 0, tools.stderr[-3000:]
    built.write_text(key + "\n")
    return venv


def _run_notebooks_twice(python: Path, tmp_path: Path, bytecode: Path) -> None:
    # the venv was installed without bytecode (--no-compile), and a machine may forbid writing it
    # (PYTHONDONTWRITEBYTECODE): then all 22 kernels would compile pandas and the rest from source again, which
    # doubles each pass (47 s to 23 s here). The bytecode goes beside the venv, written by the first kernel to
    # import a module, and kept while the venv is
    env = {**os.environ, "TRKIT_HOME": str(tmp_path / "home"), "PYTHONPYCACHEPREFIX": str(bytecode)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("TWILIO_AUTH_TOKEN", None)
    try:
        for run_number, state in enumerate(("a fresh mock", "the state the first run left"), start=1):
            run = subprocess.run([str(python), "-m", "pytest", "notebooks", "-p", "no:cacheprovider", f"--basetemp={tmp_path / f'nb{run_number}'}"],
                                 cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
            assert run.returncode == 0, f"run {run_number}, on {state}:\n" + run.stdout[-4000:] + run.stderr[-1000:]
            cells = int(run.stdout.rsplit(" passed", 1)[0].rsplit(" ", 1)[-1])
            assert cells >= 100, f"run {run_number} ran only {cells} cells"  # every notebook's cells, not a collection slip
    finally:
        subprocess.run([str(python), "-m", "trkit", "mock", "stop"], env=env, cwd=ROOT, capture_output=True, timeout=60)
