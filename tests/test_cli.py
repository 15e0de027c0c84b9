"""The kit's command line: the terminal tour and the "open the kit" command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path) -> dict:
    env = {**os.environ, "TRKIT_HOME": str(tmp_path / "home"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("TWILIO_AUTH_TOKEN", None)
    return env


def test_tour_prints_every_stage(tmp_path):
    env = _env(tmp_path)
    try:
        result = subprocess.run([sys.executable, "-m", "trkit", "tour"], capture_output=True, text=True, env=env, timeout=180, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        for stage in ("pending", "ReservationSid", "TaskAttributes", "assigned", "Busy", "completed", "valid signature",
                      '{"instruction": "accept"}'):
            assert stage in out, stage
        assert out.index("1. Alice is Offline") < out.index("2. Bring Alice") < out.index("3. Accept") < out.index("4. Accept by instruction")
    finally:
        subprocess.run([sys.executable, "-m", "trkit", "mock", "stop"], env=env, capture_output=True, timeout=60)


def test_lab_command_starts_the_mock_and_jupyterlab(tmp_path):
    env = _env(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "trkit", "lab", "--no-browser", "--port", str(port),
                             "--ServerApp.token=", "--ServerApp.ip=127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status = requests.get(f"http://127.0.0.1:{port}/api/contents/01_create_a_task.ipynb?content=0", timeout=2)
                if status.ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        assert status is not None and status.ok, "JupyterLab did not serve the notebooks"
        assert (tmp_path / "home" / "mock.json").exists(), "the shared mock was not started"
        # the terminal closes (or someone kills the command): JupyterLab must not outlive it
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=60)
        assert not _answers(port), "JupyterLab outlived `trkit lab`"
        assert "The bundled mock keeps running" in proc.stdout.read()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        subprocess.run([sys.executable, "-m", "trkit", "mock", "stop"], env=env, capture_output=True, timeout=60)


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_on_lab_waits_for_jupyterlab_and_says_the_mock_keeps_running(monkeypatch, capsys):
    import trkit.__main__ as cli

    class Lab:  # JupyterLab receiving the same Ctrl-C: it shuts down, then exits
        def __init__(self, command):
            self.interrupted = False

        def wait(self):
            if not self.interrupted:
                self.interrupted = True
                raise KeyboardInterrupt
            return 0

    monkeypatch.setattr(cli.subprocess, "Popen", Lab)
    assert cli.run_until_interrupted(["jupyter-lab"], on_mock=True) == 0
    out = capsys.readouterr().out
    assert "The bundled mock keeps running" in out and "python -m trkit mock stop" in out


def test_the_lab_needs_only_the_kits_requirements_and_opens_on_notebook_00():

    lab = (ROOT / "requirements.txt").read_text()
    for tool in ("pytest", "nbval", "hypothesis", "schemathesis", "mutmut", "playwright", "ruff"):
        assert f"\n{tool}==" not in lab, f"{tool} is a test tool: it belongs in requirements-dev.txt"
    # each includes the one before: the lab's, then the site's (Sphinx), then the test tools
    assert "-r requirements.txt" in (ROOT / "requirements-site.txt").read_text()
    assert "-r requirements-site.txt" in (ROOT / "requirements-dev.txt").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "./run lab --no-browser" in readme and "--port" in readme


def test_the_lab_opens_on_the_notebook_named_as_the_site_tells_a_reader():
    """Each page of the site says `./run lab notebooks/NN_….ipynb`: that notebook is the one JupyterLab opens; its
    number alone does too; a name that is no lesson is refused in one line listing them, before anything starts."""
    from trkit.__main__ import lab_command, notebook_to_open

    notebooks = ROOT / "notebooks"
    assert notebook_to_open(None, notebooks) == "00_setup_workspace.ipynb"
    assert notebook_to_open("notebooks/05_receive_a_call.ipynb", notebooks) == "05_receive_a_call.ipynb"
    assert notebook_to_open("07", notebooks) == "07_dequeue_to_alice.ipynb"
    assert "--LabApp.default_url=/lab/tree/07_dequeue_to_alice.ipynb" in lab_command(notebooks, 8888, "07_dequeue_to_alice.ipynb")
    with pytest.raises(SystemExit) as refused:
        notebook_to_open("notebooks/5_receive.ipynb", notebooks)
    assert str(refused.value).startswith("no lesson notebook 'notebooks/5_receive.ipynb': choose one of 00_setup_workspace.ipynb, ")
    assert "10_how_many_agents.ipynb" in str(refused.value)


def test_the_learners_jupyterlab_opens_on_notebook_00_without_news(tmp_path):
    """What `./run lab` starts: `/` (where the browser is sent) leads to notebook 00, not the Launcher, the
    page tells JupyterLab not to fetch news, and the terminal shows no warning."""
    import json
    import re

    from browser import Served, free_port, jupyter_env

    from trkit.__main__ import lab_command

    port = free_port()
    command = lab_command(ROOT / "notebooks", port) + ["--no-browser", "--ip=127.0.0.1", "--IdentityProvider.token=",
                                                       "--PasswordIdentityProvider.hashed_password="]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = Served(command, f"http://127.0.0.1:{port}", "/api/status", jupyter_env(tmp_path), tmp_path)
    try:
        landing = requests.get(server.url + "/", allow_redirects=False, timeout=10)
        assert landing.status_code in (301, 302) and landing.headers["Location"].rstrip("?").endswith("/lab/tree/00_setup_workspace.ipynb")
        page = requests.get(server.url + "/lab/tree/00_setup_workspace.ipynb", timeout=10).text
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1))
        assert config["news"] == {"disabled": True}
    finally:
        server.stop()
    assert "Warning" not in server.log.read_text(), server.log.read_text()  # nothing the learner can act on


def test_set_up_disables_jupyterlabs_news_prompt_and_keeps_the_rest_of_the_page_config(tmp_path):
    import json

    from trkit.environment import install

    config = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"disabledExtensions": {"some-plugin": True}, "other": 1}))
    written = install(str(tmp_path))
    assert str(config) in written and (tmp_path / "etc" / "ipython" / "ipython_kernel_config.py").exists()
    assert json.loads(config.read_text()) == {
        "disabledExtensions": {"some-plugin": True, "@jupyterlab/apputils-extension:announcements": True}, "other": 1}


def test_set_up_gives_voila_the_kits_template_and_leaves_out_the_proxy_extension_keeping_the_rest(tmp_path):
    """Voilà's lab template links Font Awesome on a CDN (two failed requests offline) and Voilà loads
    jupyter-server-proxy's extension, which fails without JupyterLab's file browser: set-up fixes both."""
    import json

    from trkit.environment import install

    config = tmp_path / "etc" / "jupyter" / "voila.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"VoilaConfiguration": {"extension_denylist": ["other-ext"], "show_tracebacks": True}}))
    install(str(tmp_path))
    install(str(tmp_path))  # twice: nothing doubles
    assert json.loads(config.read_text()) == {"VoilaConfiguration": {
        "extension_denylist": ["other-ext", "@jupyterhub/jupyter-server-proxy"], "show_tracebacks": True, "template": "trkit"}}
    template = tmp_path / "share" / "jupyter" / "voila" / "templates" / "trkit"
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}
    assert "fontawesome-free@^5/css/all.min.css" in (template / "index.html.j2").read_text()  # the link it removes
