"""One reader of a workflow's configuration serves routing, explain, pictures and tables: the same filters, the
same names (a filter without one is named by its place; the default filter is always "Default Filter")."""

from __future__ import annotations

import json

import pytest

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



def lenient(targets: list, default: dict | None = None, **routing) -> str:
    """A configuration the mock would refuse on save (an expression it cannot parse), so the lenient reader reads it."""
    return json.dumps({"task_routing": {"filters": [{"expression": "a ~~ b", "targets": targets}],
                                        **({"default_filter": default} if default is not None else {}), **routing}})


def test_the_lenient_reader_keeps_every_part_of_a_target_it_can_read():
    raw = {"queue": QUEUE_A, "expression": "worker.level > 2", "timeout": 30, "priority": 7, "order_by": "worker.level DESC",
           "known_worker_sid": "task.agent_sid", "skip_if": "workers.available == 0"}
    (target,) = read_configuration(lenient([raw])).filters[0].targets
    assert (target.queue_sid, target.expression, target.timeout, target.priority) == (QUEUE_A, "worker.level > 2", 30, 7)
    assert target.order_by == ((("level",), True),) and target.known_worker_sid == ("agent_sid",)
    assert target.known_worker_friendly_name is None and target.source == raw
    (named,) = read_configuration(lenient([{"queue": QUEUE_A, "known_worker_friendly_name": "task.agent"}])).filters[0].targets
    assert (named.known_worker_friendly_name, named.known_worker_sid) == (("agent",), None)


def test_the_lenient_reader_leaves_out_what_it_cannot_read_and_never_guesses():
    raw = {"timeout": "30", "priority": 1.5, "order_by": "level sideways", "known_worker_sid": "agent_sid"}
    first, second = read_configuration(lenient([{"queue": QUEUE_A}, raw])).filters[0].targets
    assert second.queue_sid == QUEUE_A  # no queue: the target before's, as TaskRouter reads the step
    assert (second.timeout, second.priority, second.order_by, second.known_worker_sid) == (None, None, (), None)
    (alone,) = read_configuration(lenient([{"expression": "1==1"}])).filters[0].targets
    assert alone.queue_sid == ""  # the first target names no queue: none is made up
    config = read_configuration(lenient(["not a target", {"queue": QUEUE_B}], default={"queue": QUEUE_A}))
    assert [t.queue_sid for t in config.filters[0].targets] == [QUEUE_B] and config.default.queue_sid == QUEUE_A
    assert read_configuration(lenient([], default="nowhere")).default is None
    assert read_configuration(json.dumps({"task_routing": {"filters": ["junk", {"targets": None}]}})).filters[0].targets == ()


def test_an_empty_configuration_reads_as_no_routing_at_all():
    for text in ("", None, "[]", '{"task_routing": []}'):
        config = read_configuration(text)
        assert (config.filters, config.default) == ((), None)


def test_a_configuration_whose_parts_are_of_the_wrong_shape_reads_as_far_as_it_can():
    assert read_configuration('{"task_routing": {"filters": {"a": 1}}}').filters == ()
    assert read_configuration('{"task_routing": {"filters": [{"expression": "a ~~ b", "targets": {"queue": "WQ1"}}]}}'
                              ).filters[0].targets == ()
    assert read_configuration('"task_routing"').filters == ()


def test_a_queue_only_the_default_filter_names_is_its_step_minus_one():
    config = read_configuration(json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": QUEUE_A}]}],
                                                             "default_filter": {"queue": QUEUE_B}}}))
    assert config.step_of_queue(QUEUE_B) == (-1, config.default) and config.step_of_queue(QUEUE_A)[0] == 0


def test_the_same_step_needs_the_same_target_and_the_same_filter_expression():
    def config(expression: str, queue: str = QUEUE_A) -> object:
        return read_configuration(json.dumps({"task_routing": {"filters": [{"expression": expression, "targets": [{"queue": queue}]}],
                                                                 "default_filter": {"queue": QUEUE_B}}}))

    base = config('lang == "es"')
    assert base.same_step(config('lang == "es"'), 0, 0)
    assert not base.same_step(config('lang == "en"'), 0, 0)  # the same queue under another filter is another step
    assert not base.same_step(config('lang == "es"', QUEUE_B), 0, 0)
    assert base.same_step(config('lang == "en"'), -1, 0)  # the default filter has no expression to differ
    assert not base.same_step(config('lang == "es"'), 0, 1)  # no such target


@pytest.mark.parametrize(("order_by", "read"), [
    ("worker.level", ((("level",), False),)), ("worker.level desc", ((("level",), True),)),
    ("worker.skills.es DESC, worker.tenure", ((("skills", "es"), True), (("tenure",), False))),
])
def test_order_by_reads_each_clause_and_its_direction(order_by, read):
    text = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": QUEUE_A, "order_by": order_by}]}]}})
    assert parse_configuration(text, lambda sid: True).filters[0].targets[0].order_by == read


@pytest.mark.parametrize("order_by", ["worker. DESC", "level DESC", "worker.level DOWN", "worker.level DESC now", "worker.level,"])
def test_order_by_refuses_a_clause_that_is_not_a_worker_attribute_and_a_direction(order_by):
    from trkit.language.errors import LanguageError

    text = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": QUEUE_A, "order_by": order_by}]}]}})
    with pytest.raises(LanguageError, match="must be 'worker.<attribute> ASC' or 'worker.<attribute> DESC'"):
        parse_configuration(text, lambda sid: True)


def test_the_queues_a_configuration_routes_to_include_the_default_filters():
    from trkit.language.workflow_config import queues_named

    text = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": QUEUE_A}, {"priority": 2}]}],
                                        "default_filter": {"queue": QUEUE_B}}})
    assert queues_named(text) == {QUEUE_A, QUEUE_B}
    assert queues_named("not json") == set() and queues_named('{"task_routing": {}}') == set()
