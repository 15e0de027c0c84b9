"""The mock's own control plane under ``/mock/`` (same credentials as the API).

Not part of TaskRouter: a clock to move, state to reset, seed and dump, and
the log of callbacks the mock sent. Everything here is also a Python method
of :class:`~trkit.mock.engine.TaskRouterEngine`.
"""

from __future__ import annotations

from collections.abc import Callable

from .clock import iso
from .engine import TaskRouterEngine
from .errors import invalid
from .params import Params


def register_control(app, engine: TaskRouterEngine, route: Callable) -> None:
    from flask import request

    from .rest import _json

    def clock_body() -> dict:
        return {"now": iso(engine.now()), "epoch": engine.now(), "offset_seconds": engine.clock.offset,
                "next_due": iso(engine.next_due())}

    @route("/mock/clock", ["GET", "POST"])
    def mock_clock():
        if request.method == "POST":
            params = Params(request.form)
            seconds = request.form.get("Advance")
            if seconds is None:
                raise invalid("Missing required parameter Advance (seconds to move the clock forward)")
            try:
                amount = float(seconds)
            except ValueError:
                raise invalid(f"Advance must be a number of seconds, got {seconds!r}") from None
            if not 0 <= amount <= 30 * 86400:
                raise invalid(f"Advance must be between 0 and 2592000 seconds, got {amount}")
            del params
            engine.advance(amount)
        return _json(clock_body())

    @route("/mock/reset", ["POST"])
    def mock_reset():
        engine.reset()
        return _json({"reset": True, **clock_body()})

    @route("/mock/seed", ["POST"])
    def mock_seed():
        value = Params(request.form).int("Seed", 0, 2**63)
        if value is None:
            raise invalid("Missing required parameter Seed")
        engine.sids.seed(value)
        return _json({"seed": value})

    @route("/mock/state", ["GET"])
    def mock_state():
        return _json(engine.dump())

    @route("/mock/callbacks", ["GET"])
    def mock_callbacks():
        with engine.lock:
            entries = list(engine.callback_log)
        return _json({"callbacks": entries})
