"""Alice's agent page in a real browser (Debian's Chromium): the official worker SDK (npm twilio-taskrouter,
unmodified) against the mock's event bridge, with a token minted by the twilio library."""

from __future__ import annotations

import pytest
from browser import IN_CI, ROOT, needs_chromium, page_of
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import TaskRouterGrant

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.skipif(not (ROOT / "agent" / "node_modules" / "twilio-taskrouter").exists() and not IN_CI,
                       reason="the worker SDK is not installed (npm ci --prefix agent)"),
]
ARTIFACTS = ROOT / ".ci-tmp" / "screenshots"


@pytest.fixture
def page(browser):
    with page_of(browser, 1000, 800) as page:
        yield page


def mint(kit, tutorial, worker: str = "Alice", ttl: int = 3600, secret: str | None = None) -> str:
    key = kit.client.new_keys.create(friendly_name=f"{worker}'s page")
    token = AccessToken(kit.account_sid, key.sid, secret or key.secret, identity=worker.lower(), ttl=ttl)
    token.add_grant(TaskRouterGrant(workspace_sid=tutorial.workspace_sid, worker_sid=tutorial.workers[worker], role="worker"))
    return token.to_jwt()


def test_alices_page_runs_the_official_sdk_against_the_mock(kit, page):
    tutorial = kit.tutorial()
    frame = kit.agent_page(mint(kit, tutorial))
    try:
        page.goto(frame.url)
        page.wait_for_function("() => document.getElementById('name').textContent === 'Alice'", timeout=20_000)
        assert page.locator("#activity").text_content() == "Offline"
        # a button for each activity a worker picks; none for those TaskRouter sets when it reserves and assigns
        # (the quickstart's queues: reservation activity Reserved, assignment activity Busy)
        every = sorted("Go " + a.friendly_name for a in tutorial.workspace.activities.list())
        assert sorted(page.locator(".trkit-go").all_text_contents()) == [b for b in every if b not in ("Go Busy", "Go Reserved")]
        assert page.locator(".trkit-go-offline").is_disabled()  # she is Offline already
        page.locator(".trkit-go-idle").click()  # from the page: the worker changes over REST
        kit.wait_for(lambda: tutorial.workspace.workers(tutorial.workers["Alice"]).fetch().activity_name == "Idle", timeout=10)
        task = tutorial.create_task("es")  # from Python: the reservation is pushed to the page, within a second
        page.locator(".trkit-reservation").wait_for(timeout=1_000)
        page.locator(".trkit-page-accept").click()
        kit.wait_for(lambda: tutorial.workspace.tasks(task.sid).fetch().assignment_status == "assigned", timeout=10)
        page.locator(".trkit-reservation-status", has_text="accepted").wait_for(timeout=5_000)
        assert page.locator(".trkit-page-accept, .trkit-page-reject").count() == 0  # answered: nothing left to press
        tutorial.set_activity("Alice", "Offline")  # by REST: the page follows
        page.wait_for_function("() => document.getElementById('activity').textContent === 'Offline'", timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "agent-page.png"), full_page=True)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "agent-page-failure.png"), full_page=True)
        print(page.locator("#log").input_value())
        raise


def test_a_forged_or_expired_token_is_refused_on_the_page(kit, page):
    tutorial = kit.tutorial()
    forged = kit.agent_page(mint(kit, tutorial, secret="x" * 40))
    page.goto(forged.url)
    page.locator(".trkit-agent-error").filter(has_text="signature").wait_for(timeout=20_000)
    expired = mint(kit, tutorial, ttl=30)
    kit.advance(31)
    page.goto(kit.agent_page(expired).url)
    page.locator(".trkit-agent-error").filter(has_text="expired").wait_for(timeout=20_000)


