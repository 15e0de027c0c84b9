"""The TwiML the mock plays, read by a real XML parser (defusedxml): what is emulated is parsed, what
is not is refused with the code Twilio's debugger records (Twilio's error catalog: 12100 document parse
failure, 12200 schema validation; 11200 for an answer that is not TwiML at all)."""

from __future__ import annotations

import pytest

from trkit.language.twiml import TwimlError, UnplayableAnswer, answer_verbs, outline, parse_twiml, read_twiml_answer

GATHER = ('<Response><Gather action="/enqueue_call" method="POST" numDigits="1" timeout="5">'
          '<Say language="es">Para Español oprime el uno.</Say><Say>For English, press two.</Say></Gather></Response>')


def refused(document: str) -> TwimlError:
    with pytest.raises(TwimlError) as caught:
        parse_twiml(document)
    return caught.value


def test_a_gather_with_its_prompts_is_read_verb_by_verb():
    (gather,) = parse_twiml(GATHER)
    assert (gather.name, gather.get("action"), gather.get("numDigits"), gather.get("finishOnKey")) == \
        ("Gather", "/enqueue_call", "1", None)
    assert [(s.name, s.get("language"), s.text) for s in gather.children] == \
        [("Say", "es", "Para Español oprime el uno."), ("Say", None, "For English, press two.")]
    assert outline(parse_twiml(GATHER)) == "Gather(Say, Say)"


def test_an_enqueue_carries_its_task_and_its_attributes():
    (enqueue,) = parse_twiml('<Response><Enqueue workflowSid="WW1" action="/after">'
                             '<Task priority="5" timeout="600">{"selected_language": "es"}</Task></Enqueue></Response>')
    (task,) = enqueue.children
    assert enqueue.get("workflowSid") == "WW1" and task.attributes == {"priority": "5", "timeout": "600"}
    assert task.text == '{"selected_language": "es"}'


def test_a_dial_to_a_queue_by_reservation_is_read():
    (dial,) = parse_twiml('<Response><Dial><Queue reservationSid="WR1" postWorkActivitySid="WA1"/></Dial></Response>')
    assert dial.children[0].attributes == {"reservationSid": "WR1", "postWorkActivitySid": "WA1"}


def test_an_empty_response_plays_nothing():
    assert parse_twiml("<Response/>") == [] and outline([]) == "nothing"


@pytest.mark.parametrize("document", ["<Response><Say>unclosed</Response>", "not xml at all", ""])
def test_a_document_that_is_not_well_formed_is_12100(document):
    assert refused(document).code == 12100


def test_entities_and_doctypes_are_refused_not_expanded():
    bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><Response><Say>&a;</Say></Response>'
    error = refused(bomb)
    assert error.code == 12100 and "declares" in str(error)


def test_a_root_other_than_response_is_12200():
    error = refused("<Reply><Say>hi</Say></Reply>")
    assert error.code == 12200 and "<Reply>" in str(error)


def test_an_unknown_element_is_12200_and_named():
    error = refused("<Response><Shout>hi</Shout></Response>")
    assert error.code == 12200 and "<Shout> is not a TwiML element <Response> may hold" in str(error)


@pytest.mark.parametrize("verb", ["Record", "Conference", "Connect", "Sms"])
def test_twiml_the_mock_does_not_play_is_refused_saying_so(verb):
    error = refused(f"<Response><{verb}/></Response>")
    assert error.code == 12200 and f"<{verb}> is TwiML the mock does not emulate" in str(error)


def test_a_noun_outside_its_verb_is_refused_with_where_it_was():
    assert "<Task> inside <Response> is TwiML the mock does not emulate" in str(refused("<Response><Task>{}</Task></Response>"))
    assert "inside <Gather>" in str(refused("<Response><Gather><Dial/></Gather></Response>"))


def test_an_attribute_the_player_does_not_act_on_is_refused_not_skipped():
    error = refused('<Response><Say voice="alice" rate="slow">hi</Say></Response>')
    assert error.code == 12200 and "'rate' attribute of <Say>" in str(error) and "language, loop, voice" in str(error)


