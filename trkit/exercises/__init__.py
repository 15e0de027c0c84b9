"""Exercises: objectives the learner's code must meet, and checks that judge what that code did.

``kit.check(name)`` runs one (it records the outcome for ``kit.progress()``); ``OBJECTIVES`` lists them.
"""

from __future__ import annotations

from typing import Any

from ..errors import KitError
from . import handler_checks, progress, rest_checks, staffing_checks, voice_checks, worker_checks
from .evidence import Evidence
from .objectives import OBJECTIVES, CheckResult, Objective

CHECKS = {
    "create-task": rest_checks.create_task,
    "accept-by-rest": rest_checks.accept_by_rest,
    "accept-by-instruction": handler_checks.accept_by_instruction,
    "reject-into-activity": handler_checks.reject_into_activity,
    "incoming-call": voice_checks.incoming_call,
    "enqueue-call": voice_checks.enqueue_call,
    "contact-uri": worker_checks.contact_uri,
    "dequeue": handler_checks.dequeue,
    "access-token": worker_checks.access_token,
    "fewest-agents": staffing_checks.fewest_agents,
}
assert CHECKS.keys() == OBJECTIVES.keys(), "every objective has exactly one check"
TAKES_A_VALUE = {"access-token": 'kit.check("access-token", alice_token): the token is the evidence',
                 "fewest-agents": 'kit.check("fewest-agents", agents): the number you picked is the evidence'}


NEEDS_NO_WORKSPACE = {"fewest-agents"}  # judged on a simulated day, not on the tutorial's workspace


def run_check(kit, name: str, *evidence: Any) -> CheckResult:
    """Judge objective ``name`` from the backend's state (and, for a token, the value given)."""
    check = CHECKS.get(name)
    if check is None:
        raise KitError(f"There is no check {name!r}: the checks are {', '.join(CHECKS)}.")
    if name in TAKES_A_VALUE and len(evidence) != 1:
        raise KitError(f"This check judges a value you made: {TAKES_A_VALUE[name]}.")
    if name not in TAKES_A_VALUE and evidence:
        raise KitError(f"kit.check({name!r}) reads what your code did from TaskRouter itself: pass only the name.")
    result = check(None if name in NEEDS_NO_WORKSPACE else Evidence(kit), *evidence)
    progress.record(backend_key(kit), result)
    return result


def backend_key(kit) -> str:
    return "mock" if kit.mode == "mock" else kit.account_sid


__all__ = ["OBJECTIVES", "CHECKS", "CheckResult", "Objective", "run_check", "backend_key"]
