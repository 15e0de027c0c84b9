"""What one phone call costs on the mock, against a plain task lifecycle, measured side by side.

A full call: the caller dials in (the number's TwiML: a Gather), presses 1 (an Enqueue: the task),
Alice goes Idle (the reservation, the assignment callback answering dequeue, her phone ringing),
she answers (the bridge, the reservation accepted), the caller hangs up (Alice to WrapUp). The
baseline: create a task, Alice Idle (reservation and callback answering {}), accept by REST,
complete. Both over HTTP, with the same handler process, on the same mock.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

from flask import Flask, Response

from trkit.mock import MockServer
from trkit.mock.serving import keep_alive_server
from trkit.tutorial import ensure_tutorial_workspace

NUMBER, CALLER, ALICE_PHONE = "+15005550006", "+14155550100", "+14155550111"


def _handler(state: dict) -> Flask:
    app = Flask("bench-voice")

    @app.route("/incoming_call", methods=["POST"])
    def incoming_call():
        return Response('<Response><Gather action="/enqueue_call" numDigits="1"><Say>Press 1</Say></Gather></Response>',
                        mimetype="application/xml")

    @app.route("/enqueue_call", methods=["POST"])
    def enqueue_call():
        return Response(f'<Response><Enqueue workflowSid="{state["workflow"]}"><Task>{{"selected_language": "es"}}</Task>'
                        "</Enqueue></Response>", mimetype="application/xml")

    @app.route("/assignment", methods=["POST"])
    def assignment():
        answer = {"instruction": "dequeue", "from": NUMBER, "post_work_activity_sid": state["wrap_up"]} if state["voice"] else {}
        return Response(json.dumps(answer), mimetype="application/json")

    @app.route("/events", methods=["POST"])
    def events():
        return Response(status=204)

    return app


def call_cost(repeats: int) -> dict:
    state = {"voice": False}
    server = keep_alive_server("127.0.0.1", 0, _handler(state))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with MockServer() as mock:
            client, control = mock.client(), mock.control()
            tutorial = ensure_tutorial_workspace(client, base + "/assignment", base + "/events")
            workspace = tutorial.workspace
            state["workflow"] = tutorial.workflow_sid
            state["wrap_up"] = workspace.activities.create(friendly_name="WrapUp", available=False).sid
            workspace.workers(tutorial.workers["Alice"]).update(
                attributes=json.dumps({"languages": ["en", "es"], "contact_uri": ALICE_PHONE}))
            client.incoming_phone_numbers.create(phone_number=NUMBER, voice_url=base + "/incoming_call")

            def lifecycle() -> None:
                task = tutorial.create_task("es")
                tutorial.set_activity("Alice", "Idle")
                (reservation,) = workspace.tasks(task.sid).reservations.list(reservation_status="pending")
                workspace.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
                workspace.tasks(task.sid).update(assignment_status="completed", reason="bench")
                tutorial.set_activity("Alice", "Offline")

            def call() -> None:
                caller = control.place_call(CALLER, NUMBER)["sid"]
                control.press(caller, "1")
                tutorial.set_activity("Alice", "Idle")
                (ringing,) = client.calls.list(to=ALICE_PHONE, status="ringing")
                control.answer(ringing.sid)
                control.hang_up(caller)
                task = workspace.tasks.list(assignment_status="assigned")[0]
                workspace.tasks(task.sid).update(assignment_status="completed", reason="bench")
                tutorial.set_activity("Alice", "Offline")

            samples: dict[str, list[float]] = {"lifecycle": [], "call": []}
            for _ in range(repeats):  # interleaved, so drift in the machine's speed hits both alike
                for name, run in (("lifecycle", lifecycle), ("call", call)):
                    state["voice"] = name == "call"
                    started = time.perf_counter()
                    run()
                    samples[name].append((time.perf_counter() - started) * 1000)
    finally:
        server.shutdown()
    lifecycle_ms = round(statistics.median(samples["lifecycle"]), 2)
    call_ms = round(statistics.median(samples["call"]), 2)
    return {"lifecycle_ms": lifecycle_ms, "call_ms": call_ms, "ratio": round(call_ms / lifecycle_ms, 2), "repeats": repeats}
