"""JSON from clients: nesting measured outside strings, bounded, and refused naming the parameter."""

from __future__ import annotations

import pytest

from trkit.language.documents import MAX_DEPTH, nesting_depth, parse_json, parse_json_object
from trkit.language.errors import LanguageError


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0), ("{}", 1), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('"[[[["', 0), ('{"a": "}}}]]]"}', 1),
    ('["\\"[[["]', 1), ("[" * 70 + "]" * 70, 70), ('[[1], [2], [[3]]]', 3),
])
def test_nesting_depth_counts_brackets_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_the_limit_is_64_levels():
    assert MAX_DEPTH == 64
    assert parse_json("[" * 64 + "]" * 64, "Attributes") is not None
    with pytest.raises(LanguageError) as info:
        parse_json("[" * 65 + "]" * 65, "Attributes")
    assert str(info.value) == "Attributes is nested too deeply: 65 levels of arrays and objects, at most 64 are allowed"


def test_invalid_json_names_the_parameter():
    with pytest.raises(LanguageError, match=r"^Configuration must be valid JSON: Expecting"):
        parse_json("{oops", "Configuration")


def test_objects_only_and_bounded_in_length():
    assert parse_json_object('{"a": 1}', "Attributes", max_len=8) == {"a": 1}
    with pytest.raises(LanguageError, match="Attributes is too long: 9 characters, at most 8 are allowed"):
        parse_json_object('{"a": 12}', "Attributes", max_len=8)
    with pytest.raises(LanguageError, match="Attributes must be a JSON object, got list"):
        parse_json_object("[1]", "Attributes")
    assert parse_json_object("{}", "Attributes") == {}


@pytest.mark.parametrize(("sid", "prefix", "looks"), [
    ("WT" + "0123456789abcdef" * 2, "WT", True),
    ("WK" + "0123456789abcdef" * 2, "WT", False),  # another kind's SID
    ("WT" + "0123456789ABCDEF" * 2, "WT", True),  # the spec's pattern: ^WT[0-9a-fA-F]{32}$
    ("WT" + "0123456789abcdeg" * 2, "WT", False),
    ("WT" + "0" * 31, "WT", False), ("WT", "WT", False), ("", "WT", False), (None, "WT", False),
])
def test_a_sid_looks_like_its_kind_only_with_its_prefix_and_32_hex_digits(sid, prefix, looks):
    from trkit.language.vocabulary import looks_like

    assert looks_like(sid, prefix) is looks
