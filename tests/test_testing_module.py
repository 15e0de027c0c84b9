"""trkit.testing without pytest's fixtures: the decorator and context manager, threads, and the patch's end."""

from __future__ import annotations

import subprocess
import sys
import threading

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from trkit import testing
from trkit.testing import mock_taskrouter


@mock_taskrouter()
def make_workspaces_in_threads() -> list[str]:
    names: list[str] = []

    def app_thread(n: int) -> None:  # the app builds its own client, with its own credentials, in its own thread
        client = Client("AC" + "d" * 32, f"token {n}")
        client.taskrouter.v1.workspaces.create(friendly_name=f"From thread {n}")
        names.extend(w.friendly_name for w in client.taskrouter.v1.workspaces.list() if w.friendly_name == f"From thread {n}")

    threads = [threading.Thread(target=app_thread, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(names)


def test_the_decorator_routes_every_client_in_every_thread_to_the_mock():
    unpatched = TwilioHttpClient.request
    assert make_workspaces_in_threads() == ["From thread 0", "From thread 1", "From thread 2"]
    assert TwilioHttpClient.request is unpatched and not testing._unpatched  # nothing stays patched after it


def test_the_plugin_pytest_loads_imports_neither_the_mock_nor_the_twilio_library():
    """Installed, trkit.testing is loaded by every pytest run in the environment: it must cost nothing until used."""
    code = ("import sys, trkit.testing; print(sorted({m.split('.')[0] if not m.startswith('trkit.') else m "
            "for m in sys.modules} & {'twilio', 'requests', 'flask', 'trkit.mock.server', 'trkit.mock.client', 'trkit.mock.engine'}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
    from trkit.testing import MockRefused  # asked for by name: there when needed

    assert MockRefused.__module__ == "trkit.mock.client"


def test_nested_mocks_answer_innermost_first_and_each_is_fresh():
    with mock_taskrouter() as outer:
        outer.client.taskrouter.v1.workspaces.create(friendly_name="Outer")
        with mock_taskrouter() as inner:
            assert inner.client.taskrouter.v1.workspaces.list() == []
        assert [w.friendly_name for w in outer.client.taskrouter.v1.workspaces.list()] == ["Outer"]


def test_the_readmes_voice_switch_reaches_the_mock_under_mock_taskrouter():
    """README: `mock_taskrouter(voice=VoiceSwitches(task_after_bridge="completed"))` for tests that read a
    dequeued task's end another way (the switch's effect itself: tests/rules/test_dequeue.py)."""
    from trkit.mock import VoiceSwitches

    with mock_taskrouter(voice=VoiceSwitches(task_after_bridge="completed")) as mock:
        assert mock.server.engine.voice.task_after_bridge == "completed"
    with mock_taskrouter() as mock:
        assert mock.server.engine.voice.task_after_bridge == "assigned"  # the reference's reading, by default


def test_each_mock_signs_with_a_fresh_random_token_unless_given_one():
    with mock_taskrouter() as first, mock_taskrouter() as second:
        assert len(first.auth_token) == 32 and first.auth_token != second.auth_token
    with mock_taskrouter(auth_token="the-app-test-token") as given:
        assert given.auth_token == "the-app-test-token"


def test_a_fresh_mocks_routes_match_and_build_urls_as_flask_does():
    """Each rule's URL builder is written when first used (a fresh mock per test is cheap): matching and
    url_for still give TaskRouter's paths."""
    from flask import url_for

    with mock_taskrouter() as mock:
        app = mock.server.app
        adapter = app.url_map.bind("localhost")
        endpoint, arguments = adapter.match("/v1/Workspaces/WS1/Tasks/WT2", method="GET")
        assert arguments == {"ws": "WS1", "sid": "WT2"}
        with app.test_request_context():
            assert url_for(endpoint, **arguments) == "/v1/Workspaces/WS1/Tasks/WT2"
            assert url_for(endpoint, extra="x", **arguments) == "/v1/Workspaces/WS1/Tasks/WT2?extra=x"  # the other builder
        assert mock.client.taskrouter.v1.workspaces.list() == []


def test_an_apps_clients_are_answered_by_the_mocks_app_without_a_socket():
    with mock_taskrouter() as mock:
        app_client = Client("AC" + "d" * 32, "the app's token")
        app_client.taskrouter.v1.workspaces.create(friendly_name="Handed over")
        assert [w.friendly_name for w in app_client.taskrouter.v1.workspaces.list()] == ["Handed over"]
        assert app_client.http_client._test_only_last_response.status_code == 200  # the library's bookkeeping
        assert mock.server._server.open_connections == 0  # as moto answers boto3: in the app's thread
