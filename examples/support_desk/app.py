"""A small TaskRouter app, as a learner would write one after the tutorial.

- ``POST /tasks`` creates a support task from a form (``language``, ``summary``).
- ``POST /assignment`` answers TaskRouter's assignment callback: a task from a phone call (it has a
  ``call_sid``) is dequeued to the worker's phone, any other task is accepted.

It builds its own twilio Client from the environment and knows nothing about trkit: its tests
(``test_app.py``) run it against the bundled mock with the ``taskrouter`` fixture.
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.rest import Client


def create_app(workspace_sid: str, workflow_sid: str, caller_id: str, wrap_up_activity_sid: str | None = None) -> Flask:
    app = Flask(__name__)
    account_sid = os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
    auth_token = os.environ.get("TWILIO_AUTH_TOKEN", "app-token")
    client = Client(account_sid, auth_token)

    @app.post("/tasks")
    def create_task():
        attributes = {"selected_language": request.form.get("language", "en"), "summary": request.form.get("summary", "")}
        task = client.taskrouter.v1.workspaces(workspace_sid).tasks.create(
            attributes=json.dumps(attributes), workflow_sid=workflow_sid)
        return {"sid": task.sid, "status": task.assignment_status}, 201

    @app.post("/assignment")
    def assignment():
        token = app.config.get("CALLBACK_AUTH_TOKEN") or auth_token
        if not RequestValidator(token).validate(request.url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        attributes = json.loads(request.form["TaskAttributes"])
        if attributes.get("call_sid"):
            answer = {"instruction": "dequeue", "from": caller_id}
            if wrap_up_activity_sid:
                answer["post_work_activity_sid"] = wrap_up_activity_sid
        else:
            answer = {"instruction": "accept"}
        return Response(json.dumps(answer), mimetype="application/json")

    return app
