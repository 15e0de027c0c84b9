"""Rows as the state file keeps them: every record and event batch reads back as it was written, and a row that
does not fit its record is refused naming the field and what is wrong (a state file is passed around: reading
one must never trust it)."""

from __future__ import annotations

import typing

import orjson
import pytest
import zstandard
from voice import Desk, conference_for_alice

from trkit.language.twiml import Verb
from trkit.mock.engine import codec
from trkit.mock.engine.codec import DamagedRecord, check_meta, decode, decode_batch, encode, encode_batch
from trkit.mock.engine.records import MODEL_CLASSES, Call, Event


def busy_desk() -> Desk:
    """A desk with one record of every kind: a caller in a conference with Alice, a key, a caller mid-Gather."""
    d = Desk()
    caller, task, leg = conference_for_alice(d)
    d.answer_call(leg)
    d.create_api_key("laptop")
    d.route("/incoming_call", lambda p: '<Response><Gather numDigits="2"><Say>Press</Say></Gather><Say>bye</Say></Response>')
    d.press_digits(d.dial_in(), "4")
    return d


def test_every_record_reads_back_as_it_was_written():
    d = busy_desk()
    kinds = set()
    for kind in MODEL_CLASSES:
        for record in d.engine.store.all(kind) if kind != "event" else ():
            assert decode(kind, encode(record)) == record
            kinds.add(kind)
    assert kinds == set(MODEL_CLASSES) - {"event"}
    gathering = next(c for c in d.engine.store.all("call") if c.gather)
    again = decode("call", encode(gathering))
    assert again.program == gathering.program and isinstance(again.program[0], Verb) and again.gather["digits"] == "4"
    assert isinstance(again.status_callback_events, tuple) and isinstance(again.transcript, tuple)


def worker_row(**changes) -> bytes:
    row = {"sid": "WK1", "workspace_sid": "WS1", "friendly_name": "Alice", "attributes": "{}", "activity_sid": "WA1",
           "date_created": 0.0, "date_updated": 0.0, "date_status_changed": 0.0, **changes}
    return orjson.dumps({k: v for k, v in row.items() if v is not DROP})


DROP = object()


@pytest.mark.parametrize(("changes", "message"), [
    ({"friendly_name": 5}, "friendly_name must be a string, got int"),
    ({"version": 1.5}, "version must be an integer, got float"),
    ({"version": True}, "version must be an integer, got bool"),
    ({"date_created": "0"}, "date_created must be a number, got str"),
    ({"date_created": None}, "date_created must be a number, got NoneType"),
    ({"idle_since": [1]}, "idle_since must be a number, got list"),
    ({"sid": DROP, "friendly_name": DROP}, "missing fields friendly_name, sid"),
    ({"zeta": 1, "alpha": 2}, "unknown fields alpha, zeta"),
])
def test_a_worker_row_that_does_not_fit_names_the_field(changes, message):
    with pytest.raises(DamagedRecord) as damaged:
        decode("worker", worker_row(**changes))
    assert str(damaged.value) == message


def test_each_field_type_is_checked_and_an_optional_one_may_be_null():
    ok = decode("worker", worker_row(date_created=3, idle_since=2.5))
    assert (ok.date_created, ok.idle_since) == (3, 2.5)  # an integer is a number
    base = orjson.loads(encode(Call(sid="CA1", account_sid="AC1", to="+1", from_="+2", direction="inbound", status="ringing",
                                    date_created=0.0, date_updated=0.0)))
    refusals = {"gather": ([1], "gather must be an object, got list"), "transcript": ("heard", "transcript must be a list, got str"),
                "url": (7, "url must be a string, got int"), "start_time": ("now", "start_time must be a number, got str")}
    for field, (value, message) in refusals.items():
        with pytest.raises(DamagedRecord) as damaged:
            decode("call", orjson.dumps({**base, field: value}))
        assert str(damaged.value) == message
    assert decode("call", orjson.dumps({**base, "url": None, "gather": None})).url is None
    assert decode("activity", orjson.dumps({"sid": "WA1", "workspace_sid": "WS1", "friendly_name": "Idle", "available": True,
                                            "date_created": 0, "date_updated": 0})).available is True
    with pytest.raises(DamagedRecord, match="^available must be true or false, got int$"):
        decode("activity", orjson.dumps({"sid": "WA1", "workspace_sid": "WS1", "friendly_name": "Idle", "available": 1,
                                         "date_created": 0, "date_updated": 0}))


