"""A ``twilio.rest.Client`` pointed at a running mock: the one place that redirects it."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


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
