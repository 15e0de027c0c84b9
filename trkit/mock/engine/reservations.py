"""Reservations: REST updates and assignment instructions (accept, reject, dequeue, call, redirect, ...)."""

from __future__ import annotations

from typing import Any

from ...language.lifecycles import RESERVATION
from ...language.vocabulary import INSTRUCTIONS
from .errors import InvalidParameter, RejectActivityInvalid, ReservationRescinded, TaskRouterError, UnknownInstruction
from .records import Activity, Reservation
from .service import Service
from .transaction import read, write


class Reservations(Service):
    """Reservation updates and instructions."""

    needs = ("conferences", "lookups", "offers", "store", "tasks", "telephony", "workers")

    @read
    def list_reservations(self, ws_sid: str, task_sid: str | None = None, worker_sid: str | None = None,
                          reservation_status: str | None = None, filter_worker_sid: str | None = None) -> list[Reservation]:
        if task_sid is not None:
            self.lookups.task(ws_sid, task_sid)
            items = self.store.reservations_of_task(task_sid)
        else:
            self.lookups.worker(ws_sid, worker_sid)
            items = self.store.reservations_of_worker(worker_sid)
        return [
            r for r in items
            if (reservation_status is None or r.reservation_status == reservation_status)
            and (filter_worker_sid is None or r.worker_sid == filter_worker_sid)
        ]

    @write
    def update_reservation(
        self,
        ws_sid: str,
        sid: str,
        task_sid: str | None = None,
        worker_sid: str | None = None,
        reservation_status: str | None = None,
        worker_activity_sid: str | None = None,
        instruction: str | None = None,
        instruction_params: dict[str, Any] | None = None,
        if_match: str | None = None,
    ) -> Reservation:
        res = self.lookups.reservation(ws_sid, sid, task_sid=task_sid, worker_sid=worker_sid)
        self.lookups.check_if_match(res, if_match)
        activity = self.lookups.activity_ref(ws_sid, worker_activity_sid, "WorkerActivitySid")
        if reservation_status is None and instruction is None:
            raise InvalidParameter("Missing required parameter ReservationStatus or Instruction in the post body")
        if instruction is not None:
            self._apply_instruction(res, instruction, instruction_params or {}, source="rest")
            return res
        self._apply_status(res, reservation_status, activity)
        return res

    def _state_error(self, res: Reservation, target: str) -> TaskRouterError:
        if res.reservation_status == "rescinded":
            return ReservationRescinded(f"Reservation {res.sid} has been rescinded and cannot be updated to [{target}]")
        return InvalidParameter(RESERVATION.refusals[target].format(sid=res.sid, current=res.reservation_status, target=target))

    def _apply_status(self, res: Reservation, status: str, activity: Activity | None) -> None:
        """A client's ``ReservationStatus``: allowed where the Reservation lifecycle lets a client ask for it."""
        allowed = RESERVATION.client_targets()
        if status in RESERVATION.statuses and status not in allowed:
            raise InvalidParameter(f"ReservationStatus cannot be set to {status!r}: use {', '.join(allowed[:-1])} or {allowed[-1]}")
        if status not in allowed:
            raise InvalidParameter(f"ReservationStatus {status!r} is not one of {', '.join(allowed)}")
        if RESERVATION.allows(res.reservation_status, status) is None:
            raise self._state_error(res, status)
        if status == "accepted":
            self.offers.accept(res)
        elif status == "rejected":
            self.offers.end_reservation(res, "rejected", activity=activity)
        else:  # wrapping or completed: the task moves, and its accepted reservations with it
            self.tasks.set_task_status(self.store.get("task", res.task_sid), status, None)
        if activity is not None and status in ("accepted", "wrapping", "completed"):
            self.workers.set_activity(self.store.get("worker", res.worker_sid), activity)

    def _apply_instruction(self, res: Reservation, instruction: str, params: dict[str, Any], source: str) -> None:
        name = instruction.lower()
        if name not in INSTRUCTIONS:
            raise InvalidParameter(f"Instruction {instruction!r} is not one of {', '.join(INSTRUCTIONS)}")
        if name == "supervise":
            if res.reservation_status != "accepted":
                raise InvalidParameter(f"Reservation {res.sid} must be accepted to be supervised")
            res.instruction = {"instruction": name, **params}
            self.lookups.touch(res)
            return
        if res.reservation_status != "pending":
            raise self._state_error(res, "accepted" if name != "reject" else "rejected")
        ws_sid = res.workspace_sid
        if name == "accept":
            self.offers.accept(res)
            return
        if name == "reject":
            activity = self.lookups.activity_ref(ws_sid, params.get("activity_sid"), "activity_sid")
            self.offers.end_reservation(res, "rejected", activity=activity)
            return
        if name in ("dequeue", "conference"):
            self.lookups.activity_ref(ws_sid, params.get("post_work_activity_sid"), "post_work_activity_sid")
        if name == "call" and (not params.get("url") or not params.get("from")):
            raise InvalidParameter("The call instruction needs url and from")
        if name == "redirect" and (not params.get("call_sid") or not params.get("url")):
            raise InvalidParameter("The redirect instruction needs call_sid and url")
        res.instruction = {"instruction": name, **params}
        self.lookups.touch(res)
        if name == "dequeue":
            self.telephony.dequeue(res, params)  # accepted when the worker answers and the caller is bridged
            return
        accepts = name == "conference" or str(params.get("accept", "false")).lower() == "true"
        if name == "call":
            self.telephony.call_worker(res, params)
        elif name == "redirect":
            self.telephony.redirect_call(res, params)
        elif name == "conference":
            self.conferences.conference_instruction(res, params)
        if accepts:
            self.offers.accept(res)

    @write
    def apply_assignment_answer(self, reservation_sid: str, answer: dict[str, Any]) -> str:
        """Act on an assignment callback's JSON answer; returns what was done."""
        res = self.store.get("reservation", reservation_sid)
        if res is None:
            return "reservation no longer exists"
        instruction = answer.get("instruction")
        if not instruction:
            return "no instruction: reservation stays pending (40005)"
        if res.reservation_status != "pending":
            return f"ignored: reservation is {res.reservation_status}"
        params = {k: v for k, v in answer.items() if k != "instruction"}
        try:
            self._apply_instruction(res, str(instruction), params, source="callback")
        except TaskRouterError as exc:
            # a bad instruction leaves the reservation as it was (warning in Twilio's debugger)
            if "is not one of" in exc.message:
                raise UnknownInstruction(exc.message) from None
            if instruction == "reject":
                raise RejectActivityInvalid(exc.message) from None
            raise
        return f"{instruction} applied"
