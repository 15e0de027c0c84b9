"""A ``twilio.rest.Client`` pointed at a running mock: the one place that redirects it."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# What a client of a mock in another process needs to know, kept here, away from the engine, so that the kit
# reaches a running mock without importing the rules it runs:
# the account SID a mock has unless given one (fixed, so SIDs and notebook outputs are the same everywhere)
DEFAULT_ACCOUNT_SID = "AC" + "0" * 31 + "1"
STATE_FILE_REFUSED = 3  # python -m trkit.mock's exit status when --db names a file it will not use (it says why in one line)


class LocalHttpClient(TwilioHttpClient):
    """Sends every ``*.twilio.com`` request to the mock, keeping path and query.

    Paging follows absolute ``next_page_url`` values, so rewriting here (rather
    than changing the domain's base URL) catches every request.
    """

    def __init__(self, base_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base = urlsplit(base_url)
        self.session.trust_env = False  # a proxy from the environment must not see loopback traffic

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host == "twilio.com" or host.endswith(".twilio.com"):
            url = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def mock_client(base_url: str, account_sid: str, auth_token: str) -> Client:
    """An ordinary twilio Client whose TaskRouter calls reach the mock at ``base_url``."""
    client = Client(account_sid, auth_token, http_client=LocalHttpClient(base_url))
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

    def __init__(self, base_url: str, account_sid: str, auth_token: str) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._session.trust_env = False
        self._session.auth = (account_sid, auth_token)

    def _call(self, method: str, path: str, data: dict | None = None) -> dict:
        response = self._session.request(method, self.base_url + path, data=data, timeout=120)
        body = response.json()
        if response.status_code >= 400:
            raise MockRefused(response.status_code, body.get("code", 20001), f"The mock refused {path}: {body.get('message')}")
        return body

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
