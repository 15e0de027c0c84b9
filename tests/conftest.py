from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import CallbackListener, build_tutorial_workspace  # noqa: E402
from parameter_evidence import EvidenceLog, write  # noqa: E402

from trkit.mock import DEFAULT_ACCOUNT_SID, MockServer  # noqa: E402
from trkit.mock.client import mock_client  # noqa: E402

EVIDENCE = EvidenceLog()
EVIDENCE.connect()


def pytest_addoption(parser):
    parser.addoption("--mock-url", default=os.environ.get("TRKIT_TEST_MOCK_URL"),
                     help="run the HTTP tests against an already running `python -m trkit.mock` at this URL "
                          "(its token in TRKIT_MOCK_AUTH_TOKEN)")


# These modules run twice: with the mock in a thread of the test process, and as its own
# `python -m trkit.mock` process reached only over HTTP.
BOTH_WAYS = {"test_lifecycle", "test_conformance", "test_voice_http", "test_callback_chains"}


def pytest_generate_tests(metafunc):
    if "mock_mode" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_WAYS \
            and not metafunc.config.getoption("--mock-url"):
        metafunc.parametrize("mock_mode", ["thread", "process"])


@pytest.fixture(autouse=True)
def fresh_expression_cache():
    """Each test compiles its expressions itself (the cache would otherwise carry results from earlier tests, and
    from before a change under mutation testing; a record's parsed attributes go with the record)."""
    from trkit.language import expressions

    expressions.compile_expression.cache_clear()


@pytest.fixture
def trkit_home(tmp_path, monkeypatch):
    """A private home for the shared mock and no Twilio credentials: the kit as a learner's first run sees it."""
    from trkit import backend as kit_module
    from trkit.shared_mock import stop_shared_mock

    home = tmp_path / "home"
    monkeypatch.setenv("TRKIT_HOME", str(home))
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TRKIT_BACKEND", "TRKIT_BROWSER_PROXY", "JUPYTERHUB_SERVICE_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name in ("TRKIT_ACCOUNT_SID", "TRKIT_AUTH_TOKEN"):  # connect() sets them: gone again after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    yield home
    if kit_module._current is not None:
        kit_module._current.close()
        kit_module._current = None
    stop_shared_mock(home)


@pytest.fixture
def kit(trkit_home):
    from trkit.backend import connect

    return connect()


@pytest.fixture
def mock_mode() -> str:
    return "thread"


