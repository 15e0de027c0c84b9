"""Test your own TaskRouter app against the bundled mock, the way moto serves boto3 code.

``mock_taskrouter`` (a context manager and a decorator) starts the mock in-process and sends every
request the twilio library makes — from any ``Client(account_sid, auth_token)`` the app builds, with any
credentials, in any thread — to it. A request to a Twilio host the mock does not serve fails loudly
instead of reaching the internet. Callbacks can be delivered straight to the app's WSGI object.

This module is also a pytest plugin (``pytest -p trkit.testing``, or automatically once trkit is
installed): the ``taskrouter`` fixture gives each test a fresh mock; ``shared_taskrouter`` one mock for
the session, reset before each test.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

# Installed, this module is a plugin every pytest run in the environment loads, TaskRouter or not: the mock, the
# twilio library and requests are imported when a test first asks for them, not when pytest starts (0.4 s)
if TYPE_CHECKING:
    from twilio.rest import Client

    from .mock import MockServer
    from .mock.client import MockControl, MockRefused

SERVED_SERVICES = ("taskrouter", "api", "event-bridge")  # <service>[.<edge>.<region>].twilio.com
_ACCOUNT_IN_PATH = re.compile(r"/Accounts/AC[0-9a-fA-F]{32}")
_lock = threading.RLock()
_active: list[MockTaskRouter] = []  # the innermost active mock answers


class NotEmulated(RuntimeError):
    """The app reached for a Twilio service the mock does not serve."""


class MockTaskRouter:
    """A running mock and what a test needs with it: a client, the control plane, waiting, callbacks."""

    def __init__(self, server: MockServer) -> None:
        from twilio.rest import Client

        self.server = server
        self.url = server.base_url
        self.account_sid = server.account_sid
        self.auth_token = server.auth_token
        self.control: MockControl = server.control()
        self.client: Client = Client(self.account_sid, self.auth_token)  # an ordinary client: the patch routes it

    # ------------------------------------------------------------ callbacks to the app under test
    def deliver_to(self, app: Any, base_url: str = "http://app.test") -> str:
        """Deliver callbacks whose URL starts with ``base_url`` to ``app`` (a WSGI app) in-process, signed as
        Twilio signs them. Returns ``base_url``: point the workflow's callback URLs under it."""
        self.server.dispatcher.wsgi_apps[base_url.rstrip("/")] = app
        return base_url.rstrip("/")

    def callbacks(self, kind: str | None = None) -> list[dict]:
        """The callbacks the mock sent, with the answers it received and what it did with them."""
        return [c for c in self.control.callbacks() if kind is None or c["kind"] == kind]

    # ------------------------------------------------------------ time and waiting
    def advance(self, seconds: float) -> str:
        """Move the mock's clock; every timeout that falls due on the way fires."""
        return self.control.advance(seconds)["now"]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 5.0, what: str = "the condition") -> Any:
        """Poll until ``condition()`` is truthy; on timeout an AssertionError says what was awaited."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(f"waited {timeout:g} s for {what}, in vain (last value: {result!r})")
            time.sleep(0.02)

    def reset(self) -> None:
        """Forget everything: workspaces, calls, callbacks, the clock's advance, apps to deliver to. (The server is in
        this process: what ``POST /mock/reset`` does, without the request.)"""
        self.server.engine.reset()
        self.server.dispatcher.wsgi_apps.clear()


def _reroute(original: Callable) -> Callable:
    @functools.wraps(original)
    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
        with _lock:
            mock = _active[-1] if _active else None
        if mock is None:
            return original(self, method, url, params, data, headers, auth, timeout, allow_redirects)
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.netloc == urlsplit(mock.url).netloc:  # a URL the mock handed out itself (a page's next_page_url)
            target = url
        elif host.endswith(".twilio.com") and host.split(".")[0] in SERVED_SERVICES:
            path = _ACCOUNT_IN_PATH.sub(f"/Accounts/{mock.account_sid}", parts.path)
            target = urlunsplit(("http", urlsplit(mock.url).netloc, path, parts.query, ""))
        else:
            raise NotEmulated(f"{host} is not emulated by trkit's mock_taskrouter, which serves TaskRouter and Voice "
                              "(taskrouter, api and event-bridge .twilio.com); stub this call in your test, or leave it "
                              "out of the code under test")
        # whatever credentials the app holds, the mock's are the ones it accepts
        credentials = (mock.account_sid, mock.auth_token)
        if allow_redirects:  # the mock never redirects; asked to follow, requests follows as it would
            return original(self, method, target, params, data, headers, credentials, timeout, allow_redirects)
        return mock.server.transport.request(self, method, target, params, data, headers, credentials, timeout)

    return request


_unpatched: list[Callable] = []  # while a mock is active: the library's request method it replaced


@contextmanager
def _patched(mock: MockTaskRouter) -> Iterator[MockTaskRouter]:
    from twilio.http.http_client import TwilioHttpClient

    with _lock:
        if not _active:
            _unpatched.append(TwilioHttpClient.request)
            TwilioHttpClient.request = _reroute(_unpatched[-1])
        _active.append(mock)
    try:
        yield mock
    finally:
        with _lock:
            _active.remove(mock)
            if not _active:
                TwilioHttpClient.request = _unpatched.pop()


class mock_taskrouter:  # noqa: N801  (named like moto's mock_aws: it reads as what it does)
    """Route the twilio library to a fresh in-process mock while active.

    >>> with mock_taskrouter() as taskrouter:
    ...     Client("AC...", "any token").taskrouter.v1.workspaces.list()

    As a decorator, the test function receives nothing extra; use it as a context manager to get the
    ``MockTaskRouter`` (client, control, deliver_to, wait_for, advance).
    """

    def __init__(self, **server_options: Any) -> None:
        self.server_options = server_options
        self._server: MockServer | None = None
        self._patch = None

    def __enter__(self) -> MockTaskRouter:
        from .mock import MockServer

        self._server = MockServer(**self.server_options).start()
        mock = MockTaskRouter(self._server)
        self._patch = _patched(mock)
        return self._patch.__enter__()

    def __exit__(self, *exc: Any) -> None:
        try:
            self._patch.__exit__(*exc)
        finally:
            self._server.stop()

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mock_taskrouter(**self.server_options):
                return function(*args, **kwargs)

        return wrapper


# ------------------------------------------------------------------ the pytest plugin
try:
    import pytest
except ImportError:  # trkit.testing outside pytest: mock_taskrouter alone
    pytest = None

if pytest is not None:

    @pytest.fixture
    def taskrouter() -> Iterator[MockTaskRouter]:
        """A fresh in-process mock for this test; every twilio Client reaches it."""
        with mock_taskrouter() as mock:
            yield mock

    @pytest.fixture(scope="session")
    def _trkit_session_server() -> Iterator[MockServer]:
        from .mock import MockServer

        server = MockServer().start()
        yield server
        server.stop()

    @pytest.fixture
    def shared_taskrouter(_trkit_session_server: MockServer) -> Iterator[MockTaskRouter]:
        """One mock for the whole session, reset before each test (cheaper than a fresh one per test)."""
        mock = MockTaskRouter(_trkit_session_server)
        mock.reset()
        with _patched(mock):
            yield mock


def __getattr__(name: str) -> Any:
    if name == "MockRefused":  # the mock's refusal, for `pytest.raises` (imported when asked for)
        from .mock.client import MockRefused

        return MockRefused
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MockRefused", "MockTaskRouter", "NotEmulated", "mock_taskrouter", "shared_taskrouter", "taskrouter"]
