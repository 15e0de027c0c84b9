"""Every implemented operation, through the twilio library, validated against Twilio's OpenAPI spec."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests
from spec import all_operations, dates_are_twilio_format, load_spec, response_schema, response_validator, spec_path, template_for

from trkit.mock.client import LocalHttpClient

pytestmark = pytest.mark.skipif(spec_path() is None, reason="Twilio's OpenAPI file is absent (trkit/mock/data and ../shared)")


class RecordingHttpClient(LocalHttpClient):
    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.exchanges: list[tuple[str, str, int, str]] = []

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, url, *args, **kwargs)
        self.exchanges.append((method.upper(), urlsplit(url).path, response.status_code, response.text))
        return response


def walk_every_operation(client, mock, listener) -> None:
    """Touch every path and method the mock implements, as a learner's code would."""
    tr = client.taskrouter.v1
    ws = tr.workspaces.create(friendly_name="Conformance", multi_task_enabled=False, template="FIFO")
    tr.workspaces.list()
    tr.workspaces(ws.sid).fetch()
    tr.workspaces(ws.sid).update(friendly_name="Conformance 2", event_callback_url=listener.url("/events"))
    w = tr.workspaces(ws.sid)
    idle = w.activities.create(friendly_name="Idle", available=True)
    gone = w.activities.create(friendly_name="Gone", available=False)
    w.activities.list()
    w.activities(idle.sid).fetch()
    w.activities(gone.sid).update(friendly_name="Going")
    w.activities(gone.sid).delete()
    channel = w.task_channels.create(friendly_name="Fax", unique_name="fax")
    w.task_channels.list()
    w.task_channels(channel.sid).fetch()
    w.task_channels("voice").fetch()
    w.task_channels(channel.sid).update(friendly_name="Telefax")
    queue = w.task_queues.create(friendly_name="Support", target_workers="skills HAS 'support'")
    w.task_queues.list()
    w.task_queues(queue.sid).fetch()
    w.task_queues(queue.sid).update(max_reserved_workers=2)
    config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue.sid}]}]}})
    workflow = w.workflows.create(friendly_name="Support flow", configuration=config, assignment_callback_url=listener.url("/assignment"))
    w.workflows.list()
    w.workflows(workflow.sid).fetch()
    w.workflows(workflow.sid).update(task_reservation_timeout=300)
    worker = w.workers.create(friendly_name="Ana", attributes=json.dumps({"skills": ["support"]}))
    other = w.workers.create(friendly_name="Ben")
    w.workers.list()
    w.workers(worker.sid).fetch()
    w.workers(other.sid).update(attributes='{"x": 1}')
    w.workers(worker.sid).worker_channels.list()
    w.workers(worker.sid).worker_channels("default").fetch()
    w.workers(worker.sid).worker_channels("default").update(capacity=2)
    task = w.tasks.create(attributes='{"type": "support"}', workflow_sid=workflow.sid)
    doomed = w.tasks.create(attributes='{"type": "other"}', workflow_sid=workflow.sid)
    w.tasks.list()
    w.tasks(task.sid).fetch()
    w.tasks(task.sid).update(priority=5)
    w.workers(worker.sid).update(activity_sid=idle.sid)
    reservation = w.tasks(task.sid).reservations.list()[0]
    w.tasks(task.sid).reservations(reservation.sid).fetch()
    w.workers(worker.sid).reservations.list()
    w.workers(worker.sid).reservations(reservation.sid).fetch()
    w.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    w.workers(worker.sid).reservations(reservation.sid).update(reservation_status="wrapping")
    w.tasks(task.sid).update(assignment_status="completed", reason="done")
    events = w.events.list()
    w.events(events[0].sid).fetch()
    w.statistics().fetch()
    w.real_time_statistics().fetch()
    w.cumulative_statistics().fetch()
    w.workers.statistics().fetch()
    w.workers.real_time_statistics().fetch()
    w.workers.cumulative_statistics().fetch()
    w.workers(worker.sid).statistics().fetch()
    w.task_queues.statistics.list()
    w.task_queues(queue.sid).statistics().fetch()
    w.task_queues(queue.sid).real_time_statistics().fetch()
    w.task_queues(queue.sid).cumulative_statistics().fetch()
    w.workflows(workflow.sid).statistics().fetch()
    w.workflows(workflow.sid).real_time_statistics().fetch()
    w.workflows(workflow.sid).cumulative_statistics().fetch()
    # the bulk statistics POST takes a JSON body, which the library only builds from its own model class
    response = requests.post(f"{mock.base_url}/v1/Workspaces/{ws.sid}/TaskQueues/RealTimeStatistics",
                             json={"QueueSids": [queue.sid]}, auth=(mock.account_sid, mock.auth_token), timeout=10)
    client.http_client.exchanges.append(("POST", urlsplit(response.url).path, response.status_code, response.text))
    w.tasks(doomed.sid).delete()
    w.workers(other.sid).delete()
    w.tasks(task.sid).delete()
    w.workflows(workflow.sid).delete()
    w.task_queues(queue.sid).delete()
    w.task_channels(channel.sid).delete()
    tr.workspaces(ws.sid).delete()


