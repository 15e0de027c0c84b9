"""Errors the mock answers with, in Twilio's JSON shape.

Every rule in the models raises :class:`TaskRouterError`; the REST layer turns
it into ``{"code", "message", "more_info", "status"}`` exactly as Twilio does.
"""

from __future__ import annotations


class TaskRouterError(Exception):
    """A refusal with Twilio's HTTP status, error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def invalid(message: str) -> TaskRouterError:
    """400 / 20001: an invalid or missing parameter (the message names it)."""
    return TaskRouterError(400, 20001, message)


def missing(param: str) -> TaskRouterError:
    return invalid(f"Missing required parameter {param} in the post body")


def not_found(path: str) -> TaskRouterError:
    return TaskRouterError(404, 20404, f"The requested resource {path} was not found")


def unauthorized(provided: bool) -> TaskRouterError:
    detail = "invalid username" if provided else "No credentials provided"
    return TaskRouterError(401, 20003, f"Authentication Error - {detail}")
