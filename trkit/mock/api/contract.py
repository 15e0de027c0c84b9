"""Never ignore silently: a parameter Twilio's spec lists for a route is honoured or refused.

Each view reads its parameters through :class:`~.params.Params`, which remembers every name it was
asked for. A request that carries a parameter the spec lists for its operation but the view never
reads gets a 400 saying the mock does not emulate it — before anything is changed: a write is
checked when the view makes its engine call, a read when the view is done. Parameters the spec
does not list are ignored, as TaskRouter ignores them.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from flask import g, request

from ..engine.errors import NotEmulated

SPEC = Path(__file__).resolve().parents[1] / "data" / "twilio_taskrouter_v1.json"


def path_shape(path: str) -> str:
    """A spec path (``{WorkspaceSid}``) or a Flask rule (``<ws>``) with every placeholder as ``{}``."""
    return re.sub(r"\{[^}]+\}|<[^>]+>", "{}", path)


@lru_cache(maxsize=1)
def spec_document() -> dict:
    """Twilio's OpenAPI file for TaskRouter v1, read once."""
    return json.loads(SPEC.read_text())


@lru_cache(maxsize=1)
def spec_parameters() -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, path shape) → the form and query parameter names the spec lists for that operation."""
    spec = spec_document()
    found = {}
    for path, item in spec["paths"].items():
        for method in ("get", "post", "delete"):
            operation = item.get(method)
            if operation is None:
                continue
            names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names |= set(content.get("schema", {}).get("properties", {}))
            found[(method.upper(), path_shape(path))] = frozenset(names)
    return found


def remember(params) -> None:
    """A view's Params, so the check can see what the view read."""
    g.setdefault("trkit_params", []).append(params)


def unread() -> list[str]:
    """Parameters of this request that the spec lists for its route and its view did not read."""
    current = request._get_current_object()  # type: ignore[attr-defined]  (one look-up of the request, not six)
    rule = current.url_rule
    if rule is None:
        return []
    sent = set(current.args)
    if current.method == "POST":
        sent |= set(current.form)
    if not sent:
        return []
    listed = _listed(current.method, rule.rule)
    if listed is None:
        listed = frozenset(sent)  # no spec file here: whatever is sent must be read
    elif not listed:
        return []
    read = set().union(*(p.read for p in g.get("trkit_params", [])))
    return sorted(name for name in sent & listed if name not in read)


@lru_cache(maxsize=512)
def _listed(method: str, rule: str) -> frozenset[str] | None:
    """The parameter names the spec lists for a route (None: a route outside the spec, whose every parameter counts)."""
    if rule.startswith(("/2010-04-01/", "/mock/phone/")):
        return None
    return spec_parameters().get((method, path_shape(rule)), frozenset())


def refusal(names: list[str]) -> NotEmulated:
    which = ", ".join(names)
    verb = "is" if len(names) == 1 else "are"
    return NotEmulated(f"{which} {verb} accepted by TaskRouter on {request.method} {request.url_rule.rule} but not emulated "
                       "by the mock TaskRouter, which would otherwise ignore it; leave it out here, and try it against real Twilio")


def check() -> None:
    """Refuse the request if it carries a listed parameter its view does not honour."""
    names = unread()
    if names:
        raise refusal(names)
