"""Every operator and literal of TaskRouter's expression language, from the reference (https://www.twilio.com/docs/taskrouter/expression-syntax).

Each row is (expression, attributes, expected). The expectations are the reference's rules:
aliases mean the same as their operator, a missing attribute makes a comparison false (never
an error), array operators on scalars and scalar operators on arrays are false, mismatched
types are false, keywords are accepted in any case.
"""

from __future__ import annotations

import pytest

from trkit.language.expressions import ExpressionError, check_target_expression, compile_expression

WORKER = {
    "languages": ["en", "es"],
    "skills": {"spanish": 4, "billing": {"level": 2}},
    "level": 3,
    "rate": 2.5,
    "name": "Alice Smith",
    "region": "emea",
    "vip": True,
    "trainee": False,
    "manager": None,
    "scores": [10, 20, 30],
    "teams": [["a", "b"], ["c"]],
}

TABLE = [
    # ==, its alias =, and !=
    ('region == "emea"', True), ('region == "apac"', False), ("region = 'emea'", True), ('region != "apac"', True),
    ('region != "emea"', False), ("level == 3", True), ("level == 3.0", True), ("level != 4", True),
    ("rate == 2.5", True), ("1==1", True), ("1==2", False), ('"x" == "x"', True),
    # ordering operators on numbers
    ("level > 2", True), ("level > 3", False), ("level >= 3", True), ("level >= 4", False),
    ("level < 4", True), ("level < 3", False), ("level <= 3", True), ("level <= 2", False),
    ("rate > 2.4", True), ("rate < 2.4", False), ("level > -1", True),
    # ordering operators on strings
    ('region > "apac"', True), ('region < "apac"', False),
    # HAS and its alias >- (left list contains right value)
    ('languages HAS "es"', True), ('languages HAS "fr"', False), ('languages >- "en"', True), ("scores HAS 20", True),
    # IN and its alias <- (left value is in right list); NOT IN
    ('region IN ["emea", "apac"]', True), ('region IN ["apac"]', False), ('region <- ["emea"]', True),
    ('region NOT IN ["apac"]', True), ('region NOT IN ["emea", "apac"]', False), ("level IN [1, 2, 3]", True),
    ("level NOT IN [1, 2]", True),
    # CONTAINS: left string contains right string
    ('name CONTAINS "Smith"', True), ('name CONTAINS "Jones"', False), ('name CONTAINS "smith"', False),
    # nested paths and indexes
    ("skills.spanish > 3", True), ("skills.spanish > 4", False), ("skills.billing.level == 2", True),
    ("scores[0] == 10", True), ("scores[2] >= 30", True), ("scores[3] == 10", False), ('teams[0] HAS "b"', True),
    ('teams[1] HAS "b"', False),
    # booleans and null
    ("vip == true", True), ("vip == false", False), ("trainee == false", True), ("trainee != true", True),
    ("vip == TRUE", True), ("manager == null", True), ("manager != null", False), ("region != null", True),
    ("missing != null", False),
    # missing attributes: the comparison is false, never an error, whatever the operator
    ('missing == "x"', False), ('missing != "x"', False), ("missing > 1", False), ("missing < 1", False),
    ('missing HAS "x"', False), ('missing IN ["x"]', False), ('missing NOT IN ["x"]', False),
    ('missing CONTAINS "x"', False), ("skills.french > 1", False), ("skills.spanish.level == 1", False),
    # mismatched types are false
    ('level == "3"', False), ('level != "3"', False), ('level > "2"', False), ("vip == 1", False),
    ("trainee == 0", False), ('region > 1', False),
    # array operators on scalars, scalar operators on arrays: false
    ('region HAS "e"', False), ('languages IN ["en", "es"]', False), ('languages NOT IN ["fr"]', False),
    ('languages == "es"', False), ('languages != "es"', False), ('languages CONTAINS "es"', False),
    ("scores > 1", False),
    # AND, OR, parentheses, precedence (AND binds tighter than OR), keywords in any case
    ('region == "emea" AND level > 2', True), ('region == "emea" AND level > 3', False),
    ('region == "apac" OR level > 2', True), ('region == "apac" OR level > 3', False),
    ('region == "apac" AND level > 3 OR vip == true', True), ('region == "apac" AND (level > 3 OR vip == true)', False),
    ('(region == "apac" OR level == 3) AND languages HAS "es"', True),
    ('region == "emea" and level > 2', True), ('region == "apac" or vip == true', True),
    ('languages has "es"', True), ('region in ["emea"]', True), ('region not in ["emea"]', False),
    ('name contains "Alice"', True),
]


