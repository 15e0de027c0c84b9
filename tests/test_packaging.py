"""trkit as a package, not a source tree: a wheel built from the project, installed on its own into a
temporary directory, and a temporary project whose tests use the plugin through ``pytest -p trkit.testing``
and through the ``pytest11`` entry point the wheel declares."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROJECT_TEST = '''
import trkit
from twilio.rest import Client


def test_the_plugin_comes_from_the_installed_wheel(taskrouter):
    assert "site" in trkit.__file__ and "{source}" not in trkit.__file__, trkit.__file__
    client = Client("AC" + "c" * 32, "the app's own token")  # any credentials: the mock answers
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Packaged")
    assert [w.friendly_name for w in client.taskrouter.v1.workspaces.list()] == ["Packaged"]
    assert client.taskrouter.v1.workspaces(ws.sid).fetch().default_activity_name == "Offline"  # a new workspace's default


def test_the_shared_fixture_is_reset_between_tests_first(shared_taskrouter):
    shared_taskrouter.client.taskrouter.v1.workspaces.create(friendly_name="Left behind")


def test_the_shared_fixture_is_reset_between_tests_second(shared_taskrouter):
    assert shared_taskrouter.client.taskrouter.v1.workspaces.list() == []
'''


def test_the_plugin_works_from_an_installed_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("trkit-*.whl")
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert "trkit.testing = trkit.testing" in next(site.glob("trkit-*.dist-info")).joinpath("entry_points.txt").read_text()
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_app.py").write_text(textwrap.dedent(PROJECT_TEST).replace("{source}", str(ROOT / "trkit")))
    env = {**os.environ, "PYTHONPATH": str(site), "NO_PROXY": "127.0.0.1,localhost"}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        env.pop(name, None)
    explicit = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "trkit.testing", "-p", "no:cacheprovider",
                               "--rootdir", str(project), str(project)], cwd=project, env=env,
                              capture_output=True, text=True, timeout=600)
    assert explicit.returncode == 0, explicit.stdout[-3000:] + explicit.stderr[-2000:]
    assert "3 passed" in explicit.stdout
    # and without -p: found through the wheel's pytest11 entry point
    automatic = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(project),
                                str(project)], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert automatic.returncode == 0, automatic.stdout[-3000:] + automatic.stderr[-2000:]