@pytest.fixture(scope="session")
def mock_process(tmp_path_factory):
    """One `python -m trkit.mock` process for the session (each test resets it)."""
    from trkit.mock.server import DEFAULT_ACCOUNT_SID, new_auth_token

    account_sid, auth_token = DEFAULT_ACCOUNT_SID, new_auth_token()
    db = tmp_path_factory.mktemp("mock-process") / "state.sqlite3"
    env = {**os.environ, "TWILIO_ACCOUNT_SID": account_sid, "TWILIO_AUTH_TOKEN": auth_token}
    proc = subprocess.Popen([sys.executable, "-m", "trkit.mock", "--port", "0", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    match = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline())
    assert match, "the mock process did not start"
    yield match.group(1), account_sid, auth_token
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


@pytest.fixture
def mock(request, mock_mode):
    """A fresh mock: in-process (thread), or the separate process over HTTP (reset first)."""
    url = request.config.getoption("--mock-url")
    if url:
        yield RemoteMock(url, os.environ.get("TRKIT_MOCK_ACCOUNT_SID", DEFAULT_ACCOUNT_SID), os.environ["TRKIT_MOCK_AUTH_TOKEN"])
        return
    if mock_mode == "process":
        yield RemoteMock(*request.getfixturevalue("mock_process"))
        return
    with MockServer() as server:
        yield server


class RemoteMock:
    """The same surface as MockServer for a mock running in another process."""

    def __init__(self, url: str, account_sid: str, auth_token: str) -> None:
        self.base_url = url.rstrip("/")
        self.account_sid, self.auth_token = account_sid, auth_token
        self.engine = None
        import requests

        requests.post(self.base_url + "/mock/reset", auth=(self.account_sid, self.auth_token), timeout=10).raise_for_status()

    def client(self):
        return mock_client(self.base_url, self.account_sid, self.auth_token)

    def control(self):
        from trkit.mock.client import MockControl

        return MockControl(self.base_url, self.account_sid, self.auth_token)


@pytest.fixture
def client(mock):
    return mock.client()


@pytest.fixture
def listener():
    server = CallbackListener()
    yield server
    server.stop()


@pytest.fixture
def tutorial(client, listener):
    return build_tutorial_workspace(client, callback_url=listener.url("/assignment"))


@pytest.fixture
def advance(mock):
    """Move the mock's clock forward (over HTTP, as a learner would)."""
    import requests

    def go(seconds: float) -> dict:
        response = requests.post(mock.base_url + "/mock/clock", data={"Advance": str(seconds)},
                                 auth=(mock.account_sid, mock.auth_token), timeout=30)
        response.raise_for_status()
        return response.json()

    return go


def pytest_configure(config):
    """Under pytest-xdist each worker gets its own home, so its own shared mock (the notebooks' kernels start it
    there): two workers never reset or tighten each other's mock. Ports are chosen free by each server already."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("TRKIT_HOME") and not os.environ["TRKIT_HOME"].endswith(f"-{worker}"):
        os.environ["TRKIT_HOME"] = f"{os.environ['TRKIT_HOME']}-{worker}"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller gathers each worker's parameter evidence (see pytest_sessionfinish)."""
    output = getattr(node, "workeroutput", {})
    if "evidence" in output:
        EVIDENCE.merge(output["evidence"])


# The longest test starts first, so that no worker is left with it at the end while the others idle (pytest-xdist
# hands out tests in collection order): Binder's venv and its two nbval passes take minutes alone. Only that one:
# the browser tests started together would slow one another past their waits.
START_FIRST = ["tests/test_binder.py"]


def start_first_rank(item) -> int:
    module = item.nodeid.split("::", 1)[0]
    return START_FIRST.index(module) if module in START_FIRST else len(START_FIRST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=start_first_rank)  # stable: each module's tests keep their order
    EVIDENCE.recorded_only = {item.nodeid for item in items if item.get_closest_marker("recorded_only")}
    EVIDENCE.random = {item.nodeid for item in items if getattr(getattr(item, "obj", None), "is_hypothesis_test", False)}


BUILT_ONCE = {"tests/test_site.py"}  # modules whose tests share one build (a module-scoped fixture)
# tests that compute the same thing, kept in the process by what they call: on one worker it is computed once (the
# fewest-agents exercise simulates notebook 10's staffing curve; trkit.mock.simulation keeps the days it simulated)
SHARED_WORK = {"tests/test_exercises.py": "[fewest-agents"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist spreads the tests one by one over its workers, except a notebook's cells (they run in order,
    in one kernel), the tests of a module that builds something once for all of them (the static site) and tests
    that compute the same thing (SHARED_WORK): each such group goes to one worker together."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the collection's order (START_FIRST), not the largest group first

    class OneByOneButNotebooksWhole(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            notebook, _, cell = nodeid.rpartition("::")
            if notebook.endswith(".ipynb") and cell.startswith("Cell "):
                return notebook
            module = nodeid.split("::", 1)[0]
            if module in SHARED_WORK and SHARED_WORK[module] in nodeid:
                return f"{module}::{SHARED_WORK[module]}"
            return module if module in BUILT_ONCE else nodeid

    return OneByOneButNotebooksWhole(config, log)


def pytest_sessionfinish(session, exitstatus):
    """After a full run: the parameter table (docs/coverage.md), and a failure for any parameter of the
    spec that no test showed honoured. A pytest-xdist worker hands its evidence to the controller instead."""
    if hasattr(session.config, "workerinput"):
        session.config.workeroutput["evidence"] = EVIDENCE.as_output()
        return
    options, root = session.config.option, Path(session.config.rootpath)
    whole = {root, root / "tests", root / "notebooks", root / "examples"}  # the testpaths, or the root
    # only a run of every test says what every test showed: not a selection (-k, -m, --deselect), a collection alone
    # (--collect-only), a failed run or one of some paths
    if options.keyword or options.markexpr or options.deselect or options.collectonly or exitstatus != 0 \
            or not all(Path(arg.split("::")[0]).resolve() in whole for arg in session.config.args):
        return
    missing, changed = write(EVIDENCE)
    stale = changed if os.environ.get("CI") == "true" else []
    if missing or stale:
        session.config._parameter_gaps = (missing, stale)  # reported by pytest_terminal_summary
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say how the tests that run both ways did in each: in-process and over HTTP."""
    tally: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            mode = next((m for m in ("thread", "process") if f"[{m}" in report.nodeid or f"-{m}]" in report.nodeid), None)
            if mode is None or (outcome == "passed" and report.when != "call"):
                continue
            counts = tally.setdefault(mode, {})
            counts[outcome] = counts.get(outcome, 0) + 1
    fuzz_figures(terminalreporter)
    gaps = getattr(config, "_parameter_gaps", None)
    if gaps:
        missing, stale = gaps
        terminalreporter.section("parameter table (docs/coverage.md)")
        if missing:
            terminalreporter.write_line(f"{len(missing)} parameters of Twilio's spec have no test showing them honoured: " + "; ".join(missing))
        if stale:
            terminalreporter.write_line("the parameter table changed with this run: commit the regenerated docs/coverage.md")
            for row in stale:
                terminalreporter.write_line(f"  {row}")
    if tally:
        terminalreporter.section("mock reached both ways")
        names = {"thread": "in-process (thread)", "process": "over HTTP (python -m trkit.mock)"}
        for mode in ("thread", "process"):
            counts = tally.get(mode, {})
            terminalreporter.write_line(f"{names[mode]}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))


def fuzz_figures(terminalreporter) -> None:
    """The fuzz run's figures, when it ran in this session (tests/test_fuzz.py writes them)."""
    ran = [r for outcome in ("passed", "failed") for r in terminalreporter.stats.get(outcome, [])
           if "test_fuzz.py" in getattr(r, "nodeid", "") and r.when == "call"]
    path = Path(os.environ.get("TRKIT_FUZZ_FIGURES", Path(__file__).resolve().parent.parent / ".ci-tmp" / "fuzz-figures.json"))
    if not ran or not path.exists():
        return
    import json

    figures = json.loads(path.read_text())
    terminalreporter.section("fuzzing from Twilio's spec (schemathesis)")
    terminalreporter.write_line(
        f"seed {figures['seed']}, {figures['examples']} examples per operation: {figures['requests']} requests, "
        f"{figures['operations_with_2xx']} operations answered with a 2xx, statuses {figures['statuses']}")
    failures = figures["failures"]
    terminalreporter.write_line(f"server errors: {figures['server_errors']}; failed checks: "
                                + (", ".join(f"{name} {n}" for name, n in failures.items()) if failures else "none")
                                + f"; callbacks kept on loopback: {figures['callbacks_received']}")


@pytest.fixture
def lab_env(tmp_path):
    """The environment of a JupyterLab or Voilà under test (Jupyter's and the kit's state in ``tmp_path``);
    the shared mock its kernels start is stopped at teardown, whether the test passed or not."""
    from browser import jupyter_env, stop_mock

    env = jupyter_env(tmp_path)
    yield env
    stop_mock(env)


@pytest.fixture(scope="module")
def browser():
    """One Debian Chromium for a module's browser tests (a launch costs about a second); each test takes a page in a
    context of its own (``browser.page_of``). Not for the whole session: Playwright's sync API keeps an event loop
    of its own in the thread, which other modules' asyncio code must not meet."""
    from browser import chromium_browser

    with chromium_browser() as started:
        yield started


@pytest.fixture
def page(browser):
    """A page in the module's Chromium, in a fresh context: 1280 × 1000 (a module may ask for another size by
    defining its own ``page``)."""
    from browser import page_of

    with page_of(browser) as fresh:
        yield fresh
