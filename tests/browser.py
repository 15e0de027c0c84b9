"""Starting JupyterLab or Voilà from the project's files and driving Debian's Chromium with Playwright."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from trkit.__main__ import NO_POP_UPS
from trkit.environment import NEWS_PROMPT

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("TRKIT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


# In CI a missing browser is a failure (./run tests installs it there); on a laptop without one the tests skip, saying why.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
needs_chromium = pytest.mark.skipif(chromium_path() is None and not IN_CI,
                                    reason="no Chromium found (install Debian's chromium: ./run tests does it as root)")


@contextlib.contextmanager
def chromium_browser():
    """Debian's Chromium driven by Playwright, closed at the end: for several pages in turn (see :func:`page_of`)."""
    import playwright.sync_api as playwright_api  # a requirement: its absence is a set-up failure

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def page_of(browser, width: int = 1280, height: int = 1000):
    """A page of its own in ``browser``: a fresh context (no cookie, storage or cache of another page's), closed at the end."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


@contextlib.contextmanager
def chromium_page(width: int = 1280, height: int = 1000):
    """A page in a Chromium of its own, closed with its browser at the end."""
    with chromium_browser() as browser, page_of(browser, width, height) as page:
        yield page


def copy_solved(name: str, directory: Path) -> Path:
    """``notebooks/<name>`` with its exercises solved (as CI's nbval runs it), written into ``directory``."""
    import nbformat

    from trkit.exercises.notebooks import solved

    notebook = solved(nbformat.read(ROOT / "notebooks" / name, as_version=4), ROOT / "notebooks")
    nbformat.write(notebook, directory / name)
    return directory / name


@contextlib.contextmanager
def notebook_in_lab(tmp_path: Path, env: dict, name: str):
    """A copy of ``notebooks/<name>`` opened in a fresh JupyterLab in Chromium, its kernel idle: the page."""
    from test_browser import open_in_lab

    copy_solved(name, tmp_path)
    server = start_lab(tmp_path, env)
    try:
        with chromium_page() as page:
            open_in_lab(page, server, name)
            yield page
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A JupyterLab or Voilà server on loopback, stopped with its kernels at the end."""

    def __init__(self, command: list[str], url: str, ready_path: str | None, env: dict, cwd: Path) -> None:
        self.url = url
        self.root = cwd  # the folder it serves
        self.log = Path(env["TRKIT_HOME"]).parent / "server.log"
        self._log_file = open(self.log, "w")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if ready_path is None:
                    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
                        return
                elif requests.get(url + ready_path, timeout=2).status_code == 200:
                    return
            except (OSError, requests.RequestException):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server never became ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log_file.close()


def jupyter_env(tmp: Path) -> dict:
    """Everything Jupyter writes goes under ``tmp/.state``, out of the served folder."""
    state = tmp / ".state"
    labconfig = state / "jupyter-config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    # the "get notified about Jupyter news?" toast would cover part of the page
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": {NEWS_PROMPT: True}}))
    tmp = state
    env = {**os.environ}
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("TWILIO_AUTH_TOKEN", None)
    env.update({
        "TRKIT_HOME": str(tmp / "trkit-home"),
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    return env


def stop_mock(env: dict) -> None:
    """Stop the shared mock the kernels started under this environment's TRKIT_HOME."""
    subprocess.run([sys.executable, "-m", "trkit", "mock", "stop"], env=env, capture_output=True, timeout=60)


def start_lab(root: Path, env: dict, base_url: str = "/") -> Served:
    """JupyterLab on loopback; ``base_url`` as a hub's single-user server has it (``/user/<name>/``)."""
    port = free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}", f"--ServerApp.base_url={base_url}",
               *NO_POP_UPS, "--expose-app-in-browser"]  # the learner's JupyterLab has none either
    if os.geteuid() == 0:
        command.append("--allow-root")
    return Served(command, f"http://127.0.0.1:{port}{base_url.rstrip('/')}", "/api/status", env, root)


def start_voila(notebook: Path, env: dict) -> Served:
    port = free_port()
    command = [sys.executable, "-m", "voila", str(notebook.name), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    # a GET of the page would render the notebook in a kernel: wait for the port instead
    return Served(command, f"http://127.0.0.1:{port}", None, env, notebook.parent)


def watch_for_trouble(page) -> list[str]:
    """Every console error, uncaught exception, failed request and HTTP error the page meets from now on."""
    trouble: list[str] = []
    page.on("console", lambda message: trouble.append(f"console error: {message.text} ({message.location.get('url')})")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: trouble.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: None if _left_behind(request)
            else trouble.append(f"request failed: {request.url} ({request.failure})"))
    page.on("response", lambda response: trouble.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    return trouble


def _left_behind(request) -> bool:
    """A request the browser cancelled (ERR_ABORTED): its frame went or moved on, as when the learner switches
    the board's section away from a picture while the picture's page is asking for its source. Nobody is left to
    want the answer; a request that could not be made or was refused is a failure (and Chromium logs it too)."""
    return request.failure == "net::ERR_ABORTED"


def run_all_cells(page) -> None:
    """Run the open notebook's cells in JupyterLab, returning once they ran (or one failed and the rest were not run)."""
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def run_cells_through(page, last: int) -> None:
    """Run the open notebook's cells from the first through cell ``last`` (all of them when it is the last one),
    returning once they ran."""
    page.evaluate("""async (last) => { const panel = window.jupyterapp.shell.currentWidget;
        if (last + 1 >= panel.content.widgets.length) {
            await window.jupyterapp.commands.execute('notebook:run-all-cells');
            return;
        }
        panel.content.activeCellIndex = last + 1;
        await window.jupyterapp.commands.execute('notebook:run-all-above'); }""", last)


def restart_kernel(page) -> None:
    page.evaluate("""async () => { const context = window.jupyterapp.shell.currentWidget.sessionContext;
        await context.restartKernel(); }""")
    page.wait_for_function("""() => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        return k && k.status === 'idle'; }""", timeout=60_000)
