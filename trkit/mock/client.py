"""A ``twilio.rest.Client`` pointed at a running mock: the one place that redirects it, and the transport its
requests to a mock go by."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from requests import Request
from requests import exceptions as requests_errors
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri
from twilio.http.http_client import TwilioHttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from .http_out import Answer, CallbackFailed, Connections, handed_to_app

# What a client of a mock in another process needs to know, kept here, away from the engine, so that the kit
# reaches a running mock without importing the rules it runs:
# the account SID a mock has unless given one (fixed, so SIDs and notebook outputs are the same everywhere)
DEFAULT_ACCOUNT_SID = "AC" + "0" * 31 + "1"
STATE_FILE_REFUSED = 3  # python -m trkit.mock's exit status when --db names a file it will not use (it says why in one line)

# a failure to reach the mock raises what requests would have raised, so code that handles those goes on handling them
_REQUESTS_FAILURES = {"ConnectTimeout": requests_errors.ConnectTimeout, "ReadTimeout": requests_errors.ReadTimeout,
                      "SSLError": requests_errors.SSLError, "InvalidURL": requests_errors.InvalidURL}


class MockTransport:
    """The twilio library's requests to a mock, sent on kept connections (one per thread and mock).

    A mock is on loopback or close by: ``requests`` builds a session's worth of machinery per request, which costs
    as much again as the mock's own answer (half a millisecond), while ``http.client`` on a kept connection does not.
    """

    def __init__(self, app: Callable | None = None, netloc: str | None = None) -> None:
        self._connections = Connections()
        # a mock in this process: its WSGI app, handed each request to ``netloc`` in the sender's thread, without a
        # socket, in the environment Werkzeug's server would have made of it (moto serves boto3 the same way)
        self._app, self._netloc = app, netloc

    def request(self, http_client: TwilioHttpClient, method: str, url: str, params: Any = None, data: Any = None,
                headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None,
                timeout: float | None = None) -> TwilioResponse:
        """What ``TwilioHttpClient.request`` does for ``http_client`` (its checks, logging, ``last_request`` and
        ``last_response``), the request sent here instead of through its ``requests`` session. Parameters are
        encoded as ``requests`` encodes them (a list or tuple repeats its key, None is left out); a failure to
        reach the mock raises what ``requests`` raises."""
        if timeout is None:
            timeout = http_client.timeout
        elif timeout <= 0:
            raise ValueError(timeout)
        json_body = bool(headers) and headers.get("Content-Type") in ("application/json", "application/scim+json")
        kwargs = {"method": method.upper(), "url": url, "params": params, "headers": headers, "auth": auth,
                  "json" if json_body else "data": data}
        http_client.log_request(kwargs)
        http_client._test_only_last_response = None
        http_client._test_only_last_request = TwilioRequest(**kwargs)
        query = _encoded(params)
        if query:
            url = f"{url}{'&' if urlsplit(url).query else '?'}{query}"
        url = requote_uri(url)  # as requests quotes what a URL may not hold as it is (a space in a unique name)
        sent = dict(headers or {})
        body = None
        if json_body:
            body = json.dumps(data).encode()
        elif data:
            body = _encoded(data).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif kwargs["method"] not in ("GET", "HEAD"):
            sent["Content-Length"] = "0"  # as requests says of a request without a body
        if auth is not None:
            sent["Authorization"] = _basic(*auth)
        answer = self.send(kwargs["method"], url, body, sent, timeout)
        response = TwilioResponse(answer.status_code, answer.text, CaseInsensitiveDict(answer.headers.items()))
        http_client.log_response(response.status_code, response)
        http_client._test_only_last_response = response
        return response

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float | None) -> Answer:
        """One request as it is; a failure to reach the mock raises what ``requests`` raises, naming the URL.
        (Handed to an in-process mock's app, it takes as long as the app takes: ``timeout`` is for sockets.)"""
        if self._app is not None:
            parts = urlsplit(url)
            if parts.scheme == "http" and parts.netloc == self._netloc:
                return handed_to_app(self._app, method, url, body, headers)
        try:
            return self._connections.send(method, url, body, headers, timeout)
        except CallbackFailed as exc:
            failure = _REQUESTS_FAILURES.get(exc.kind, requests_errors.ConnectionError)
            raise failure(str(exc), request=Request(method, url)) from None  # with the request, as requests raises it

    def close(self) -> None:
        """Close every thread's connections (a thread that sends again opens a new one)."""
        self._connections.close_all()


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode("latin-1")).decode()  # as requests writes it


def _encoded(values: Any) -> str:
    """Form or query parameters as ``requests`` writes them."""
    if not values:
        return ""
    if isinstance(values, str | bytes):
        return values.decode() if isinstance(values, bytes) else values
    pairs = []
    for key, value in values.items() if hasattr(values, "items") else values:
        for one in [value] if isinstance(value, str | bytes) or not hasattr(value, "__iter__") else value:
            if one is not None:
                pairs.append((key, one))
    return urlencode(pairs)


