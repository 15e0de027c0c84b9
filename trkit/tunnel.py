"""Exposing the callback server to Twilio in real mode, with pyngrok.

pyngrok is imported only here and only when a tunnel is asked for: mock mode
never touches it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from .errors import KitError

TunnelFactory = Callable[[int], str]


def ngrok_tunnel(port: int) -> str:
    """Open an ngrok HTTPS tunnel to ``port`` and return its public URL."""
    token = os.environ.get("NGROK_AUTHTOKEN") or os.environ.get("NGROK_AUTH_TOKEN")
    try:
        from pyngrok import conf, ngrok
        from pyngrok.exception import PyngrokError
    except ImportError as exc:
        raise KitError("Real mode needs pyngrok to expose the callback server: pip install pyngrok") from exc
    if not token:
        raise KitError(
            "The tunnel cannot start: set NGROK_AUTHTOKEN (ngrok requires a free account's authtoken), "
            "or pass public_url= to connect() if your callback server is already reachable from the internet."
        )
    try:
        config = conf.get_default()
        config.auth_token = token
        tunnel = ngrok.connect(port, "http", pyngrok_config=config)
    except PyngrokError as exc:
        raise KitError(f"The ngrok tunnel could not start: {exc}. Check NGROK_AUTHTOKEN and your network.") from exc
    url = tunnel.public_url
    return url.replace("http://", "https://", 1) if url.startswith("http://") else url