@pytest.mark.parametrize("document, words", [
    ('<Response><Gather numDigits="one"/></Response>', "must be a whole number"),
    ('<Response><Pause length="-1"/></Response>', "must be a whole number"),
    ('<Response><Enqueue><Task priority="high">{}</Task></Enqueue></Response>', "must be a whole number"),
    ('<Response><Redirect method="PUT">/next</Redirect></Response>', "must be GET or POST"),
])
def test_values_the_player_reads_are_checked(document, words):
    error = refused(document)
    assert error.code == 12200 and words in str(error)


def test_methods_are_read_without_regard_to_case():
    assert parse_twiml('<Response><Redirect method="get">/next</Redirect></Response>')[0].get("method") == "get"


def test_speech_input_is_refused_as_not_emulated():
    assert "dtmf" in str(refused('<Response><Gather input="speech"/></Response>'))
    assert parse_twiml('<Response><Gather input="dtmf"/></Response>')[0].get("input") == "dtmf"


@pytest.mark.parametrize("content_type", ["text/xml", "application/xml; charset=utf-8", "text/html", "text/plain"])
def test_voice_reads_these_content_types_as_twiml(content_type):
    assert read_twiml_answer(200, content_type, GATHER) == "plays Gather(Say, Say)"


def test_an_answer_that_is_not_twiml_is_an_application_error():
    assert "(11200)" in read_twiml_answer(500, "text/xml", GATHER)
    assert "(11200)" in read_twiml_answer(404, "text/xml", GATHER)
    assert read_twiml_answer(200, "application/json", "{}").startswith("application/json is not TwiML")
    assert read_twiml_answer(200, None, GATHER).startswith("no Content-Type is not TwiML")
    assert "(12100)" in read_twiml_answer(200, "text/xml", "<Response>")


def test_plain_text_that_is_not_xml_is_read_aloud():
    assert read_twiml_answer(200, "text/plain", "Goodbye.") == \
        "plain text, not TwiML: the caller hears it read aloud, then the call ends"
    assert "(12100)" in read_twiml_answer(200, "text/xml", "Goodbye.")  # only text/plain is read out


def test_a_doctype_alone_is_refused_too():
    # TwiML has no use for a DTD; one without entities would otherwise parse
    error = refused('<?xml version="1.0"?><!DOCTYPE Response><Response><Say>hi</Say></Response>')
    assert (error.code, str(error)) == (12100, "the document declares what TwiML may not (DTDForbidden)")


@pytest.mark.parametrize("attribute", ['Gather timeout="soon"', 'Say loop="twice"', 'Enqueue workflowSid="WW1" maxQueueSize="big"',
                                       'Pause length="1.5"', 'Gather numDigits="x"'])
def test_every_number_the_player_reads_must_be_a_whole_number(attribute):
    verb = attribute.split()[0]
    error = refused(f"<Response><{attribute}/></Response>" if verb != "Say" else f"<Response><{attribute}>hi</Say></Response>")
    assert error.code == 12200 and "must be a whole number" in str(error)


@pytest.mark.parametrize("attribute", ['Enqueue workflowSid="WW1" waitUrlMethod="PUT"', 'Gather method="DELETE"'])
def test_every_method_the_player_reads_must_be_get_or_post(attribute):
    error = refused(f"<Response><{attribute}/></Response>")
    assert error.code == 12200 and "must be GET or POST" in str(error)


def test_speech_input_is_refused_with_the_not_emulated_code():
    error = refused('<Response><Gather input="speech"/></Response>')
    assert (error.code, str(error)) == (12200, "<Gather input='speech'>: the mock emulates key presses (dtmf) only")


@pytest.mark.parametrize("status", [199, 300, 301])
def test_an_answer_outside_2xx_is_not_played(status):
    # only a 2xx answer is a document (https://www.twilio.com/docs/api/errors/11200)
    with pytest.raises(UnplayableAnswer) as unplayable:
        answer_verbs(status, "text/xml", "<Response/>")
    assert unplayable.value.reading == f"HTTP {status}: the caller hears an application error and the call ends (11200)"
    assert answer_verbs(299, "text/xml", "<Response><Say> hi </Say></Response>")[0].text == "hi"