class LocalHttpClient(TwilioHttpClient):
    """Sends every ``*.twilio.com`` request to the mock, keeping path and query, on kept connections.

    Paging follows absolute ``next_page_url`` values, so rewriting here (rather
    than changing the domain's base URL) catches every request.
    """

    def __init__(self, base_url: str, transport: MockTransport | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base = urlsplit(base_url)
        self.session.trust_env = False  # a proxy from the environment must not see loopback traffic
        self.transport = transport or MockTransport()

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host == "twilio.com" or host.endswith(".twilio.com"):
            url = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment))
        if allow_redirects:  # the mock never redirects; asked to follow, requests follows as it would
            return super().request(method, url, params, data, headers, auth, timeout, allow_redirects)
        return self.transport.request(self, method, url, params, data, headers, auth, timeout)

    def close(self) -> None:
        """Close the connections to the mock (every thread's)."""
        self.transport.close()


def mock_client(base_url: str, account_sid: str, auth_token: str, transport: MockTransport | None = None) -> Client:
    """An ordinary twilio Client whose TaskRouter calls reach the mock at ``base_url`` (by ``transport``, if given:
    the connections of the mock's own)."""
    client = Client(account_sid, auth_token, http_client=LocalHttpClient(base_url, transport))
    # TWILIO_EDGE / TWILIO_REGION would otherwise rewrite hosts before our client sees them
    client.edge = None
    client.region = None
    return client


class MockRefused(Exception):
    """An error answer from the mock's control plane, as Twilio shapes errors: HTTP status, error code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class MockControl:
    """The mock's ``/mock/`` control routes from Python (same credentials as the API)."""

    def __init__(self, base_url: str, account_sid: str, auth_token: str, transport: MockTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._transport = transport or MockTransport()
        self._authorization = _basic(account_sid, auth_token)

    def _call(self, method: str, path: str, data: dict | None = None) -> dict:
        headers = {"Authorization": self._authorization, "Accept": "application/json"}
        body = None
        if data:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = self._transport.send(method, self.base_url + path, body, headers, 120)
        try:
            found = json.loads(answer.content)
        except ValueError:
            raise MockRefused(answer.status_code, 20001, f"The mock answered {path} with HTTP {answer.status_code} and no JSON: "
                                                         f"{answer.text[:200]!r}") from None
        if answer.status_code >= 400:
            raise MockRefused(answer.status_code, found.get("code", 20001), f"The mock refused {path}: {found.get('message')}")
        return found

    def close(self) -> None:
        """Close the connections to the mock (every thread's)."""
        self._transport.close()

    def reset(self) -> dict:
        """Forget every workspace and move the clock back to real time."""
        return self._call("POST", "/mock/reset")

    def seed(self, seed: int) -> dict:
        """Make the SIDs created from now on repeatable."""
        return self._call("POST", "/mock/seed", {"Seed": str(seed)})

    def advance(self, seconds: float) -> dict:
        """Move the clock forward, firing every timeout that falls due on the way."""
        return self._call("POST", "/mock/clock", {"Advance": str(seconds)})

    def clock(self) -> dict:
        return self._call("GET", "/mock/clock")

    def state(self) -> dict:
        return self._call("GET", "/mock/state")

    def callbacks(self) -> list[dict]:
        return self._call("GET", "/mock/callbacks")["callbacks"]

    # ------------------------------------------------------------ the people on the phone network
    def place_call(self, from_: str, to: str) -> dict:
        """A person at ``from_`` dials ``to``, one of the account's numbers."""
        return self._call("POST", "/mock/phone/calls", {"From": from_, "To": to})

    def phone_call(self, call_sid: str) -> dict:
        """A call with what its party heard, what it waits for and its errors."""
        return self._call("GET", f"/mock/phone/calls/{call_sid}")

    def press(self, call_sid: str, digits: str) -> dict:
        return self._call("POST", f"/mock/phone/calls/{call_sid}/digits", {"Digits": digits})

    def answer(self, call_sid: str) -> dict:
        return self._call("POST", f"/mock/phone/calls/{call_sid}/answer")

    def decline(self, call_sid: str) -> dict:
        return self._call("POST", f"/mock/phone/calls/{call_sid}/decline")

    def hang_up(self, call_sid: str) -> dict:
        return self._call("POST", f"/mock/phone/calls/{call_sid}/hangup")

    def set_phone(self, number: str, behaviour: str) -> dict:
        """What the phone at ``number`` does when called: ring, answer, busy, no-answer or fail."""
        return self._call("POST", "/mock/phone/phones", {"Number": number, "Behaviour": behaviour})