@pytest.mark.parametrize("where", ["laptop", "hub"])
def test_the_page_in_jupyterlabs_notebook_output_and_in_its_own_tab(tmp_path, page, where, lab_env):
    """On a hub (Binder) the browser may reach only the Jupyter server: the page, its SDK and the event
    bridge's two channels all go through jupyter-server-proxy under the server's base URL."""
    from urllib.parse import urlsplit

    from browser import copy_solved, start_lab
    from test_browser import open_in_lab, shared_mock_client

    name = "08_agent_page.ipynb"
    copy_solved(name, tmp_path)
    env = lab_env
    base_url = "/"
    if where == "hub":
        base_url = "/user/learner/"
        env["JUPYTERHUB_SERVICE_PREFIX"] = base_url  # as a hub's single-user server gives its kernels
    server = start_lab(tmp_path, env, base_url)
    asked = []  # every address the browser asks for, the WebSockets included
    page.context.on("request", lambda request: asked.append(request.url))
    page.on("websocket", lambda socket: asked.append(socket.url))
    try:
        open_in_lab(page, server, name)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        agent = page.frame_locator(".jp-OutputArea iframe")
        agent.locator("#name", has_text="Alice").wait_for(timeout=60_000)
        # the notebook goes on: Alice Idle by REST, a task, accepted — all pushed to the page in the output
        agent.locator(".trkit-reservation-status", has_text="accepted").wait_for(timeout=30_000)
        assert agent.locator("#activity").text_content() in ("Reserved", "Busy")
        url = page.evaluate("() => document.querySelector('.jp-OutputArea iframe').src")
        tab = page.context.browser.new_page()
        tab.goto(url)  # the same page in a tab of its own: a second session for Alice
        tab.locator("#name", has_text="Alice").wait_for(timeout=20_000)
        assert tab.locator("#activity").text_content() == "Busy"
        page.screenshot(path=str(ARTIFACTS / f"jupyterlab-agent-page-{where}.png"), full_page=True)
        if where == "hub":
            lab = urlsplit(server.url)
            assert urlsplit(url).path.startswith(f"{base_url}proxy/")
            over_network = [a for a in asked if urlsplit(a).scheme in ("http", "https", "ws", "wss")]  # not data: or blob:
            elsewhere = {a for a in over_network if urlsplit(a).port != lab.port or not urlsplit(a).path.startswith(base_url)}
            assert not elsewhere, f"the browser asked beside the Jupyter server: {sorted(elsewhere)[:5]}"
            assert any("/v1/wschannels" in a and a.startswith("ws") for a in asked)  # the event bridge's socket, proxied
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"jupyterlab-agent-page-{where}-failure.png"), full_page=True)
        raise
    finally:
        server.stop()
    client = shared_mock_client(env)
    (workspace,) = client.taskrouter.v1.workspaces.list(friendly_name="trkit TaskRouter Quickstart")
    (task,) = client.taskrouter.v1.workspaces(workspace.sid).tasks.list()
    assert task.assignment_status == "assigned"


def test_a_call_is_dequeued_to_alice_from_her_page(kit, page):
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_phone_kit import set_the_scene

    from trkit.phone import ALICE_PHONE

    tutorial, wrap_up = set_the_scene(kit)
    tutorial.workspace.workflows(tutorial.workflow_sid).update(assignment_callback_url="")  # the page decides, not a handler
    page.goto(kit.agent_page(mint(kit, tutorial), post_work_activity_sid=wrap_up).url)
    page.wait_for_function("() => document.getElementById('name').textContent === 'Alice'", timeout=20_000)
    call = kit.phone.call()
    kit.phone.press(call.sid, "1")
    page.locator(".trkit-go-idle").click()
    page.locator(".trkit-reservation", has_text="a call from +14155550100, language es").wait_for(timeout=5_000)
    page.locator(".trkit-page-dequeue").click()
    kit.wait_for(lambda: kit.client.calls.list(to=ALICE_PHONE, status="ringing"), timeout=10)
    kit.phone.answer(ALICE_PHONE)
    (task,) = tutorial.workspace.tasks.list()
    assert task.assignment_status == "assigned"
    page.locator(".trkit-reservation-status", has_text="accepted").wait_for(timeout=5_000)
    kit.phone.hang_up(call.sid)
    page.wait_for_function("() => document.getElementById('activity').textContent === 'WrapUp'", timeout=10_000)
