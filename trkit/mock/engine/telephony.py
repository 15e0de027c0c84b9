"""Where the phone network meets TaskRouter: ``<Enqueue>`` makes a task of a call, ``dequeue``/``call``/
``redirect`` instructions and ``<Dial><Queue reservationSid>`` connect a worker to the caller, and a
call that ends moves the task and the worker on (https://www.twilio.com/docs/taskrouter/twiml-queue-calls).

Where the reference is unsure, the default it suggests is taken and can be switched (``VoiceSwitches``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ...language.twiml import TwimlError, Verb
from ...language.vocabulary import LIVE_CALL_STATUSES, WAITING_TASK_STATUSES, ConferenceStatus
from .checks import is_e164
from .errors import (
    CallFromInvalid,
    CallNotPlaced,
    CallToInvalid,
    DequeueFailed,
    DequeueFromInvalid,
    DequeueStatusEventsInvalid,
    DequeueToInvalid,
    NotEmulated,
    RedirectCallInvalid,
    TaskHasNoCall,
    TaskRouterError,
)
from .records import Call, Reservation
from .service import Service
from .transaction import Outbound

HOLD_MUSIC = "(hold music)"  # Twilio's default waitUrl playlist
DEQUEUE_TIMEOUT, MAX_DEQUEUE_TIMEOUT = 60, 999


@dataclass
class VoiceSwitches:
    """The reference's UNCONFIRMED points, as switches with its suggested defaults."""

    caller_hangup_reason: str = "hangup"  # the canceled task's reason when the caller hangs up while queued
    task_after_bridge: str = "assigned"  # what a dequeued task becomes when the bridged call ends: assigned|wrapping|completed
    unanswered_worker_call: str = "canceled"  # the reservation when the worker's phone is not answered: canceled|pending
    # where a worker whose phone was not answered goes: "timeout" (the workspace's timeout activity, as for a reservation
    # that times out, so the task is not offered straight back to a phone nobody answers) or "keep"
    unanswered_worker_activity: str = "timeout"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Telephony(Service):
    """Calls that become tasks, and tasks that become calls."""

    needs = ("account_sid", "calls", "clock", "conferences", "lookups", "offers", "outbox", "store", "tasks", "twiml", "voice", "workers")

    # ------------------------------------------------------------ Enqueue
    def enqueue(self, call: Call, verb: Verb) -> None:
        workflow_sid = verb.get("workflowSid")
        if not workflow_sid:
            raise TwimlError("<Enqueue> without workflowSid parks the call in a plain voice queue, which the mock "
                             "does not emulate: give workflowSid", 12200)
        wait_url = verb.get("waitUrl")
        if wait_url:
            raise TwimlError("<Enqueue waitUrl> documents are not emulated by the mock: leave waitUrl out for the default "
                             "hold music, or set it empty for silence", 12200)
        workflow = self.store.get("workflow", workflow_sid)
        if workflow is None:
            raise TwimlError(f"<Enqueue workflowSid={workflow_sid!r}> is not a workflow of this account", 12200)
        attributes = {_snake(k): v for k, v in self.calls.call_params(call).items() if k != "ParentCallSid"}
        attributes["call_status"] = "in-progress"
        priority = timeout = None
        for task in verb.children:
            try:
                extra = json.loads(task.text or "{}")
            except ValueError:
                raise TwimlError(f"<Task> must hold a JSON object, got {task.text!r}", 12200) from None
            if not isinstance(extra, dict):
                raise TwimlError(f"<Task> must hold a JSON object, got {task.text!r}", 12200)
            attributes.update(extra)  # the <Task> keys win over the call's (UNCONFIRMED; the reference's default)
            priority = int(task.get("priority")) if task.get("priority") else priority
            timeout = int(task.get("timeout")) if task.get("timeout") else timeout
        action = verb.get("action")
        call.queue = {"workflow_sid": workflow_sid, "action": self.twiml.absolute(call, action) if action else None,
                      "method": (verb.get("method") or "POST").upper(), "entered_at": self.clock.now(), "task_sid": None}
        self.calls.wait(call, "queue")
        if wait_url is None:
            self.twiml.hear(call, HOLD_MUSIC)
        try:
            task = self.tasks.create_task(workflow.workspace_sid, attributes=json.dumps(attributes), workflow_sid=workflow_sid,
                                    priority=priority, timeout=timeout, task_channel="voice")
        except TaskRouterError as exc:
            raise TwimlError(f"<Enqueue> could not create the task: {exc.message}", 12200) from None
        call.queue = {**call.queue, "task_sid": task.sid}
        call.task_sid = task.sid

    def _queue_result(self, call: Call, result: str) -> None:
        """The call leaves its queue: ask the Enqueue action URL with QueueResult (the caller's call goes on there)."""
        queue = call.queue or {}
        call.queue = None
        extra = self._action_parameters(queue, result)
        if queue.get("action") and call.status == "in-progress":
            call.documents = 0
            self.twiml.fetch(call, queue["action"], queue["method"], extra, purpose="enqueue-action")
        elif queue.get("action"):  # the caller is gone: the action still hears why, its answer plays to nobody
            params = {**self.calls.call_params(call), **extra}
            self.outbox.post(Outbound("voice-status", queue["action"], params, self.account_sid, method=queue["method"],
                                         call_sid=call.sid, purpose="enqueue-action"))
        elif call.status == "in-progress":
            self.calls.wait(call, None)
            self.twiml.play(call)  # no action: the document goes on after <Enqueue>

    def _action_parameters(self, queue: dict, result: str) -> dict[str, str]:
        """What the Enqueue action hears when the call leaves its queue: "QueueResult, QueueSid, QueueTime"
        (https://www.twilio.com/docs/voice/twiml/enqueue#attributes-action), the time counted until it left the queue."""
        left_at = queue.get("left_at", self.clock.now())  # a bridged caller left the queue when the bridge began
        return {"QueueResult": result, "QueueSid": "QU" + (queue.get("workflow_sid") or "")[2:],
                "QueueTime": str(int(left_at - queue.get("entered_at", left_at)))}

    def leave_wait(self, call: Call, why: str, keep_task: bool = False) -> None:
        """The call stops waiting (a redirect). A queued caller leaves the queue: the Enqueue action hears
        ``redirected`` (the call follows the new document), and the task is canceled unless a worker's
        reservation is what moved the call (the ``redirect`` instruction)."""
        if call.waiting == "queue" and call.queue is not None:
            if not keep_task:
                self._cancel_queued_task(call, why)
            queue = call.queue
            call.queue = None
            if queue.get("action"):
                self.outbox.post(Outbound("voice-status", queue["action"], {**self.calls.call_params(call), **self._action_parameters(queue, why)},
                                             self.account_sid, method=queue["method"], call_sid=call.sid, purpose="enqueue-action"))
        call.gather = None
        call.dial = None
        self.calls.wait(call, None)

    def _cancel_queued_task(self, call: Call, why: str) -> None:
        task = self.store.get("task", call.task_sid) if call.task_sid else None
        if task is not None and task.assignment_status in WAITING_TASK_STATUSES:
            self.tasks.set_task_status(task, "canceled", self.voice.caller_hangup_reason if why == "hangup" else why)

    # ------------------------------------------------------------ a call ends
    def call_ended(self, call: Call, was: str) -> None:
        if call.conference_sid:
            self.conferences.left_conference(call)
            return
        for conference in self.store.all("conference"):  # a caller gone before the worker answered: no conference
            if conference.status == ConferenceStatus.INIT and any(p["call_sid"] == call.sid for p in conference.participants):
                self.conferences.end_conference(conference, call)
        partner = self.store.get("call", call.bridged_with) if call.bridged_with else None
        if partner is not None:
            call.bridged_with = None
            partner.bridged_with = None
            self._bridge_ended(call, partner)
        elif call.queue is not None:
            self._cancel_queued_task(call, "hangup")  # the caller gave up: the task goes (twiml-queue-calls)
            self._queue_result(call, "hangup")
            for leg in self.store.all("call"):  # a worker's phone still ringing for this caller stops
                if leg.bridge_to == call.sid and leg.status in ("queued", "ringing"):
                    self.calls.hang_up_leg(leg, "canceled")
        elif call.reservation_sid and was == "ringing":
            self._worker_missed(call)
        if call.dial_parent and was != "in-progress":
            parent = self.store.get("call", call.dial_parent)
            if parent is not None and parent.status == "in-progress" and parent.waiting == "dial":
                self._dial_done(parent, call.status, call)
        for child in self.calls.list_calls(parent_call_sid=call.sid):
            if child.status in LIVE_CALL_STATUSES:
                self.calls.hang_up_leg(child, "completed" if child.status == "in-progress" else "canceled")

    def _bridge_ended(self, ended: Call, other: Call) -> None:
        if ended.dial_parent or other.dial_parent:  # a <Dial>: the dialling call goes on after it, or ends with it
            child, parent = (ended, other) if ended.dial_parent else (other, ended)
            if ended is child and parent.status == "in-progress":
                self._dial_done(parent, "completed", child)
            else:
                self.calls.hang_up_leg(child, "completed")
            return
        worker_leg, caller = (ended, other) if ended.reservation_sid else (other, ended)
        self._after_worker_call(worker_leg)
        if ended is caller:
            if caller.queue is not None:
                self._queue_result(caller, "bridged")  # the action hears it; the call is over
            self.calls.hang_up_leg(worker_leg, "completed")
        elif caller.queue is not None:
            self._queue_result(caller, "bridged")
        elif caller.waiting == "dial":
            self._dial_done(caller, "completed")
        else:
            self.calls.hang_up_leg(caller, "completed")

    def _after_worker_call(self, worker_leg: Call) -> None:
        """The bridged call is over: the worker moves to the post-work activity, the task as switched."""
        res = self.store.get("reservation", worker_leg.reservation_sid) if worker_leg.reservation_sid else None
        if res is None:
            return
        worker = self.store.get("worker", res.worker_sid)
        activity = self.store.get("activity", worker_leg.post_work_activity_sid) if worker_leg.post_work_activity_sid else None
        if worker is not None and activity is not None:
            self.workers.set_activity(worker, activity)
        task = self.store.get("task", res.task_sid)
        after = self.voice.task_after_bridge
        if task is not None and task.assignment_status == "assigned" and after != "assigned":
            self.tasks.set_task_status(task, after, "call ended" if after == "completed" else None)

    def _worker_missed(self, worker_leg: Call) -> None:
        """The worker's phone was not answered (busy, no answer, failed): the reservation as switched."""
        res = self.store.get("reservation", worker_leg.reservation_sid)
        if res is None or res.reservation_status != "pending" or self.voice.unanswered_worker_call != "canceled":
            return
        ws = self.lookups.workspace(res.workspace_sid)
        away = self.store.get("activity", ws.timeout_activity_sid) if self.voice.unanswered_worker_activity == "timeout" else None
        self.offers.end_reservation(res, "canceled", activity=away)

    # ------------------------------------------------------------ bridging
    def answered_by_worker(self, call: Call) -> bool:
        """A leg that connects on answer: a <Dial>'s party joins the call that dialled it; a dequeue leg is
        bridged to the parked caller and its reservation accepted."""
        if call.conference_sid:
            return self.conferences.answered_into_conference(call)
        if call.dial_parent:
            parent = self.store.get("call", call.dial_parent)
            if parent is None or parent.status != "in-progress" or parent.waiting != "dial":
                self.calls.hang_up_leg(call, "completed")
            else:
                self._bridge(parent, call, caller_waits="dial")
            return True
        if not call.bridge_to:
            return False
        caller = self.store.get("call", call.bridge_to)
        res = self.store.get("reservation", call.reservation_sid) if call.reservation_sid else None
        if caller is None or caller.status != "in-progress" or caller.waiting != "queue":
            self.twiml.hear(call, "(the caller is gone)")
            self.calls.hang_up_leg(call, "completed")
            return True
        if res is not None and res.reservation_status == "pending":
            self.offers.accept(res)
        self._bridge(caller, call)
        return True

    def _bridge(self, caller: Call, worker_leg: Call, caller_waits: str = "queue") -> None:
        self.twiml.hear(caller, f"(connected to {worker_leg.to})")
        self.twiml.hear(worker_leg, f"(connected to {caller.from_})")
        caller.bridged_with, worker_leg.bridged_with = worker_leg.sid, caller.sid
        for party in (caller, worker_leg):  # QueueTime counts the wait in the queue, not the conversation
            if party.queue is not None and "left_at" not in party.queue:
                party.queue = {**party.queue, "left_at": self.clock.now()}
        self.calls.wait(worker_leg, "bridged")
        # the caller stays in its queue's (or its Dial's) books until the bridge ends: the result is reported then
        self.calls.wait(caller, caller_waits)

    # ------------------------------------------------------------ Dial
    def dial(self, call: Call, verb: Verb) -> None:
        nouns = list(verb.children) or ([Verb("Number", text=verb.text)] if verb.text else [])
        if len(nouns) != 1:
            raise TwimlError("<Dial> rings one party on the mock: one <Number>, <Client> or <Queue>", 12200)
        noun = nouns[0]
        call.dial = {"action": self.twiml.absolute(call, verb.get("action")) if verb.get("action") else None,
                     "method": (verb.get("method") or "POST").upper()}
        if noun.name == "Queue":
            self._dial_queue(call, noun)
            return
        to = noun.text if noun.name == "Number" else f"client:{noun.text}"
        from_ = verb.get("callerId") or call.from_  # without callerId the dialled phone shows the caller's number
        child = self.calls.new_call(to, from_, "outbound-dial", parent_call_sid=call.sid, dial_parent=call.sid,
                               ring_timeout=int(verb.get("timeout", "30")))
        self.calls.wait(call, "dial")
        self.calls.ring(child)

    def _dial_queue(self, call: Call, noun: Verb) -> None:
        res_sid = noun.get("reservationSid")
        if not res_sid:
            raise TwimlError("<Dial><Queue> by queue name is not emulated by the mock: give reservationSid", 12200)
        res = self.store.get("reservation", res_sid)
        if res is None or res.reservation_status != "pending":
            status = "gone" if res is None else res.reservation_status
            raise TwimlError(f"<Queue reservationSid={res_sid!r}>: the reservation is {status}, not pending", 12200)
        caller = self._caller_of(res)
        if caller is None:
            raise TwimlError(f"<Queue reservationSid={res_sid!r}>: no caller waits for task {res.task_sid}", 12200)
        call.reservation_sid = res.sid
        call.post_work_activity_sid = noun.get("postWorkActivitySid")
        self.offers.accept(res)
        self._bridge(caller, call)

    def _dial_done(self, call: Call, status: str, dialled: Call | None = None) -> None:
        """The <Dial> is over: its action hears how it went (DialCallStatus; with the dialled leg, its SID, how
        long it lasted and whether it was bridged), or the next verb plays."""
        dial = call.dial or {}
        call.dial = None
        self.calls.wait(call, None)
        if dial.get("action"):
            call.documents = 0
            params = {"DialCallStatus": status}
            if dialled is not None:
                answered = dialled.start_time is not None
                params.update({"DialCallSid": dialled.sid, "DialBridged": "true" if answered else "false",
                               "DialCallDuration": str(int((dialled.end_time or self.clock.now()) - dialled.start_time) if answered else 0)})
            self.twiml.fetch(call, dial["action"], dial["method"], params, purpose="dial-action")
        else:
            self.twiml.play(call)

    def _caller_of(self, res: Reservation) -> Call | None:
        task = self.store.get("task", res.task_sid)
        call_sid = task.attrs.get("call_sid") if task is not None else None
        caller = self.store.get("call", call_sid) if isinstance(call_sid, str) else None
        return caller if caller is not None and caller.status == "in-progress" and caller.waiting == "queue" else None

    # ------------------------------------------------------------ TaskRouter's voice instructions
    def dequeue(self, res: Reservation, params: dict[str, Any]) -> None:
        """Ring the worker from ``from``; on answer the parked caller is bridged and the reservation accepted."""
        caller = self.parked_caller(res, "dequeue", DequeueFailed)
        to = self.worker_to(res, params, "dequeue", DequeueToInvalid)
        from_ = params.get("from") or self.store.get("task", res.task_sid).attrs.get("to")
        timeout = int(params.get("timeout") or DEQUEUE_TIMEOUT)
        if not 1 <= timeout <= MAX_DEQUEUE_TIMEOUT:
            raise DequeueFailed(f"dequeue timeout must be between 1 and {MAX_DEQUEUE_TIMEOUT}, got {timeout}")
        self._not_recording(params, "dequeue")
        leg = self.worker_leg(res, to, from_, DequeueToInvalid, DequeueFromInvalid, timeout)
        leg.bridge_to = caller.sid
        leg.post_work_activity_sid = params.get("post_work_activity_sid")
        self._leg_status_callback(leg, params, DequeueStatusEventsInvalid)
        self.calls.ring(leg)

    def call_worker(self, res: Reservation, params: dict[str, Any]) -> None:
        """``call``: ring the worker and play ``url`` to them; the reservation is accepted only with ``accept``."""
        to = self.worker_to(res, params, "call", CallToInvalid)
        self._not_recording(params, "call")
        timeout = int(params.get("timeout") or DEQUEUE_TIMEOUT)
        if not 1 <= timeout <= MAX_DEQUEUE_TIMEOUT:
            raise CallNotPlaced(f"call timeout must be between 1 and {MAX_DEQUEUE_TIMEOUT}, got {timeout}")
        leg = self.worker_leg(res, to, params.get("from", ""), CallToInvalid, CallFromInvalid, timeout)
        leg.url, leg.method = params["url"], "POST"
        self._leg_status_callback(leg, params, CallToInvalid)
        self.calls.ring(leg)

    def redirect_call(self, res: Reservation, params: dict[str, Any]) -> None:
        call = self.store.get("call", params.get("call_sid"))
        if call is None or call.status != "in-progress":
            raise RedirectCallInvalid(f"redirect: call {params.get('call_sid')!r} is not a live call")
        self.twiml.redirect(call, params["url"], "POST", keep_task=True)

    def parked_caller(self, res: Reservation, instruction: str, not_waiting: type[TaskRouterError]) -> Call:
        """The caller an <Enqueue> parked for this reservation's task: 40140 when the task is not from a call."""
        task = self.store.get("task", res.task_sid)
        call_sid = task.attrs.get("call_sid")
        if not call_sid:
            raise TaskHasNoCall(f"Task {task.sid} has no call_sid: {instruction} works on tasks made by <Enqueue>")
        caller = self._caller_of(res)
        if caller is None:
            raise not_waiting(f"Call {call_sid} is not waiting in a queue")
        return caller

    def worker_to(self, res: Reservation, params: dict[str, Any], instruction: str, refusal: type[TaskRouterError]) -> str:
        """Where an instruction rings the worker: its ``to``, else the worker's ``contact_uri``."""
        worker = self.store.get("worker", res.worker_sid)
        to = params.get("to") or worker.attrs.get("contact_uri")
        if not to or not isinstance(to, str):
            raise refusal(f"{instruction} needs 'to' or a contact_uri in the worker's attributes")
        return to

    @staticmethod
    def _not_recording(params: dict[str, Any], instruction: str) -> None:
        """Recording calls is not emulated: ``record`` may only ask for what happens anyway (no recording)."""
        record = str(params.get("record", "do-not-record")).lower()
        if record not in ("do-not-record", "false"):
            raise NotEmulated(f"{instruction} with record={params['record']!r}: recording calls is not "
                                              "emulated by the mock; leave record out (or do-not-record)")

    def _leg_status_callback(self, leg: Call, params: dict[str, Any], refusal: type[TaskRouterError]) -> None:
        """``status_callback_url``: Twilio GETs it for the worker's leg (``completed`` unless other events are named)."""
        url = params.get("status_callback_url")
        events = tuple(e.strip() for e in str(params.get("status_callback_event") or params.get("status_callback_events") or
                                              "completed").replace(" ", ",").split(",") if e.strip())
        wrong = [e for e in events if e not in ("initiated", "ringing", "answered", "completed")]
        if wrong:
            raise refusal(f"status_callback_events {', '.join(wrong)}: use initiated, ringing, answered, completed")
        if url:
            leg.status_callback, leg.status_callback_method, leg.status_callback_events = url, "GET", events

    def worker_leg(self, res: Reservation, to: str, from_: str, bad_to: type[TaskRouterError], bad_from: type[TaskRouterError],
                    timeout: int) -> Call:
        if not (is_e164(to) or to.startswith("client:")):
            raise bad_to(f"'to' {to!r} is not a phone number (E.164) or client:name")
        if not is_e164(from_ or ""):
            raise bad_from(f"'from' {from_!r} is not a phone number (E.164)")
        task = self.store.get("task", res.task_sid)
        leg = self.calls.new_call(to, from_, "outbound-api", reservation_sid=res.sid, task_sid=res.task_sid, ring_timeout=timeout)
        attributes = dict(task.attrs)
        attributes["worker_call_sid"] = leg.sid
        task.attributes = json.dumps(attributes)
        self.lookups.touch(task)
        res.instruction = {**(res.instruction or {}), "worker_call_sid": leg.sid}
        return leg
