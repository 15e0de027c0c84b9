"""Quickstart Part 3 through the kit: the learner's Flask routes (incoming_call, enqueue_call,
assignment_callback) served by kit.serve, their number pointed at them with plain twilio, and
kit.phone as the people — on the mock, and in real mode (the mock standing in for Twilio, the
tunnel replaced, the "real" caller acting from another thread)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from flask import Flask, Response, request
from helpers import connect_as_real_twilio
from twilio.twiml.voice_response import VoiceResponse

from trkit.errors import KitError
from trkit.phone import ALICE_PHONE, CALLER


def learners_app(tutorial, wrap_up: str, number: str) -> Flask:
    """The routes the quickstart's Part 3 pages have the learner write."""
    app = Flask("part3")

    @app.route("/incoming_call", methods=["GET", "POST"])
    def incoming_call():
        response = VoiceResponse()
        with response.gather(action="/enqueue_call", method="POST", num_digits=1, timeout=5) as gather:
            gather.say("Para Español oprime el uno.", language="es")
            gather.say("For English, please hold or press two.", language="en")
        return Response(str(response), mimetype="application/xml")

    @app.route("/enqueue_call", methods=["GET", "POST"])
    def enqueue_call():
        language = "es" if request.values.get("Digits") == "1" else "en"
        response = VoiceResponse()
        with response.enqueue(None, workflow_sid=tutorial.workflow_sid) as enqueue:
            enqueue.task(json.dumps({"selected_language": language}))
        return Response(str(response), mimetype="application/xml")

    @app.route("/assignment_callback", methods=["POST"])
    def assignment_callback():
        answer = {"instruction": "dequeue", "from": number, "post_work_activity_sid": wrap_up}
        return Response(json.dumps(answer), status=200, mimetype="application/json")

    return app


def set_the_scene(kit):
    tutorial = kit.tutorial()
    workspace = tutorial.workspace
    wrap_up = workspace.activities.create(friendly_name="WrapUp", available=False).sid
    workspace.workers(tutorial.workers["Alice"]).update(
        attributes=json.dumps({"languages": ["en", "es"], "contact_uri": ALICE_PHONE}))
    base_url = kit.serve(learners_app(tutorial, wrap_up, kit.phone_number))
    workspace.workflows(tutorial.workflow_sid).update(assignment_callback_url=base_url + "/assignment_callback")
    (number,) = kit.client.incoming_phone_numbers.list(phone_number=kit.phone_number)
    number.update(voice_url=base_url + "/incoming_call")
    return tutorial, wrap_up


def test_the_whole_of_part_3_on_the_mock(kit):
    tutorial, wrap_up = set_the_scene(kit)
    call = kit.phone.call()
    assert call.from_ == CALLER and call.status == "in-progress"
    assert call.heard == ["[es] Para Español oprime el uno.", "[en] For English, please hold or press two."]
    call = kit.phone.press(call.sid, "1")
    assert call.heard[-1] == "(hold music)"
    (task,) = tutorial.workspace.tasks.list()
    assert task.assignment_status == "pending" and json.loads(task.attributes)["selected_language"] == "es"
    assert kit.lifecycle(task.sid).current == "Task created"
    tutorial.set_activity("Alice", "Idle")
    ringing = kit.phone.ringing(ALICE_PHONE)
    assert ringing.status == "ringing" and ringing.from_ == kit.phone_number
    alice_leg = kit.phone.answer(ALICE_PHONE)
    assert alice_leg.status == "in-progress"
    assert kit.lifecycle(task.sid).current == "Task assigned"
    kit.phone.hang_up(call.sid)
    alice = tutorial.workspace.workers(tutorial.workers["Alice"]).fetch()
    assert alice.activity_sid == wrap_up
    calls = kit.calls_table()
    assert sorted(calls["Direction"]) == ["inbound", "outbound-api"] and set(calls["Status"]) == {"completed"}
    voice = kit.callbacks_table("voice")
    assert list(voice["Path"]) == ["/enqueue_call", "/incoming_call"]
    assert list(voice["Twilio reads"]) == ["plays Enqueue(Task)", "plays Gather(Say, Say)"]
    assert voice.iloc[0]["Digits"] == "1"


