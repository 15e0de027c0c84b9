"""Every error the mock answers with, one class per Twilio error, in Twilio's JSON shape.

A rule raises the class of the error Twilio gives in that case, with a message naming what is wrong;
the REST layer renders ``{"code", "message", "more_info", "status"}`` as Twilio does. Each class says
its HTTP ``status``, Twilio's ``code``, when the mock answers it (its docstring) and, where the message
has a fixed form, its ``template``. docs/errors.md is written from it (``python -m trkit.mock.errors_page``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class TaskRouterError(Exception):
    """A refusal with Twilio's HTTP status, error code and a message naming what is wrong."""

    status: ClassVar[int] = 500
    code: ClassVar[int] = 20500
    template: ClassVar[str] = "{detail}"  # the message's fixed form, where it has one

    def __init__(self, detail: str = "", **fields: Any) -> None:
        self.message = self.template.format(detail=detail, **fields)
        super().__init__(self.message)

    @property
    def more_info(self) -> str:
        return f"https://www.twilio.com/docs/errors/{self.code}"

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "more_info": self.more_info, "status": self.status}


# ----------------------------------------------------------------- requests
class InvalidParameter(TaskRouterError):
    """A parameter is missing, malformed, out of range or not allowed in the resource's state; the message names it
    and what is wrong."""

    status = 400
    code = 20001


class MissingParameter(InvalidParameter):
    """A required parameter is missing."""

    template = "Missing required parameter {param} in the post body"


class NotEmulated(InvalidParameter):
    """A parameter Twilio documents that the mock does not emulate: refused, never ignored (docs/coverage.md lists
    them)."""


class ReservationRescinded(TaskRouterError):
    """The reservation was rescinded (another worker's was accepted first), so it cannot be accepted or rejected any
    more."""

    status = 410
    code = 20001


class PreconditionFailed(TaskRouterError):
    """``If-Match`` names a version the resource no longer has."""

    status = 412
    code = 20001
    template = "Precondition failed: {detail}"


class AuthenticationFailed(TaskRouterError):
    """The account SID and auth token (or API key) were not given or do not match."""

    status = 401
    code = 20003
    template = "Authentication Error - {detail}"


class MethodNotAllowed(TaskRouterError):
    """The resource does not answer that HTTP method."""

    status = 405
    code = 20004
    template = "Method {method} not allowed on {path}"


class NotComplete(TaskRouterError):
    """The resource cannot be deleted before it is complete (a live call)."""

    status = 400
    code = 20009


class InvalidAccessToken(TaskRouterError):
    """The worker SDK's access token is not signed by this account, or does not grant TaskRouter for this worker."""

    status = 401
    code = 20101


class AccessTokenExpired(TaskRouterError):
    """The worker SDK's access token has expired."""

    status = 401
    code = 20104


class NotFound(TaskRouterError):
    """No such resource: a wrong SID, another workspace's, or one deleted."""

    status = 404
    code = 20404
    template = "The requested resource {path} was not found"


class InternalError(TaskRouterError):
    """The mock failed on a request it should have answered: its log has the traceback, and nothing the request
    started was kept."""

    status = 500
    code = 20500
    template = "Internal server error: {detail}"


# ----------------------------------------------------------------- Voice
class UrlRequired(TaskRouterError):
    """A call needs ``Url`` or ``Twiml`` to know what to play."""

    status = 400
    code = 21205


class InvalidToNumber(TaskRouterError):
    """``To`` is not a phone number (E.164) or ``client:`` name."""

    status = 400
    code = 21211


class InvalidFromNumber(TaskRouterError):
    """``From`` is not a phone number (E.164)."""

    status = 400
    code = 21212


class CallNotInProgress(TaskRouterError):
    """The call is not in progress, so it cannot be redirected."""

    status = 400
    code = 21220


class NumberNotAvailable(TaskRouterError):
    """The phone number is already one of the account's."""

    status = 400
    code = 21422


class PhoneNumberRequired(TaskRouterError):
    """Buying a number needs ``PhoneNumber``."""

    status = 400
    code = 21452


# ----------------------------------------------------------------- reservation instructions
class RejectActivityInvalid(TaskRouterError):
    """``reject`` names an activity that is not the workspace's."""

    status = 400
    code = 40100


class CallToInvalid(TaskRouterError):
    """``call`` has no ``to`` (nor a ``contact_uri`` for the worker), or it cannot be dialled, or its status callback
    events are not Voice's."""

    status = 400
    code = 40110


class CallFromInvalid(TaskRouterError):
    """``call``'s ``from`` is not a phone number."""

    status = 400
    code = 40111


class CallNotPlaced(TaskRouterError):
    """``call``'s worker leg cannot be placed (its timeout is out of range)."""

    status = 400
    code = 40113


class RedirectCallInvalid(TaskRouterError):
    """``redirect``'s ``call_sid`` is not a live call."""

    status = 400
    code = 40121


class DequeueToInvalid(TaskRouterError):
    """``dequeue`` has no ``to`` (nor a ``contact_uri`` for the worker), or it cannot be dialled."""

    status = 400
    code = 40131


class DequeueFromInvalid(TaskRouterError):
    """``dequeue``'s ``from`` is not a phone number."""

    status = 400
    code = 40132


class DequeueFailed(TaskRouterError):
    """``dequeue`` cannot bridge: the caller is no longer waiting in a queue, or the timeout is out of range."""

    status = 400
    code = 40133


class DequeueStatusEventsInvalid(TaskRouterError):
    """``dequeue``'s status callback events are not Voice's (initiated, ringing, answered, completed)."""

    status = 400
    code = 40134


class ConferenceToInvalid(TaskRouterError):
    """``conference`` has no ``to`` (nor a ``contact_uri`` for the worker), or it cannot be dialled."""

    status = 400
    code = 40137


class ConferenceFromInvalid(TaskRouterError):
    """``conference``'s ``from`` is not a phone number."""

    status = 400
    code = 40138


class TaskHasNoCall(TaskRouterError):
    """The instruction works on a task ``<Enqueue>`` made: this one has no ``call_sid``."""

    status = 400
    code = 40140


class ConferenceCallerGone(TaskRouterError):
    """``conference`` cannot start: the caller is no longer waiting in a queue."""

    status = 400
    code = 40141


class UnknownInstruction(TaskRouterError):
    """The assignment callback's answer names an instruction TaskRouter does not know; the reservation stays pending."""

    status = 400
    code = 55555


CATALOGUE: tuple[type[TaskRouterError], ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, type) and issubclass(value, TaskRouterError)
    and value is not TaskRouterError)  # every class above