@pytest.mark.parametrize(("kind", "body", "message"), [
    ("event", b"{}", "there is no kind of record called 'event'"),
    ("robot", b"{}", "there is no kind of record called 'robot'"),
    ("worker", b"{not json", "the row is not JSON"),
    ("worker", None, "the row is not JSON"),
    ("worker", b"[1, 2]", "the row is not a JSON object"),
])
def test_a_row_of_no_known_kind_or_no_json_object_is_refused(kind, body, message):
    with pytest.raises(DamagedRecord) as damaged:
        decode(kind, body)
    assert str(damaged.value) == message


@pytest.mark.parametrize(("verb", "message"), [
    ("Say", "program holds something that is not a TwiML verb"),
    ({"name": "Say", "attributes": {}, "text": "hi"}, "program holds something that is not a TwiML verb"),
    ({"name": "Say", "attributes": {"loop": 2}, "text": "hi", "children": []}, "program holds a TwiML verb whose fields have the wrong types"),
    ({"name": "Say", "attributes": {}, "text": None, "children": []}, "program holds a TwiML verb whose fields have the wrong types"),
    ({"name": "Gather", "attributes": {}, "text": "", "children": [{"name": 1}]}, "program holds something that is not a TwiML verb"),
])
def test_a_calls_program_holds_only_twiml_verbs(verb, message):
    row = orjson.loads(encode(Call(sid="CA1", account_sid="AC1", to="+1", from_="+2", direction="inbound", status="ringing",
                                   date_created=0.0, date_updated=0.0)))
    with pytest.raises(DamagedRecord) as damaged:
        decode("call", orjson.dumps({**row, "program": [verb]}))
    assert str(damaged.value) == message


def event(**changes) -> Event:
    return Event(**{"sid": "EV1", "workspace_sid": "WS1", "event_type": "task.created", "description": "d", "resource_type": "task",
                    "resource_sid": "WT1", "resource_url_path": "/x", "actor_type": "workspace", "actor_sid": "WS1",
                    "actor_url_path": None, "event_date": 1.5, "event_data": {"task_sid": "WT1"}, **changes})


def test_an_event_batch_reads_back_as_written_and_a_damaged_one_is_refused():
    events = [event(), event(sid="EV2", task_sid="WT1", event_data={})]
    assert decode_batch(encode_batch(events)) == events
    damaged = {b"not zstd": "an event batch is not one the mock wrote (or is cut short)",
               encode_batch(events)[:-4]: "an event batch is not one the mock wrote (or is cut short)",
               codec._COMPRESSOR.compress(b"{}"): "an event batch is not laid out as the mock writes one",
               codec._COMPRESSOR.compress(b"[{}]"): "missing fields " + ", ".join(sorted(
                   ["sid", "workspace_sid", "event_type", "description", "resource_type", "resource_sid", "resource_url_path",
                    "actor_type", "actor_sid", "actor_url_path", "event_date"])),
               encode_batch([event(event_data={"n": 1})]): "an event's data holds something other than text"}
    for body, message in damaged.items():
        with pytest.raises(DamagedRecord) as refused:
            decode_batch(body)
        assert str(refused.value) == message