def test_a_caller_told_what_to_press_presses_it_while_the_gather_listens(kit):
    tutorial, _ = set_the_scene(kit)
    call = kit.phone.call(press="1")
    assert call.heard == ["[es] Para Español oprime el uno.", "[en] For English, please hold or press two.", "(hold music)"]
    (task,) = tutorial.workspace.tasks.list()
    assert json.loads(task.attributes)["selected_language"] == "es"
    assert kit.callbacks_table("voice").iloc[0]["Digits"] == "1"


def test_a_caller_told_what_to_press_on_a_call_that_ends_at_once_is_shown_the_ended_call(kit):
    set_the_scene(kit)
    app = Flask("no_menu")
    app.add_url_rule("/incoming_call", "hang_up", lambda: Response("<Response><Hangup/></Response>", mimetype="application/xml"),
                     methods=["POST"])
    (number,) = kit.client.incoming_phone_numbers.list(phone_number=kit.phone_number)
    number.update(voice_url=kit.serve(app) + "/incoming_call")
    call = kit.phone.call(press="1")
    assert call.status == "completed"  # nobody asked for a key: none is pressed, and the call is as it ended
    assert kit.callbacks_table("voice")["Path"].tolist() == ["/incoming_call"]


def test_keys_after_the_gather_timed_out_are_refused_with_how_to_press_in_time(kit):
    set_the_scene(kit)
    call = kit.phone.call()
    # "timeout ... Default: 5 seconds" (https://www.twilio.com/docs/voice/twiml/gather#timeout); the learner's Gather
    # says 5, and nothing follows it, so the call ends when it times out
    kit.advance(5)
    assert kit.phone.show(call.sid).status == "completed"
    with pytest.raises(KitError, match=r"is completed .*kit\.phone\.call\(press='1'\)"):
        kit.phone.press(call.sid, "1")
    assert kit.callbacks_table("voice")["Path"].tolist() == ["/incoming_call"]  # no key reached the Gather's action


def test_keys_a_phone_has_not_are_refused_in_the_mocks_words_on_a_call_in_progress(kit):
    from trkit.mock.client import MockRefused

    set_the_scene(kit)
    call = kit.phone.call()
    with pytest.raises(MockRefused, match=r"Digits are 0-9, \* and #, got 'x'"):
        kit.phone.press(call.sid, "x")
    assert kit.phone.show(call.sid).status == "in-progress"  # still listening for a key


def test_a_lesson_starts_with_no_calls_and_the_number_pointing_nowhere(kit):
    set_the_scene(kit)
    kit.phone.call()
    kit.tutorial()  # the next lesson
    assert kit.calls_table().empty
    (number,) = kit.client.incoming_phone_numbers.list(phone_number=kit.phone_number)
    assert not number.voice_url


def test_real_mode_asks_you_to_use_your_phone_and_waits_for_it(mock, monkeypatch, trkit_home, capsys):
    kit = connect_as_real_twilio(mock, monkeypatch, TWILIO_PHONE_NUMBER="+15005550006")
    kit.client.incoming_phone_numbers.create(phone_number=kit.phone_number)  # the learner's own number
    tutorial, _ = set_the_scene(kit)
    control = mock.control()
    placed: dict = {}

    def the_learner_dials() -> None:  # what the learner does on a real phone, a moment after reading the cell
        time.sleep(0.5)
        placed.update(control.place_call("+14155550123", "+15005550006"))

    threading.Thread(target=the_learner_dials, daemon=True).start()
    call = kit.phone.call()
    assert "☎ Call +15005550006 from your phone now." in capsys.readouterr().out
    assert call.sid == placed["sid"] and call.status == "in-progress"
    with pytest.raises(KitError, match="only the bundled mock's phones"):
        kit.phone.behave(ALICE_PHONE, "answer")
    assert tutorial.workspace.fetch().sid == tutorial.workspace_sid