@pytest.mark.parametrize(("expression", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_expression(expression, expected):
    assert compile_expression(expression).matches(WORKER) is expected


@pytest.mark.parametrize("expression", [
    "", "   ", "level >", "level 3", '"unterminated', "(level > 1", "level > 1)", "level >> 1",
    'a-b == 1', "AND level > 1", "level > 1 AND", "[1,2", "languages HAS",
])
def test_syntax_errors_are_refused_with_a_position(expression):
    with pytest.raises(ExpressionError) as info:
        compile_expression(expression)
    assert info.value.position >= 1


def test_target_expressions_need_task_or_worker_prefixes():
    assert check_target_expression("task.level <= worker.level").matches({"task": {"level": 1}, "worker": {"level": 2}})
    assert not check_target_expression("task.level <= worker.level").matches({"task": {"level": 3}, "worker": {"level": 2}})
    assert check_target_expression('task.language IN worker.languages').matches(
        {"task": {"language": "es"}, "worker": {"languages": ["es"]}})
    for bare in ("level > 1", "task > 1", "worker == 1", 'task.x == 1 AND level == 2'):
        with pytest.raises(ExpressionError, match="must start with 'task.' or 'worker.'"):
            check_target_expression(bare)


def test_why_false_names_the_failing_comparison():
    expression = compile_expression('languages HAS "fr" AND level > 1')
    assert expression.why_false(WORKER) == ['lacks "fr" in languages (has ["en", "es"])']
    assert compile_expression("level > 1").why_false(WORKER) == []
    assert compile_expression('missing HAS "x"').why_false(WORKER) == ["missing is missing"]


# The mock's own error contract (the reference leaves it open): the 1-based column where the
# expression stops making sense, and a reason a learner can act on.
@pytest.mark.parametrize(("expression", "position", "reason"), [
    ("level >", 8, "Unexpected end of expression"),
    ("  level >", 10, "Unexpected end of expression"),
    ("level 3", 7, "Unexpected '3'"),
    ('"unterminated', 1, "Unexpected character '\"'"),
    ("(level > 1", 11, "Unexpected end of expression"),
    ("level > 1)", 10, "Unexpected ')'"),
    ("a-b == 1", 2, "Unexpected character '-'"),
    ("", 1, "Empty expression"),
    ("   ", 1, "Empty expression"),
])
def test_syntax_error_position_and_reason(expression, position, reason):
    with pytest.raises(ExpressionError) as info:
        compile_expression(expression)
    assert (info.value.position, info.value.reason) == (position, reason)
    assert str(info.value) == f"{reason} at position {position} of {expression!r}"


@pytest.mark.parametrize(("expression", "position", "name"), [
    ("task.x == 1 AND level == 2", 17, "level"), ("task > 1", 1, "task"), ("worker.a[0] == 1 AND foo.b == 2", 22, "foo.b"),
])
def test_target_expression_errors_point_at_the_bare_attribute(expression, position, name):
    with pytest.raises(ExpressionError) as info:
        check_target_expression(expression)
    assert (info.value.position, info.value.reason) == (position, f"Attribute '{name}' must start with 'task.' or 'worker.'")


@pytest.mark.parametrize(("expression", "why"), [
    ('languages HAS "fr"', ['lacks "fr" in languages (has ["en", "es"])']),
    ('missing HAS "x"', ["missing is missing"]),
    ("level IN [1, 2]", ["level is 3, not in [1, 2]"]),
    ("missing IN [1]", ["missing is missing"]),
    ("level > 5", ["level is 3, so level > 5 is false"]),
    ("level == skills.spanish", ["level is 3 and skills.spanish is 4, so == is false"]),
    ("1 == 2", ["1 == 2 is false"]),
    ('region == "apac" OR level < 1', ['region is "emea", so region == "apac" is false or level is 3, so level < 1 is false']),
    ('scores[0] == 20', ["scores[0] is 10, so scores[0] == 20 is false"]),
    ('level > 1 AND region == "apac" AND vip == false', ['region is "emea", so region == "apac" is false']),
    ("missing == 1", ["missing is missing, so missing == 1 is false"]),
])
def test_why_false_in_words(expression, why):
    assert compile_expression(expression).why_false(WORKER) == why


def test_roots_and_literals():
    expression = compile_expression('a.b == c[1] OR d HAS 1 AND e IN ["x", 2, 2.5, true, null]')
    assert expression.roots() == {"a", "c", "d", "e"}
    assert compile_expression('e IN ["x", 2, 2.5, true, null]').matches({"e": None})
    assert compile_expression('e IN ["x", 2, 2.5, true, null]').matches({"e": 2.5})
    assert compile_expression("e == -1.5e2").matches({"e": -150.0})
    assert compile_expression("e == 1E2").matches({"e": 100})
    assert not compile_expression("e == 1").matches({"e": True})
    assert compile_expression("e == []").matches({"e": []}) is False  # arrays are never compared with ==


def test_why_an_or_is_false_gives_each_sides_reason_joined_by_or():
    from trkit.language.expressions import compile_expression

    either = compile_expression('level > 3 OR languages HAS "fr"')
    assert either.why_false({"level": 1, "languages": ["en"]}) == [
        'level is 1, so level > 3 is false or lacks "fr" in languages (has ["en"])']
    assert either.why_false({"level": 5, "languages": []}) == []  # true: nothing to explain
    both = compile_expression('level > 3 AND languages HAS "fr"')
    assert both.why_false({"level": 5, "languages": ["en"]}) == ['lacks "fr" in languages (has ["en"])']  # the side that failed
    assert compile_expression("task.a == worker.b").why_false({"task": {"a": 1}, "worker": {"b": 2}}) == [
        "task.a is 1 and worker.b is 2, so == is false"]


@pytest.mark.parametrize(("text", "position", "attribute"), [
    ('lang == "es"', 1, "lang"), ('task.lang == "es" AND lang2 == 1', 23, "lang2"), ("lang == 1 OR lang == 2", 1, "lang"),
    ("task == 1", 1, "task"),
])
def test_a_target_expression_names_the_first_attribute_not_under_task_or_worker_and_where_it_is(text, position, attribute):
    from trkit.language.expressions import ExpressionError, check_target_expression

    with pytest.raises(ExpressionError) as refused:
        check_target_expression(text)
    assert str(refused.value) == f"Attribute '{attribute}' must start with 'task.' or 'worker.' at position {position} of {text!r}"
    assert refused.value.expression == text
