"""One reader of a workflow's configuration serves routing, explain, pictures and tables: the same filters, the
same names (a filter without one is named by its place; the default filter is always "Default Filter")."""

from __future__ import annotations

import json

from trkit.language.workflow_config import parse_configuration, read_configuration

QUEUE_A, QUEUE_B = "WQ" + "a" * 32, "WQ" + "b" * 32


def configuration(expression: str) -> str:
    return json.dumps({"task_routing": {
        "filters": [{"filter_friendly_name": "Spanish", "expression": 'lang == "es"', "targets": [{"queue": QUEUE_A, "timeout": 30}, {"priority": 5}]},
                    {"expression": expression, "targets": [{"queue": QUEUE_B, "order_by": "worker.level DESC"}]}],
        "default_filter": {"queue": QUEUE_B}}})


def test_what_routing_reads_is_what_the_kit_reads():
    text = configuration("1==1")
    assert read_configuration(text) == parse_configuration(text, lambda sid: True)
    config = read_configuration(text)
    assert [f.name for f in config.filters] == ["Spanish", "Filter 2"]
    assert [t.queue_sid for t in config.filters[0].targets] == [QUEUE_A, QUEUE_A]  # a target without a queue keeps the one before
    assert config.filters[0].targets[1].source == {"priority": 5}  # as written, for showing
    assert config.step_of_queue(QUEUE_B) == (1, config.filters[1].targets[0])
    assert config.step_of_queue("WQ" + "c" * 32) == (None, None)


def test_a_configuration_the_mock_would_refuse_is_still_read_as_it_stands():
    # from real Twilio, say, with an expression the mock's language cannot parse: shown, not dropped
    config = read_configuration(configuration("task.level ~~ 3"))
    assert [(f.name, f.expression) for f in config.filters] == [("Spanish", 'lang == "es"'), ("Filter 2", "task.level ~~ 3")]
    assert config.filters[1].targets[0].order_by == ((("level",), True),) and config.default.queue_sid == QUEUE_B
    assert read_configuration("not json").filters == () and read_configuration(None).default is None

