"""Checks of the voice routes the learner writes: ``/incoming_call`` with ``<Gather>`` (notebook 05) and
``/enqueue_call`` with ``<Enqueue workflowSid>`` and ``<Task>`` (06). Each judges the TwiML the route answered,
as the kernel logged it, and what the call and TaskRouter did next."""

from __future__ import annotations

import json

from ..language.twiml import UnplayableAnswer, answer_verbs
from .evidence import Evidence, attributes_of, compact
from .objectives import CheckResult, failed, passed


def _voice_url_problem(objective: str, evidence: Evidence) -> CheckResult | None:
    url = evidence.kit.voice_url()
    if not evidence.served_here(url):
        return failed(objective, f"your number's voice URL is {url or 'empty'}, not your app.",
                      'point it at your route: number.update(voice_url=base_url + "/incoming_call").')
    return None


def _played(objective: str, record, route: str):
    """The verbs your route answered, or the failure that says why the call could not play them."""
    if record.handler != "your app":
        return failed(objective, f"the call asked {record.path} for TwiML, and your app has no route there (HTTP {record.status}): "
                                 "the caller hears an application error (11200).",
                      f"add @app.route(\"{route}\", methods=[\"GET\", \"POST\"]) to your app.")
    try:
        return answer_verbs(record.status, record.content_type, record.body)
    except UnplayableAnswer as exc:
        return failed(objective, f"your route answered {compact(record.body) or 'nothing'}; Twilio reads that as: {exc.reading}.",
                      'return Response(str(response), mimetype="application/xml") with a VoiceResponse.')


def _shape(verbs: list) -> str:
    """A document's top-level verbs, as the learner would recognise them."""
    return " ".join(f"<{v.name}>" for v in verbs) or "an empty <Response/>"


def incoming_call(evidence: Evidence) -> CheckResult:
    objective = "incoming-call"
    problem = _voice_url_problem(objective, evidence)
    if problem:
        return problem
    record = evidence.last_request("voice", "/incoming_call") or evidence.last_request("voice")
    if record is None:
        return failed(objective, "no call has asked your app for TwiML yet.", "call your number: call = kit.phone.call().")
    verbs = _played(objective, record, "/incoming_call")
    if isinstance(verbs, CheckResult):
        return verbs
    gathers = [v for v in verbs if v.name == "Gather"]
    shape = _shape(verbs)
    if not gathers:
        said = "Twilio hangs up at once" if not verbs else "the caller has no way to press a key"
        return failed(objective, f"your route answered {shape}: {said}.",
                      "put the prompts inside a Gather: with response.gather(action=\"/enqueue_call\", num_digits=1, timeout=5) as gather: gather.say(...)")
    gather = gathers[0]
    action = gather.get("action")
    if not action:
        return failed(objective, "your <Gather> has no action: the key the caller presses is sent back to /incoming_call, "
                                 "which asks again.", 'give it action="/enqueue_call".')
    if not action.endswith("/enqueue_call"):
        return failed(objective, f"your <Gather> sends the key to {action}.", 'the quickstart sends it to action="/enqueue_call".')
    if gather.get("numDigits") != "1":
        return failed(objective, f"your <Gather> has numDigits={gather.get('numDigits')!r}: the caller must press # after "
                                 "the key (or wait for the timeout).", "a one-key menu is num_digits=1.")
    prompts = [v.text for v in gather.children if v.name == "Say"]
    if not prompts:
        return failed(objective, "your <Gather> says nothing: the caller hears silence and does not know what to press.",
                      "nest the two prompts in it: gather.say(\"Para Español oprime el uno.\", language=\"es\") ...")
    return passed(objective, f"your route answered <Gather numDigits=\"1\" action=\"{action}\"> with {len(prompts)} prompts; "
                             f"the caller heard: {' / '.join(prompts)}")


def enqueue_call(evidence: Evidence) -> CheckResult:
    objective = "enqueue-call"
    record = evidence.last_request("voice", "/enqueue_call")
    if record is None:
        return failed(objective, "no request reached /enqueue_call.",
                      "the caller must press a key while the Gather listens (kit.phone.call(press=\"1\")) and your Gather's action must be /enqueue_call.")
    verbs = _played(objective, record, "/enqueue_call")
    if isinstance(verbs, CheckResult):
        return verbs
    enqueues = [v for v in verbs if v.name == "Enqueue"]
    shape = _shape(verbs)
    if not enqueues:
        return failed(objective, f"your route answered {shape}: no <Enqueue>, so no task is made and the call "
                                 f"{'ends' if not verbs else 'goes on without TaskRouter'}.",
                      "with response.enqueue(None, workflow_sid=tutorial.workflow_sid) as enqueue: enqueue.task(json.dumps({...}))")
    enqueue = enqueues[0]
    workflow = enqueue.get("workflowSid")
    if not workflow:
        return failed(objective, f"your <Enqueue> has no workflowSid ({compact(record.body)}): the call would wait in a plain "
                                 "Voice queue and TaskRouter makes no task.", "pass workflow_sid=tutorial.workflow_sid.")
    if workflow != evidence.tutorial.workflow_sid:
        return failed(objective, f"your <Enqueue> names workflowSid {workflow}, which is not the tutorial's workflow: the "
                                 "caller hears an application error and no task is made.",
                      f"use tutorial.workflow_sid ({evidence.tutorial.workflow_sid}).")
    tasks = [v for v in enqueue.children if v.name == "Task"]
    try:
        wanted = json.loads(tasks[0].text) if tasks else {}
    except ValueError:
        return failed(objective, f"your <Task> holds {tasks[0].text!r}, which is not JSON: the caller hears an application error.",
                      'build it with json.dumps({"selected_language": language}).')
    digits = record.params.get("Digits", "")
    expected = "es" if digits == "1" else "en"
    if not isinstance(wanted, dict) or "selected_language" not in wanted:
        return failed(objective, f"your <Task> is {compact(tasks[0].text) if tasks else 'missing'}: no selected_language, so "
                                 "the workflow's default filter decides the queue.",
                      '<Task> holds json.dumps({"selected_language": language}).')
    if wanted["selected_language"] != expected:
        return failed(objective, f"the caller pressed {digits or 'nothing'} but your task says selected_language "
                                 f"{json.dumps(wanted['selected_language'])}.",
                      "read the key with request.values.get(\"Digits\"): a POST sends it in the form, and request.args "
                      "holds only the URL's query string.")
    call_sid = record.params.get("CallSid", "")
    task = evidence.settle(lambda: next((t for t in evidence.tasks() if attributes_of(t).get("call_sid") == call_sid), None))
    if task is None:
        return failed(objective, f"no task of the workspace has call_sid {call_sid}.",
                      "look at kit.callbacks_table(\"voice\"): the last column says what Twilio made of your TwiML.")
    return passed(objective, f"your route answered <Enqueue workflowSid=\"{workflow}\"> with <Task>{compact(wanted)}</Task>: "
                             f"task {task.sid} is {task.assignment_status} in {task.task_queue_friendly_name!r}, "
                             f"the caller on hold.")
