"""Running the mock: an in-process server for tests and notebooks, and the CLI's.

:class:`MockServer` builds store + engine + dispatcher + app, serves on a free
loopback port in a daemon thread, fires timers on real time, and stops cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading

from .api import create_app
from .callbacks import HttpDispatcher
from .client import DEFAULT_ACCOUNT_SID, MockTransport
from .engine import FINISHED_TASK_LIFETIME, Clock, SidGenerator, Store, TaskRouterEngine
from .engine.telephony import VoiceSwitches
from .serving import keep_alive_server


def new_auth_token() -> str:
    """A fresh random auth token: on a shared host, nobody else can sign requests or callbacks with it."""
    return secrets.token_hex(16)


def default_credentials() -> tuple[str, str]:
    """``TRKIT_MOCK_ACCOUNT_SID``/``TRKIT_MOCK_AUTH_TOKEN``, else the fixed account SID and a fresh random token."""
    return (
        os.environ.get("TRKIT_MOCK_ACCOUNT_SID", DEFAULT_ACCOUNT_SID),
        os.environ.get("TRKIT_MOCK_AUTH_TOKEN") or new_auth_token(),
    )


class MockServer:
    """The bundled mock TaskRouter, served over HTTP from a background thread.

    >>> with MockServer() as mock:
    ...     client = mock.client()
    """

    def __init__(
        self,
        db_path: str = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        account_sid: str | None = None,
        auth_token: str | None = None,
        seed: int | None = None,
        assignment_timeout: float = 5.0,
        tick_seconds: float = 0.2,
        finished_task_lifetime: float | None = FINISHED_TASK_LIFETIME,
        clock: Clock | None = None,
        voice: VoiceSwitches | None = None,
    ) -> None:
        default_sid, default_token = default_credentials()
        self.account_sid = account_sid or default_sid
        self.auth_token = auth_token or default_token
        self.store = Store(db_path)
        self.dispatcher = HttpDispatcher(self.auth_token, assignment_timeout=assignment_timeout)
        self.engine = TaskRouterEngine(
            self.store, self.account_sid, self.auth_token,
            clock=clock,  # None: the engine reads the clock the store left (its offset and its advances)
            sids=SidGenerator(seed), dispatcher=self.dispatcher, finished_task_lifetime=finished_task_lifetime,
            voice=voice,
        )
        self.app = create_app(self.engine)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = keep_alive_server(host, port, self.app)
        self.host = host
        self.port = self._server.server_port
        self.base_url = f"http://{host}:{self.port}"
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.tick_seconds = tick_seconds
        # the connections its clients in this process reach it by (kept from test to test with a shared mock)
        self.transport = MockTransport(self.app, f"{host}:{self.port}")

    # ------------------------------------------------------------ lifecycle
    def start(self) -> MockServer:
        # the poll is how long stop() waits for the serving thread: short, so a test's fresh mock is cheap
        serve = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                 name="trkit-mock-http", daemon=True)
        timers = threading.Thread(target=self._tick, name="trkit-mock-timers", daemon=True)
        self._threads = [serve, timers]
        for thread in self._threads:
            thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI) with timers in the background."""
        timers = threading.Thread(target=self._tick, name="trkit-mock-timers", daemon=True)
        timers.start()
        self._threads = [timers]
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self._stopping.set()

    def _tick(self) -> None:
        while not self._stopping.wait(self.tick_seconds):
            try:
                self.engine.process_due()
            except Exception:  # a timer failing must not stop the others
                logging.getLogger("trkit.mock").exception("timer processing failed")

    def stop(self) -> None:
        from .api.event_bridge import close_sessions

        self._stopping.set()
        close_sessions(self.app)
        self._shut_down_promptly()
        self._server.server_close()
        self._server.close_connections()
        self.transport.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.dispatcher.shutdown()
        self.store.close()

    def _shut_down_promptly(self) -> None:
        """The serving loop notices a shutdown when its wait for a connection ends: a connection ends it at once,
        instead of at the end of the poll (the ``taskrouter`` fixture stops a mock after every test)."""
        stopping = threading.Thread(target=self._server.shutdown, name="trkit-mock-shutdown")
        stopping.start()
        while stopping.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection((self.host, self.port), timeout=1).close()
            stopping.join(0.002)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------- helpers
    def client(self):
        """A ``twilio.rest.Client`` already pointed at this mock."""
        from .client import mock_client

        return mock_client(self.base_url, self.account_sid, self.auth_token, self.transport)

    def control(self):
        """The ``/mock/`` control routes (reset, seed, clock, state, callbacks) from Python."""
        from .client import MockControl

        return MockControl(self.base_url, self.account_sid, self.auth_token, self.transport)
