"""Readable errors for learners: what went wrong and what to do about it."""

from __future__ import annotations

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout as RequestsTimeout
from twilio.base.exceptions import TwilioException, TwilioRestException


class KitError(Exception):
    """A problem the kit can explain in one or two sentences."""


class BackendRefused(KitError):
    """An error answer from TaskRouter's side, Twilio's or the mock's own control plane: its HTTP status, Twilio's
    error code and the message (the kit never needs the mock's internal error classes to say what went wrong)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


HINTS = {
    20003: "The credentials were refused: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or unset both to use the bundled mock).",
    20404: "That resource does not exist: the SID may be from another workspace, or it was deleted. Re-run the setup cell.",
}


def explain(exc: BaseException) -> str:
    """One short paragraph for an exception raised by the twilio library or the kit."""
    if isinstance(exc, TwilioRestException):
        message = exc.msg
        if message.startswith("Unable to "):
            message = message.split(": ", 1)[-1]
        hint = HINTS.get(exc.code or 0, "")
        if "pending reservation" in message.lower():
            hint = "Accept or reject the worker's pending reservation first, or pass reject_pending_reservations=True."
        said = f"TaskRouter said (error {exc.code}): {message}" if exc.code else f"TaskRouter said: {message}"
        return said + (f"\n→ {hint}" if hint else "")
    if isinstance(exc, (RequestsConnectionError, RequestsTimeout)):
        where = getattr(getattr(exc, "request", None), "url", None) or "TaskRouter"
        return (f"Nothing answers at {where.split('/v1/')[0]}: the bundled mock has stopped, or the network is down.\n"
                "→ `kit = trkit.connect()` starts the mock again (state kept, on the same address when it is free, so "
                "`tutorial` and dashboards work again; if not, `tutorial = kit.tutorial(reset=False)` after it); "
                "`.venv/bin/python -m trkit mock status` shows it.")
    if isinstance(exc, NameError):
        return (f"NameError: {exc}\n→ An earlier cell makes it. After a kernel restart every variable is gone: "
                "run the notebook from its first cell (Run ▸ Run All Cells, or the cells above in order).")
    if isinstance(exc, TwilioException):
        return f"TaskRouter request failed: {exc}. A list call with a bad filter value fails this way; check the filter."
    return f"{type(exc).__name__}: {exc}"


def error_html(exc: BaseException, css: str = "") -> str:
    """An error as a widget shows it: the short explanation, in red (``css``: a class to find it by)."""
    import html

    klass = f" class='{css}'" if css else ""
    return f"<span{klass} style='color:#dc322f'>{html.escape(explain(exc))}</span>"


def install_notebook_handler(shell=None) -> bool:
    """In IPython, show TaskRouter and kit errors (and a missing variable) as a short message instead of a traceback."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False

    def handler(shell, etype, value, tb, tb_offset=None):
        print(explain(value))
        return None

    shell.set_custom_exc((TwilioException, KitError, RequestsConnectionError, RequestsTimeout, NameError), handler)
    return True
