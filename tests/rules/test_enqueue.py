"""The rules of <Enqueue>: a caller becomes a task, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-create-task
- https://www.twilio.com/docs/taskrouter/twiml-queue-calls
"""

from __future__ import annotations

import json

import pytest
from voice import CALLER, NUMBER, Desk


def test_enqueue_creates_a_voice_task_from_the_call_and_parks_the_caller():
    d = Desk()
    d.enqueue_spanish()
    call = d.dial_in()
    (task,) = d.list_tasks()
    attributes = json.loads(task.attributes)
    assert attributes["selected_language"] == "es"
    assert {k: attributes[k] for k in ("call_sid", "from", "to", "caller", "called", "direction", "api_version", "account_sid")} == {
        "call_sid": call, "from": CALLER, "to": NUMBER, "caller": CALLER, "called": NUMBER, "direction": "inbound",
        "api_version": "2010-04-01", "account_sid": d.account_sid}
    documented = {"from_country", "called", "to_country", "to_city", "to_state", "caller_country", "call_status", "call_sid",
                  "account_sid", "from_zip", "from", "direction", "called_zip", "caller_state", "to_zip", "called_country",
                  "from_city", "called_city", "caller_zip", "api_version", "called_state", "from_state", "caller", "caller_city", "to"}
    assert documented <= set(attributes)
    assert d.fetch("task_channel", task.task_channel_sid).unique_name == "voice"
    assert task.assignment_status == "pending" and d.queue_of(task.sid) == "Spanish"
    assert d.call(call).status == "in-progress" and d.heard(call) == ["(hold music)"]


@pytest.mark.parametrize(("enqueue", "words"), [
    ("<Enqueue>support</Enqueue>", "without workflowSid"),
    ('<Enqueue workflowSid="{wf}" waitUrl="/hold"><Task>{{}}</Task></Enqueue>', "waitUrl"),
    ('<Enqueue workflowSid="WW{zeros}"><Task>{{}}</Task></Enqueue>', "is not a workflow of this account"),
    ('<Enqueue workflowSid="{wf}"><Task>selected_language=es</Task></Enqueue>', "must hold a JSON object"),
    ('<Enqueue workflowSid="{wf}"><Task>["es"]</Task></Enqueue>', "must hold a JSON object"),
])
def test_an_enqueue_the_mock_cannot_make_a_task_of_ends_the_call_saying_why(enqueue, words):
    d = Desk()
    document = "<Response>" + enqueue.format(wf=d.workflows["wf"], zeros="0" * 32) + "</Response>"
    d.route("/incoming_call", lambda p: document)
    call = d.dial_in()
    record = d.call(call)
    assert record.status == "completed" and d.list_tasks() == []
    assert d.heard(call)[-1] == "We are sorry, an application error has occurred. Goodbye."
    assert record.errors[0]["code"] == 12200 and words in record.errors[0]["message"]


def test_an_empty_wait_url_holds_the_caller_in_silence():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{d.workflows["wf"]}" waitUrl="">'
                                        "<Task>{}</Task></Enqueue></Response>")
    call = d.dial_in()
    assert d.call(call).status == "in-progress" and d.heard(call) == [] and len(d.list_tasks()) == 1


def test_task_priority_and_timeout_come_from_the_task_noun():
    d = Desk()
    wf = d.workflows["wf"]
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{wf}"><Task priority="5" timeout="600">{{}}</Task>'
                                        "</Enqueue></Response>")
    d.dial_in()
    (task,) = d.list_tasks()
    assert (task.priority, task.timeout) == (5, 600)


def test_a_caller_who_hangs_up_in_the_queue_cancels_the_task_and_the_action_hears_hangup():
    d = Desk()
    call, task = d.queued_spanish_call()
    d.hang_up(call)
    assert d.status(task) == "canceled" and d.fetch_task(task).reason == "hangup"
    (after,) = d.phone.voice_requests("/after_queue")
    assert after["params"]["QueueResult"] == "hangup"


def test_a_caller_who_hangs_up_while_reserved_cancels_the_reservation_too():
    d = Desk()
    d.enqueue_spanish()
    call = d.dial_in()
    (task,) = d.list_tasks()
    d.set_activity("Alice", "Idle")
    assert d.reservations(task.sid) == [("Alice", "pending")]
    d.hang_up(call)
    assert d.reservations(task.sid) == [("Alice", "canceled")] and d.status(task.sid) == "canceled"
