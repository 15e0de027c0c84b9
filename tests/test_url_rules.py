"""The mock's URL rules: a fresh app (the ``taskrouter`` fixture builds one per test) parses each rule's text once
per process, and its rules still match and build every URL as Werkzeug's own rules do."""

from __future__ import annotations

import re

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

from trkit.mock.api.app import LazyBuilderRule, create_app
from trkit.mock.engine import Store, TaskRouterEngine


def _app():
    return create_app(TaskRouterEngine(Store(), "AC" + "0" * 32, "token"))


def _sample_path(rule_text: str) -> tuple[str, dict[str, str]]:
    values: dict[str, str] = {}

    def fill(match: re.Match) -> str:
        values[match.group(1)] = f"X{len(values)}"
        return values[match.group(1)]

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, rule_text), values


def _outcome(adapter: MapAdapter, path: str, method: str):
    try:
        return adapter.match(path, method=method)
    except HTTPException as exc:  # (a sample value may read as another rule's static part: the same either way)
        return exc.code


def test_every_rule_of_a_second_app_matches_and_builds_as_werkzeugs_own_rule():
    _app()  # the rules' texts parsed here, in the first app of the process (or earlier)
    app = _app()
    plain = Map([Rule(rule.rule, websocket=rule.websocket, **rule.get_empty_kwargs()) for rule in app.url_map.iter_rules()],
                strict_slashes=False).bind("mock.test")
    ours = app.url_map.bind("mock.test")
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50 and all(isinstance(rule, LazyBuilderRule) for rule in rules)
    matched = 0
    for rule in rules:
        path, values = _sample_path(rule.rule)
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        assert _outcome(ours, path, method) == _outcome(plain, path, method), rule.rule
        assert ours.build(rule.endpoint, values, method=method) == plain.build(rule.endpoint, values, method=method)
        matched += _outcome(ours, path, method) == (rule.endpoint, values)
    assert matched >= len(rules) - 5  # nearly every sample reaches its own rule (the comparison is not all refusals)


def test_a_second_app_parses_no_rule_text_again(monkeypatch):
    _app()
    parsed: list[str] = []
    original = Rule._parse_rule

    def counting(self, rule):
        parsed.append(rule)
        return original(self, rule)

    monkeypatch.setattr(Rule, "_parse_rule", counting)
    _app()
    assert parsed == []


def test_a_rule_of_the_same_text_keeps_its_own_defaults_and_gets_the_variables_of_its_text():
    first = Map([LazyBuilderRule("/v1/Things/<sid>/Parts", endpoint="a")]).bind("mock.test")
    second = Map([LazyBuilderRule("/v1/Things/<sid>/Parts", endpoint="b", defaults={"kind": "all"})]).bind("mock.test")
    assert first.match("/v1/Things/T1/Parts") == ("a", {"sid": "T1"})
    assert second.match("/v1/Things/T1/Parts") == ("b", {"sid": "T1", "kind": "all"})
    assert [sorted(r.arguments) for r in second.map.iter_rules()] == [["kind", "sid"]]
