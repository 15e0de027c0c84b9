"""TaskRouter's ``conference`` instruction on the phone network: the reservation is accepted, the worker's
phone rings, and when she answers she and the waiting caller are put in a conference named by the
reservation. The conference ends when its last participant leaves (or one whose ``end_conference_on_exit``
is set); then the worker moves to the post-work activity and the task to ``wrapping`` with reason
``Conference ended``, as observed on Twilio (the instruction: https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks).

The conference options the instruction can carry beyond these (recording, beeps, hold music, regions…)
are kept with the reservation's instruction; the mock plays no audio for them.
"""

from __future__ import annotations

import json
from typing import Any

from ...language.lifecycles import CONFERENCE
from ...language.vocabulary import LIVE_CALL_STATUSES, ConferenceStatus
from .errors import ConferenceCallerGone, ConferenceFromInvalid, ConferenceToInvalid, NotFound
from .records import Call, Conference, Reservation
from .service import Service
from .transaction import read

CONFERENCE_ENDED = "Conference ended"  # the task's reason after the conference, as observed on Twilio


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


class Conferences(Service):
    """Conferences between a caller and a worker."""

    needs = ("account_sid", "calls", "clock", "lookups", "store", "tasks", "telephony", "twiml", "workers")

    @read
    def conference(self, sid: str) -> Conference:
        record = self.store.get("conference", sid)
        if record is None:
            raise NotFound(path=f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{sid}.json")
        return record

    @read
    def list_conferences(self, status: str | None = None, friendly_name: str | None = None) -> list[Conference]:
        found = sorted(self.store.all("conference"), key=lambda c: (-c.date_created, -self.store.seq(c.sid)))
        return [c for c in found if (status is None or c.status == status) and (friendly_name is None or c.friendly_name == friendly_name)]

    # ------------------------------------------------------------ the instruction
    def conference_instruction(self, res: Reservation, params: dict[str, Any]) -> None:
        caller = self.telephony.parked_caller(res, "conference", ConferenceCallerGone)
        to = self.telephony.worker_to(res, params, "conference", ConferenceToInvalid)
        task = self.store.get("task", res.task_sid)
        from_ = params.get("from") or task.attrs.get("to")
        now = self.clock.now()
        conference = Conference(sid=self.lookups.new_sid("CF"), account_sid=self.account_sid, friendly_name=res.sid, status=ConferenceStatus.INIT,
                                date_created=now, date_updated=now, reservation_sid=res.sid, task_sid=task.sid,
                                participants=({"call_sid": caller.sid, "label": "customer", "status": "waiting",
                                               "end_conference_on_exit": _true(params.get("end_conference_on_customer_exit"))},))
        self.store.put(conference)
        leg = self.telephony.worker_leg(res, to, from_, ConferenceToInvalid, ConferenceFromInvalid, int(params.get("timeout") or 60))
        leg.conference_sid = conference.sid
        leg.post_work_activity_sid = params.get("post_work_activity_sid")
        conference.participants = conference.participants + (
            {"call_sid": leg.sid, "label": "worker", "status": "waiting",
             "end_conference_on_exit": _true(params.get("end_conference_on_exit"))},)
        self.calls.ring(leg)

    # ------------------------------------------------------------ joining and leaving
    def answered_into_conference(self, leg: Call) -> bool:
        """The worker answered: she and the caller are in the conference (the caller leaves the queue for it)."""
        conference = self.store.get("conference", leg.conference_sid)
        customer = next((p for p in conference.participants if p["label"] == "customer"), None) if conference else None
        caller = self.store.get("call", customer["call_sid"]) if customer else None
        if conference is None or caller is None or caller.status != "in-progress":
            self.twiml.hear(leg, "(the caller is gone)")
            self.calls.hang_up_leg(leg, "completed")
            return True
        self.telephony.leave_wait(caller, "redirected", keep_task=True)
        for call in (caller, leg):
            call.conference_sid = conference.sid
            self.calls.wait(call, "conference")
            self.twiml.hear(call, f"(in conference {conference.friendly_name})")
        conference.participants = tuple({**p, "status": "connected", "joined_at": self.clock.now()} for p in conference.participants)
        self.set_conference_status(conference, ConferenceStatus.IN_PROGRESS)
        task = self.store.get("task", conference.task_sid)
        if task is not None:
            attributes = dict(task.attrs)
            attributes["conference"] = {"sid": conference.sid, "participants": {"worker": leg.sid, "customer": caller.sid}}
            task.attributes = json.dumps(attributes)
            self.lookups.touch(task)
        return True

    def left_conference(self, call: Call) -> None:
        """A participant hung up: the conference ends with the last one, or with one who ends it on exit."""
        conference = self.store.get("conference", call.conference_sid)
        if conference is None or conference.status == ConferenceStatus.COMPLETED:
            return
        leaving = next((p for p in conference.participants if p["call_sid"] == call.sid), {})
        conference.participants = tuple({**p, "status": "completed"} if p["call_sid"] == call.sid else p
                                        for p in conference.participants)
        self.lookups.touch(conference)
        staying = [p for p in conference.participants if p["status"] == "connected"]
        if conference.status == ConferenceStatus.INIT or not staying or leaving.get("end_conference_on_exit"):
            self.end_conference(conference, call, ends_it=bool(leaving.get("end_conference_on_exit")) and bool(staying))

    def set_conference_status(self, conference: Conference, status: ConferenceStatus) -> None:
        """Every conference status change goes through here, by the Conference lifecycle's table."""
        if CONFERENCE.allows(conference.status, status) is None:
            raise RuntimeError(f"Conference {conference.sid} cannot go from {conference.status} to {status}: "
                               "the Conference lifecycle has no such move")
        conference.status = str(status)
        self.lookups.touch(conference)

    def end_conference(self, conference: Conference, by: Call, ends_it: bool = False) -> None:
        """``by`` left and the conference ends: it was the last participant, or (``ends_it``) one who ends it on
        exit while others stayed; the Conference resource's ``reason_conference_ended`` says which
        (https://www.twilio.com/docs/voice/api/conference-resource)."""
        started = conference.status == ConferenceStatus.IN_PROGRESS
        self.set_conference_status(conference, ConferenceStatus.COMPLETED)
        conference.reason_conference_ended = "participant-with-end-conference-on-exit-left" if ends_it else "last-participant-left"
        conference.call_sid_ending_conference = by.sid
        worker_leg = None
        for participant in conference.participants:
            call = self.store.get("call", participant["call_sid"])
            if call is None:
                continue
            if participant["label"] == "worker":
                worker_leg = call
            if call.status in LIVE_CALL_STATUSES and call.sid != by.sid and (started or participant["label"] == "worker"):
                call.conference_sid = None  # it leaves with the conference
                self.calls.hang_up_leg(call, "completed" if call.status == "in-progress" else "canceled")
        if not started or worker_leg is None:
            return
        res = self.store.get("reservation", conference.reservation_sid)
        worker = self.store.get("worker", res.worker_sid) if res else None
        activity = self.store.get("activity", worker_leg.post_work_activity_sid) if worker_leg.post_work_activity_sid else None
        if worker is not None and activity is not None:
            self.workers.set_activity(worker, activity)
        task = self.store.get("task", conference.task_sid)
        if task is not None and task.assignment_status == "assigned":
            self.tasks.set_task_status(task, "wrapping", CONFERENCE_ENDED)
