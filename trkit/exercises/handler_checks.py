"""Checks of the assignment handlers the learner writes: accept (notebook 03), reject into an activity (03),
dequeue (07). Each judges the answers the kernel's callback server logged and what TaskRouter did with them."""

from __future__ import annotations

from .evidence import Evidence, attributes_of, compact
from .objectives import CheckResult, failed, passed


def _answer_problem(objective: str, evidence: Evidence, record, wanted: str) -> CheckResult | None:
    """The failure an answer shows before its instruction is looked at: no route, an error, a reading that ignores it."""
    url = evidence.kit.callbacks.base_url + record.path
    if record.handler != "your app":
        return failed(objective, f"TaskRouter posted the assignment callback to {record.path}, which your app does not route "
                                 f"(the kit answered HTTP {record.status}).",
                      f"give your route the path of the workflow's assignment callback URL ({url}), or point the URL at your route.")
    if record.status != 200:
        return failed(objective, f"your handler at {record.path} answered HTTP {record.status}: TaskRouter does not process "
                                 "that answer and tries the fallback assignment callback URL.",
                      "make the view return 200; an exception in it shows in the cell's output or the kernel log.")
    reading = record.answer_reading()
    if reading.instruction is None:
        sent = f" as {record.content_type or 'no Content-Type'}" if reading.code == 40000 else ""
        return failed(objective, f"your handler answered {compact(record.body)}{sent}; Twilio reads that as {reading.why}.",
                      f'answer {wanted} as JSON: Response(json.dumps(answer), mimetype="application/json").')
    return None


def _workflow_points_here(objective: str, evidence: Evidence) -> CheckResult | None:
    url = evidence.workflow().assignment_callback_url
    if not evidence.served_here(url):
        return failed(objective, f"the workflow's assignment callback URL is {url or 'empty'}, which is not your app.",
                      'point it at your route: workflows(tutorial.workflow_sid).update(assignment_callback_url=base_url + "/assignment_callback").')
    return None


def _last_answer(objective: str, evidence: Evidence, wanted: str, how_to_get_one: str):
    """The newest assignment callback your route answered with an instruction TaskRouter acts on, or why there is none."""
    problem = _workflow_points_here(objective, evidence)
    if problem:
        return problem
    record = evidence.last_request("assignment")
    if record is None:
        return failed(objective, "no assignment callback has reached this kernel.", how_to_get_one)
    return _answer_problem(objective, evidence, record, wanted) or record


def accept_by_instruction(evidence: Evidence) -> CheckResult:
    objective = "accept-by-instruction"
    record = _last_answer(objective, evidence, '{"instruction": "accept"}',
                          "create a Spanish task and make Alice Idle: the reservation makes TaskRouter call your route.")
    if isinstance(record, CheckResult):
        return record
    name = str(record.answer.get("instruction"))
    if name.lower() != "accept":
        return failed(objective, f"your handler answered {compact(record.answer)}: TaskRouter carries out {name!r}.",
                      'this exercise asks for {"instruction": "accept"}.')
    task_sid = record.params.get("TaskSid", "")
    task = evidence.settle(lambda: _assigned(evidence, task_sid))
    status = task.assignment_status if task else evidence.workspace.tasks(task_sid).fetch().assignment_status
    if status != "assigned":
        return failed(objective, f"your handler answered accept but task {task_sid} is {status}.",
                      "the reservation may have ended before the answer: create a new task and run the cells again.")
    worker = _worker_name(evidence, record.params.get("WorkerSid"))
    return passed(objective, f"your handler answered {compact(record.answer)} and task {task_sid} is assigned to {worker}.")


def _worker_name(evidence: Evidence, sid: str | None) -> str:
    return next((name for name, known in evidence.tutorial.workers.items() if known == sid), sid or "nobody")


def _assigned(evidence: Evidence, task_sid: str):
    task = evidence.workspace.tasks(task_sid).fetch()
    return task if task.assignment_status == "assigned" else None


