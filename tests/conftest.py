from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import CallbackListener, build_tutorial_workspace  # noqa: E402

from trkit.mock import MockServer  # noqa: E402
from trkit.mock.client import mock_client  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--mock-url", default=os.environ.get("TRKIT_TEST_MOCK_URL"),
                     help="run the HTTP tests against an already running `python -m trkit.mock` at this URL")


@pytest.fixture
def mock(request):
    """A fresh in-process mock; with --mock-url, the separate mock process (reset first)."""
    url = request.config.getoption("--mock-url")
    if url:
        yield RemoteMock(url)
        return
    with MockServer() as server:
        yield server


class RemoteMock:
    """The same surface as MockServer for a mock running in another process."""

    def __init__(self, url: str) -> None:
        from trkit.mock.server import default_credentials

        self.base_url = url.rstrip("/")
        self.account_sid, self.auth_token = default_credentials()
        self.engine = None
        import requests

        requests.post(self.base_url + "/mock/reset", auth=(self.account_sid, self.auth_token), timeout=10).raise_for_status()

    def client(self):
        return mock_client(self.base_url, self.account_sid, self.auth_token)


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
