"""What every blueprint shares: the engine of the current app, parameters in, resources and pages out.

Views hold no engine state: each parses its parameters (errors name them), makes one engine call
(which takes the lock, runs the transaction and waits for the callbacks it caused) and renders the
answer with the base URL the client used, so ``url``, ``links`` and paging URLs lead back here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Response, current_app, request

from ..engine import TaskRouterEngine
from ..engine.errors import InvalidParameter, NotFound, TaskRouterError
from ..engine.facade import Door
from . import contract
from .params import Params
from .render import Renderer

EXTENSION = "trkit.engine"

class _CheckedWrites:
    """A part of the engine as views see it: each of its writes is preceded by the parameter contract's check
    (``contract.check``): by then the view has read every parameter it honours, and nothing has changed yet.
    The services and methods it hands out are kept: they live as long as the app."""

    def __init__(self, part: Any) -> None:
        self._part = part
        self._handed_out: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        found = self._handed_out.get(name)
        if found is None:
            attribute = getattr(self._part, name)
            if not (callable(attribute) or isinstance(attribute, Door)):
                return attribute  # a value: read afresh each time, as it may change
            found = self._handed_out[name] = self._view_of(attribute)
        return found

    @staticmethod
    def _view_of(attribute: Any) -> Any:
        if isinstance(attribute, Door):
            return _CheckedWrites(attribute)
        if not getattr(attribute, "__trkit_write__", False):
            return attribute

        def checked_write(*args: Any, **kwargs: Any) -> Any:
            contract.check()
            return attribute(*args, **kwargs)

        return checked_write


VIEWS = "trkit.engine_for_views"


class _EngineForViews:
    """The app's engine as views see it (``engine.tasks.create_task(...)``, as ``current_app`` is the app), its
    writes checked by the parameter contract first."""

    def __getattr__(self, name: str) -> Any:
        extensions = current_app.extensions
        views = extensions.get(VIEWS)
        if views is None:
            views = extensions[VIEWS] = _CheckedWrites(extensions[EXTENSION])
        return getattr(views, name)


engine: TaskRouterEngine = _EngineForViews()  # type: ignore[assignment]


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), status=status, mimetype="application/json")


def error_response(exc: TaskRouterError) -> Response:
    response = json_response(exc.to_json(), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def form() -> Params:
    try:
        params = Params(request.form)
    except UnicodeDecodeError:
        raise InvalidParameter("The request body is not valid UTF-8") from None
    contract.remember(params)
    return params


def args() -> Params:
    params = Params(request.args)
    contract.remember(params)
    return params


def renderer() -> Renderer:
    return Renderer(current_app.extensions[EXTENSION], _host_url())


# the parts of a request's environment its host URL is made of (PEP 3333's URL reconstruction)
_HOST_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_host_urls: dict[tuple, str] = {}


def _host_url() -> str:
    """``request.host_url``, worked out once per host a client uses (Werkzeug's costs as much as a small view)."""
    environ = request.environ
    key = tuple(environ.get(name) for name in _HOST_KEYS)
    found = _host_urls.get(key)
    if found is None:
        if len(_host_urls) >= 64:  # bounded: a client could send any Host header
            _host_urls.clear()
        found = _host_urls[key] = request.host_url
    return found


def url() -> str:
    """This request's own URL (without its query), as the client reached it."""
    return renderer().url(request.path)


def own_account(account: str) -> None:
    """A 2010-04-01 path names the account: only the mock's own is there."""
    if account != current_app.extensions[EXTENSION].account_sid:
        raise NotFound(path=f"/2010-04-01/Accounts/{account}")


def if_match() -> str | None:
    return request.headers.get("If-Match")


def one(obj: Any, status: int = 200, **context: Any) -> Response:
    response = json_response(renderer().render(obj, **context), status)
    if getattr(obj, "KIND", None) in ("task", "worker", "reservation"):
        response.headers["ETag"] = f'"{obj.version}"'  # the spec gives these three an ETag
    return response


def deleted() -> Response:
    return Response(status=204)


def page(items: list | Callable[..., list], key: str, rendered: bool = False, **context: Any) -> Response:
    """One page of ``items``: a list, or a function taking ``offset`` and ``limit`` (the big lists,
    which then cost one page, not the whole store); ``rendered``: the items are JSON already."""
    params = args()
    size = params.int("PageSize", 1, 1000) or 50
    number = params.int("Page", 0, 10**9) or 0
    token = params.str("PageToken")
    if token is not None:
        if not (token.startswith("PT") and token[2:].isdigit()):
            raise InvalidParameter(f"PageToken {token!r} is invalid: use the next_page_url the previous page returned")
        start = int(token[2:])
    else:
        start = number * size
    if callable(items):
        chunk = items(offset=start, limit=size + 1)
        has_next = len(chunk) > size
        chunk = chunk[:size]
    else:
        chunk = items[start:start + size]
        has_next = start + size < len(items)
    render = renderer()
    filters = [(k, v) for k, v in request.args.items(multi=True) if k not in ("PageSize", "Page", "PageToken")]
    base = render.url(request.path)

    def link(page_number: int, offset: int | None) -> str:
        query = filters + [("PageSize", size), ("Page", page_number)]
        if offset is not None:
            query.append(("PageToken", f"PT{offset}"))
        return f"{base}?{urlencode(query)}"

    meta = {
        "page": number,
        "page_size": size,
        "first_page_url": link(0, None),
        "previous_page_url": link(number - 1, max(start - size, 0)) if start > 0 else None,
        "url": link(number, start if token is not None else None),
        "next_page_url": link(number + 1, start + size) if has_next else None,
        "key": key,
    }
    body = chunk if rendered else [render.render(item, **context) for item in chunk]
    return json_response({key: body, "meta": meta})
