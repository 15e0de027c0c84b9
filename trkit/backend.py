"""``connect()``: one call that gives a notebook TaskRouter — the bundled mock or real Twilio.

Which backend (the argument, ``$TRKIT_BACKEND``, else real Twilio only when both credentials are set), the
twilio client for it (with a timeout on real Twilio, its credentials checked at once), and the kernel's one
:class:`~.kit.Kit`, replaced when ``connect()`` is called again.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Callable
from typing import Any

from twilio.rest import Client

from .callback_server import CallbackServer
from .errors import KitError, explain, install_notebook_handler
from .kit import MOCK_SID_VARIABLE, MOCK_TOKEN_VARIABLE, TWILIO_BASE, Kit

_current: Kit | None = None  # the kernel's kit: connect() closes it before making the next


def choose_backend(backend: str | None = None) -> str:
    """``mock`` or ``twilio``: the argument, else $TRKIT_BACKEND, else real Twilio only when both credentials are set."""
    chosen = (backend or os.environ.get("TRKIT_BACKEND") or "").strip().lower()
    if chosen in ("real", "twilio"):
        return "twilio"
    if chosen == "mock":
        return "mock"
    if chosen:
        raise KitError(f"Unknown backend {chosen!r}: use 'mock' or 'twilio'.")
    sid, token = os.environ.get("TWILIO_ACCOUNT_SID"), os.environ.get("TWILIO_AUTH_TOKEN")
    if sid and token:
        return "twilio"
    if sid or token:  # half set: neither backend is what was meant, so say which variable is missing
        have, missing = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if sid else ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID")
        raise KitError(f"{have} is set but {missing} is not: set both to use real Twilio, or unset {have} to use the bundled mock.")
    return "mock"


TWILIO_TIMEOUT = 15.0  # seconds for any one request to Twilio: a silent proxy must not hang the kernel


def _twilio_client(account_sid: str, auth_token: str, http_client: Any = None) -> Client:
    """A client whose every request to Twilio gives up after TWILIO_TIMEOUT ($TRKIT_TWILIO_TIMEOUT)."""
    from twilio.http.http_client import TwilioHttpClient

    timeout = float(os.environ.get("TRKIT_TWILIO_TIMEOUT", TWILIO_TIMEOUT))
    http_client = http_client or TwilioHttpClient()
    http_client.timeout = timeout
    return Client(account_sid, auth_token, http_client=http_client)


def _check_credentials(client: Client) -> None:
    """One cheap call, so a wrong credential or an unreachable Twilio is said at once, in one line."""
    from twilio.base.exceptions import TwilioRestException

    try:  # a workspace that cannot exist: 404 with good credentials, 401 (20003) with bad ones
        client.taskrouter.v1.workspaces("WS" + "0" * 32).fetch()
    except TwilioRestException as exc:
        if exc.status != 404:
            raise KitError(explain(exc).replace("\n→", " →")) from None  # one line
    except Exception as exc:  # requests' timeouts and connection errors, through the twilio library
        raise KitError(f"Could not reach Twilio ({type(exc).__name__}): check the network or proxy, "
                       "or unset TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to use the bundled mock.") from None


def connect(backend: str | None = None, public_url: str | None = None,
            tunnel: Callable[[int], str] | None = None, http_client: Any = None, callback_port: int = 0) -> Kit:
    """Connect to TaskRouter: the bundled mock by default, real Twilio when credentials are set.

    Real mode reads ``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN`` from the environment (never from
    a file) and exposes the callback server through ``public_url`` if given, else an ngrok tunnel
    (``tunnel`` replaces it, e.g. in tests). Calling again replaces the previous connection.
    """
    global _current
    install_notebook_handler()  # short errors from the first cell, connect()'s own included
    if _current is not None:
        _current.close()
        _current = None
    mode = choose_backend(backend)
    if mode == "twilio":
        account_sid = os.environ.get("TWILIO_ACCOUNT_SID", "")
        auth_token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not (account_sid and auth_token):
            raise KitError("Real Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment.")
        client = _twilio_client(account_sid, auth_token, http_client)
        _check_credentials(client)
        callbacks = CallbackServer(auth_token, port=callback_port).start()
        if public_url is None:
            if tunnel is None:
                from .tunnel import ngrok_tunnel

                tunnel = ngrok_tunnel
            try:
                public_url = tunnel(callbacks.port)
            except Exception:
                callbacks.stop()
                raise
        callbacks.public_url = public_url.rstrip("/")
        kit = Kit("twilio", client, account_sid, auth_token, TWILIO_BASE, callbacks)
    else:
        from .mock.client import mock_client
        from .shared_mock import ensure_shared_mock

        mock = ensure_shared_mock()
        os.environ[MOCK_SID_VARIABLE], os.environ[MOCK_TOKEN_VARIABLE] = mock.account_sid, mock.auth_token
        client = mock_client(mock.url, mock.account_sid, mock.auth_token)
        callbacks = CallbackServer(mock.auth_token, port=callback_port).start()
        kit = Kit("mock", client, mock.account_sid, mock.auth_token, mock.url, callbacks, mock_url=mock.url)
    _current = kit
    atexit.register(_close_quietly, kit)  # a kernel or tour that exits gives back the callbacks it took
    return kit


def _close_quietly(kit: Kit) -> None:
    """At exit: give back what the kit took; a failure is said on the kit's log (the kernel is going away)."""
    try:
        kit.close()
    except Exception:
        logging.getLogger("trkit").warning("closing the kit at exit failed", exc_info=True)
