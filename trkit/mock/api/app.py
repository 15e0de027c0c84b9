"""The REST app: TaskRouter v1's paths as one blueprint per resource family, behind Twilio's auth.

No rules live here: authentication, the body limit and errors in Twilio's JSON shape; the
blueprints parse, call the engine (the app's one extension) and render.
"""

from __future__ import annotations

import base64
import hmac
import logging
from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import Any, ClassVar

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from ...language.errors import LanguageError
from ..engine import TaskRouterEngine
from ..engine.errors import AuthenticationFailed, InternalError, InvalidParameter, MethodNotAllowed, NotFound, TaskRouterError
from . import (
    activities,
    contract,
    control,
    event_bridge,
    events,
    keys,
    phones,
    reservations,
    statistics,
    task_channels,
    task_queues,
    tasks,
    voice,
    workers,
    workflows,
    workspaces,
)
from .common import EXTENSION, engine, error_response

log = logging.getLogger("trkit.mock")
MAX_BODY = 1_200_000
BLUEPRINTS = (workspaces, activities, task_channels, workers, task_queues, workflows, tasks, reservations, events, statistics,
              control, voice, phones, event_bridge, keys)


class LazyBuilderRule(Rule):
    """A URL rule that costs a fresh mock little (the ``taskrouter`` fixture makes one per test). Matching is not
    changed; two things Werkzeug does for every rule of every new app are done less often:

    - its URL builder (for ``url_for``, which the mock never calls) is written the first time it is used, not as
      the rule is added (Werkzeug writes and compiles Python source for each);
    - the rule's text is parsed once per process: a rule of the same text in the same kind of map takes the parts
      and the trace of the first, and converters of its own (parsing was most of what building an app still cost).
    """

    _parsed: ClassVar[dict[tuple, tuple]] = {}  # (text, map settings) -> (parts, trace, converters, arguments)

    def compile(self) -> None:
        rule_map = self.map
        key = (self.rule, self.host, self.subdomain, self.merge_slashes, rule_map.host_matching,
               tuple(sorted(rule_map.converters.items())))
        parsed = self._parsed.get(key)
        if parsed is None:
            given = set(self.arguments)  # the defaults' names: the rule's own; the parse adds its variables
            super().compile()
            self._parsed[key] = (tuple(self._parts), tuple(self._trace), dict(self._converters), frozenset(self.arguments - given))
            return
        parts, trace, converters, arguments = parsed
        self._parts, self._trace = list(parts), list(trace)
        # the same converter objects: what they hold is the rule text's (a UnicodeConverter's regex), not the map's
        self._converters = dict(converters)
        self.arguments |= arguments
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    def _compile_builder(self, append_unknown: bool = True):
        built = None

        def build(rule: Rule, *args, **kwargs):
            nonlocal built
            if built is None:
                built = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            return built(*args, **kwargs)
        return build


class MockApp(Flask):
    """Flask, asking whether a view or a hook is a coroutine function once per function, not on every request (three
    times a request: Flask's documented place to change how it runs them)."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        runnable = self._runnable.get(func)
        if runnable is None:
            runnable = self._runnable[func] = super().ensure_sync(func)
        return runnable

    @cached_property
    def _runnable(self) -> dict[Callable[..., Any], Callable[..., Any]]:
        return {}


def create_app(engine: TaskRouterEngine) -> Flask:
    """A Flask app serving ``engine`` over TaskRouter's REST API (and the mock's ``/mock/`` controls)."""
    app = MockApp("trkit.mock", static_folder=None)  # nothing to serve from a folder: no /static/ route
    app.url_rule_class = LazyBuilderRule
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.url_map.strict_slashes = False
    app.extensions[EXTENSION] = engine
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    app.before_request(authenticate)
    app.after_request(refuse_unread_parameters)
    app.register_error_handler(TaskRouterError, error_response)
    app.register_error_handler(LanguageError, lambda exc: error_response(InvalidParameter(str(exc))))
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
    return app


def routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, paths in Flask's ``<name>`` form."""
    return [(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def authenticate() -> Response | None:
    current = request._get_current_object()  # type: ignore[attr-defined]  (one look-up: this runs before every request)
    environ = current.environ
    if environ.get("PATH_INFO", "").startswith("/v1/wschannels"):
        return None  # the worker SDK's event bridge: the worker's token is the credential, checked there
    header = environ.get("HTTP_AUTHORIZATION", "")
    app_engine = current_app.extensions[EXTENSION]
    if not hmac.compare_digest(header.encode("latin-1", "replace"), _expected_header(app_engine.account_sid, app_engine.auth_token)):
        refused = _credentials_refused(header)  # another spelling of the same credentials still passes
        if refused is not None:
            return refused
    if environ.get("CONTENT_LENGTH"):  # (a GET sends none: nothing to parse)
        length = current.content_length
        if length is not None and length > MAX_BODY:
            return error_response(InvalidParameter(f"Request body is too large: {length} bytes, at most {MAX_BODY} are allowed"))
    return None


@lru_cache(maxsize=8)
def _expected_header(account_sid: str, auth_token: str) -> bytes:
    """The Authorization header every Twilio client sends for these credentials (checked first: one comparison)."""
    return b"Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode())


def _credentials_refused(header: str) -> Response | None:
    if not header.startswith("Basic "):
        return error_response(AuthenticationFailed("No credentials provided"))
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return error_response(AuthenticationFailed("invalid username"))
    good_user = hmac.compare_digest(user.encode(), engine.account_sid.encode())
    good_password = hmac.compare_digest(password.encode(), engine.auth_token.encode())
    if not (good_user and good_password):
        return error_response(AuthenticationFailed("invalid username"))
    return None


def refuse_unread_parameters(response: Response) -> Response:
    """A read that succeeded without honouring a parameter the spec lists: refused instead (writes are
    checked before they change anything, in ``common``)."""
    environ = request.environ
    # a GET's parameters are its query: with none, none can be unread
    if environ["REQUEST_METHOD"] == "GET" and environ.get("QUERY_STRING") and response.status_code < 400:
        names = contract.unread()
        if names:
            return error_response(contract.refusal(names))
    return response


def http_error(exc: HTTPException) -> Response:
    if exc.code == 404:
        return error_response(NotFound(path=request.path))
    if exc.code == 405:
        return error_response(MethodNotAllowed(method=request.method, path=request.path))
    if exc.code == 413:
        return error_response(InvalidParameter(f"Request body is too large: at most {MAX_BODY} bytes are allowed"))
    return error_response(InvalidParameter(exc.description or "Bad request"))


def unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(InternalError(type(exc).__name__))