def test_real_mode_asks_you_to_call_and_press_and_waits_for_the_keys(mock, monkeypatch, trkit_home, capsys):
    kit = connect_as_real_twilio(mock, monkeypatch, TWILIO_PHONE_NUMBER="+15005550006")
    kit.client.incoming_phone_numbers.create(phone_number=kit.phone_number)
    tutorial, _ = set_the_scene(kit)
    control = mock.control()
    placed: dict = {}

    def the_learner_dials_and_presses() -> None:
        time.sleep(0.5)
        placed.update(control.place_call("+14155550123", "+15005550006"))
        control.press(placed["sid"], "1")

    threading.Thread(target=the_learner_dials_and_presses, daemon=True).start()
    call = kit.phone.call(press="1")
    assert "☎ Call +15005550006 from your phone now, and press 1 when you hear the prompts." in capsys.readouterr().out
    assert call.sid == placed["sid"] and call.status == "in-progress"
    (task,) = tutorial.workspace.tasks.list()
    assert json.loads(task.attributes)["selected_language"] == "es"


def test_real_mode_needs_your_number(mock, monkeypatch, trkit_home):
    kit = connect_as_real_twilio(mock, monkeypatch, TWILIO_PHONE_NUMBER=None)
    with pytest.raises(KitError, match="set TWILIO_PHONE_NUMBER"):
        kit.phone_number  # noqa: B018


def test_the_dashboards_phone_takes_a_call_through_to_wrap_up(kit):
    tutorial, wrap_up = set_the_scene(kit)
    board = kit.dashboard()
    try:
        board.close()  # refreshes are driven here
        board.phone.dial_button.click()
        assert "Para Español oprime el uno." in board.phone.transcript.value
        next(k for k in board.phone.keypad if k.description == "1").click()
        assert "(hold music)" in board.phone.transcript.value
        board.worker_dropdowns["Alice"].value = "Idle"
        (row,) = board.phone.ringing_box.children
        label, answer, _decline = row.children
        assert ALICE_PHONE in label.value
        answer.click()
        (task,) = tutorial.workspace.tasks.list()
        assert task.assignment_status == "assigned" and "Task assigned" in board.lifecycle_html.value
        board.phone.hangup_button.click()
        assert board.worker_dropdowns["Alice"].value == "WrapUp"
        assert "completed" in board.phone.status.value
    finally:
        board.close()


def test_on_real_twilio_the_dashboard_has_no_pretend_phone(mock, monkeypatch, trkit_home):
    kit = connect_as_real_twilio(mock, monkeypatch)
    kit.tutorial()
    board = kit.dashboard()
    board.close()
    assert board.phone is None


def test_the_dashboards_phone_says_which_lesson_sets_it_up_before_it_can_call(kit):
    tutorial = kit.tutorial()  # a lesson's start: the number points nowhere (notebook 04 shows the board then)
    board = kit.dashboard()
    try:
        board.close()
        board.phone.refresh()
        assert board.phone.dial_button.disabled
        assert "notebook 05 points it at your <code>/incoming_call</code> route" in board.phone.setup_note.value
        next(k for k in board.phone.keypad if k.description == "1").click()
        assert f"Press “Call {kit.phone_number}” first" in board.phone.message.value
        number = kit.client.incoming_phone_numbers.list(phone_number=kit.phone_number)[0]
        number.update(voice_url=kit.callbacks.base_url + "/incoming_call")
        board.phone.refresh()
        assert not board.phone.dial_button.disabled and board.phone.setup_note.value == ""
        assert tutorial.workspace_sid  # the lesson's workspace is untouched by the phone
    finally:
        board.close()
