"""Addresses the learner's browser uses for what runs beside the kernel: Alice's agent page and the
pictures the kit serves, and the mock's event bridge the agent page's SDK talks to.

On a laptop the browser and the kernel share 127.0.0.1, so those addresses work as they are. On Binder
(or any JupyterHub) the browser is on another machine and reaches only the Jupyter server: there the
links go through jupyter-server-proxy, which serves ``http://127.0.0.1:PORT/path`` at
``{the server's base URL}proxy/PORT/path`` (WebSockets included). ``TRKIT_BROWSER_PROXY`` chooses:
``auto`` (the default: proxied when ``JUPYTERHUB_SERVICE_PREFIX`` says the kernel runs under a hub),
``off``, ``on`` (proxied, server at ``/``) or the Jupyter server's base URL itself (``/my/base/``).
"""

from __future__ import annotations

import importlib.util
import os
from urllib.parse import urlsplit

from .errors import KitError

SETTING = "TRKIT_BROWSER_PROXY"
LOOPBACK = ("127.0.0.1", "localhost")


def proxy_base() -> str | None:
    """The Jupyter server's base URL when links must go through jupyter-server-proxy, else None."""
    setting = os.environ.get(SETTING, "auto").strip()
    hub_prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip()
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting.lower() in ("", "auto"):
        if not hub_prefix:
            return None
        base = hub_prefix
    elif setting.lower() in ("on", "1", "yes", "true"):
        base = hub_prefix or "/"
    elif setting.startswith("/"):
        base = setting
    else:
        raise KitError(f"TRKIT_BROWSER_PROXY={setting!r} is not a choice: use auto, off, on or the Jupyter server's base URL (/…/).")
    if importlib.util.find_spec("jupyter_server_proxy") is None:
        raise KitError("Your browser reaches the kernel's pages only through the Jupyter server here: "
                       "pip install jupyter-server-proxy and restart the server, or set TRKIT_BROWSER_PROXY=off.")
    return base if base.endswith("/") else base + "/"


def for_browser(url: str) -> str:
    """``url`` (an address on this machine's loopback) as the learner's browser must ask for it."""
    base = proxy_base()
    parts = urlsplit(url)
    if base is None or parts.hostname not in LOOPBACK or parts.port is None:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base}proxy/{parts.port}{parts.path or '/'}{query}"
