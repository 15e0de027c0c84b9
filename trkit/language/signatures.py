"""Twilio's request signature (``X-Twilio-Signature``): what the mock signs its callbacks with and the kit checks.

The full URL, then each POST parameter's name and value in the order of their names, no delimiters; signed
with HMAC-SHA1 keyed by the auth token; Base64-encoded
(https://www.twilio.com/docs/usage/webhooks/webhooks-security). The twilio library's ``RequestValidator``
computes the same, more slowly: it takes parameters with several values (a callback's have one each), and its
``validate`` tries the URL with and without its port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def request_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()