def reject_into_activity(evidence: Evidence) -> CheckResult:
    objective = "reject-into-activity"
    alice, bob = evidence.tutorial.workers["Alice"], evidence.tutorial.workers["Bob"]
    offline = evidence.tutorial.activities["Offline"]
    records = evidence.settle(lambda: [r for r in evidence.requests("assignment") if r.params.get("WorkerSid") == alice])
    if not records:
        return failed(objective, "no assignment callback for a reservation of Alice's has reached this kernel.",
                      "make Alice and Bob Idle, then create an English task (the cell below the handler).")
    record = records[-1]
    problem = _answer_problem(objective, evidence, record, '{"instruction": "reject", "activity_sid": offline}')
    if problem:
        return problem
    answer = record.answer
    name = str(answer.get("instruction")).lower()
    if name != "reject":
        return failed(objective, f"for Alice's reservation your handler answered {compact(answer)}, so she got the task.",
                      "answer reject when request.form['WorkerSid'] is Alice's.")
    activity = answer.get("activity_sid")
    if not activity:
        return failed(objective, f"for Alice's reservation your handler answered {compact(answer)}: without activity_sid "
                                 "Alice stays available, and TaskRouter may offer her the same task again.",
                      'add "activity_sid": offline (the Offline activity\'s SID) to the reject.')
    if activity != offline:
        named = evidence.activity_name(activity)
        if named is None:
            return failed(objective, f"for Alice's reservation your handler answered {compact(answer)}: {activity!r} is not an "
                                     "activity SID of this workspace, so TaskRouter cannot act on it and the reservation stays pending.",
                          f"activity_sid takes the activity's SID, tutorial.activities['Offline'] ({offline}), not its name.")
        return failed(objective, f"your handler rejected Alice's reservation into {named}, not Offline.",
                      f"use the Offline activity's SID, tutorial.activities['Offline'] ({offline}).")
    state = evidence.worker("Alice").activity_name
    task_sid = record.params.get("TaskSid", "")
    task = evidence.settle(lambda: _assigned(evidence, task_sid))
    bob_reservations = [r for r in evidence.workspace.tasks(task_sid).reservations.list() if r.worker_sid == bob]
    if task is None or not any(r.reservation_status == "accepted" for r in bob_reservations):
        bob_answers = [r for r in evidence.requests("assignment") if r.params.get("WorkerSid") == bob]
        said = f"your handler answered {compact(bob_answers[-1].answer)} for Bob" if bob_answers else "Bob was not offered it"
        return failed(objective, f"Alice is {state}, but task {task_sid} is not assigned to Bob: {said}.",
                      'answer {"instruction": "accept"} for every worker but Alice, and make Bob Idle before the task is created.')
    return passed(objective, f"your handler rejected Alice's reservation into {state} and accepted Bob's: task {task_sid} "
                             "is assigned to Bob.")


def dequeue(evidence: Evidence) -> CheckResult:
    objective = "dequeue"
    wanted = '{"instruction": "dequeue", "from": kit.phone_number, "post_work_activity_sid": wrap_up.sid}'
    record = _last_answer(objective, evidence, wanted,
                          "the caller must be waiting (press 1) and Alice Idle: then TaskRouter reserves her and calls your route.")
    if isinstance(record, CheckResult):
        return record
    answer = record.answer
    name = str(answer.get("instruction")).lower()
    if name != "dequeue":
        extra = " accept does no telephony: nobody rings Alice and the caller stays on hold." if name == "accept" else ""
        return failed(objective, f"your handler answered {compact(answer)}.{extra}", f"answer {wanted}.")
    wrap_up = evidence.activity_sid("WrapUp")
    post_work = answer.get("post_work_activity_sid")
    if not post_work:
        return failed(objective, f"your handler answered {compact(answer)}: without post_work_activity_sid Alice stays Busy "
                                 "after the call instead of moving to WrapUp.",
                      f'add "post_work_activity_sid": wrap_up.sid ({wrap_up}).')
    if post_work != wrap_up:
        named = evidence.activity_name(post_work)
        said = (f"{post_work!r} is not an activity SID of this workspace: TaskRouter refuses the dequeue (40130)"
                if named is None else f"it moves Alice to {named} after the call, not WrapUp")
        return failed(objective, f"your handler answered {compact(answer)}: {said}.",
                      f"post_work_activity_sid takes the WrapUp activity's SID, wrap_up.sid ({wrap_up}).")
    caller_id = answer.get("from")
    if caller_id and caller_id != evidence.kit.phone_number:
        return failed(objective, f"your handler answered {compact(answer)}: Twilio can only call from your own number "
                                 f"({evidence.kit.phone_number}), so the dequeue fails (40132).",
                      'use "from": kit.phone_number.')
    contact = _contact_uri(evidence)
    if not contact:
        return failed(objective, "your handler answered dequeue, but Alice has no contact_uri: TaskRouter has nobody to ring (40131).",
                      "give Alice a contact_uri (the exercise above).")
    ringing = evidence.settle(lambda: evidence.kit.client.calls.list(to=contact, limit=5))
    if not ringing:
        return failed(objective, f"your handler answered {compact(answer)} but no call to Alice's {contact} was placed.",
                      "look at kit.callbacks_table() and kit.explain() for what TaskRouter made of the answer.")
    return passed(objective, f"your handler answered {compact(answer)}; Twilio is calling Alice at {contact} "
                             f"from {ringing[0]._from}.")


def _contact_uri(evidence: Evidence) -> str:
    return str(attributes_of(evidence.worker("Alice")).get("contact_uri") or "")
