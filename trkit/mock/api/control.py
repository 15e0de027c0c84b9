"""The mock's own control plane under ``/mock/`` (same credentials as the API).

Not part of TaskRouter: a clock to move, state to reset, seed and dump, and the log of
callbacks the mock sent. Everything here is also a Python method of the engine.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..engine.errors import InvalidParameter
from .common import engine, json_response
from .params import Params

bp = Blueprint("control", __name__)
MAX_ADVANCE = 30 * 86400


@bp.route("/mock/clock", methods=["GET", "POST"])
def mock_clock():
    if request.method == "POST":
        seconds = request.form.get("Advance")
        if seconds is None:
            raise InvalidParameter("Missing required parameter Advance (seconds to move the clock forward)")
        try:
            amount = float(seconds)
        except ValueError:
            raise InvalidParameter(f"Advance must be a number of seconds, got {seconds!r}") from None
        if not 0 <= amount <= MAX_ADVANCE:
            raise InvalidParameter(f"Advance must be between 0 and {MAX_ADVANCE} seconds, got {amount}")
        engine.advance(amount)
    return json_response(engine.clock_state())


@bp.route("/mock/reset", methods=["POST"])
def mock_reset():
    engine.reset()
    return json_response({"reset": True, **engine.clock_state()})


@bp.route("/mock/seed", methods=["POST"])
def mock_seed():
    value = Params(request.form).int("Seed", 0, 2**63)
    if value is None:
        raise InvalidParameter("Missing required parameter Seed")
    engine.seed(value)
    return json_response({"seed": value})


@bp.route("/mock/state", methods=["GET"])
def mock_state():
    return json_response(engine.dump())


@bp.route("/mock/callbacks", methods=["GET"])
def mock_callbacks():
    return json_response({"callbacks": engine.callbacks()})
