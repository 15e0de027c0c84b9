"""A phone-network scenario for rule tests: the quickstart's desk plus a number whose TwiML comes from
handlers written in the test, answered in-process (no HTTP) by :class:`ScriptedDispatcher`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scenario import Scenario, new_engine

from trkit.mock.callbacks import fallback_parameters

NUMBER = "+15005550006"  # the account's number the caller dials
CALLER = "+14155550100"
ALICE_PHONE = "+14155550111"
BASE = "https://learner.example"

Handler = Callable[[dict[str, str]], Any]  # the request's parameters -> TwiML text, or (status, content type, body)


class ScriptedDispatcher:
    """Answers the mock's webhooks from handlers keyed by path, and keeps every request it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.assignment: Callable[[dict[str, str]], dict] | None = None
        self.requests: list[dict[str, Any]] = []

    def submit(self, items, engine) -> list:
        for item in items:
            self.requests.append({"kind": item.kind, "url": item.url, "method": item.method, "params": dict(item.params),
                                  "account": item.workspace_sid, "call_sid": item.call_sid, "purpose": item.purpose})
            if item.kind == "voice":
                self._voice(item, engine)
            elif item.kind == "assignment" and self.assignment is not None:
                engine.reservations.apply_assignment_answer(item.reservation_sid, self.assignment(item.params))
        return []

    def _voice(self, item, engine) -> None:
        """Like the mock's HTTP sender: the URL, then its fallback if the URL fails; the last answer is played."""
        tries = [item.url] + ([item.fallback_url] if item.fallback_url else [])
        params = dict(item.params)
        for i, url in enumerate(tries):
            if i:  # the fallback is a request of its own, told why the first failed
                self.requests.append({**self.requests[-1], "url": url, "method": item.fallback_method, "params": params})
            handler = self.routes.get(urlsplit(url).path)
            if handler is None:
                status, content_type, body = 404, "text/html", "not found"
            else:
                answer = handler(dict(params))
                status, content_type, body = answer if isinstance(answer, tuple) else (200, "application/xml", answer)
            if not 200 <= status < 300 and i < len(tries) - 1:
                params = fallback_parameters(item.params, url, status, None)
                continue
            engine.twiml.apply_voice_answer(item.call_sid, item.token, url, status, content_type, body)
            return

    def voice_requests(self, path: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["kind"] in ("voice", "voice-status") and (path is None or urlsplit(r["url"]).path == path)]


class Desk(Scenario):
    """The quickstart's workspace with a phone number pointed at ``/incoming_call``."""

    def __init__(self, **switches: Any) -> None:
        self.phone = ScriptedDispatcher()
        engine = new_engine()
        engine.dispatcher = self.phone
        for name, value in switches.items():
            setattr(engine.voice, name, value)
        super().__init__(engine=engine)
        self.activities["WrapUp"] = self.engine.configuration.create_activity(self.ws, "WrapUp", False).sid
        self.queue("Spanish", 'languages HAS "es"')
        self.queue("English", 'languages HAS "en"')
        self.workflow([{"expression": 'selected_language == "es"', "targets": [{"queue": "Spanish"}]}], default="English")
        self.worker("Alice", languages=["en", "es"], contact_uri=ALICE_PHONE)
        self.worker("Bob", languages=["en"])
        self.number = self.engine.calls.create_phone_number(NUMBER, voice_url=f"{BASE}/incoming_call").sid

    def route(self, path: str, handler: Handler) -> None:
        self.phone.routes[path] = handler

    def enqueue_spanish(self, action: str | None = None) -> None:
        wf = self.workflows["wf"]
        attrs = f' action="{action}"' if action else ""
        self.route("/incoming_call", lambda p: f'<Response><Enqueue workflowSid="{wf}"{attrs}>'
                                               '<Task>{"selected_language": "es"}</Task></Enqueue></Response>')

    def queued_spanish_call(self, after_queue: str = "<Response/>") -> tuple[str, str]:
        """A caller enqueued as a Spanish task, the Enqueue's action at ``/after_queue``: (call, task)."""
        self.enqueue_spanish(action=f"{BASE}/after_queue")
        self.route("/after_queue", lambda p: after_queue)
        call = self.dial_in()
        (task,) = self.engine.tasks.list_tasks(self.ws)
        return call, task.sid

    def dial_in(self) -> str:
        return self.engine.calls.place_call(CALLER, NUMBER).sid

    def call(self, sid: str):
        return self.engine.calls.call(sid)

    def set_phone(self, number: str, behaviour: str) -> None:
        """What the phone at ``number`` does when it rings: ring (someone answers), answer, busy, no-answer, fail."""
        self.engine.calls.set_phone(number, behaviour)

    def press_digits(self, sid: str, digits: str) -> None:
        self.engine.calls.press_digits(sid, digits)

    def buy_number(self, number: str, **fields: Any):
        """``POST IncomingPhoneNumbers``: the account's new number."""
        return self.engine.calls.create_phone_number(number, **fields)

    def update_phone_number(self, number_sid: str, **changes: Any):
        return self.engine.calls.update_phone_number(number_sid, **changes)

    def answer_call(self, sid: str) -> None:
        """The person at the other end picks up."""
        self.engine.calls.answer_call(sid)

    def hang_up(self, sid: str) -> None:
        self.engine.calls.hang_up(sid)

    def create_call(self, to: str, from_: str, **params: Any):
        """``POST Calls`` (url, twiml, status callbacks…): the call."""
        return self.engine.calls.create_call(to, from_, **params)

    def update_call(self, sid: str, **changes: Any):
        return self.engine.calls.update_call(sid, **changes)

    def list_calls(self, **filters: Any) -> list:
        return self.engine.calls.list_calls(**filters)

    def conferences(self) -> list:
        return self.engine.conferences.list_conferences()

    def heard(self, sid: str) -> list[str]:
        return [line["heard"] for line in self.engine.calls.call(sid).transcript]


GATHER = (f'<Response><Gather action="{BASE}/enqueue_call" numDigits="1" timeout="5">'
          '<Say language="es">Para Español oprime el uno.</Say>'
          '<Say language="en">For English, please hold or press two.</Say></Gather></Response>')


def offered_to_alice_without_a_contact_uri() -> tuple[Desk, str]:
    """A queued Spanish call offered to Alice, whose attributes give no contact_uri (an instruction must say ``to``)."""
    d = Desk()
    d.enqueue_spanish()
    d.dial_in()
    (task,) = d.list_tasks()
    d.update_worker(d.workers["Alice"], attributes=json.dumps({"languages": ["es"]}))
    d.set_activity("Alice", "Idle")
    return d, task.sid


def dequeue_to_alice(d: Desk, **extra) -> tuple[str, str]:
    d.phone.assignment = lambda p: {"instruction": "dequeue", "from": NUMBER, "post_work_activity_sid": d.activities["WrapUp"], **extra}
    call, task = d.queued_spanish_call("<Response><Say>Thanks for calling</Say></Response>")
    d.set_activity("Alice", "Idle")
    return call, task


def conference_for_alice(d: Desk, **extra) -> tuple[str, str, str]:
    caller, task = d.queued_spanish_call()
    d.set_activity("Alice", "Idle")
    d.engine.reservations.update_reservation(d.ws, d.offer(task), task_sid=task, instruction="conference",
                                instruction_params={"from": NUMBER, "post_work_activity_sid": d.activities["WrapUp"], **extra})
    leg = json.loads(d.fetch_task(task).attributes)["worker_call_sid"]
    return caller, task, leg
