"""The support desk app's tests: the real app, the real twilio library, the bundled mock — no network, no
credentials. The ``taskrouter`` fixture comes from trkit's pytest plugin (``trkit.testing``)."""

from __future__ import annotations

import json

import pytest
from app import create_app
from twilio.rest import Client

from trkit.testing import NotEmulated


@pytest.fixture
def desk(taskrouter):
    """A workspace with one queue and Alice, whose phone is +14155550111, Offline; the app's callbacks in-process."""
    tr = taskrouter.client.taskrouter.v1
    ws = tr.workspaces.create(friendly_name="Support", multi_task_enabled=False)
    api = tr.workspaces(ws.sid)
    idle = api.activities.create(friendly_name="Idle", available=True).sid
    wrap_up = api.activities.create(friendly_name="WrapUp", available=False).sid
    queue = api.task_queues.create(friendly_name="Everyone", target_workers="1==1").sid
    base = "http://desk.test"  # the app's address in the test: its callbacks are delivered in-process (below)
    workflow = api.workflows.create(friendly_name="Desk", assignment_callback_url=f"{base}/assignment", configuration=json.dumps(
        {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})).sid
    alice = api.workers.create(friendly_name="Alice", attributes=json.dumps({"contact_uri": "+14155550111"})).sid
    app = create_app(ws.sid, workflow, caller_id="+15005550006", wrap_up_activity_sid=wrap_up)
    app.config["CALLBACK_AUTH_TOKEN"] = taskrouter.auth_token  # the mock signs with its own token
    taskrouter.deliver_to(app, base)
    return {"api": api, "app": app, "idle": idle, "alice": alice, "wrap_up": wrap_up}


def test_a_task_created_through_the_app_is_accepted_by_its_assignment_handler(taskrouter, desk):
    created = desk["app"].test_client().post("/tasks", data={"language": "es", "summary": "refund"})
    assert created.status_code == 201 and created.json["status"] == "pending"
    desk["api"].workers(desk["alice"]).update(activity_sid=desk["idle"])
    task = taskrouter.wait_for(lambda: desk["api"].tasks(created.json["sid"]).fetch().assignment_status == "assigned",
                               what="the app's handler to accept")
    assert task
    (answer,) = taskrouter.callbacks("assignment")
    assert json.loads(answer["answer"]) == {"instruction": "accept"} and answer["outcome"] == "accept applied"


def test_a_phone_call_is_dequeued_to_the_workers_phone(taskrouter, desk):
    wf = desk["api"].workflows.list()[0].sid
    twiml = f'<Response><Enqueue workflowSid="{wf}"><Task>{{"selected_language": "en"}}</Task></Enqueue></Response>'
    taskrouter.client.incoming_phone_numbers.create(phone_number="+15005550006", voice_url="http://desk.test/voice")
    desk["app"].add_url_rule("/voice", "voice", lambda: (twiml, 200, {"Content-Type": "application/xml"}), methods=["POST"])
    call = taskrouter.control.place_call("+14155550100", "+15005550006")
    desk["api"].workers(desk["alice"]).update(activity_sid=desk["idle"])
    (ringing,) = taskrouter.client.calls.list(to="+14155550111", status="ringing")
    taskrouter.control.answer(ringing.sid)
    taskrouter.control.hang_up(call["sid"])
    assert desk["api"].workers(desk["alice"]).fetch().activity_sid == desk["wrap_up"]


def test_the_app_cannot_reach_twilio_services_the_mock_does_not_serve(taskrouter):
    with pytest.raises(NotEmulated, match="verify.twilio.com is not emulated"):
        Client("AC" + "b" * 32, "whatever").verify.v2.services.list()


def test_the_clock_moves_only_when_the_test_says(taskrouter, desk):
    api = desk["api"]
    api.workflows(api.workflows.list()[0].sid).update(task_reservation_timeout=30, assignment_callback_url="")
    task = desk["app"].test_client().post("/tasks", data={"language": "en"}).json
    api.workers(desk["alice"]).update(activity_sid=desk["idle"])
    (reservation,) = api.tasks(task["sid"]).reservations.list()
    taskrouter.advance(31)
    assert api.tasks(task["sid"]).reservations(reservation.sid).fetch().reservation_status == "timeout"
