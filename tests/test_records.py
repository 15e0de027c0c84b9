"""A task's or a worker's attributes: the text TaskRouter renders, and that text parsed once for the rules."""

from __future__ import annotations

import orjson
import pytest

from trkit.mock.engine.codec import DamagedRecord, decode, encode
from trkit.mock.engine.records import JOURNALS, Journal, Worker, parse_attributes


def alice(attributes: str = '{"languages": ["en", "es"]}') -> Worker:
    return Worker(sid="WK1", workspace_sid="WS1", friendly_name="Alice", attributes=attributes, activity_sid="WA1",
                  date_created=0.0, date_updated=0.0, date_status_changed=0.0)


def test_attributes_are_parsed_once_for_each_text_the_record_holds():
    worker = alice()
    first = worker.attrs
    assert first == {"languages": ["en", "es"]} and worker.attrs is first  # read again: not parsed again
    worker.attributes = '{"languages": ["en"]}'
    assert worker.attrs == {"languages": ["en"]}


def test_a_rollback_puts_back_the_text_and_so_its_parse():
    worker = alice()
    journal = Journal({"WK1": worker})
    JOURNALS.current = journal
    try:
        worker.attributes = '{"languages": ["fr"]}'
        assert worker.attrs == {"languages": ["fr"]}
    finally:
        JOURNALS.current = None
    journal.undo()
    assert worker.attributes == '{"languages": ["en", "es"]}' and worker.attrs == {"languages": ["en", "es"]}
    assert [name for _, name, _ in journal.entries] == ["attributes"]  # the parse is derived: never journaled


def test_the_parse_is_never_written_down_nor_read_back_from_a_row():
    worker = alice()
    assert worker.attrs  # parsed: the parse is held beside the text
    row = orjson.loads(encode(worker))
    assert "_parsed" not in row and row["attributes"] == '{"languages": ["en", "es"]}'
    again = decode("worker", orjson.dumps(row))
    assert again == worker and again.attrs == worker.attrs
    with pytest.raises(DamagedRecord, match="unknown fields _parsed"):
        decode("worker", orjson.dumps({**row, "_parsed": ["{}", {}]}))


@pytest.mark.parametrize(("text", "parsed"), [('{"a": 1}', {"a": 1}), ("", {}), (None, {}), ("[1]", {}), ("{not json", {})])
def test_text_that_is_no_json_object_reads_as_no_attributes(text, parsed):
    """Attributes are checked to be a JSON object when they are set; a record holding anything else (an older
    state file) routes as if it had none rather than failing every pass."""
    assert parse_attributes(text) == parsed


def test_tasks_share_the_names_and_short_values_their_attributes_repeat():
    """A waiting task keeps its parse: the names and short values every task repeats are held once."""
    first = alice('{"selected_language": "es", "customer": "' + "x" * 40 + '"}')
    second = alice('{"selected_language": "es", "customer": "' + "x" * 40 + '"}')
    (name_1, name_2), (name_3, name_4) = first.attrs, second.attrs
    assert name_1 is name_3 and name_2 is name_4
    assert first.attrs["selected_language"] is second.attrs["selected_language"]
    assert first.attrs["customer"] == second.attrs["customer"]  # a long value is the task's own