@pytest.fixture
def recorded(mock, listener):
    http = RecordingHttpClient(mock.base_url)
    from twilio.rest import Client

    client = Client(mock.account_sid, mock.auth_token, http_client=http)
    walk_every_operation(client, mock, listener)
    return http.exchanges


def test_every_response_validates_against_the_spec(recorded):
    checked = set()
    for method, path, status, text in recorded:
        template = template_for(path)
        assert template is not None, f"{method} {path} is not a TaskRouter path"
        assert status < 400, f"{method} {path} failed: {status} {text}"
        if method == "DELETE":
            assert status == 204 and text == ""
            checked.add((method, template))
            continue
        validator = response_validator(template, method, status)
        assert validator is not None, f"the spec has no {status} response for {method} {template}"
        body = json.loads(text)
        validator.validate(body)
        assert not dates_are_twilio_format(body), dates_are_twilio_format(body)
        checked.add((method, template))
    missing = all_operations() - checked
    assert not missing, f"operations never exercised: {sorted(missing)}"


def test_status_codes_match_the_spec(recorded):
    for method, path, status, _ in recorded:
        template = template_for(path)
        expected = {"POST": {201, 200}, "GET": {200}, "DELETE": {204}}[method]
        assert status in expected, (method, template, status)
        if method == "POST" and status == 201:
            assert response_schema(template, method, 201) is not None, template


def test_library_models_read_every_field(client, tutorial):
    """The twilio library's instances expose every spec field, with dates parsed and strings kept."""
    task = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    instances = {
        "taskrouter.v1.workspace": tutorial.api.fetch(),
        "taskrouter.v1.workspace.worker": tutorial.api.workers(tutorial.workers["Alice"]).fetch(),
        "taskrouter.v1.workspace.task": tutorial.api.tasks(task.sid).fetch(),
        "taskrouter.v1.workspace.task.task_reservation": tutorial.reservations(task.sid)[0],
        "taskrouter.v1.workspace.task_queue": tutorial.api.task_queues(tutorial.queues["es"]).fetch(),
        "taskrouter.v1.workspace.workflow": tutorial.api.workflows(tutorial.workflow_sid).fetch(),
        "taskrouter.v1.workspace.activity": tutorial.api.activities(tutorial.activities["Idle"]).fetch(),
        "taskrouter.v1.workspace.event": tutorial.api.events.list()[0],
    }
    schemas = load_spec()["components"]["schemas"]
    for name, instance in instances.items():
        for field, schema in schemas[name]["properties"].items():
            assert hasattr(instance, field), f"{name}.{field} is not read by the library"
            value = getattr(instance, field)
            if schema.get("format") == "date-time" and value is not None:
                assert isinstance(value, datetime) and value.tzinfo is not None, f"{name}.{field} = {value!r} is not a parsed date"
    fetched = instances["taskrouter.v1.workspace.task"]
    assert fetched.assignment_status == "reserved"
    assert json.loads(fetched.attributes) == {"selected_language": "es"}  # a JSON string, as on Twilio