def test_a_batch_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(codec, "BATCH_LIMIT", 100)
    declared = encode_batch([event(description="x" * 200)])  # the frame says how big it is
    with pytest.raises(DamagedRecord, match="^an event batch says it unpacks to more than 100 bytes$"):
        decode_batch(declared)
    undeclared = zstandard.ZstdCompressor(write_content_size=False).compress(orjson.dumps([event(description="x" * 200)]))
    with pytest.raises(DamagedRecord, match="cut short"):
        decode_batch(undeclared)
    monkeypatch.setattr(codec, "BATCH_LIMIT", 10_000)
    assert decode_batch(declared)[0].description == decode_batch(undeclared)[0].description == "x" * 200


@pytest.mark.parametrize(("meta", "message"), [
    ({"clock_offset": "12.5", "clock_history": "[[1, 2.5], [3, 4]]", "phones": '[["+14155550111", "answer"]]'}, None),
    ({"clock_history": "[]", "phones": "[]"}, None),
    ({"timezone": "UTC"}, "unknown setting 'timezone'"),
    ({"clock_offset": "soon"}, "setting clock_offset is not of its form (could not convert string to float: 'soon')"),
    ({"clock_history": "[[1, 2, 3]]"}, "setting clock_history is not of its form (not a list of pairs)"),
    ({"clock_history": '[[1, "2"]]'}, "setting clock_history is not of its form (not a list of pairs)"),
    ({"clock_history": '{"a": 1}'}, "setting clock_history is not of its form (not a list of pairs)"),
    ({"phones": '[["+1", 2]]'}, "setting phones is not of its form (not a list of pairs)"),
    ({"phones": '[[1, "ring"]]'}, "setting phones is not of its form (not a list of pairs)"),
    ({"phones": '[["+1"]]'}, "setting phones is not of its form (not a list of pairs)"),
])
def test_the_stored_settings_are_each_of_their_form(meta, message):
    if message is None:
        check_meta(meta)
        return
    with pytest.raises(DamagedRecord) as damaged:
        check_meta(meta)
    assert str(damaged.value) == message


def test_a_field_type_with_no_check_is_found_when_the_module_loads():
    # a record field of a type the codec cannot read back must fail loudly, not be stored unchecked
    for hint in (list[int], int | str | None, set):
        with pytest.raises(TypeError, match="^no check for field f: "):
            codec._rule("f", hint)
    assert codec._rule("f", typing.Any) == codec.FieldRule("f", object)
    assert codec._rule("f", int | None) == codec.FieldRule("f", int, optional=True)
    assert codec._rule("f", tuple) == codec.FieldRule("f", tuple)
    assert [f.name for f in codec.stored_fields(MODEL_CLASSES["task"])][-1] == "version"


@pytest.mark.parametrize(("rule", "value", "read"), [
    (codec.FieldRule("f", object), {"any": ["thing"]}, {"any": ["thing"]}),
    (codec.FieldRule("f", int, optional=True), None, None),
    (codec.FieldRule("f", tuple), ["a", 1], ("a", 1)),
    (codec.FieldRule("f", float), 2, 2),
    (codec.FieldRule("f", bool), False, False),
])
def test_a_field_that_fits_its_rule_is_read_as_the_record_holds_it(rule, value, read):
    got = codec.read_field(rule, value)
    assert got == read and type(got) is type(read)


@pytest.mark.parametrize(("rule", "value", "message"), [
    (codec.FieldRule("f", int), None, "f must be an integer, got NoneType"),  # not optional: null does not fit
    (codec.FieldRule("f", bool), 0, "f must be true or false, got int"),
    (codec.FieldRule("f", tuple), ("a",), "f must be a list, got tuple"),
    (codec.FieldRule("f", dict, optional=True), [], "f must be an object, got list"),
])
def test_a_field_that_does_not_fit_its_rule_is_named(rule, value, message):
    with pytest.raises(DamagedRecord) as damaged:
        codec.read_field(rule, value)
    assert str(damaged.value) == message
