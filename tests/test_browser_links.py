"""On Binder or any JupyterHub the learner's browser reaches only the Jupyter server: the kit's pages and
the mock's event bridge are linked through jupyter-server-proxy's ``{base}proxy/PORT/path``."""

from __future__ import annotations

import importlib.util
import re

import pytest

from trkit.browser_links import for_browser
from trkit.errors import KitError

PAGE = "http://127.0.0.1:8765/agents/abc?v=2"


@pytest.fixture
def laptop(monkeypatch):
    monkeypatch.delenv("TRKIT_BROWSER_PROXY", raising=False)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    return monkeypatch


def test_on_a_laptop_the_browser_uses_the_loopback_address_itself(laptop):
    assert for_browser(PAGE) == PAGE


def test_under_a_hub_the_address_goes_through_the_servers_proxy(laptop):
    laptop.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    assert for_browser(PAGE) == "/user/ada/proxy/8765/agents/abc?v=2"
    assert for_browser("http://localhost:9000/v1/wschannels") == "/user/ada/proxy/9000/v1/wschannels"
    assert for_browser("https://abc.ngrok.app/agents/x") == "https://abc.ngrok.app/agents/x"  # public already


def test_the_switch_turns_it_off_on_or_names_the_servers_base(laptop):
    laptop.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    laptop.setenv("TRKIT_BROWSER_PROXY", "off")
    assert for_browser(PAGE) == PAGE
    laptop.delenv("JUPYTERHUB_SERVICE_PREFIX")
    laptop.setenv("TRKIT_BROWSER_PROXY", "on")
    assert for_browser(PAGE) == "/proxy/8765/agents/abc?v=2"
    laptop.setenv("TRKIT_BROWSER_PROXY", "/lab/base")
    assert for_browser(PAGE) == "/lab/base/proxy/8765/agents/abc?v=2"
    laptop.setenv("TRKIT_BROWSER_PROXY", "sometimes")
    with pytest.raises(KitError, match="TRKIT_BROWSER_PROXY='sometimes' is not a choice"):
        for_browser(PAGE)


def test_without_jupyter_server_proxy_a_hub_gets_the_fix_not_a_dead_link(laptop):
    laptop.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    real = importlib.util.find_spec
    laptop.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyter_server_proxy" else real(name, *a))
    with pytest.raises(KitError, match="pip install jupyter-server-proxy"):
        for_browser(PAGE)


def test_the_agent_page_and_the_dashboards_graph_are_linked_through_the_proxy(kit, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    tutorial = kit.tutorial()
    frame = kit.agent_page("a.b.c")
    callback_port = kit.callbacks.base_url.rsplit(":", 1)[1]
    mock_port = kit.mock_url.rsplit(":", 1)[1]
    assert re.fullmatch(rf"/user/ada/proxy/{callback_port}/agents/[0-9a-f]{{16}}", frame.url)
    page = kit.callbacks.pages[frame.url.rsplit("/", 1)[1]]
    bridge = f"/user/ada/proxy/{mock_port}/v1/wschannels"
    assert f'"ebServer": "{bridge}", "wsServer": "{bridge}"' in page
    assert '<script src="sdk.js">' in page  # beside the page, proxied or not
    board = kit.dashboard()
    try:
        board.close()
        tutorial.create_task("es")
        board.refresh()
        assert f"src='/user/ada/proxy/{callback_port}/pictures/" in board.graph_html.value
    finally:
        board.close()
