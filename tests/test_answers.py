"""What TaskRouter makes of an assignment callback's answer (https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks): only a 200 with
``application/json`` and an ``instruction`` is acted on; the warning codes are Twilio's catalog's."""

from __future__ import annotations

import pytest

from trkit.language.answers import read_answer

JSON = "application/json"


def test_an_accept_with_a_json_content_type_is_acted_on():
    reading = read_answer(200, "application/json; charset=utf-8", ' {"instruction": "accept"} ')
    assert reading.instruction == {"instruction": "accept"} and reading.code is None and not reading.fallback
    assert "'accept'" in reading.why


@pytest.mark.parametrize("instruction", ["accept", "reject", "dequeue", "call", "redirect", "conference"])
def test_every_instruction_taskrouter_knows_is_read(instruction):
    assert read_answer(200, JSON, f'{{"instruction": "{instruction}"}}').instruction == {"instruction": instruction}


def test_instruction_names_are_read_without_regard_to_case():
    assert read_answer(200, JSON, '{"instruction": "Accept"}').instruction == {"instruction": "Accept"}


@pytest.mark.parametrize("status", [201, 204, 302, 404, 500])
def test_an_answer_other_than_200_is_not_processed_and_the_fallback_is_tried(status):
    reading = read_answer(status, JSON, '{"instruction": "accept"}')
    assert reading.instruction is None and reading.fallback and reading.code is None
    assert f"HTTP {status}" in reading.why and "fallback" in reading.why


@pytest.mark.parametrize("body", ["", "   ", None])
def test_an_empty_answer_leaves_the_reservation_pending_without_a_warning(body):
    reading = read_answer(200, JSON, body)
    assert reading.instruction is None and reading.code is None and not reading.fallback
    assert "pending" in reading.why


@pytest.mark.parametrize("content_type", [None, "", "text/html", "text/plain; charset=utf-8", "application/jsonx"])
def test_an_answer_not_typed_json_is_ignored_with_40000(content_type):
    reading = read_answer(200, content_type, '{"instruction": "accept"}')
    assert (reading.instruction, reading.code, reading.fallback) == (None, 40000, False)
    assert "pending" in reading.why


def test_the_content_type_is_compared_without_case_or_parameters():
    assert read_answer(200, "Application/JSON ; charset=utf-8", '{"instruction": "accept"}').code is None


@pytest.mark.parametrize("body", ["{instruction: accept}", '"{\\"instruction\\": \\"accept\\"}', "{", "accept"])
def test_an_answer_that_is_not_json_is_ignored_with_40001(body):
    reading = read_answer(200, JSON, body)
    assert (reading.instruction, reading.code, reading.fallback) == (None, 40001, False)


@pytest.mark.parametrize("body", ["{}", '{"activity_sid": "WA1"}', '{"instruction": ""}', '{"instruction": null}',
                                  '["accept"]', '"accept"', "42"])
def test_json_without_an_instruction_leaves_the_reservation_pending_with_40005(body):
    reading = read_answer(200, JSON, body)
    assert (reading.instruction, reading.code, reading.fallback) == (None, 40005, False)
    assert "pending" in reading.why


def test_an_unknown_instruction_is_55555_and_the_reservation_stays_pending():
    reading = read_answer(200, JSON, '{"instruction": "acept"}')
    assert (reading.instruction, reading.code, reading.fallback) == (None, 55555, False)
    assert "'acept'" in reading.why and "accept" in reading.why.split("knows", 1)[1]


@pytest.mark.parametrize(("status", "content_type", "body", "why"), [
    (200, JSON, "  ", "empty answer: reservation stays pending"),
    (200, None, "{}", "answer is not application/json (no Content-Type): ignored, reservation stays pending (40000)"),
    (200, "Text/HTML; charset=utf-8", "{}", "answer is not application/json (text/html): ignored, reservation stays pending (40000)"),
    (200, JSON, "{", "answer is not valid JSON: ignored, reservation stays pending (40001)"),
    (200, JSON, "[]", "no instruction: reservation stays pending (40005)"),
    (200, JSON, '{"instruction": "hold"}', "unknown instruction 'hold' (55555): reservation stays pending; "
                                          "TaskRouter knows accept, reject, dequeue, call, redirect, conference, supervise"),
    (503, JSON, "{}", "HTTP 503: not processed; the fallback assignment callback URL is called if set"),
    (200, JSON, '{"instruction": "Dequeue"}', "instruction 'Dequeue'"),
])
def test_each_reading_says_what_taskrouter_did_with_the_answer(status, content_type, body, why):
    # the kit shows this line beside each assignment callback in the learner's log
    assert read_answer(status, content_type, body).why == why
