"""The rules of <Enqueue>: a caller becomes a task, through the voice Desk.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/quickstart/python/twiml-create-task
- https://www.twilio.com/docs/taskrouter/twiml-queue-calls
"""

from __future__ import annotations

import json

import pytest
from voice import ALICE_PHONE, BASE, CALLER, NUMBER, Desk


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


@pytest.mark.parametrize(("enqueue", "message"), [
    ("<Enqueue>support</Enqueue>", "<Enqueue> without workflowSid parks the call in a plain voice queue, which the mock does "
                                   "not emulate: give workflowSid"),
    ('<Enqueue workflowSid="{wf}" waitUrl="/hold"><Task>{{}}</Task></Enqueue>',
     "<Enqueue waitUrl> documents are not emulated by the mock: leave waitUrl out for the default hold music, or set it "
     "empty for silence"),
    ('<Enqueue workflowSid="WW{zeros}"><Task>{{}}</Task></Enqueue>', "<Enqueue workflowSid='WW{zeros}'> is not a workflow of this account"),
    ('<Enqueue workflowSid="{wf}"><Task>selected_language=es</Task></Enqueue>', "<Task> must hold a JSON object, got 'selected_language=es'"),
    ('<Enqueue workflowSid="{wf}"><Task>["es"]</Task></Enqueue>', """<Task> must hold a JSON object, got '["es"]'"""),
    # the task's own limits (https://www.twilio.com/docs/taskrouter/api/task: timeout at most 2 weeks)
    ('<Enqueue workflowSid="{wf}"><Task timeout="9999999">{{}}</Task></Enqueue>',
     "<Enqueue> could not create the task: Timeout must be between 1 and 1209600 seconds, got 9999999"),
])
def test_an_enqueue_the_mock_cannot_make_a_task_of_ends_the_call_saying_why(enqueue, message):
    # a document Twilio cannot use: the caller hears the application error, the debugger gets 12200
    # (https://www.twilio.com/docs/api/errors/12200)
    d = Desk()
    document = "<Response>" + enqueue.format(wf=d.workflows["wf"], zeros="0" * 32) + "</Response>"
    d.route("/incoming_call", lambda p: document)
    call = d.dial_in()
    record = d.call(call)
    assert record.status == "completed" and d.list_tasks() == []
    assert d.heard(call)[-1] == "We are sorry, an application error has occurred. Goodbye."
    assert (record.errors[0]["code"], record.errors[0]["message"]) == (12200, message.format(zeros="0" * 32))


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


def test_an_empty_task_noun_makes_a_task_of_the_call_alone():
    d = Desk()
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{d.workflows["wf"]}"><Task/></Enqueue></Response>')
    call = d.dial_in()
    (task,) = d.list_tasks()
    attributes = json.loads(task.attributes)
    # the call's parameters, snake-cased, with the status it had when it was enqueued
    assert (attributes["call_sid"], attributes["call_status"], attributes["from"]) == (call, "in-progress", CALLER)
    assert "parent_call_sid" not in attributes and d.queue_of(task.sid) == "English"


@pytest.mark.parametrize(("method", "sent"), [(None, "POST"), ("GET", "GET"), ("get", "GET")])
def test_the_enqueue_action_hears_queue_result_sid_and_time_with_its_method(method, sent):
    # the action is requested when the call leaves the queue, with QueueResult, QueueSid and QueueTime; its method
    # defaults to POST (https://www.twilio.com/docs/voice/twiml/enqueue)
    d = Desk()
    wf = d.workflows["wf"]
    chosen = f' method="{method}"' if method else ""
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{wf}" action="{BASE}/after_queue"{chosen}>'
                                        "<Task>{}</Task></Enqueue></Response>")
    d.route("/after_queue", lambda p: "<Response/>")
    first, second = d.dial_in(), d.dial_in()
    d.advance(7)
    d.hang_up(first)
    d.advance(5)
    d.hang_up(second)
    heard = d.phone.voice_requests("/after_queue")
    assert [r["method"] for r in heard] == [sent, sent]
    assert [(r["params"]["CallSid"], r["params"]["QueueResult"], r["params"]["QueueTime"]) for r in heard] == [
        (first, "hangup", "7"), (second, "hangup", "12")]
    queue_sids = {r["params"]["QueueSid"] for r in heard}
    (queue_sid,) = queue_sids  # one queue for the workflow's calls
    assert queue_sid.startswith("QU") and len(queue_sid) == 34


def test_without_an_action_the_caller_goes_on_to_the_next_verb_when_the_worker_hangs_up():
    # without an action, the call falls through to the next verb (https://www.twilio.com/docs/voice/twiml/enqueue)
    d = Desk()
    wf = d.workflows["wf"]
    d.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{wf}"><Task>{{"selected_language": "es"}}</Task>'
                                        "</Enqueue><Say>Thank you for calling</Say></Response>")
    d.phone.assignment = lambda p: {"instruction": "dequeue", "from": NUMBER}
    caller = d.dial_in()
    d.set_activity("Alice", "Idle")
    (leg,) = d.list_calls(to=ALICE_PHONE)
    d.answer_call(leg.sid)
    d.hang_up(leg.sid)
    assert d.heard(caller)[-1] == "Thank you for calling" and d.call(caller).status == "completed"


def test_a_queued_caller_redirected_by_rest_leaves_the_queue_and_the_task_goes():
    # a REST update with a new Url redirects the live call (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource);
    # the Enqueue action hears "redirected" with the same three parameters as any other result
    d = Desk()
    call, task = d.queued_spanish_call()
    d.route("/new", lambda p: "<Response><Say>Moved</Say></Response>")
    d.advance(8)
    d.update_call(call, url=f"{BASE}/new")
    (after,) = d.phone.voice_requests("/after_queue")
    assert (after["params"]["QueueResult"], after["params"]["QueueTime"]) == ("redirected", "8")
    assert after["params"]["QueueSid"].startswith("QU") and after["purpose"] == "enqueue-action"
    assert d.heard(call)[-1] == "Moved" and d.status(task) == "canceled" and d.fetch_task(task).reason == "redirected"


def test_a_caller_who_hangs_up_while_a_dialled_party_rings_cancels_that_ring():
    d = Desk()
    d.route("/incoming_call", lambda p: f"<Response><Dial><Number>{ALICE_PHONE}</Number></Dial></Response>")
    call = d.dial_in()
    (child,) = d.list_calls(parent_call_sid=call)
    d.hang_up(call)
    assert (d.call(child.sid).status, d.call(call).status) == ("canceled", "completed")
