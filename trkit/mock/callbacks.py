"""Outbound callbacks: signed POSTs to assignment and event callback URLs.

Assignment callbacks run on a small thread pool; when one's answer causes
another reservation (a reject routes the task to the next worker, or offers it to
the same one again), that next callback is queued on the same thread and sent
once the first is done: one after another in a loop, however long the chain, and
a caller waiting on the first one waits on the whole chain. Event callbacks go
through one thread, in order. Every delivery is logged; one that fails inside the
mock is logged with its error and reported on the mock's log, never dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode, urljoin

from ..language.answers import read_answer
from ..language.signatures import request_signature
from .engine import Outbound, TaskRouterError
from .engine.twiml_player import FOLLOWED_REDIRECTS, MAX_HTTP_REDIRECTS, NO_LOCATION, REDIRECTED_TOO_OFTEN, fetch_failure_code
from .http_out import Answer, CallbackFailed, Connections, handed_to_app

ASSIGNMENT_TIMEOUT = 5.0
EVENT_TIMEOUT = 15.0


class HttpDispatcher:
    """Sends the engine's callbacks over HTTP without ever holding its lock."""

    def __init__(self, auth_token: str, assignment_timeout: float = ASSIGNMENT_TIMEOUT,
                 event_timeout: float = EVENT_TIMEOUT, pool_size: int = 8) -> None:
        self.auth_token = auth_token
        self.assignment_timeout = assignment_timeout
        self.event_timeout = event_timeout
        self._pool = ThreadPoolExecutor(pool_size, thread_name_prefix="trkit-mock-assignment")
        self.wsgi_apps: dict[str, Any] = {}  # URL prefix -> a WSGI app called in-process (trkit.testing)
        self._events = ThreadPoolExecutor(1, thread_name_prefix="trkit-mock-events")
        self._local = threading.local()
        self._connections = Connections()  # no proxy from the environment: callbacks to loopback go straight there

    def submit(self, items: list[Outbound], engine: Any) -> list[Future]:
        """Send ``items`` (after ``engine`` committed them); answers and the callback log go back to ``engine``."""
        futures = []
        chain = getattr(self._local, "chain", None)
        for item in items:
            if item.kind in ("event", "voice-status"):
                futures.append(self._events.submit(self._deliver, self._send_event, item, engine))
            elif chain is not None:
                # caused by the answer this thread is applying: sent when that delivery is done (the thread's
                # caller waits for the whole chain; waiting here, inside it, would wait for ourselves)
                chain.append(item)
                futures.append(_already("queued behind the delivery that caused it"))
            else:  # an assignment callback or a TwiML request: its answer may cause the next one
                futures.append(self._pool.submit(self._run_chain, item, engine))
        return futures

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._events.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------- sending
    def _post(self, url: str, params: dict[str, str], timeout: float,
              method: str = "POST") -> tuple[Answer | None, str | None, float]:
        started = time.monotonic()
        if method == "GET":  # Twilio signs a GET's full URL, parameters in its query string, and no body
            url = url + ("&" if "?" in url else "?") + urlencode(params)
            params = {}
        headers = {
            "X-Twilio-Signature": request_signature(self.auth_token, url, params),
            "User-Agent": "TwilioProxy/1.1",
        }
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        app = next((app for prefix, app in self.wsgi_apps.items() if url.startswith(prefix)), None)
        if app is not None:  # an app under test, answered in-process: signed the same, no port opened
            body = urlencode(params).encode() if params else None
            return handed_to_app(app, method, url, body, headers), None, time.monotonic() - started
        try:
            response = self._connections.request(method, url, params or None, headers, timeout)  # redirects: not followed
            return response, None, time.monotonic() - started
        except CallbackFailed as exc:
            return None, str(exc), time.monotonic() - started

    @staticmethod
    def _log(engine: Any, item: Outbound, url: str, response, error, seconds: float, outcome: str,
             params: dict[str, str] | None = None, purpose: str | None = None) -> None:
        engine.record_callback({
            "kind": item.kind,
            "purpose": purpose or item.purpose,
            "url": url,
            "reservation_sid": item.reservation_sid,
            "event_type": item.event_type,
            "params": dict(item.params if params is None else params),
            "status": response.status_code if response is not None else None,
            "answer": response.text[:2000] if response is not None else None,
            "error": error,
            "seconds": round(seconds, 4),
            "outcome": outcome,
            "at": engine.now(),
        })

    def _send_event(self, item: Outbound, engine: Any) -> None:
        response, error, seconds = self._post(item.url, item.params, self.event_timeout, item.method)
        if response is None:
            outcome = f"failed ({_unreached(error)})"
        else:
            outcome = "delivered" if response.ok else f"failed (HTTP {response.status_code})"
        self._log(engine, item, item.url, response, error, seconds, outcome)

    def _run_chain(self, first: Outbound, engine: Any) -> str:
        """Deliver ``first``, then each callback the answers cause, in order: a loop, not recursion, so a worker
        may reject a thousand re-offers in a row. Returns the first delivery's outcome."""
        self._local.chain = chain = deque([first])
        outcomes = []
        try:
            while chain:
                outcomes.append(self._deliver(self._run_assignment, chain.popleft(), engine))
        finally:
            self._local.chain = None
        return outcomes[0]

    def _deliver(self, send: Any, item: Outbound, engine: Any) -> str:
        """One delivery; a failure inside the mock is logged with it (and on the mock's log), then the next goes."""
        try:
            return send(item, engine)
        except Exception as exc:
            logging.getLogger("trkit.mock").exception("delivering %s to %s failed inside the mock", item.kind, item.url)
            outcome = f"failed inside the mock ({type(exc).__name__}: {exc})"
            self._log(engine, item, item.url, None, f"{type(exc).__name__}: {exc}", 0.0, outcome)
            return outcome

    def _run_assignment(self, item: Outbound, engine: Any) -> str:
        if item.kind == "voice":
            return self._run_voice(item, engine)
        for url in (item.url, item.fallback_url):
            if not url:
                continue
            response, error, seconds = self._post(url, item.params, self.assignment_timeout)
            if response is None:
                self._log(engine, item, url, response, error, seconds, f"failed ({_unreached(error)})")
                continue
            reading = read_answer(response.status_code, response.headers.get("Content-Type"), response.text)
            if reading.fallback:
                self._log(engine, item, url, response, error, seconds, f"failed (HTTP {response.status_code})")
                continue
            if reading.instruction is None:
                self._log(engine, item, url, response, None, seconds, reading.why)
                return reading.why
            try:
                outcome = engine.reservations.apply_assignment_answer(item.reservation_sid, reading.instruction)
            except TaskRouterError as exc:
                outcome = f"instruction refused ({exc.code}): {exc.message}"
            self._log(engine, item, url, response, None, seconds, outcome)
            return outcome
        return "no callback answered: reservation stays pending"

    def _run_voice(self, item: Outbound, engine: Any) -> str:
        """Ask a TwiML URL (then its fallback, if it fails, told why) and hand the answer to the call."""
        tries = [(item.url, item.method)] + ([(item.fallback_url, item.fallback_method)] if item.fallback_url else [])
        outcome, params = "", item.params
        for attempt, (url, method) in enumerate(tries):
            response, error, seconds, answered_by = self._fetch_twiml(item, engine, url, params, method, attempt)
            failed = response is None or not 200 <= response.status_code < 300
            self._log(engine, item, answered_by, response, error, seconds,
                      f"failed ({_unreached(error) if response is None else f'HTTP {response.status_code}'})" if failed else "TwiML",
                      params, "fallback" if attempt else None)
            status = None if response is None else response.status_code
            if failed and (url, method) != tries[-1]:
                params = fallback_parameters(item.params, url, status, error)
                continue
            content_type = None if response is None else response.headers.get("Content-Type")
            body = "" if response is None else response.text
            # the document's relative URLs resolve against where it came from: the last URL of a redirected request
            outcome = engine.twiml.apply_voice_answer(item.call_sid, item.token, answered_by, status, content_type, body, error)
            break
        return outcome

    def _fetch_twiml(self, item: Outbound, engine: Any, url: str, params: dict[str, str], method: str,
                     attempt: int) -> tuple[Answer | None, str | None, float, str]:
        """Ask ``url``, following the HTTP redirects Twilio follows (each hop logged); the last answer, why it failed
        if it did, and the URL that gave it. A 303, or a 301/302 to a POST, is followed with a GET, as HTTP clients
        do (UNCONFIRMED for Twilio, which documents which codes it follows but not the method)."""
        followed = 0
        while True:
            response, error, seconds = self._post(url, params, self.assignment_timeout, method)
            if response is None or response.status_code not in FOLLOWED_REDIRECTS:
                return response, error, seconds, url
            if followed == MAX_HTTP_REDIRECTS:  # the one redirect too many
                return response, REDIRECTED_TOO_OFTEN, seconds, url
            location = response.headers.get("Location")
            if not location:
                return response, NO_LOCATION, seconds, url
            target = urljoin(url, location)
            self._log(engine, item, url, response, None, seconds, f"redirected (HTTP {response.status_code}) to {target}",
                      params, "fallback" if attempt else None)
            url, followed = target, followed + 1
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method = "GET"


def fallback_parameters(params: dict[str, str], failed_url: str, status: int | None, error: str | None) -> dict[str, str]:
    """What Voice sends the fallback URL: the request's parameters, and why the first URL failed. "Twilio submits
    the ErrorCode and ErrorUrl parameters, indicating the error code of the failure and what URL the failure
    occurred on" (https://www.twilio.com/docs/usage/security/availability-reliability)."""
    return {**params, "ErrorCode": str(fetch_failure_code(status, error)), "ErrorUrl": failed_url}


def _already(result: str) -> Future:
    done: Future = Future()
    done.set_result(result)
    return done


DEAD_RECEIVER = "no receiver: nothing listens at that address"


def _unreached(error: str | None) -> str:
    """Why a callback reached nobody; a refused connection means the receiver is gone (a stopped kernel)."""
    if error and "ConnectionError" in error and ("refused" in error.lower() or "Errno 111" in error):
        return DEAD_RECEIVER
    return error or "no answer"


